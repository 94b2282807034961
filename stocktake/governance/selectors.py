"""Reading records for the workspace, the review queue and the history tab."""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from stocktake.accounts.models import Profile
from stocktake.accounts.permissions import is_steward, member_organisation_ids, tied_organisation_ids
from stocktake.core.models import HistoryEntry
from stocktake.core.text import normalise_code
from stocktake.governance.choices import ReviewDecision, ReviewStatus
from stocktake.governance.models import EditorGrant, Review, WorkflowEvent
from stocktake.initiatives.choices import PartnerRole, PublicationState
from stocktake.initiatives.models import Initiative, Participation
from stocktake.initiatives.selectors import initiative_history
from stocktake.monitoring.models import HealthCheck, HealthRating

DRAFT_FIRST: dict[str, int] = {
    PublicationState.DRAFT: 0,
    PublicationState.CHANGES_REQUESTED: 1,
    PublicationState.SUBMITTED: 2,
    PublicationState.IN_REVIEW: 3,
    PublicationState.PUBLISHED: 4,
    PublicationState.WITHDRAWN: 5,
}


def record_by_code(code: str) -> Initiative:
    """The record answering to ``code`` (its own or another identifier), whatever its state."""
    normalised = normalise_code(code)
    initiative = (
        Initiative.objects.select_related("parent", "venue_country", "owning_unit")
        .filter(Q(code_normalised=normalised) | Q(identifiers__normalised=normalised))
        .first()
    )
    if initiative is None:
        raise Http404(f"No initiative has the code {code!r}")
    return initiative


def _lead_ids(initiative: Initiative) -> set[int]:
    """``governance.permissions.lead_organisation_ids`` on prefetched partners (no query per record)."""
    leads = {p.organisation_id for p in initiative.participations.all() if p.role == PartnerRole.LEAD}
    if leads:
        return leads
    if initiative.owning_unit_id:
        return {initiative.owning_unit_id}
    return {p.organisation_id for p in initiative.participations.all() if p.role == PartnerRole.ACCOUNTABLE}


def records_for_user(user: Any) -> list[Initiative]:
    """Records ``user`` can edit, drafts first. Stewards, who may edit anything, see their own
    organisations' records and every record that is not published."""
    organisations = member_organisation_ids(user)
    mine = (
        Q(participations__organisation_id__in=organisations)
        | Q(owning_unit_id__in=organisations)
        | Q(editor_grants__organisation_id__in=organisations)
    )
    steward = is_steward(user)
    if steward:
        mine |= ~Q(state=PublicationState.PUBLISHED)
    candidates = (
        Initiative.objects.filter(mine)
        .distinct()
        .only("code", "code_normalised", "title", "state", "updated", "owning_unit_id", "version")
        .prefetch_related(
            Prefetch(
                "participations",
                queryset=Participation.objects.only("initiative_id", "organisation_id", "role"),
            ),
            Prefetch("editor_grants", queryset=EditorGrant.objects.only("initiative_id", "organisation_id")),
        )
    )
    records = []
    for initiative in candidates:
        granted = {grant.organisation_id for grant in initiative.editor_grants.all()}
        if steward or organisations & (_lead_ids(initiative) | granted):
            records.append(initiative)
    records.sort(key=lambda record: (DRAFT_FIRST.get(record.state, 9), -record.updated.timestamp()))
    return records


def review_queue(user: Any) -> list[Initiative]:
    """Submitted records nobody reviews yet that ``user`` has no tie to, oldest first."""
    tied = tied_organisation_ids(user)
    queryset = (
        Initiative.objects.filter(state=PublicationState.SUBMITTED)
        .exclude(reviews__status=ReviewStatus.OPEN)
        .exclude(participations__organisation_id__in=tied)
        .exclude(owning_unit_id__in=tied)
        .exclude(fundings__funding_source__organisation_id__in=tied)
        .exclude(editor_grants__organisation_id__in=tied)
        .distinct()
        .order_by("updated", "code_normalised")
    )
    return list(queryset)


def open_reviews(user: Any) -> QuerySet[Review]:
    return Review.objects.filter(reviewer=user, status=ReviewStatus.OPEN).select_related("initiative")


def record_events(initiative: Initiative) -> QuerySet[WorkflowEvent]:
    return WorkflowEvent.objects.filter(initiative=initiative).select_related("actor")


