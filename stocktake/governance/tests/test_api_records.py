"""Records and the review workflow through the API: the same services, rules and history as the web."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from stocktake.accounts.models import Affiliation
from stocktake.accounts.tests.api_client import call, make_token
from stocktake.accounts.tests.factories import actor_for, make_member, make_user
from stocktake.core.models import HistoryEntry
from stocktake.governance.checklist import CHECKLIST_KEYS
from stocktake.governance.models import Review
from stocktake.governance.services import initiative_register, initiative_submit
from stocktake.initiatives.choices import PublicationState
from stocktake.initiatives.models import Initiative
from stocktake.organisations.tests.factories import make_organisation

pytestmark = pytest.mark.django_db

REVIEW = {
    "scores": dict.fromkeys(CHECKLIST_KEYS, 2),
    "comments": {"evidence": "Link the final report."},
    "summary": "Complete and well evidenced.",
    "decision": "publish",
    "credit": "name",
    "declaration_signed": True,
    "signature": "Ana Expert",
}


@pytest.fixture
def world() -> dict[str, Any]:
    lead = make_organisation(name="Ministry of ICT")
    other = make_organisation(name="Telco Ltd")
    contributor = make_user(display_name="Cora Contributor")
    make_member(contributor, lead)
    outsider = make_user(display_name="Otto Outsider")
    make_member(outsider, other)
    reviewer = make_user(reviewer=True, display_name="Ana Expert")
    steward = make_user(steward=True)
    people = {"contributor": contributor, "outsider": outsider, "reviewer": reviewer, "steward": steward}
    keys = {name: make_token(user) for name, user in people.items()}
    return {"lead": lead, "other": other, **people, "keys": keys}


def _register(client: Client, world: dict[str, Any], **fields: Any) -> Any:
    body = {
        "organisation": world["lead"].slug,
        "code": "NEW/1",
        "kind": "project",
        "title": "Portal",
        **fields,
    }
    return call(client, "post", "/api/v1/records", body, key=world["keys"]["contributor"])


def _draft(world: dict[str, Any], code: str = "NEW/1") -> Initiative:
    return initiative_register(
        actor=actor_for(world["contributor"]),
        organisation=world["lead"],
        code=code,
        kind="project",
        title="Portal",
    )


def _submitted(world: dict[str, Any], code: str = "NEW/1") -> Initiative:
    return initiative_submit(actor=actor_for(world["contributor"]), initiative=_draft(world, code))


# Registering -----------------------------------------------------------------------------------------


def test_register_a_draft(client: Client, world: dict[str, Any]) -> None:
    response = _register(
        client,
        world,
        summary="One window for public services.",
        status="2",
        scope="national",
        planned_start="2024",
        planned_end="2026-06",
        actual_start="2024-02-15",
        venue_country="co",
        software=["Drupal"],
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["code"], body["code_normalised"], body["state"], body["version"]) == (
        "NEW/1",
        "NEW1",
        "draft",
        1,
    )
    assert (body["planned_start"], body["planned_end"], body["actual_start"]) == (
        "2024",
        "2026-06",
        "2024-02-15",
    )
    assert body["venue_country"] == "CO" and body["software"] == ["Drupal"] and body["status"] == "2"
    assert [(p["organisation"]["slug"], p["role"]) for p in body["partners"]] == [("ministry-of-ict", "lead")]
    assert [event["action"] for event in body["workflow_events"]] == ["register"]
    initiative = Initiative.objects.get(code="NEW/1")
    assert initiative.state == PublicationState.DRAFT and initiative.planned_end_precision == "month"
    assert initiative.summary == "One window for public services."


def test_register_names_every_wrong_field(client: Client, world: dict[str, Any]) -> None:
    response = _register(client, world, organisation="nowhere", planned_start="2024-13", venue_country="XX")
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert set(errors) == {"organisation", "planned_start", "venue_country"}
    assert "2024-13" in errors["planned_start"][0]
    # Values the model refuses are named by their field too.
    response = _register(client, world, kind="spaceship", status="99")
    assert response.status_code == 422 and set(response.json()["errors"]) == {"status"}
    response = _register(client, world, kind="spaceship")
    assert response.status_code == 422 and set(response.json()["errors"]) == {"kind"}
    assert not Initiative.objects.exists()


def test_register_for_an_organisation_one_does_not_belong_to_is_403(
    client: Client, world: dict[str, Any]
) -> None:
    entries = HistoryEntry.objects.count()
    body = {"organisation": world["lead"].slug, "code": "NEW/1", "kind": "project", "title": "Portal"}
    response = call(client, "post", "/api/v1/records", body, key=world["keys"]["outsider"])
    assert response.status_code == 403
    assert (
        response.json()["detail"]
        == "You can register initiatives only for organisations you are a member of."
    )
    assert not Initiative.objects.exists() and HistoryEntry.objects.count() == entries


def test_a_taken_code_is_named(client: Client, world: dict[str, Any]) -> None:
    assert _register(client, world).status_code == 201
    response = _register(client, world, code="new-1")
    assert response.status_code == 422 and list(response.json()["errors"]) == ["code"]


# Editing -----------------------------------------------------------------------------------------------


def test_a_member_of_another_organisation_cannot_edit(client: Client, world: dict[str, Any]) -> None:
    initiative = _draft(world)
    entries = HistoryEntry.objects.count()
    response = call(
        client,
        "patch",
        "/api/v1/records/NEW1",
        {"version": 1, "title": "Hijacked"},
        key=world["keys"]["outsider"],
    )
    assert response.status_code == 403 and response.json()["detail"] == "You cannot edit this record."
    assert HistoryEntry.objects.count() == entries
    initiative.refresh_from_db()
    assert (initiative.title, initiative.version) == ("Portal", 1)


def test_a_stale_version_is_409_with_the_current_record_then_a_retry_succeeds(
    client: Client, world: dict[str, Any]
) -> None:
    _draft(world)
    key = world["keys"]["contributor"]
    first = call(client, "patch", "/api/v1/records/NEW1", {"version": 1, "title": "Portal 2"}, key=key)
    assert first.status_code == 200 and first.json()["version"] == 2
    entries = HistoryEntry.objects.count()
    stale = call(client, "patch", "/api/v1/records/NEW1", {"version": 1, "summary": "Mine"}, key=key)
    assert stale.status_code == 409
    body = stale.json()
    assert "version 2" in body["detail"]
    assert body["current"]["version"] == 2 and body["current"]["title"] == "Portal 2"
    assert body["current"]["summary"] == ""
    assert HistoryEntry.objects.count() == entries
    retry = call(client, "patch", "/api/v1/records/NEW1", {"version": 2, "summary": "Mine"}, key=key)
    assert retry.status_code == 200
    assert (retry.json()["version"], retry.json()["title"], retry.json()["summary"]) == (
        3,
        "Portal 2",
        "Mine",
    )


def test_an_edit_writes_only_the_fields_sent(client: Client, world: dict[str, Any]) -> None:
    _register(client, world, summary="Kept", planned_start="2024-05", venue_country="CO")
    key = world["keys"]["contributor"]
    response = call(
        client,
        "patch",
        "/api/v1/records/NEW1",
        {"version": 1, "planned_start": None, "venue": "Bogotá"},
        key=key,
    )
    assert response.status_code == 200
    body = response.json()
    assert body["planned_start"] is None and body["venue"] == "Bogotá"
    assert body["summary"] == "Kept" and body["venue_country"] == "CO"


def test_an_edit_without_a_version_is_refused(client: Client, world: dict[str, Any]) -> None:
    _draft(world)
    response = call(client, "patch", "/api/v1/records/NEW1", {"title": "x"}, key=world["keys"]["contributor"])
    assert response.status_code == 422 and list(response.json()["errors"]) == ["version"]
    # A field the record does not have (or one only the workflow changes) is named, not ignored.
    response = call(
        client,
        "patch",
        "/api/v1/records/NEW1",
        {"version": 1, "state": "published"},
        key=world["keys"]["contributor"],
    )
    assert response.status_code == 422
    assert [error["loc"][-1] for error in response.json()["detail"]] == ["state"]
    assert Initiative.objects.get().title == "Portal"


def test_writes_on_an_unknown_record_are_404(client: Client, world: dict[str, Any]) -> None:
    response = call(client, "patch", "/api/v1/records/NOPE", {"version": 1}, key=world["keys"]["contributor"])
    assert response.status_code == 404 and "NOPE" in response.json()["detail"]


# Reading -------------------------------------------------------------------------------------------------


def test_a_draft_is_seen_by_its_editors_only(client: Client, world: dict[str, Any]) -> None:
    _draft(world)
    assert call(client, "get", "/api/v1/records/NEW1").status_code == 404
    assert call(client, "get", "/api/v1/records/NEW1", key=world["keys"]["outsider"]).status_code == 404
    assert call(client, "get", "/api/v1/records/NEW1/history").status_code == 404
    seen = call(client, "get", "/api/v1/records/NEW1", key=world["keys"]["contributor"])
    assert seen.status_code == 200 and seen.json()["state"] == "draft"
    assert call(client, "get", "/api/v1/records/NEW1", key=world["keys"]["steward"]).status_code == 200
    # A key that is sent must be valid, even where none is needed.
    assert call(client, "get", "/api/v1/records/NEW1", key="stk_unknown").status_code == 401


def test_history(client: Client, world: dict[str, Any]) -> None:
    _draft(world)
    key = world["keys"]["contributor"]
    call(client, "patch", "/api/v1/records/NEW1", {"version": 1, "title": "Portal 2"}, key=key)
    response = call(client, "get", "/api/v1/records/NEW1/history", key=key)
    assert response.status_code == 200
    newest = response.json()[0]
    assert (newest["source"], newest["action"], newest["object_type"]) == ("api", "update", "initiative")
    assert newest["actor"] == world["contributor"].username  # one's own name, as recorded
    changes = {change["field"]: (change["before"], change["after"]) for change in newest["changes"]}
    assert changes["title"] == ("Portal", "Portal 2") and changes["version"] == (1, 2)
    assert response.json()[-1]["action"] == "create"
    # Others see the names people chose to show, never their e-mail addresses.
    seen_by_steward = call(client, "get", "/api/v1/records/NEW1/history", key=world["keys"]["steward"]).json()
    assert seen_by_steward[0]["actor"] == world["contributor"].username
    grant_outsider_view = make_user(steward=False)
    make_member(grant_outsider_view, world["lead"])
    other_editor = call(
        client, "get", "/api/v1/records/NEW1/history", key=make_token(grant_outsider_view)
    ).json()
    assert other_editor[0]["actor"] == "Cora Contributor"


# The workflow ------------------------------------------------------------------------------------------


def test_the_workflow_end_to_end(client: Client, world: dict[str, Any]) -> None:
    keys = world["keys"]
    assert _register(client, world).status_code == 201
    submitted = call(client, "post", "/api/v1/records/NEW1/submit", key=keys["contributor"])
    assert submitted.status_code == 200 and submitted.json()["state"] == "submitted"

    queue = call(client, "get", "/api/v1/reviews/queue", key=keys["reviewer"]).json()
    assert [item["code_normalised"] for item in queue["waiting"]] == ["NEW1"] and queue["assigned"] == []
    taken = call(client, "post", "/api/v1/records/NEW1/take", key=keys["reviewer"])
    assert taken.status_code == 201
    review = taken.json()
    assert (review["record"], review["record_state"], review["status"]) == ("NEW1", "in-review", "open")
    queue = call(client, "get", "/api/v1/reviews/queue", key=keys["reviewer"]).json()
    assert queue["waiting"] == [] and [r["id"] for r in queue["assigned"]] == [review["id"]]

    completed = call(client, "post", f"/api/v1/reviews/{review['id']}/complete", REVIEW, key=keys["reviewer"])
    assert completed.status_code == 200
    body = completed.json()
    assert (body["status"], body["decision"], body["record_state"]) == ("completed", "publish", "published")
    assert body["credit_label"] == "Ana Expert" and "Ana Expert" in body["declaration"]

    public = call(client, "get", "/api/v1/records/NEW1")
    assert public.status_code == 200
    record = public.json()
    assert record["state"] == "published" and record["reviewed_version"] == record["version"]
    actions = [(event["action"], event["actor"]) for event in record["workflow_events"]]
    # Newest first; the reviewer's steps do not name them, and nobody's e-mail address is shown.
    assert actions == [
        ("publish", "a reviewer"),
        ("review-start", "a reviewer"),
        ("submit", "Cora Contributor"),
        ("register", "Cora Contributor"),
    ]
    initiative = Initiative.objects.get()
    assert set(
        HistoryEntry.objects.filter(
            object_id=str(initiative.pk), content_type__model="initiative"
        ).values_list("source", flat=True)
    ) == {"api"}

    # An edit to the published record goes live, marked until a reviewer confirms it.
    edited = call(
        client,
        "patch",
        "/api/v1/records/NEW1",
        {"version": record["version"], "title": "Portal 2"},
        key=keys["contributor"],
    )
    assert edited.json()["changed_since_review"] is True
    confirmed = call(client, "post", "/api/v1/records/NEW1/confirm", {"note": "Fine"}, key=keys["reviewer"])
    assert confirmed.status_code == 200 and confirmed.json()["changed_since_review"] is False


def test_a_reviewer_with_a_conflict_cannot_take(client: Client, world: dict[str, Any]) -> None:
    initiative = _submitted(world)
    Affiliation.objects.create(user=world["reviewer"], organisation=world["lead"], relation="former employer")
    entries = HistoryEntry.objects.count()
    queue = call(client, "get", "/api/v1/reviews/queue", key=world["keys"]["reviewer"]).json()
    assert queue["waiting"] == []
    response = call(client, "post", "/api/v1/records/NEW1/take", key=world["keys"]["reviewer"])
    assert response.status_code == 403
    assert response.json()["detail"].startswith("Conflict of interest")
    initiative.refresh_from_db()
    assert initiative.state == PublicationState.SUBMITTED
    assert not Review.objects.exists() and HistoryEntry.objects.count() == entries


def test_complete_names_the_missing_parts(client: Client, world: dict[str, Any]) -> None:
    _submitted(world)
    review = call(client, "post", "/api/v1/records/NEW1/take", key=world["keys"]["reviewer"]).json()
    response = call(
        client,
        "post",
        f"/api/v1/reviews/{review['id']}/complete",
        {"scores": {"completeness": 3}, "decision": "publish"},
        key=world["keys"]["reviewer"],
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert "score_smart" in errors and "summary" in errors and "declaration" in errors
    assert "score_completeness" not in errors
    assert Initiative.objects.get().state == PublicationState.IN_REVIEW
    # Only the assigned reviewer may complete it.
    other = make_user(reviewer=True)
    refused = call(client, "post", f"/api/v1/reviews/{review['id']}/complete", REVIEW, key=make_token(other))
    assert refused.status_code == 403 and Review.objects.get().status == "open"


def test_request_changes_then_resubmit(client: Client, world: dict[str, Any]) -> None:
    _submitted(world)
    keys = world["keys"]
    review = call(client, "post", "/api/v1/records/NEW1/take", key=keys["reviewer"]).json()
    changes = {**REVIEW, "decision": "changes"}
    response = call(client, "post", f"/api/v1/reviews/{review['id']}/complete", changes, key=keys["reviewer"])
    assert response.json()["record_state"] == "changes"
    record = call(client, "get", "/api/v1/records/NEW1", key=keys["contributor"]).json()
    edited = call(
        client,
        "patch",
        "/api/v1/records/NEW1",
        {"version": record["version"], "summary": "Now with evidence"},
        key=keys["contributor"],
    )
    assert edited.status_code == 200
    resubmitted = call(
        client, "post", "/api/v1/records/NEW1/submit", {"note": "Added"}, key=keys["contributor"]
    )
    assert resubmitted.json()["state"] == "submitted"
    assert resubmitted.json()["workflow_events"][0]["action"] == "resubmit"


def test_release_and_assign(client: Client, world: dict[str, Any]) -> None:
    _submitted(world)
    keys = world["keys"]
    review = call(client, "post", "/api/v1/records/NEW1/take", key=keys["reviewer"]).json()
    released = call(client, "post", f"/api/v1/reviews/{review['id']}/release", key=keys["reviewer"])
    assert released.status_code == 200
    assert (released.json()["status"], released.json()["record_state"]) == ("released", "submitted")

    body = {"reviewer": world["reviewer"].email.upper()}
    refused = call(client, "post", "/api/v1/records/NEW1/assign", body, key=keys["contributor"])
    assert refused.status_code == 403 and refused.json()["detail"] == "Only stewards assign reviewers."
    unknown = call(
        client, "post", "/api/v1/records/NEW1/assign", {"reviewer": "nobody@x.org"}, key=keys["steward"]
    )
    assert unknown.status_code == 422 and list(unknown.json()["errors"]) == ["reviewer"]
    assigned = call(client, "post", "/api/v1/records/NEW1/assign", body, key=keys["steward"])
    assert assigned.status_code == 201
    assert (assigned.json()["reviewer"], assigned.json()["record_state"]) == (
        world["reviewer"].username,
        "in-review",
    )
    by_id = call(
        client,
        "post",
        "/api/v1/records/NEW1/assign",
        {"reviewer": str(world["reviewer"].pk)},
        key=keys["steward"],
    )
    assert by_id.status_code == 201 and Review.objects.filter(status="open").get().pk == by_id.json()["id"]


def test_withdraw_and_send_back_are_for_stewards(client: Client, world: dict[str, Any]) -> None:
    keys = world["keys"]
    _submitted(world)
    review = call(client, "post", "/api/v1/records/NEW1/take", key=keys["reviewer"]).json()
    call(client, "post", f"/api/v1/reviews/{review['id']}/complete", REVIEW, key=keys["reviewer"])

    refused = call(
        client, "post", "/api/v1/records/NEW1/withdraw", {"reason": "Mine"}, key=keys["contributor"]
    )
    assert refused.status_code == 403 and Initiative.objects.get().state == PublicationState.PUBLISHED
    no_reason = call(client, "post", "/api/v1/records/NEW1/send-back", {"note": " "}, key=keys["steward"])
    assert no_reason.status_code == 422 and list(no_reason.json()["errors"]) == ["note"]
    sent_back = call(
        client, "post", "/api/v1/records/NEW1/send-back", {"note": "Check budget"}, key=keys["steward"]
    )
    assert sent_back.json()["state"] == "submitted"
    assert (
        call(client, "get", "/api/v1/records/NEW1").status_code == 404
    )  # out of the public registry meanwhile

    review = call(client, "post", "/api/v1/records/NEW1/take", key=keys["reviewer"]).json()
    call(client, "post", f"/api/v1/reviews/{review['id']}/complete", REVIEW, key=keys["reviewer"])
    withdrawn = call(
        client, "post", "/api/v1/records/NEW1/withdraw", {"reason": "Duplicate of X"}, key=keys["steward"]
    )
    assert withdrawn.status_code == 200
    assert (withdrawn.json()["state"], withdrawn.json()["withdrawn_reason"]) == (
        "withdrawn",
        "Duplicate of X",
    )
    gone = call(client, "get", "/api/v1/records/NEW1")
    assert gone.status_code == 410 and gone.json()["detail"] == "NEW/1 was withdrawn: Duplicate of X"
    assert call(client, "get", "/api/v1/records/NEW1", key=keys["contributor"]).json()["state"] == "withdrawn"


def test_the_queue_is_for_reviewers_and_stewards(client: Client, world: dict[str, Any]) -> None:
    _submitted(world)
    response = call(client, "get", "/api/v1/reviews/queue", key=world["keys"]["contributor"])
    assert response.status_code == 403
    steward_queue = call(client, "get", "/api/v1/reviews/queue", key=world["keys"]["steward"]).json()
    assert [item["code"] for item in steward_queue["waiting"]] == ["NEW/1"]


def test_the_queue_takes_the_same_queries_whatever_its_length(client: Client, world: dict[str, Any]) -> None:
    key = world["keys"]["reviewer"]
    for number in range(2):
        _submitted(world, code=f"Q/{number}")
    call(client, "get", "/api/v1/reviews/queue", key=key)  # warm the token's last-used stamp
    with CaptureQueriesContext(connection) as few:
        assert len(call(client, "get", "/api/v1/reviews/queue", key=key).json()["waiting"]) == 2
    for number in range(2, 6):
        _submitted(world, code=f"Q/{number}")
    with CaptureQueriesContext(connection) as many:
        assert len(call(client, "get", "/api/v1/reviews/queue", key=key).json()["waiting"]) == 6
    assert len(many) == len(few)
