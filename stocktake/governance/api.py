"""``/api/v1/records`` and ``/api/v1/reviews``: registering, editing and reviewing records.

The endpoints parse, call the same services as the web (``governance.services``) with an API actor,
and answer with what was written. The services check every permission; a record the caller may not
see answers 404 on reads, and a write the caller may not make answers 403 with the reason.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import ConfigDict

from stocktake.accounts.api import ERRORS, Caller, ErrorOut, caller_of, public_auth, read_auth, write_auth
from stocktake.accounts.permissions import is_reviewer, is_steward, tied_organisation_ids
from stocktake.core.models import HistoryEntry
from stocktake.core.partial_dates import PartialDate
from stocktake.core.text import normalise_code
from stocktake.governance.choices import ReviewerCredit, ReviewStatus
from stocktake.governance.models import Review, WorkflowEvent
from stocktake.governance.permissions import can_view
from stocktake.governance.selectors import ShownNames, history_shown, is_review_step
from stocktake.governance.services import (
    EditConflict,
    ReviewInput,
    initiative_edit,
    initiative_register,
    initiative_send_back,
    initiative_submit,
    initiative_withdraw,
    review_assign,
    review_complete,
    review_confirm,
    review_release,
    review_take,
)
from stocktake.initiatives import selectors
from stocktake.initiatives.choices import PublicationState
from stocktake.initiatives.models import Initiative
from stocktake.initiatives.rows import InitiativeRow, initiative_rows
from stocktake.initiatives.schemas import InitiativeDetailOut
from stocktake.organisations.models import Organisation
from stocktake.vocabularies.models import Country

User = get_user_model()

records_router = Router(tags=["records"])
reviews_router = Router(tags=["reviews"])

# Schemas --------------------------------------------------------------------------------------


class WorkflowEventOut(Schema):
    time: datetime
    action: str
    from_state: str
    to_state: str
    actor: str
    note: str


class RecordOut(InitiativeDetailOut):
    code_normalised: str = Field(description="the code as it goes in URLs")
    state: str = Field(description="draft, submitted, in-review, changes, published or withdrawn")
    version: int = Field(description="send it back with an edit (PATCH)")
    reviewed_version: int | None
    changed_since_review: bool
    withdrawn_reason: str
    open_review: int | None = Field(description="the id of the review in progress, if any")
    workflow_events: list[WorkflowEventOut] = Field(description="newest first")


class ConflictOut(Schema):
    detail: str
    current: RecordOut


DATE_HELP = "YYYY, YYYY-MM or YYYY-MM-DD; null or an empty string clears it"


class RecordFields(Schema):
    """The record's own fields. Only the fields sent are written; a field it does not have is refused,
    so that a misspelt name (or ``state``, which only the workflow changes) is not silently ignored."""

    model_config = ConfigDict(extra="forbid")

    kind: str | None = Field(None, description="project, partnership, ppp, programme, commitment or event")
    title: str | None = Field(None, max_length=500)
    title_translations: dict[str, str] | None = None
    language: str | None = Field(None, max_length=8, description="the language of the text, e.g. en")
    summary: str | None = None
    status: str | None = Field(None, description="IATI ActivityStatus code, e.g. 2 (implementation)")
    outcome: str | None = Field(None, description="ongoing, concluded, sustained, handed-over, ended-early")
    scope: str | None = Field(None, description="international, regional, national or sub-national")
    planned_start: str | None = Field(None, description=DATE_HELP)
    planned_end: str | None = Field(None, description=DATE_HELP)
    actual_start: str | None = Field(None, description=DATE_HELP)
    actual_end: str | None = Field(None, description=DATE_HELP)
    time_frame_text: str | None = Field(None, max_length=200)
    deadline_text: str | None = Field(None, max_length=200)
    venue: str | None = Field(None, max_length=300)
    venue_country: str | None = Field(None, description="ISO 3166-1 alpha-2 code")
    owning_unit: str | None = Field(None, description="an organisation's slug")
    parent: str | None = Field(None, description="the parent initiative's code")
    software: list[str] | None = None
    software_licence: str | None = Field(None, max_length=100)
    source_repository: str | None = Field(None, max_length=200)
    open_standards: list[str] | None = None
    dpg_status: str | None = Field(None, description="'', not-applicable, nominee or registered")


class RecordIn(RecordFields):
    organisation: str = Field(description="the slug of the organisation that leads it (yours)")
    code: str = Field(max_length=200)
    kind: str | None = Field(description="project, partnership, ppp, programme, commitment or event")
    title: str | None = Field(max_length=500)


class RecordPatch(RecordFields):
    version: int | None = Field(None, description="the version the change is based on (required)")


class NoteIn(Schema):
    note: str = ""


class ReasonIn(Schema):
    reason: str = ""


class AssignIn(Schema):
    reviewer: str = Field(description="the reviewer's e-mail address or user id")


class ReviewCompleteIn(Schema):
    scores: dict[str, int] = Field(default_factory=dict, description="0 to 3 for every checklist key")
    comments: dict[str, str] = Field(default_factory=dict, description="by checklist key")
    summary: str = Field("", description="what the public reads")
    decision: str = Field("", description="publish or changes")
    credit: str = Field(ReviewerCredit.NAME, description="name or group: how the published review names you")
    declaration_signed: bool = False
    signature: str = Field("", description="your full name, signing the no-conflict declaration")


class ReviewOut(Schema):
    id: int
    record: str
    record_state: str
    record_version: int
    reviewer: str
    status: str
    version_reviewed: int | None
    scores: dict[str, int]
    comments: dict[str, str]
    summary: str
    decision: str
    credit: str
    credit_label: str
    declaration: str
    created: datetime
    completed_at: datetime | None

    @staticmethod
    def resolve_record(obj: Review) -> str:
        return obj.initiative.code_normalised

    @staticmethod
    def resolve_record_state(obj: Review) -> str:
        return obj.initiative.state

    @staticmethod
    def resolve_record_version(obj: Review) -> int:
        return obj.initiative.version

    @staticmethod
    def resolve_reviewer(obj: Review) -> str:
        return obj.reviewer.get_username()


class QueueItemOut(Schema):
    code: str
    code_normalised: str
    title: str
    kind: str
    version: int
    waiting_since: datetime

    @staticmethod
    def resolve_waiting_since(obj: Initiative) -> datetime:
        return obj.updated


class QueueOut(Schema):
    waiting: list[QueueItemOut] = Field(description="submitted records you may take, oldest first")
    assigned: list[ReviewOut] = Field(description="your reviews in progress")


class ChangeOut(Schema):
    field: str
    before: Any = None
    after: Any = None


class HistoryEntryOut(Schema):
    time: datetime
    actor: str
    source: str
    action: str
    object_type: str
    object: str
    note: str
    changes: list[ChangeOut]


# Reading -------------------------------------------------------------------------------------------


def _find(code: str) -> Initiative | None:
    normalised = normalise_code(code)
    return Initiative.objects.filter(
        Q(code_normalised=normalised) | Q(identifiers__normalised=normalised)
    ).first()


def _not_found(code: str) -> HttpError:
    return HttpError(404, _("No record has the code %(code)r, or you may not see it.") % {"code": code})


def _record_to_write(code: str) -> Initiative:
    """The record a write names. Whether the caller may write is the service's to say (403)."""
    initiative = _find(code)
    if initiative is None:
        raise _not_found(code)
    return initiative


