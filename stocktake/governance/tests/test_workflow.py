"""The review workflow through its services: each step, its event, its history and who may take it."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from stocktake.accounts.choices import MembershipRole
from stocktake.accounts.models import Affiliation, Notification
from stocktake.accounts.tests.factories import actor_for, make_member, make_user
from stocktake.core.models import HistoryEntry
from stocktake.governance.choices import ReviewDecision, ReviewerCredit
from stocktake.governance.models import WorkflowEvent
from stocktake.governance.services import (
    EditConflict,
    ReviewInput,
    initiative_edit,
    initiative_register,
    initiative_submit,
    initiative_withdraw,
    review_assign,
    review_complete,
    review_confirm,
    review_take,
)
from stocktake.initiatives.choices import PartnerRole, PublicationState
from stocktake.initiatives.services import participation_add
from stocktake.organisations.tests.factories import make_organisation

pytestmark = pytest.mark.django_db


def _review_input(decision: str = ReviewDecision.PUBLISH, **overrides: Any) -> ReviewInput:
    fields: dict[str, Any] = {
        "scores": {
            key: 2
            for key in (
                "completeness",
                "smart",
                "evidence",
                "effective",
                "equitable",
                "transparent",
                "inclusive",
            )
        },
        "comments": {"evidence": "Link the final report."},
        "summary": "Complete and well evidenced.",
        "decision": decision,
        "credit": ReviewerCredit.NAME,
        "declaration_signed": True,
        "signature": "Ana Expert",
    }
    fields.update(overrides)
    return ReviewInput(**fields)


@pytest.fixture
def world() -> dict[str, Any]:
    lead = make_organisation(name="Ministry of ICT")
    other = make_organisation(name="Telco Ltd")
    contributor = make_user(display_name="Cora Contributor")
    make_member(contributor, lead)
    reviewer = make_user(reviewer=True, display_name="Ana Expert")
    steward = make_user(steward=True)
    return {
        "lead": lead,
        "other": other,
        "contributor": contributor,
        "reviewer": reviewer,
        "steward": steward,
    }


def test_register_submit_review_publish(world: dict[str, Any]) -> None:
    actor = actor_for(world["contributor"])
    initiative = initiative_register(
        actor=actor, organisation=world["lead"], code="NEW/1", kind="project", title="E-government portal"
    )
    assert initiative.state == PublicationState.DRAFT
    assert initiative.participations.get().role == PartnerRole.LEAD
    initiative_submit(actor=actor, initiative=initiative)
    review = review_take(actor=actor_for(world["reviewer"]), initiative=initiative)
    review_complete(actor=actor_for(world["reviewer"]), review=review, data=_review_input())
    initiative.refresh_from_db()
    assert initiative.state == PublicationState.PUBLISHED
    assert initiative.reviewed_version == initiative.version
    actions = list(initiative.workflow_events.order_by("time", "id").values_list("action", flat=True))
    assert actions == ["register", "submit", "review-start", "publish"]
    assert Notification.objects.filter(user=world["contributor"], subject__contains="published").exists()
    review.refresh_from_db()
    assert "Ana Expert" in review.declaration and review.credit_label == "Ana Expert"

    # An edit goes live at once, and marks the record changed since review until a reviewer confirms.
    initiative_edit(actor=actor, initiative=initiative, base_version=initiative.version, title="E-gov portal")
    initiative.refresh_from_db()
    assert initiative.title == "E-gov portal" and initiative.changed_since_review
    review_confirm(actor=actor_for(world["reviewer"]), initiative=initiative)
    initiative.refresh_from_db()
    assert not initiative.changed_since_review


def test_stale_edit_is_refused_and_writes_nothing(world: dict[str, Any]) -> None:
    actor = actor_for(world["contributor"])
    initiative = initiative_register(
        actor=actor, organisation=world["lead"], code="NEW/2", kind="project", title="First"
    )
    base = initiative.version
    initiative_edit(actor=actor, initiative=initiative, base_version=base, title="Second")
    entries = HistoryEntry.objects.count()
    with pytest.raises(EditConflict) as caught:
        initiative_edit(actor=actor, initiative=initiative, base_version=base, title="Third")
    assert caught.value.initiative.title == "Second"
    assert HistoryEntry.objects.count() == entries


def test_conflicted_reviewer_cannot_take_or_be_assigned(world: dict[str, Any]) -> None:
    actor = actor_for(world["contributor"])
    initiative = initiative_register(
        actor=actor, organisation=world["lead"], code="NEW/3", kind="project", title="Portal"
    )
    participation_add(
        actor=actor, initiative=initiative, organisation=world["other"], role=PartnerRole.FUNDING
    )
    initiative_submit(actor=actor, initiative=initiative)
    Affiliation.objects.create(user=world["reviewer"], organisation=world["other"])
    with pytest.raises(PermissionDenied, match="Conflict of interest"):
        review_take(actor=actor_for(world["reviewer"]), initiative=initiative)
    with pytest.raises(PermissionDenied, match="Conflict of interest"):
        review_assign(actor=actor_for(world["steward"]), initiative=initiative, reviewer=world["reviewer"])
    initiative.refresh_from_db()
    assert initiative.state == PublicationState.SUBMITTED


def test_review_needs_signed_declaration(world: dict[str, Any]) -> None:
    actor = actor_for(world["contributor"])
    initiative = initiative_register(
        actor=actor, organisation=world["lead"], code="NEW/4", kind="project", title="Portal"
    )
    initiative_submit(actor=actor, initiative=initiative)
    review = review_take(actor=actor_for(world["reviewer"]), initiative=initiative)
    with pytest.raises(ValidationError) as caught:
        review_complete(
            actor=actor_for(world["reviewer"]), review=review, data=_review_input(declaration_signed=False)
        )
    assert "declaration" in caught.value.message_dict
    initiative.refresh_from_db()
    assert initiative.state == PublicationState.IN_REVIEW


def test_withdraw_needs_steward_and_reason(world: dict[str, Any]) -> None:
    admin = make_user()
    make_member(admin, world["lead"], role=MembershipRole.ADMIN)
    initiative = initiative_register(
        actor=actor_for(world["contributor"]),
        organisation=world["lead"],
        code="NEW/5",
        kind="project",
        title="P",
    )
    initiative_submit(actor=actor_for(world["contributor"]), initiative=initiative)
    review = review_take(actor=actor_for(world["reviewer"]), initiative=initiative)
    review_complete(actor=actor_for(world["reviewer"]), review=review, data=_review_input())
    with pytest.raises(PermissionDenied):
        initiative_withdraw(actor=actor_for(admin), initiative=initiative, reason="duplicate")
    with pytest.raises(ValidationError):
        initiative_withdraw(actor=actor_for(world["steward"]), initiative=initiative, reason=" ")
    initiative_withdraw(actor=actor_for(world["steward"]), initiative=initiative, reason="A duplicate of X")
    initiative.refresh_from_db()
    assert initiative.state == PublicationState.WITHDRAWN
    assert WorkflowEvent.objects.filter(
        initiative=initiative, action="withdraw", note="A duplicate of X"
    ).exists()
