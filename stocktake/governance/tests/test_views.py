"""The records pages through the Django test client: registration, editing and merging, workflow actions
by role, the review form, the public page, the history tab and the checklist."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from stocktake.accounts.tests.factories import PASSWORD, actor_for, make_member, make_user
from stocktake.core.models import HistoryEntry
from stocktake.governance.checklist import CHECKLIST
from stocktake.governance.choices import ReviewDecision, ReviewerCredit, ReviewStatus
from stocktake.governance.models import Review, WorkflowEvent
from stocktake.governance.services import (
    ReviewInput,
    initiative_edit,
    initiative_register,
    initiative_submit,
    initiative_withdraw,
    review_complete,
    review_take,
)
from stocktake.initiatives.choices import PartnerRole, PublicationState
from stocktake.initiatives.models import Initiative
from stocktake.initiatives.services import participation_add
from stocktake.organisations.tests.factories import make_organisation

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def world() -> dict[str, Any]:
    lead = make_organisation(name="Ministry of ICT")
    other = make_organisation(name="Telco Ltd")
    contributor = make_user(display_name="Cora Contributor")
    make_member(contributor, lead)
    colleague = make_user(display_name="Colin Colleague")
    make_member(colleague, lead)
    outsider = make_user()
    make_member(outsider, other)
    reviewer = make_user(reviewer=True, display_name="Ana Expert")
    steward = make_user(steward=True)
    return {
        "lead": lead,
        "other": other,
        "contributor": contributor,
        "colleague": colleague,
        "outsider": outsider,
        "reviewer": reviewer,
        "steward": steward,
    }


def _draft(world: dict[str, Any], code: str = "WEB/1", **fields: Any) -> Initiative:
    return initiative_register(
        actor=actor_for(world["contributor"]),
        organisation=world["lead"],
        code=code,
        kind="project",
        title=fields.pop("title", "E-government portal"),
        **fields,
    )


def _publish(world: dict[str, Any], initiative: Initiative) -> Review:
    initiative_submit(actor=actor_for(world["contributor"]), initiative=initiative)
    review = review_take(actor=actor_for(world["reviewer"]), initiative=initiative)
    data = ReviewInput(
        scores={item.key: 2 for item in CHECKLIST} | {"evidence": 3},
        comments={},
        summary="Complete and well evidenced.",
        decision=ReviewDecision.PUBLISH,
        credit=ReviewerCredit.NAME,
        declaration_signed=True,
        signature="Ana Expert",
    )
    review_complete(actor=actor_for(world["reviewer"]), review=review, data=data)
    initiative.refresh_from_db()
    return review


class _FormReader(HTMLParser):
    """The fields of the form posting to ``action``, with what a browser would send."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self.select: str | None = None
        self.textarea: str | None = None
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.inside = attributes.get("action") == self.action
        if not self.inside:
            return
        name = attributes.get("name", "")
        if tag == "input" and name:
            kind = attributes.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in attributes:
                return
            self.fields.append((name, attributes.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select":
            self.select = name
        elif tag == "option" and self.select and "selected" in attributes:
            self.fields.append((self.select, attributes.get("value", "")))
        elif tag == "textarea":
            self.textarea, self.text = name, ""

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            # A browser drops the newline that follows <textarea>.
            self.fields.append((self.textarea, self.text.removeprefix("\n")))
            self.textarea = None


def _form(html: str, action: str) -> dict[str, Any]:
    reader = _FormReader(action)
    reader.feed(html)
    data: dict[str, Any] = {}
    for name, value in reader.fields:
        if name in data:
            data[name] = [*data[name], value] if isinstance(data[name], list) else [data[name], value]
        else:
            data[name] = [value] if name in MULTI else value
    return data


MULTI = ("countries", "regions", "action_lines", "sdg_targets")


def _edit_data(client: Client, initiative: Initiative) -> dict[str, Any]:
    """The edit form as the browser would send it back unchanged."""
    url = reverse("governance:edit", args=[initiative.code_normalised])
    response = client.get(url)
    assert response.status_code == 200
    return _form(response.content.decode(), url)


# Registration ----------------------------------------------------------------------------------


def test_register_through_the_form_makes_a_draft_with_its_links(world: dict[str, Any]) -> None:
    client = _client(world["contributor"])
    page = client.get(reverse("governance:register"))
    assert page.status_code == 200
    assert 'name="organisation"' in page.content.decode()
    response = client.post(
        reverse("governance:register"),
        {
            "organisation": world["lead"].pk,
            "code": "REG/2024/1",
            "kind": "project",
            "title": "Rural connectivity",
            "language": "en",
            "planned_start": "2013-09",
            "planned_end": "2015",
            "countries": ["KE", "UG"],
            "action_lines": ["C2"],
            "sdg_targets": ["9.c"],
            "partner_org_0": world["other"].slug,
            "partner_role_0": PartnerRole.FUNDING,
            "budget_amount_0": "250000",
            "budget_currency_0": "usd",
        },
    )
    initiative = Initiative.objects.get(code="REG/2024/1")
    assert response.status_code == 302
    assert response["Location"] == reverse("governance:record", args=[initiative.code_normalised])
    assert initiative.state == PublicationState.DRAFT
    assert initiative.planned_start_date is not None and initiative.planned_start_date.iso() == "2013-09"
    assert initiative.planned_end_date is not None and initiative.planned_end_date.iso() == "2015"
    assert sorted(initiative.country_links.values_list("country_id", flat=True)) == ["KE", "UG"]
    assert list(initiative.action_line_links.values_list("action_line__code", flat=True)) == ["C2"]
    assert list(initiative.sdg_target_links.values_list("target__code", flat=True)) == ["9.c"]
    assert set(initiative.participations.values_list("organisation_id", "role")) == {
        (world["lead"].pk, PartnerRole.LEAD),
        (world["other"].pk, PartnerRole.FUNDING),
    }
    budget = initiative.budgets.get()
    assert (budget.amount, budget.currency) == (250000, "USD")


def test_register_for_another_organisation_is_refused_and_writes_nothing(world: dict[str, Any]) -> None:
    client = _client(world["contributor"])
    entries = HistoryEntry.objects.count()
    response = client.post(
        reverse("governance:register"),
        {
            "organisation": world["other"].pk,
            "code": "REG/2",
            "kind": "project",
            "title": "Not mine",
            "language": "en",
        },
    )
    assert response.status_code == 403
    assert not Initiative.objects.filter(code="REG/2").exists()
    assert HistoryEntry.objects.count() == entries


def test_register_shows_errors_next_to_fields_and_in_a_summary(world: dict[str, Any]) -> None:
    client = _client(world["contributor"])
    response = client.post(
        reverse("governance:register"),
        {
            "organisation": world["lead"].pk,
            "code": "REG/3",
            "kind": "project",
            "title": "T",
            "language": "en",
            "planned_start": "Sept 2013",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html
    assert 'id="id_planned_start_error"' in html
    assert not Initiative.objects.filter(code="REG/3").exists()


def test_register_needs_sign_in(client: Client) -> None:
    response = client.get(reverse("governance:register"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


# Editing and merging ---------------------------------------------------------------------------


def test_edit_saves_fields_and_links_in_one_version(world: dict[str, Any]) -> None:
    initiative = _draft(world)
    client = _client(world["contributor"])
    data = _edit_data(client, initiative)
    data.update(title="Portal, second phase", countries=["KE"])
    response = client.post(reverse("governance:edit", args=[initiative.code_normalised]), data)
    assert response.status_code == 302
    initiative.refresh_from_db()
    assert initiative.title == "Portal, second phase"
    assert list(initiative.country_links.values_list("country_id", flat=True)) == ["KE"]


def test_edit_by_a_member_of_another_organisation_is_refused(world: dict[str, Any]) -> None:
    initiative = _draft(world)
    _publish(world, initiative)
    client = _client(world["outsider"])
    data = {"version": initiative.version, "kind": "project", "title": "Hijacked", "language": "en"}
    response = client.post(reverse("governance:edit", args=[initiative.code_normalised]), data)
    assert response.status_code == 403
    initiative.refresh_from_db()
    assert initiative.title == "E-government portal"


def test_stale_edit_answers_409_and_merges_different_fields(world: dict[str, Any]) -> None:
    initiative = _draft(world, summary="First summary.")
    mine_client = _client(world["contributor"])
    data = _edit_data(mine_client, initiative)
    # A colleague saves another field meanwhile.
    initiative_edit(
        actor=actor_for(world["colleague"]),
        initiative=initiative,
        base_version=initiative.version,
        summary="The colleague's summary.",
    )
    data["title"] = "My new title"
    url = reverse("governance:edit", args=[initiative.code_normalised])
    response = mine_client.post(url, data)
    assert response.status_code == 409
    html = response.content.decode()
    assert "The colleague&#39;s summary." in html and "My new title" in html
    assert _outcome(html, "title") == "yours (they did not change it)"
    assert _outcome(html, "summary") == "theirs (you did not change it)"
    assert '<td class="prose">First summary.</td>' in html  # the value started from
    initiative.refresh_from_db()
    assert initiative.title == "E-government portal"  # nothing of mine saved yet
    resubmit = _form(html, url)
    saved = mine_client.post(url, resubmit)
    assert saved.status_code == 302
    initiative.refresh_from_db()
    assert initiative.title == "My new title"
    assert initiative.summary == "The colleague's summary."


def test_same_field_changed_by_both_lets_the_person_choose(world: dict[str, Any]) -> None:
    initiative = _draft(world)
    client = _client(world["contributor"])
    url = reverse("governance:edit", args=[initiative.code_normalised])
    data = _edit_data(client, initiative)
    initiative_edit(
        actor=actor_for(world["colleague"]),
        initiative=initiative,
        base_version=initiative.version,
        title="Their title",
    )
    data["title"] = "My title"
    response = client.post(url, data)
    assert response.status_code == 409
    html = response.content.decode()
    assert html.count('type="radio"') == 2 and 'name="resolve_title"' in html
    resubmit = _form(html, url) | {"resolve_title": "theirs"}
    assert client.post(url, resubmit).status_code == 302
    initiative.refresh_from_db()
    assert initiative.title == "Their title"

    # And the other way: keep mine.
    data = _edit_data(client, initiative)
    initiative_edit(
        actor=actor_for(world["colleague"]),
        initiative=initiative,
        base_version=initiative.version,
        title="Their second title",
    )
    data["title"] = "My second title"
    response = client.post(url, data)
    assert response.status_code == 409
    resubmit = _form(response.content.decode(), url)
    assert resubmit["resolve_title"] == "mine"  # the default
    assert client.post(url, resubmit).status_code == 302
    initiative.refresh_from_db()
    assert initiative.title == "My second title"


def test_merge_of_links_keeps_both_sides(world: dict[str, Any]) -> None:
    initiative = _draft(world)
    client = _client(world["contributor"])
    url = reverse("governance:edit", args=[initiative.code_normalised])
    data = _edit_data(client, initiative)
    colleague = _client(world["colleague"])
    their_data = _edit_data(colleague, initiative)
    their_data["countries"] = ["KE"]
    assert colleague.post(url, their_data).status_code == 302
    data["action_lines"] = ["C7"]
    response = client.post(url, data)
    assert response.status_code == 409
    html = response.content.decode()
    assert _outcome(html, "countries") == "theirs (you did not change it)"
    assert _outcome(html, "action_lines") == "yours (they did not change it)"
    assert 'id="merge-title"' not in html
    resubmit = _form(html, url)
    assert client.post(url, resubmit).status_code == 302
    assert list(initiative.country_links.values_list("country_id", flat=True)) == ["KE"]
    assert list(initiative.action_line_links.values_list("action_line__code", flat=True)) == ["C7"]


def _outcome(html: str, name: str) -> str:
    """The "kept" cell of a merge row."""
    row = html.split(f'<tr id="merge-{name}">', 1)[1].split("</tr>", 1)[0]
    return row.rsplit("<td>", 1)[1].split("</td>", 1)[0].strip()


# The record's workspace and its actions --------------------------------------------------------


def test_record_workspace_is_hidden_from_outsiders_until_published(
    world: dict[str, Any], client: Client
) -> None:
    initiative = _draft(world)
    url = reverse("governance:record", args=[initiative.code_normalised])
    assert client.get(url).status_code == 404
    assert _client(world["outsider"]).get(url).status_code == 404
    page = _client(world["contributor"]).get(url)
    assert page.status_code == 200
    assert reverse("governance:submit", args=[initiative.code_normalised]) in page.content.decode()
    assert _client(world["steward"]).get(url).status_code == 200


def test_workflow_actions_by_role(world: dict[str, Any]) -> None:
    initiative = _draft(world)
    code = initiative.code_normalised
    record_url = reverse("governance:record", args=[code])

    # An outsider cannot submit (the draft is not even visible to them).
    assert _client(world["outsider"]).post(reverse("governance:submit", args=[code])).status_code == 404
    contributor = _client(world["contributor"])
    response = contributor.post(reverse("governance:submit", args=[code]), {"note": "Ready"})
    assert response.status_code == 302 and response["Location"] == record_url
    initiative.refresh_from_db()
    assert initiative.state == PublicationState.SUBMITTED

    # The contributor is no reviewer: taking it is refused.
    assert contributor.post(reverse("governance:take", args=[code])).status_code == 403
    reviewer = _client(world["reviewer"])
    queue = reviewer.get(reverse("governance:queue"))
    assert queue.status_code == 200 and reverse("governance:take", args=[code]) in queue.content.decode()
    response = reviewer.post(reverse("governance:take", args=[code]))
    review = Review.objects.get(initiative=initiative)
    assert response.status_code == 302 and response["Location"] == reverse(
        "governance:review", args=[review.pk]
    )
    initiative.refresh_from_db()
    assert initiative.state == PublicationState.IN_REVIEW

    # The reviewer hands it back; a steward assigns it again.
    assert reviewer.post(reverse("governance:release", args=[review.pk])).status_code == 302
    initiative.refresh_from_db()
    assert initiative.state == PublicationState.SUBMITTED
    assert (
        contributor.post(
            reverse("governance:assign", args=[code]), {"reviewer": world["reviewer"].pk}
        ).status_code
        == 403
    )
    steward = _client(world["steward"])
    page = steward.get(record_url)
    assert f'<option value="{world["reviewer"].pk}">' in page.content.decode()
    assert (
        steward.post(
            reverse("governance:assign", args=[code]), {"reviewer": world["reviewer"].pk}
        ).status_code
        == 302
    )
    assert Review.objects.filter(
        initiative=initiative, status=ReviewStatus.OPEN, reviewer=world["reviewer"]
    ).exists()


def test_withdraw_and_send_back_are_for_stewards(world: dict[str, Any]) -> None:
    initiative = _draft(world)
    _publish(world, initiative)
    code = initiative.code_normalised
    contributor = _client(world["contributor"])
    assert contributor.post(reverse("governance:withdraw", args=[code]), {"reason": "x"}).status_code == 403
    steward = _client(world["steward"])
    # No reason: a message, nothing changes.
    response = steward.post(reverse("governance:withdraw", args=[code]), {"reason": " "}, follow=True)
    assert "reason" in response.content.decode().lower()
    initiative.refresh_from_db()
    assert initiative.state == PublicationState.PUBLISHED
    assert (
        steward.post(reverse("governance:send_back", args=[code]), {"note": "Check the budget"}).status_code
        == 302
    )
    initiative.refresh_from_db()
    assert initiative.state == PublicationState.SUBMITTED
    assert WorkflowEvent.objects.filter(
        initiative=initiative, action="send-back", note="Check the budget"
    ).exists()


def test_lead_grants_and_revokes_editing(world: dict[str, Any]) -> None:
    initiative = _draft(world)
    participation_add(
        actor=actor_for(world["contributor"]),
        initiative=initiative,
        organisation=world["other"],
        role="funding",
    )
    code = initiative.code_normalised
    assert _client(world["outsider"]).get(reverse("governance:edit", args=[code])).status_code == 404
    response = _client(world["contributor"]).post(
        reverse("governance:editors", args=[code]), {"organisation": world["other"].pk}
    )
    assert response.status_code == 302
    grant = initiative.editor_grants.get()
    assert _client(world["outsider"]).get(reverse("governance:edit", args=[code])).status_code == 200
    assert (
        _client(world["contributor"])
        .post(reverse("governance:editor_revoke", args=[code, grant.pk]))
        .status_code
        == 302
    )
    assert not initiative.editor_grants.exists()


def test_my_records_lists_drafts_first(world: dict[str, Any]) -> None:
    published = _draft(world, code="WEB/PUB")
    _publish(world, published)
    draft = _draft(world, code="WEB/DRAFT")
    _draft_other = initiative_register(
        actor=actor_for(world["outsider"]),
        organisation=world["other"],
        code="OTHER/1",
        kind="project",
        title="X",
    )
    response = _client(world["contributor"]).get(reverse("governance:records"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "OTHER/1" not in html
    assert html.index(draft.code) < html.index(published.code)


# Review ----------------------------------------------------------------------------------------


def _review_post(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {f"score_{item.key}": "2" for item in CHECKLIST}
    data.update(
        {
            "comment_evidence": "Link the final report.",
            "summary": "Complete and well evidenced.",
            "decision": ReviewDecision.PUBLISH,
            "credit": ReviewerCredit.NAME,
            "declaration_signed": "on",
            "signature": "Ana Expert",
        }
    )
    data.update(overrides)
    return data


def test_review_form_completes_and_publishes(world: dict[str, Any]) -> None:
    initiative = _draft(world)
    initiative_submit(actor=actor_for(world["contributor"]), initiative=initiative)
    review = review_take(actor=actor_for(world["reviewer"]), initiative=initiative)
    url = reverse("governance:review", args=[review.pk])
    assert _client(world["contributor"]).get(url).status_code == 403
    reviewer = _client(world["reviewer"])
    page = reviewer.get(url)
    assert page.status_code == 200
    assert "E-government portal" in page.content.decode()

    # Unsigned: refused, with the error at the declaration.
    refused = reviewer.post(url, _review_post(declaration_signed=""))
    assert refused.status_code == 400
    assert 'id="id_declaration_signed_error"' in refused.content.decode()
    initiative.refresh_from_db()
    assert initiative.state == PublicationState.IN_REVIEW

    response = reviewer.post(url, _review_post())
    assert response.status_code == 302
    initiative.refresh_from_db()
    review.refresh_from_db()
    assert initiative.state == PublicationState.PUBLISHED
    assert review.status == ReviewStatus.COMPLETED and review.scores["evidence"] == 2
    assert review.comments == {"evidence": "Link the final report."}


# The public page -------------------------------------------------------------------------------


def test_public_page_of_a_draft_is_404_and_editors_go_to_the_workspace(
    world: dict[str, Any], client: Client
) -> None:
    initiative = _draft(world)
    url = reverse("initiatives:detail", args=[initiative.code_normalised])
    assert client.get(url).status_code == 404
    response = _client(world["contributor"]).get(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("governance:record", args=[initiative.code_normalised])


def test_withdrawn_record_answers_410_with_its_reason(world: dict[str, Any], client: Client) -> None:
    initiative = _draft(world)
    _publish(world, initiative)
    initiative_withdraw(
        actor=actor_for(world["steward"]), initiative=initiative, reason="A duplicate of WEB/9"
    )
    response = client.get(reverse("initiatives:detail", args=[initiative.code_normalised]))
    assert response.status_code == 410
    html = response.content.decode()
    assert "E-government portal" in html and "A duplicate of WEB/9" in html


def test_published_page_shows_review_and_changed_since_review(world: dict[str, Any], client: Client) -> None:
    initiative = _draft(world)
    _publish(world, initiative)
    url = reverse("initiatives:detail", args=[initiative.code_normalised])
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Complete and well evidenced." in html and "Ana Expert" in html
    assert '<td class="num">3</td>' in html  # the evidence score
    assert "Changed since review" not in html
    initiative_edit(
        actor=actor_for(world["contributor"]),
        initiative=initiative,
        base_version=initiative.version,
        title="E-gov portal",
    )
    html = client.get(url).content.decode()
    assert "Changed since review" in html
    assert reverse("governance:history", args=[initiative.code_normalised]) in html


# History and checklist -------------------------------------------------------------------------


def test_history_tab_shows_a_readable_diff(world: dict[str, Any], client: Client) -> None:
    long_before = "The portal serves citizens in every district with online services. " * 3
    initiative = _draft(world, summary=long_before)
    _publish(world, initiative)
    initiative_edit(
        actor=actor_for(world["contributor"]),
        initiative=initiative,
        base_version=initiative.version,
        title="E-gov portal",
        summary=long_before.replace("every district", "every province"),
    )
    response = client.get(reverse("governance:history", args=[initiative.code_normalised]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<dt>title</dt>" in html
    assert "<del>E-government portal</del> → <ins>E-gov portal</ins>" in html
    assert "<del>district</del><ins>province</ins>" in html  # a word diff of the long text
    assert "(web)" in html


def test_history_of_a_draft_is_hidden_from_the_public(world: dict[str, Any], client: Client) -> None:
    initiative = _draft(world)
    url = reverse("governance:history", args=[initiative.code_normalised])
    assert client.get(url).status_code == 404
    assert _client(world["contributor"]).get(url).status_code == 200


def test_checklist_page_is_public(client: Client) -> None:
    response = client.get(reverse("governance:checklist"))
    assert response.status_code == 200
    html = response.content.decode()
    for item in CHECKLIST:
        assert str(item.title) in html
