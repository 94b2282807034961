"""Every write route of the web and the API, for every kind of person: allowed or refused, and when
refused, nothing changed.

The people: nobody signed in, a member of another organisation, a member and an administrator of the
record's lead organisation, a reviewer with a conflict (a member of one of the record's partners), a
neutral reviewer, and a steward. The records: a draft, a submitted one, one in review with the neutral
reviewer, and a reviewed, published one edited since its review (with a progress report its member
submitted). A membership request waits for the lead organisation's administrators. The routes: the
review workflow, memberships and roles, and monitoring (results, deliverables, reporting, health).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from stocktake.accounts.choices import MembershipRole
from stocktake.accounts.models import Membership, Profile
from stocktake.accounts.tests.api_client import call, make_token
from stocktake.accounts.tests.factories import actor_for, make_member, make_user
from stocktake.core.models import HistoryEntry
from stocktake.governance.checklist import CHECKLIST
from stocktake.governance.models import EditorGrant, Review, WorkflowEvent
from stocktake.governance.services import (
    ReviewInput,
    initiative_edit,
    initiative_register,
    initiative_submit,
    review_complete,
    review_take,
)
from stocktake.initiatives.choices import PartnerRole
from stocktake.initiatives.models import Initiative
from stocktake.initiatives.services import participation_add
from stocktake.monitoring.choices import HealthAspect
from stocktake.monitoring.models import Deliverable, HealthCheck, ProgressReport, ReportingSchedule, Result
from stocktake.monitoring.services.reporting import ReportInput, report_create, report_submit
from stocktake.organisations.tests.factories import make_organisation

pytestmark = pytest.mark.django_db

PEOPLE = ("anonymous", "outsider", "member", "org_admin", "reviewer_conflict", "reviewer", "steward")
EDITORS = {"member", "org_admin", "steward"}


def _record(world: dict[str, Any], code: str) -> Initiative:
    actor = actor_for(world["member"])
    record = initiative_register(
        actor=actor, organisation=world["lead"], code=code, kind="project", title=f"Record {code}"
    )
    participation_add(actor=actor, initiative=record, organisation=world["partner"], role=PartnerRole.FUNDING)
    return Initiative.objects.get(pk=record.pk)


def _review_input() -> ReviewInput:
    return ReviewInput(
        scores={item.key: 2 for item in CHECKLIST},
        comments={"evidence": "Cite the evaluation."},
        summary="Sound.",
        decision="publish",
        credit="name",
        declaration_signed=True,
        signature="Neutral Expert",
    )


@pytest.fixture
def world() -> dict[str, Any]:
    lead, partner, other = (
        make_organisation(name=name) for name in ("Lead Ministry", "Partner Co", "Other NGO")
    )
    people: dict[str, Any] = {"anonymous": None}
    people["outsider"] = make_user()
    make_member(people["outsider"], other)
    people["member"] = make_user()
    make_member(people["member"], lead)
    people["org_admin"] = make_user()
    make_member(people["org_admin"], lead, role=MembershipRole.ADMIN)
    people["reviewer_conflict"] = make_user(reviewer=True)
    make_member(people["reviewer_conflict"], partner)
    people["reviewer"] = make_user(reviewer=True)
    people["steward"] = make_user(steward=True)
    world: dict[str, Any] = {"lead": lead, "partner": partner, **people}

    world["draft"] = _record(world, "M/DRAFT")
    world["submitted"] = _record(world, "M/SUBMITTED")
    initiative_submit(actor=actor_for(people["member"]), initiative=world["submitted"])
    world["in_review"] = _record(world, "M/REVIEW")
    initiative_submit(actor=actor_for(people["member"]), initiative=world["in_review"])
    world["review"] = review_take(actor=actor_for(people["reviewer"]), initiative=world["in_review"])
    world["changed"] = _record(world, "M/CHANGED")
    initiative_submit(actor=actor_for(people["member"]), initiative=world["changed"])
    review = review_take(actor=actor_for(people["reviewer"]), initiative=world["changed"])
    review_complete(actor=actor_for(people["reviewer"]), review=review, data=_review_input())
    changed = Initiative.objects.get(pk=world["changed"].pk)
    world["changed"] = initiative_edit(
        actor=actor_for(people["member"]), initiative=changed, base_version=changed.version, summary="Edited"
    )
    applicant = make_user()
    world["request"] = make_member(applicant, lead, approved=False)
    report = report_create(
        actor=actor_for(people["member"]),
        initiative=world["changed"],
        data=ReportInput(period_start=date(2025, 1, 1), period_end=date(2025, 12, 31), narrative="A year."),
    )
    world["report"] = report_submit(actor=actor_for(people["member"]), report=report)
    world["tokens"] = {name: make_token(user) for name, user in people.items() if user is not None}
    for name in ("draft", "submitted", "in_review", "changed"):
        world[name] = Initiative.objects.get(pk=world[name].pk)
    return world


def _state() -> tuple[Any, ...]:
    """Everything a write could change, in a form that compares."""
    return (
        HistoryEntry.objects.count(),
        WorkflowEvent.objects.count(),
        sorted(Initiative.objects.values_list("code", "state", "version", "reviewed_version")),
        sorted(Review.objects.values_list("pk", "status")),
        sorted(Membership.objects.values_list("pk", "status", "role")),
        EditorGrant.objects.count(),
        sorted(Profile.objects.values_list("user_id", "is_reviewer")),
        # Monitoring
        Result.objects.count(),
        Deliverable.objects.count(),
        sorted(ReportingSchedule.objects.values_list("initiative_id", "cadence_months")),
        sorted(ProgressReport.objects.values_list("pk", "state")),
        HealthCheck.objects.count(),
    )


@dataclass(frozen=True)
class Route:
    name: str
    allowed: frozenset[str]
    send: Callable[[Any, dict[str, Any], str], Any]  # (client, world, person) -> response
    api: bool = False


def _web(method_path: Callable[[dict[str, Any]], tuple[str, dict[str, Any]]]) -> Callable[..., Any]:
    def send(client: Client, world: dict[str, Any], person: str) -> Any:
        path, data = method_path(world)
        return client.post(path, data)

    return send


def _api(method: str, method_path: Callable[[dict[str, Any]], tuple[str, Any]]) -> Callable[..., Any]:
    def send(client: Client, world: dict[str, Any], person: str) -> Any:
        path, body = method_path(world)
        return call(client, method, path, body, key=world["tokens"].get(person))

    return send


def _code(world: dict[str, Any], name: str) -> str:
    return str(world[name].code_normalised)


def _review_form() -> dict[str, str]:
    data = {f"score_{item.key}": "2" for item in CHECKLIST}
    return data | {
        "comment_evidence": "Cite the evaluation.",
        "summary": "Sound.",
        "decision": "publish",
        "credit": "name",
        "declaration_signed": "on",
        "signature": "Neutral Expert",
    }


def _register_form(world: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return reverse("governance:register"), {
        "organisation": world["lead"].pk,
        "code": "M/NEW",
        "kind": "project",
        "title": "A new record",
        "language": "en",
    }


def _edit_form(world: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    # The form as the record's member is shown it, with one change: every person sends the same.
    from stocktake.governance.tests.test_views import _form

    path = reverse("governance:edit", args=[_code(world, "draft")])
    viewer = Client(HTTP_HOST="127.0.0.1")
    viewer.force_login(world["member"])
    data = _form(viewer.get(path).content.decode(), path)
    return path, data | {"title": "Edited title"}


def _on(name: str, view: str, **data: Any) -> Callable[[dict[str, Any]], tuple[str, dict[str, Any]]]:
    return lambda world: (reverse(f"governance:{view}", args=[_code(world, name)]), data)


WEB_ROUTES = [
    Route("register", frozenset(EDITORS), _web(_register_form)),
    Route("edit", frozenset(EDITORS), _web(_edit_form)),
    Route("submit", frozenset(EDITORS), _web(_on("draft", "submit"))),
    Route(
        "grant editing",
        frozenset(EDITORS),
        _web(
            lambda w: (
                reverse("governance:editors", args=[_code(w, "draft")]),
                {"organisation": w["partner"].pk},
            )
        ),
    ),
    Route("take for review", frozenset({"reviewer"}), _web(_on("submitted", "take"))),
    Route(
        "assign a reviewer",
        frozenset({"steward"}),
        _web(
            lambda w: (
                reverse("governance:assign", args=[_code(w, "submitted")]),
                {"reviewer": w["reviewer"].pk},
            )
        ),
    ),
    Route(
        "complete a review",
        frozenset({"reviewer"}),
        _web(lambda w: (reverse("governance:review", args=[w["review"].pk]), _review_form())),
    ),
    Route(
        "release a review",
        frozenset({"reviewer", "steward"}),
        _web(lambda w: (reverse("governance:release", args=[w["review"].pk]), {})),
    ),
    Route("confirm changes", frozenset({"reviewer"}), _web(_on("changed", "confirm"))),
    Route("send back to review", frozenset({"steward"}), _web(_on("changed", "send_back", note="Recheck"))),
    Route("withdraw", frozenset({"steward"}), _web(_on("changed", "withdraw", reason="Duplicate"))),
    Route(
        "decide a membership",
        frozenset({"org_admin", "steward"}),
        _web(
            lambda w: (
                reverse("accounts:membership_decide", args=[w["request"].pk]),
                {"decision": "approve", "role": "member"},
            )
        ),
    ),
    Route(
        "name a reviewer",
        frozenset({"steward"}),
        _web(lambda w: (reverse("accounts:reviewers"), {"user": w["member"].pk, "is_reviewer": "on"})),
    ),
]


def _health_rating(client: Client, world: dict[str, Any], person: str) -> Any:
    """Each person rates as a member of the partner they belong to (the lead's, if none)."""
    organisation = world["partner"] if person == "reviewer_conflict" else world["lead"]
    data = {"organisation": organisation.pk}
    for aspect in HealthAspect.values:
        data[f"rating_{aspect}"] = "green"
    return client.post(reverse("monitoring:health_rate", args=[_code(world, "changed")]), data)


MONITORING_ROUTES = [
    Route(
        "add a result",
        frozenset(EDITORS),
        _web(
            lambda w: (
                reverse("monitoring:results_result_add", args=[_code(w, "draft")]),
                {"title": "People trained", "type": "1", "aggregation_status": "on"},
            )
        ),
    ),
    Route(
        "add a deliverable",
        frozenset(EDITORS),
        _web(
            lambda w: (
                reverse("monitoring:deliverables_add", args=[_code(w, "draft")]),
                {"title": "A national e-strategy adopted", "due": "2030", "status": "planned"},
            )
        ),
    ),
    Route(
        "set the reporting cadence",
        frozenset(EDITORS),
        _web(
            lambda w: (
                reverse("monitoring:reporting_cadence", args=[_code(w, "draft")]),
                {"cadence_months": "6"},
            )
        ),
    ),
    Route(
        "write a progress report",
        frozenset(EDITORS),
        _web(
            lambda w: (
                reverse("monitoring:reporting_new", args=[_code(w, "changed")]),
                {"period_start": "2026-01-01", "period_end": "2026-06-30", "narrative": "Half a year."},
            )
        ),
    ),
    Route(
        "approve a progress report",
        frozenset({"org_admin", "reviewer", "steward"}),  # never its author (the member)
        _web(
            lambda w: (
                reverse("monitoring:reporting_decide", args=[_code(w, "changed"), w["report"].pk]),
                {"decision": "approve", "note": "Thank you."},
            )
        ),
    ),
    Route("rate the partnership", frozenset({"member", "org_admin", "reviewer_conflict"}), _health_rating),
]
WEB_ROUTES += MONITORING_ROUTES

API_ROUTES = [
    Route(
        "API register",
        frozenset(EDITORS),
        _api(
            "post",
            lambda w: (
                "/api/v1/records",
                {"organisation": w["lead"].slug, "code": "M/API", "kind": "project", "title": "By API"},
            ),
        ),
        api=True,
    ),
    Route(
        "API edit",
        frozenset(EDITORS),
        _api(
            "patch",
            lambda w: (
                f"/api/v1/records/{_code(w, 'draft')}",
                {"version": w["draft"].version, "title": "New"},
            ),
        ),
        api=True,
    ),
    Route(
        "API submit",
        frozenset(EDITORS),
        _api("post", lambda w: (f"/api/v1/records/{_code(w, 'draft')}/submit", {})),
        api=True,
    ),
    Route(
        "API take",
        frozenset({"reviewer"}),
        _api("post", lambda w: (f"/api/v1/records/{_code(w, 'submitted')}/take", None)),
        api=True,
    ),
    Route(
        "API assign",
        frozenset({"steward"}),
        _api(
            "post",
            lambda w: (f"/api/v1/records/{_code(w, 'submitted')}/assign", {"reviewer": w["reviewer"].email}),
        ),
        api=True,
    ),
    Route(
        "API complete a review",
        frozenset({"reviewer"}),
        _api(
            "post",
            lambda w: (
                f"/api/v1/reviews/{w['review'].pk}/complete",
                {
                    "scores": {item.key: 2 for item in CHECKLIST},
                    "comments": {},
                    "summary": "Sound.",
                    "decision": "publish",
                    "credit": "name",
                    "declaration_signed": True,
                    "signature": "Neutral Expert",
                },
            ),
        ),
        api=True,
    ),
    Route(
        "API release a review",
        frozenset({"reviewer", "steward"}),
        _api("post", lambda w: (f"/api/v1/reviews/{w['review'].pk}/release", {})),
        api=True,
    ),
    Route(
        "API confirm changes",
        frozenset({"reviewer"}),
        _api("post", lambda w: (f"/api/v1/records/{_code(w, 'changed')}/confirm", {})),
        api=True,
    ),
    Route(
        "API send back",
        frozenset({"steward"}),
        _api("post", lambda w: (f"/api/v1/records/{_code(w, 'changed')}/send-back", {"note": "Recheck"})),
        api=True,
    ),
    Route(
        "API withdraw",
        frozenset({"steward"}),
        _api("post", lambda w: (f"/api/v1/records/{_code(w, 'changed')}/withdraw", {"reason": "Duplicate"})),
        api=True,
    ),
    Route(
        "API decide a membership",
        frozenset({"org_admin", "steward"}),
        _api("post", lambda w: (f"/api/v1/memberships/{w['request'].pk}/decide", {"approve": True})),
        api=True,
    ),
]

CASES = [(route, person) for route in WEB_ROUTES + API_ROUTES for person in PEOPLE]


@pytest.mark.parametrize(("route", "person"), CASES, ids=[f"{r.name}-{p}" for r, p in CASES])
def test_write_route_allows_exactly_its_people(route: Route, person: str, world: dict[str, Any]) -> None:
    client = Client(HTTP_HOST="127.0.0.1")
    if world[person] is not None and not route.api:
        client.force_login(world[person])
    before = _state()
    response = route.send(client, world, person)
    after = _state()
    if person in route.allowed:
        assert response.status_code in (200, 201, 302), response.content[:500]
        assert after != before, (
            f"{route.name} by {person} answered {response.status_code} but changed nothing"
        )
        if response.status_code == 302:
            assert "/login/" not in response["Location"]
        return
    assert after == before, f"{route.name} by {person} changed something"
    if person == "anonymous":
        if route.api:
            assert response.status_code == 401
        elif response.status_code != 404:  # a draft's pages do not say it exists (404) to strangers
            assert response.status_code == 302 and "/account/login/" in response["Location"]
    else:
        # Refused outright, or (a form offering only what the person may choose) shown again with an error.
        assert response.status_code in (200, 403, 404, 409, 422), (
            response.status_code,
            response.content[:300],
        )


@pytest.mark.parametrize("route", WEB_ROUTES, ids=[route.name for route in WEB_ROUTES])
def test_every_web_write_needs_the_csrf_token(route: Route, world: dict[str, Any]) -> None:
    """Even for someone allowed, a form sent without the page's CSRF token is refused and does nothing."""
    person = sorted(route.allowed)[0]
    client = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
    client.force_login(world[person])
    before = _state()
    response = route.send(client, world, person)
    assert response.status_code == 403
    assert _state() == before