def _visible_record(caller: Caller, code: str) -> Initiative:
    initiative = _find(code)
    if initiative is not None and not can_view(caller.user, initiative):
        if initiative.state == PublicationState.WITHDRAWN:  # as the public API answers: gone, and why
            raise HttpError(
                410,
                _("%(code)s was withdrawn: %(reason)s")
                % {"code": initiative.code, "reason": initiative.withdrawn_reason},
            )
        initiative = None
    if initiative is None:
        raise _not_found(code)
    return initiative


@dataclass
class RecordView(InitiativeRow):
    """A record's row with its review state, as RecordOut reads it."""

    open_review: int | None = None
    workflow_events: list[dict[str, Any]] = field(default_factory=list)


def _record(caller: Caller, initiative: Initiative) -> RecordView:
    """The record as the caller may see it: its public representation and its review state."""
    row = initiative_rows([selectors.initiative_by_code(initiative.code_normalised)])[0]
    current = row.initiative
    events = list(WorkflowEvent.objects.filter(initiative=current))
    names = ShownNames(caller.user, {event.actor_id for event in events})
    open_review = Review.objects.filter(initiative=current, status=ReviewStatus.OPEN).values_list(
        "pk", flat=True
    )
    return RecordView(
        **{row_field.name: getattr(row, row_field.name) for row_field in dataclasses.fields(InitiativeRow)},
        open_review=open_review.first(),
        workflow_events=[
            {
                "time": event.time,
                "action": event.action,
                "from_state": event.from_state,
                "to_state": event.to_state,
                "actor": names.label(event.actor_id, event.actor_label, review=is_review_step(event)),
                "note": event.note,
            }
            for event in events
        ],
    )


