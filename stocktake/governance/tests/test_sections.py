"""Narrative sections and documents in the record form: registration, editing (sections changed in
place, documents synchronised), the merge of two edits, field errors, and the service underneath."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from stocktake.accounts.tests.factories import actor_for, make_member, make_user
from stocktake.core.models import HistoryEntry
from stocktake.governance.services import DocumentLink, initiative_register, initiative_set_links
from stocktake.governance.tests.test_views import _client, _edit_data, _form, _outcome
from stocktake.initiatives.choices import SectionKind
from stocktake.initiatives.models import Document, Initiative, Section
from stocktake.initiatives.services import document_add, section_add
from stocktake.organisations.tests.factories import make_organisation

pytestmark = pytest.mark.django_db

OBJECTIVES = (
    "Bring every district office online, so that people can register a business, a birth or a plot of "
    "land without travelling to the capital."
)
REPORT = ("Final evaluation", "https://example.org/evaluation.pdf")
SITE = ("Project website", "https://portal.example.org/")


@pytest.fixture
def people() -> dict[str, Any]:
    lead = make_organisation(name="Ministry of ICT")
    contributor = make_user(display_name="Cora Contributor")
    make_member(contributor, lead)
    colleague = make_user(display_name="Colin Colleague")
    make_member(colleague, lead)
    return {"lead": lead, "contributor": contributor, "colleague": colleague}


def _draft(people: dict[str, Any]) -> Initiative:
    return initiative_register(
        actor=actor_for(people["contributor"]),
        organisation=people["lead"],
        code="SEC/1",
        kind="project",
        title="E-government portal",
        language="en",
    )


def _texts(initiative: Initiative) -> dict[str, str]:
    return dict(initiative.sections.values_list("kind", "text"))


def _documents(initiative: Initiative) -> set[tuple[str, str, str]]:
    return set(initiative.documents.values_list("title", "url", "category"))


def _url(initiative: Initiative) -> str:
    return reverse("governance:edit", args=[initiative.code_normalised])


def _row(data: dict[str, Any], title: str) -> int:
    """The index of the document row showing ``title``."""
    return next(
        int(key.removeprefix("document_title_"))
        for key, value in data.items()
        if key.startswith("document_title_") and value == title
    )


def _with_content(people: dict[str, Any]) -> Initiative:
    """A draft with two sections, a titled section and a comment the form must not touch, two documents."""
    initiative = _draft(people)
    actor = actor_for(people["contributor"])
    for kind, text in (
        (SectionKind.OBJECTIVES, OBJECTIVES),
        (SectionKind.CHALLENGES, "Patchy connectivity in rural districts."),
        (SectionKind.COMMENT, "Imported from the 2014 survey."),
    ):
        section_add(actor=actor, initiative=initiative, kind=kind, text=text)
    section_add(
        actor=actor, initiative=initiative, kind=SectionKind.OUTPUTS, heading="Phase one", text="A portal."
    )
    for title, url in (REPORT, SITE):
        document_add(actor=actor, initiative=initiative, title=title, url=url, category="A01")
    initiative.refresh_from_db()
    return initiative


# Registration ----------------------------------------------------------------------------------


def test_register_stores_sections_and_documents(people: dict[str, Any]) -> None:
    client = _client(people["contributor"])
    page = client.get(reverse("governance:register")).content.decode()
    assert '<label for="id_section_objectives">' in page
    assert '<label for="id_document_url_0">' in page and 'id="id_document_url_2"' not in page
    response = client.post(
        reverse("governance:register"),
        {
            "organisation": people["lead"].pk,
            "code": "SEC/REG",
            "kind": "project",
            "title": "Rural connectivity",
            "language": "fr",
            "section_objectives": "Connecter 300 villages.\r\nFormer 50 techniciens.",
            "section_lessons_learned": "Associer les autorités locales dès le début.",
            "document_title_0": REPORT[0],
            "document_url_0": REPORT[1],
            "document_category_0": "A07",
            "document_title_1": SITE[0],
            "document_url_1": "portal.example.org/",  # the scheme is assumed
        },
    )
    assert response.status_code == 302
    initiative = Initiative.objects.get(code="SEC/REG")
    assert _texts(initiative) == {
        "objectives": "Connecter 300 villages.\nFormer 50 techniciens.",
        "lessons_learned": "Associer les autorités locales dès le début.",
    }
    assert set(initiative.sections.values_list("language", flat=True)) == {"fr"}
    assert _documents(initiative) == {(*REPORT, "A07"), (*SITE, "")}


# Editing ---------------------------------------------------------------------------------------


def test_edit_updates_a_section_in_place_removes_one_and_syncs_documents(people: dict[str, Any]) -> None:
    initiative = _with_content(people)
    objectives = initiative.sections.get(kind=SectionKind.OBJECTIVES)
    report = initiative.documents.get(title=REPORT[0])
    version = initiative.version
    client = _client(people["contributor"])
    data = _edit_data(client, initiative)
    assert data["section_objectives"] == OBJECTIVES
    assert data["section_outputs"] == ""  # a titled section is not the form's
    data["section_objectives"] = OBJECTIVES.replace("office online", "office and school online")
    data["section_challenges"] = ""
    site = _row(data, SITE[0])
    data[f"document_title_{site}"] = data[f"document_url_{site}"] = data[f"document_category_{site}"] = ""
    data.update(document_title_2="Annual report 2015", document_url_2="https://example.org/2015.pdf")
    response = client.post(_url(initiative), data)
    assert response.status_code == 302
    initiative.refresh_from_db()
    assert initiative.version == version + 1  # one save, one version
    assert _texts(initiative) == {
        "objectives": OBJECTIVES.replace("office online", "office and school online"),
        "comment": "Imported from the 2014 survey.",
        "outputs": "A portal.",
    }
    assert initiative.sections.get(kind=SectionKind.OBJECTIVES).pk == objectives.pk
    assert _documents(initiative) == {
        (*REPORT, "A01"),
        ("Annual report 2015", "https://example.org/2015.pdf", ""),
    }
    assert initiative.documents.get(title=REPORT[0]).pk == report.pk

    entries = HistoryEntry.objects.filter(object_id=str(objectives.pk), content_type__model="section")
    update = entries.get(action="update")
    assert not entries.filter(action="delete").exists()
    assert update.before is not None and update.after is not None
    assert update.before["text"] == OBJECTIVES
    assert update.after["text"] == OBJECTIVES.replace("office online", "office and school online")
    assert update.parent_object_id == str(initiative.pk)
    assert HistoryEntry.objects.filter(
        content_type__model="section", action="delete", before__kind="challenges"
    ).exists()
    assert HistoryEntry.objects.filter(
        content_type__model="document", action="delete", object_repr=SITE[0]
    ).exists()

    history = client.get(reverse("governance:history", args=[initiative.code_normalised])).content.decode()
    # A word diff, not a removal and an addition.
    assert "Bring every district office<ins> and school</ins> online, so that" in history


def test_edit_without_changes_to_sections_writes_nothing(people: dict[str, Any]) -> None:
    initiative = _with_content(people)
    client = _client(people["contributor"])
    data = _edit_data(client, initiative)
    data["title"] = "Portal"
    entries = HistoryEntry.objects.count()
    assert client.post(_url(initiative), data).status_code == 302
    assert HistoryEntry.objects.count() == entries + 1  # the title only


def test_changing_a_documents_category_keeps_the_document(people: dict[str, Any]) -> None:
    initiative = _with_content(people)
    report = initiative.documents.get(title=REPORT[0])
    client = _client(people["contributor"])
    data = _edit_data(client, initiative)
    data[f"document_category_{_row(data, REPORT[0])}"] = "A07"
    assert client.post(_url(initiative), data).status_code == 302
    report.refresh_from_db()
    assert report.category == "A07"
    assert initiative.documents.count() == 2


def test_a_url_that_is_not_one_is_named_next_to_its_field(people: dict[str, Any]) -> None:
    initiative = _with_content(people)
    client = _client(people["contributor"])
    data = _edit_data(client, initiative)
    data.update(document_title_2="Slides", document_url_2="not a web address", section_objectives="New.")
    response = client.post(_url(initiative), data)
    assert response.status_code == 400
    html = response.content.decode()
    field = html.split('<label for="id_document_url_2">', 1)[1].split("</div>", 1)[0]
    assert 'id="id_document_url_2_error"' in field and "Enter a valid URL." in field
    summary = html.split('role="alert"', 1)[1].split("</div>", 1)[0]
    assert 'href="#id_document_url_2"' in summary
    assert 'value="not a web address"' in field  # what was typed is kept
    initiative.refresh_from_db()
    assert _texts(initiative)["objectives"] == OBJECTIVES
    assert initiative.documents.count() == 2


def test_a_document_needs_a_title(people: dict[str, Any]) -> None:
    initiative = _with_content(people)
    client = _client(people["contributor"])
    data = _edit_data(client, initiative) | {"document_url_2": "https://example.org/untitled.pdf"}
    response = client.post(_url(initiative), data)
    assert response.status_code == 400
    assert 'id="id_document_title_2_error"' in response.content.decode()
    assert initiative.documents.count() == 2


# Merging ---------------------------------------------------------------------------------------


def test_stale_edit_merges_their_section_with_my_document(people: dict[str, Any]) -> None:
    initiative = _with_content(people)
    client = _client(people["contributor"])
    data = _edit_data(client, initiative)
    colleague = _client(people["colleague"])
    their_data = _edit_data(colleague, initiative)
    their_data["section_challenges"] = "Connectivity, and the rainy season."
    assert colleague.post(_url(initiative), their_data).status_code == 302
    data.update(document_title_2="Slides", document_url_2="https://example.org/slides")
    response = client.post(_url(initiative), data)
    assert response.status_code == 409
    html = response.content.decode()
    assert _outcome(html, "section_challenges") == "theirs (you did not change it)"
    assert _outcome(html, "documents") == "yours (they did not change it)"
    assert 'id="merge-section_objectives"' not in html
    assert 'type="radio"' not in html
    assert client.post(_url(initiative), _form(html, _url(initiative))).status_code == 302
    initiative.refresh_from_db()
    assert _texts(initiative)["challenges"] == "Connectivity, and the rainy season."
    assert ("Slides", "https://example.org/slides", "") in _documents(initiative)
    assert len(_documents(initiative)) == 3


def test_same_section_changed_by_both_lets_the_person_choose(people: dict[str, Any]) -> None:
    initiative = _with_content(people)
    client = _client(people["contributor"])
    data = _edit_data(client, initiative)
    initiative_set_links(
        actor=actor_for(people["colleague"]),
        initiative=initiative,
        base_version=initiative.version,
        sections={"objectives": "Their objectives.\nOn two lines."},
    )
    data["section_objectives"] = "My objectives."
    response = client.post(_url(initiative), data)
    assert response.status_code == 409
    html = response.content.decode()
    assert 'name="resolve_section_objectives"' in html and html.count('type="radio"') == 2
    resubmit = _form(html, _url(initiative)) | {"resolve_section_objectives": "theirs"}
    # A browser sends the hidden texts' line breaks as CRLF.
    resubmit = {k: v.replace("\n", "\r\n") if isinstance(v, str) else v for k, v in resubmit.items()}
    assert client.post(_url(initiative), resubmit).status_code == 302
    initiative.refresh_from_db()
    assert _texts(initiative)["objectives"] == "Their objectives.\nOn two lines."


# The service -----------------------------------------------------------------------------------


def test_set_links_reads_several_untitled_sections_of_a_kind_as_one(people: dict[str, Any]) -> None:
    initiative = _draft(people)
    actor = actor_for(people["contributor"])
    for text in ("First part.", "Second part."):
        section_add(actor=actor, initiative=initiative, kind=SectionKind.OUTPUTS, text=text)
    client = _client(people["contributor"])
    data = _edit_data(client, initiative)
    assert data["section_outputs"] == "First part.\n\nSecond part."
    data["section_outputs"] = "First part.\n\nSecond part, revised."
    assert client.post(_url(initiative), data).status_code == 302
    assert list(initiative.sections.values_list("text", flat=True)) == [
        "First part.\n\nSecond part, revised."
    ]


def test_set_links_refuses_unknown_kinds_and_leaves_others_alone(people: dict[str, Any]) -> None:
    initiative = _with_content(people)
    actor = actor_for(people["contributor"])
    with pytest.raises(ValidationError):
        initiative_set_links(
            actor=actor, initiative=initiative, base_version=initiative.version, sections={"comment": ""}
        )
    assert initiative.sections.filter(kind=SectionKind.COMMENT).exists()
    before = set(Section.objects.values_list("pk", "text"))
    updated = initiative_set_links(
        actor=actor,
        initiative=initiative,
        base_version=initiative.version,
        documents=[DocumentLink(*REPORT, category="A01")],
    )
    assert set(Section.objects.values_list("pk", "text")) == before
    assert list(Document.objects.filter(initiative=initiative).values_list("title", flat=True)) == [REPORT[0]]
    assert updated.version == initiative.version + 1