def record_reviews(initiative: Initiative) -> QuerySet[Review]:
    return Review.objects.filter(initiative=initiative).select_related("reviewer", "assigned_by")


def published_review(initiative: Initiative) -> Review | None:
    """The latest completed review that published the record: its summary is public."""
    return (
        Review.objects.filter(
            initiative=initiative, status=ReviewStatus.COMPLETED, decision=ReviewDecision.PUBLISH
        )
        .order_by("-completed_at", "-id")
        .first()
    )


def initiative_state_at(initiative: Initiative, version: int) -> dict[str, Any] | None:
    """The record's own fields as of ``version``, from the history: the latest snapshot not newer.

    Versions counted for links only (``initiative_set_links``) change no own field, so the snapshot before
    them holds. None when the history does not reach back that far (a record older than its history).
    """
    content_type = ContentType.objects.get_for_model(Initiative)
    entry = (
        HistoryEntry.objects.filter(
            content_type=content_type, object_id=str(initiative.pk), after__version__lte=version
        )
        .order_by("-time", "-id")
        .only("after")
        .first()
    )
    return entry.after if entry is not None else None


def changes_since_review(initiative: Initiative) -> list[HistoryEntry]:
    """What changed since the reviewed version: the history after the last publication or confirmation."""
    if not initiative.changed_since_review:
        return []
    last = (
        WorkflowEvent.objects.filter(initiative=initiative, action__in=("publish", "confirm-changes"))
        .order_by("-time", "-id")
        .first()
    )
    entries = initiative_history(initiative)
    if last is not None:
        entries = entries.filter(time__gt=last.time)
    return list(entries.exclude(content_type=ContentType.objects.get_for_model(Review))[:100])


# People as others see them ------------------------------------------------------------------------

# Workflow steps taken by reviewers: who took them is not shown (a reviewer may choose to be credited
# by stakeholder group only, and their name would give them away).
REVIEW_ACTIONS = frozenset(
    {"review-start", "review-assign", "review-release", "publish", "request-changes", "confirm-changes"}
)


def is_review_step(entry: HistoryEntry | WorkflowEvent) -> bool:
    note = entry.action if isinstance(entry, WorkflowEvent) else entry.note
    return note in REVIEW_ACTIONS


class ShownNames:
    """People as ``viewer`` may see them. User names are e-mail addresses: only stewards see others'.

    Everyone else sees the name a person chose to show, and "a reviewer" for reviewers' steps.
    """

    def __init__(self, viewer: Any, user_ids: set[int | None]) -> None:
        self.everything = is_steward(viewer)
        self.me = viewer.pk if viewer is not None and viewer.is_authenticated else None
        ids = {pk for pk in user_ids if pk is not None}
        self.names: dict[int, str] = dict(
            Profile.objects.filter(user_id__in=ids)
            .exclude(display_name="")
            .values_list("user_id", "display_name")
        )

    def label(self, user_id: int | None, recorded: str, *, review: bool = False) -> str:
        if user_id is None or self.everything or user_id == self.me:
            return recorded  # the command line, an import, the system; or a steward; or oneself
        if review:
            return str(_("a reviewer"))
        return self.names.get(user_id) or str(_("a registered user"))


def history_shown(initiative: Initiative, viewer: Any) -> QuerySet[HistoryEntry]:
    """The record's history as ``viewer`` may read it: a review's own rows name its reviewer and hold
    scores not yet public, so only stewards see them."""
    entries = initiative_history(initiative)
    if not is_steward(viewer):
        entries = entries.exclude(content_type=ContentType.objects.get_for_model(Review))
        # Partnership health ratings are shown without their author (monitoring.health).
        entries = entries.exclude(
            content_type__in=ContentType.objects.get_for_models(HealthCheck, HealthRating).values()
        )
    return entries


Recorded = TypeVar("Recorded", HistoryEntry, WorkflowEvent)


def with_shown_actors(entries: list[Recorded], viewer: Any) -> list[Recorded]:
    """History entries or workflow events with ``actor_label`` replaced, in memory only, by what
    ``viewer`` may see."""
    names = ShownNames(viewer, {entry.actor_id for entry in entries})
    for entry in entries:
        entry.actor_label = names.label(entry.actor_id, entry.actor_label, review=is_review_step(entry))
    return entries