@records_router.get(
    "/{code}", response={200: RecordOut, **ERRORS}, auth=public_auth, summary="One record, in any state"
)
def record_get(request: HttpRequest, code: str) -> RecordView:
    """The record as its editors, reviewers and stewards see it, drafts included, with its state,
    its version (to send back with an edit) and its workflow steps. Others see published records."""
    caller = caller_of(request)
    return _record(caller, _visible_record(caller, code))


@records_router.get(
    "/{code}/history",
    response={200: list[HistoryEntryOut], **ERRORS},
    auth=public_auth,
    summary="A record's history",
)
def record_history(
    request: HttpRequest, code: str, limit: int = Query(100, ge=1, le=500)
) -> list[dict[str, Any]]:
    """Every change to the record and to what hangs off it, newest first: when, who, through which
    door (web, API, command line, import), and each changed field before and after."""
    caller = caller_of(request)
    initiative = _visible_record(caller, code)
    entries = list(history_shown(initiative, caller.user)[:limit])
    names = ShownNames(caller.user, {entry.actor_id for entry in entries})
    return [_history_entry(entry, names) for entry in entries]


def _history_entry(entry: HistoryEntry, names: ShownNames) -> dict[str, Any]:
    return {
        "time": entry.time,
        "actor": names.label(entry.actor_id, entry.actor_label, review=is_review_step(entry)),
        "source": entry.source,
        "action": entry.action,
        "object_type": entry.content_type.model,
        "object": entry.object_repr,
        "note": entry.note,
        "changes": [
            {"field": field, "before": before, "after": after}
            for field, before, after in entry.changed_fields()
        ],
    }


# Registering and editing -------------------------------------------------------------------------

_TEXT = (
    "kind",
    "title",
    "language",
    "summary",
    "status",
    "outcome",
    "scope",
    "time_frame_text",
    "deadline_text",
    "venue",
    "software_licence",
    "source_repository",
    "dpg_status",
)
_DATES = ("planned_start", "planned_end", "actual_start", "actual_end")


