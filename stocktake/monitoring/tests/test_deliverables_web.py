"""Deliverables on the web (workspace form with SMART hints, public section) and in the API."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from stocktake.accounts.tests.factories import make_member, make_user
from stocktake.core.history import Actor
from stocktake.core.partial_dates import PartialDate
from stocktake.initiatives.choices import PartnerRole, PublicationState
from stocktake.initiatives.services import participation_add
from stocktake.initiatives.tests.factories import make_initiative
from stocktake.monitoring.choices import DeliverableStatus
from stocktake.monitoring.models import Deliverable
from stocktake.monitoring.services.deliverables import deliverable_create
from stocktake.organisations.tests.factories import make_organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db: Any) -> dict[str, Any]:
    lead = make_organisation(name="Ministry of ICT")
    initiative = make_initiative(title="Rural connectivity")
    participation_add(
        actor=Actor.system("test"), initiative=initiative, organisation=lead, role=PartnerRole.LEAD
    )
    editor = make_user()
    make_member(editor, lead)
    return {"initiative": initiative, "lead": lead, "editor": editor}


def _url(initiative: Any, suffix: str = "new/") -> str:
    return f"/records/{initiative.code_normalised}/deliverables/{suffix}"


def test_editor_adds_a_deliverable_and_sees_its_smart_hints(client: Client, world: dict[str, Any]) -> None:
    initiative, lead = world["initiative"], world["lead"]
    client.force_login(world["editor"])
    page = client.get(_url(initiative))
    assert page.status_code == 200
    assert 'for="id_title"' in page.content.decode()
    response = client.post(
        _url(initiative),
        {
            "title": "Open 100 telecentres",
            "responsible": lead.pk,
            "due": "2005",
            "status": "planned",
            "level": "national",
        },
    )
    assert response.status_code == 302
    deliverable = Deliverable.objects.get(initiative=initiative)
    assert (deliverable.title, deliverable.responsible, deliverable.due_date) == (
        "Open 100 telecentres",
        lead,
        date(2005, 1, 1),
    )
    edit = client.get(response["Location"]).content.decode()
    assert "SMART check: 3 of 5" in edit  # specific, achievable, time-bound
    assert "Link it to an indicator" in edit and "Name the money, people or means" in edit


def test_checking_without_saving_recomputes_the_hints(client: Client, world: dict[str, Any]) -> None:
    initiative = world["initiative"]
    client.force_login(world["editor"])
    body = client.post(
        _url(initiative),
        {"title": "Promote ICT", "resources": "Two staff", "status": "planned", "check": "1"},
    ).content.decode()
    assert "SMART check: 1 of 5" in body
    assert not Deliverable.objects.exists()
    fragment = client.post(
        _url(initiative) + "?part=hints",
        {"title": "Adopt a law", "resources": "Two staff", "status": "planned", "check": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert fragment.status_code == 200
    assert fragment.content.decode().lstrip().startswith('<section id="smart-hints"')
    assert "SMART check: 2 of 5" in fragment.content.decode() and "<html" not in fragment.content.decode()


def test_text_in_a_number_field_is_refused_and_named(client: Client, world: dict[str, Any]) -> None:
    initiative = world["initiative"]
    client.force_login(world["editor"])
    response = client.post(
        _url(initiative),
        {"title": "x", "status": "planned", "due_offset_months": "three years", "due": "soon"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'role="alert"' in body
    assert 'href="#id_due_offset_months"' in body and "Or due within (months)" in body
    assert 'href="#id_due"' in body
    assert not Deliverable.objects.exists()


def test_service_errors_land_next_to_their_field(client: Client, world: dict[str, Any]) -> None:
    client.force_login(world["editor"])
    response = client.post(
        _url(world["initiative"]), {"title": "x", "status": "planned", "due_offset_months": "36"}
    )
    assert response.status_code == 400
    assert 'href="#id_due_anchor_date"' in response.content.decode()


def test_edit_evidence_and_delete(client: Client, world: dict[str, Any]) -> None:
    initiative = world["initiative"]
    deliverable = deliverable_create(actor=Actor.system("test"), initiative=initiative, title="Adopt a law")
    client.force_login(world["editor"])
    base = _url(initiative, f"{deliverable.pk}/")
    assert client.post(base, {"title": "Adopt two laws", "status": "on-track"}).status_code == 302
    deliverable.refresh_from_db()
    assert (deliverable.title, deliverable.status) == ("Adopt two laws", DeliverableStatus.ON_TRACK)
    bad = client.post(base + "evidence/", {"title": "Law", "url": "javascript:alert(1)"})
    assert bad.status_code == 400 and "https://" in bad.content.decode()
    assert (
        client.post(
            base + "evidence/", {"title": "Gazette", "url": "https://example.org/gazette"}
        ).status_code
        == 302
    )
    assert Deliverable.objects.get(pk=deliverable.pk).evidence == [
        {"title": "Gazette", "url": "https://example.org/gazette"}
    ]
    client.post(base + "evidence/remove/", {"url": "https://example.org/gazette"})
    assert Deliverable.objects.get(pk=deliverable.pk).evidence == []
    assert client.post(base + "delete/").status_code == 302
    assert not Deliverable.objects.filter(pk=deliverable.pk).exists()


def test_others_cannot_write(client: Client, world: dict[str, Any]) -> None:
    initiative = world["initiative"]
    deliverable = deliverable_create(actor=Actor.system("test"), initiative=initiative, title="Adopt a law")
    assert client.get(_url(initiative)).status_code == 302  # to sign in
    client.force_login(make_user())
    assert client.get(_url(initiative)).status_code == 403
    assert client.post(_url(initiative), {"title": "Sneaky", "status": "planned"}).status_code == 403
    assert client.post(_url(initiative, f"{deliverable.pk}/delete/")).status_code == 403
    assert list(Deliverable.objects.values_list("title", flat=True)) == ["Adopt a law"]


def test_workspace_and_public_sections(client: Client, world: dict[str, Any]) -> None:
    initiative, lead = world["initiative"], world["lead"]
    deliverable_create(
        actor=Actor.system("test"),
        initiative=initiative,
        title="Adopt a national e-strategy",
        responsible=lead,
        due=PartialDate.parse("2005"),
        due_text="by 2005",
        level="national",
    )
    deliverable_create(actor=Actor.system("test"), initiative=initiative, title="Promote ICT")
    public = client.get(initiative.get_absolute_url()).content.decode()
    assert "Commitments and deliverables" in public
    assert "Ministry of ICT" in public and "as stated: “by 2005”" in public
    assert "overdue" in public  # 2005 has passed and nothing was achieved
    assert "3 of 5" in public and "0 of 5" in public
    assert "SMART score of this record: 1.5 of 5" in public

    client.force_login(world["editor"])
    workspace = client.get(f"/records/{initiative.code_normalised}/").content.decode()
    assert _url(initiative) in workspace  # "Add a deliverable"
    assert "SMART score: 1.5 of 5" in workspace


def test_drafts_show_nothing_in_public(client: Client, world: dict[str, Any]) -> None:
    draft = make_initiative(state=PublicationState.DRAFT)
    deliverable_create(actor=Actor.system("test"), initiative=draft, title="Secret plan")
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert "Secret plan" not in client.get(f"/api/v1/initiatives/{draft.code_normalised}").content.decode()


def test_the_api_gives_the_smart_score(client: Client, world: dict[str, Any]) -> None:
    initiative = world["initiative"]
    assert client.get(f"/api/v1/initiatives/{initiative.code_normalised}").json()["smart_score"] is None
    deliverable_create(
        actor=Actor.system("test"),
        initiative=initiative,
        title="Adopt a law",
        resources="staff",
        due=PartialDate.parse("2005"),
    )
    assert client.get(f"/api/v1/initiatives/{initiative.code_normalised}").json()["smart_score"] == 3.0