def _initiative_fields(
    caller: Caller, data: dict[str, Any], errors: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    """The services' keyword arguments from the fields sent: dates parsed, codes and slugs looked up.
    Raises one ValidationError naming every field that is wrong, ``errors`` found before included."""
    fields: dict[str, Any] = {}
    errors = dict(errors or {})
    for name, value in data.items():
        if name in _DATES:
            try:
                fields[name] = PartialDate.parse(value) if value else None
            except ValueError as error:
                errors[name] = [str(error)]
        elif name == "venue_country":
            country = Country.objects.filter(code=(value or "").upper()).first() if value else None
            if value and country is None:
                errors[name] = [_("No country has the code %(code)r.") % {"code": value}]
            fields[name] = country
        elif name == "owning_unit":
            organisation = Organisation.objects.filter(slug=value).first() if value else None
            if value and organisation is None:
                errors[name] = [_("No organisation has the slug %(slug)r.") % {"slug": value}]
            fields[name] = organisation
        elif name == "parent":
            parent = _find(value) if value else None
            if value and (parent is None or not can_view(caller.user, parent)):
                errors[name] = [_("No record has the code %(code)r.") % {"code": value}]
            fields[name] = parent
        elif name in ("software", "open_standards"):
            fields[name] = value or []
        elif name == "title_translations":
            fields[name] = value or {}
        elif name in _TEXT:
            fields[name] = (value or "").strip()
    if errors:
        raise ValidationError(errors)
    return fields


@records_router.post(
    "", response={201: RecordOut, **ERRORS}, auth=write_auth, summary="Register a draft record"
)
def record_register(request: HttpRequest, payload: RecordIn) -> Status[RecordView]:
    """Registers a draft for an organisation you are a member of, which becomes its lead partner.
    Submit it for review when it is ready; it becomes public once a reviewer publishes it."""
    caller = caller_of(request)
    data = payload.dict(exclude_unset=True)
    organisation_slug = data.pop("organisation")
    code = data.pop("code")
    organisation = Organisation.objects.filter(slug=organisation_slug).first()
    errors = {}
    if organisation is None:
        errors["organisation"] = [_("No organisation has the slug %(slug)r.") % {"slug": organisation_slug}]
    fields = _initiative_fields(caller, data, errors)
    assert organisation is not None  # or _initiative_fields raised, naming it
    kind, title = fields.pop("kind", ""), fields.pop("title", "")
    initiative = initiative_register(
        actor=caller.actor, organisation=organisation, code=code, kind=kind, title=title, **fields
    )
    return Status(201, _record(caller, initiative))


@records_router.patch(
    "/{code}",
    response={200: RecordOut, 409: ConflictOut, **ERRORS},
    auth=write_auth,
    summary="Edit a record",
)
def record_edit(request: HttpRequest, code: str, payload: RecordPatch) -> Status[RecordView | dict[str, Any]]:
    """Changes the fields sent. ``version`` is the version your change is based on: if the record has
    changed since, nothing is written and the answer is 409 with the current record, to merge and
    send again with its version."""
    caller = caller_of(request)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version", None)
    if version is None:
        raise ValidationError({"version": [_("Send the version your change is based on.")]})
    initiative = _record_to_write(code)
    fields = _initiative_fields(caller, data)
    try:
        updated = initiative_edit(actor=caller.actor, initiative=initiative, base_version=version, **fields)
    except EditConflict as conflict:
        detail = _(
            "The record changed since version %(base)s: it is now at version %(current)s. "
            "Merge your change into the current record and send it again with that version."
        ) % {"base": conflict.base_version, "current": conflict.initiative.version}
        return Status(409, {"detail": detail, "current": _record(caller, conflict.initiative)})
    return Status(200, _record(caller, updated))


# Workflow -------------------------------------------------------------------------------------------


@records_router.post(
    "/{code}/submit", response={200: RecordOut, **ERRORS}, auth=write_auth, summary="Submit for review"
)
def record_submit(request: HttpRequest, code: str, payload: NoteIn | None = None) -> RecordView:
    """For the record's editors: a draft, or a record with changes requested, goes to the review queue."""
    caller = caller_of(request)
    note = payload.note if payload else ""
    initiative = initiative_submit(actor=caller.actor, initiative=_record_to_write(code), note=note)
    return _record(caller, initiative)


@records_router.post(
    "/{code}/withdraw", response={200: RecordOut, **ERRORS}, auth=write_auth, summary="Withdraw a record"
)
def record_withdraw(request: HttpRequest, code: str, payload: ReasonIn) -> RecordView:
    """For stewards: a published record leaves the registry; the reason is shown where it was."""
    caller = caller_of(request)
    initiative = initiative_withdraw(
        actor=caller.actor, initiative=_record_to_write(code), reason=payload.reason
    )
    return _record(caller, initiative)


@records_router.post(
    "/{code}/send-back",
    response={200: RecordOut, **ERRORS},
    auth=write_auth,
    summary="Send a record back to review",
)
def record_send_back(request: HttpRequest, code: str, payload: NoteIn) -> RecordView:
    """For stewards: a published record goes back to the review queue (and out of the registry)."""
    caller = caller_of(request)
    initiative = initiative_send_back(
        actor=caller.actor, initiative=_record_to_write(code), note=payload.note
    )
    return _record(caller, initiative)


@records_router.post(
    "/{code}/confirm",
    response={200: RecordOut, **ERRORS},
    auth=write_auth,
    summary="Confirm the changes since the review",
)
def record_confirm(request: HttpRequest, code: str, payload: NoteIn | None = None) -> RecordView:
    """For reviewers without a conflict: the edits made since the review are confirmed."""
    caller = caller_of(request)
    note = payload.note if payload else ""
    initiative = review_confirm(actor=caller.actor, initiative=_record_to_write(code), note=note)
    return _record(caller, initiative)


def _review(pk: int) -> Review:
    review = Review.objects.select_related("initiative", "reviewer").filter(pk=pk).first()
    if review is None:
        raise HttpError(404, _("No review has the id %(id)s.") % {"id": pk})
    return review


@records_router.post(
    "/{code}/take", response={201: ReviewOut, **ERRORS}, auth=write_auth, summary="Take a record to review"
)
def record_take(request: HttpRequest, code: str) -> Status[Review]:
    """For reviewers without a conflict of interest: takes a submitted record from the queue."""
    caller = caller_of(request)
    review = review_take(actor=caller.actor, initiative=_record_to_write(code))
    return Status(201, _review(review.pk))


def _reviewer(value: str) -> Any:
    value = value.strip()
    found = (
        User.objects.filter(pk=int(value)) if value.isdigit() else User.objects.filter(email__iexact=value)
    )
    reviewer = found.filter(is_active=True).first()
    if reviewer is None:
        raise ValidationError(
            {"reviewer": [_("No active user has the e-mail address or id %(value)r.") % {"value": value}]}
        )
    return reviewer


@records_router.post(
    "/{code}/assign", response={201: ReviewOut, **ERRORS}, auth=write_auth, summary="Assign a reviewer"
)
def record_assign(request: HttpRequest, code: str, payload: AssignIn) -> Status[Review]:
    """For stewards: hands a submitted record (or one in review) to a reviewer without a conflict."""
    caller = caller_of(request)
    initiative = _record_to_write(code)
    review = review_assign(actor=caller.actor, initiative=initiative, reviewer=_reviewer(payload.reviewer))
    return Status(201, _review(review.pk))


# Reviews --------------------------------------------------------------------------------------------


def _queue(user: Any) -> QuerySet[Initiative]:
    """Submitted records, oldest first, without those ``user`` has a tie to (``has_conflict`` in SQL)."""
    waiting = Initiative.objects.filter(state=PublicationState.SUBMITTED)
    tied = tied_organisation_ids(user)
    if tied:
        waiting = (
            waiting.exclude(participations__organisation_id__in=tied)
            .exclude(owning_unit_id__in=tied)
            .exclude(fundings__funding_source__organisation_id__in=tied)
            .exclude(editor_grants__organisation_id__in=tied)
        )
    return waiting.order_by("updated", "pk")


@reviews_router.get("/queue", response={200: QueueOut, **ERRORS}, auth=read_auth, summary="The review queue")
def review_queue(request: HttpRequest) -> dict[str, Any]:
    """For reviewers: the submitted records they may take (none they have a tie to), and their own
    reviews in progress. Stewards who are not reviewers see every submitted record."""
    caller = caller_of(request)
    user = caller.user
    reviewer = is_reviewer(user)
    if not reviewer and not is_steward(user):
        raise HttpError(403, _("Only reviewers and stewards see the review queue."))
    waiting = _queue(user) if reviewer else Initiative.objects.filter(state=PublicationState.SUBMITTED)
    assigned = Review.objects.filter(reviewer=user, status=ReviewStatus.OPEN).select_related(
        "initiative", "reviewer"
    )
    return {"waiting": list(waiting.order_by("updated", "pk")), "assigned": list(assigned)}


@reviews_router.post(
    "/{int:review_id}/complete",
    response={200: ReviewOut, **ERRORS},
    auth=write_auth,
    summary="Complete a review",
)
def review_complete_endpoint(request: HttpRequest, review_id: int, payload: ReviewCompleteIn) -> Review:
    """For the assigned reviewer: scores every checklist item (/review/checklist/), signs the
    declaration of no conflict of interest, and publishes the record or asks for changes."""
    caller = caller_of(request)
    data = ReviewInput(
        scores=payload.scores,
        comments=payload.comments,
        summary=payload.summary,
        decision=payload.decision,
        credit=payload.credit,
        declaration_signed=payload.declaration_signed,
        signature=payload.signature,
    )
    review = review_complete(actor=caller.actor, review=_review(review_id), data=data)
    return _review(review.pk)


@reviews_router.post(
    "/{int:review_id}/release",
    response={200: ReviewOut, **ERRORS},
    auth=write_auth,
    summary="Hand a review back to the queue",
)
def review_release_endpoint(request: HttpRequest, review_id: int, payload: NoteIn | None = None) -> Review:
    """For the reviewer (or a steward): the record goes back to the queue for another reviewer."""
    caller = caller_of(request)
    note = payload.note if payload else ""
    review = review_release(actor=caller.actor, review=_review(review_id), note=note)
    return _review(review.pk)


__all__ = ["ErrorOut", "records_router", "reviews_router"]
