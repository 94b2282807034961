"""Writing the monitoring area "deliverables": every write validated, in one transaction, with its history.

Editors of a record (``governance.permissions.can_edit``) write its deliverables, in any state in
which the record is editable (a draft may hold deliverables); the command line and the demo loader
write as the system.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext as _
from pydantic import ValidationError as PydanticValidationError

from stocktake.accounts.permissions import is_steward
from stocktake.core.history import Actor, delete_with_history, save_with_history, snapshot
from stocktake.core.partial_dates import DatePrecision, PartialDate
from stocktake.governance.permissions import can_edit
from stocktake.initiatives.filtersets import InitiativeFilters
from stocktake.initiatives.models import Initiative
from stocktake.initiatives.services import code_in_use
from stocktake.monitoring.choices import DeliverableStatus
from stocktake.monitoring.deadlines import add_months, end_of_period
from stocktake.monitoring.models import Deliverable, Indicator, Target
from stocktake.organisations.models import Organisation

# Writers without a person: the command line, imports, jobs and the system (the demo loader).
MAX_EVIDENCE_LINKS = 50
_UNSET: Any = object()


def can_write_deliverables(actor_or_user: Any, initiative: Initiative) -> bool:
    if isinstance(actor_or_user, Actor):
        if actor_or_user.user is None:
            return actor_or_user.unattended
        actor_or_user = actor_or_user.user
    return bool(actor_or_user is not None and can_edit(actor_or_user, initiative))


def _authorise(actor: Actor, initiative: Initiative) -> None:
    if not can_write_deliverables(actor, initiative):
        raise PermissionDenied(_("Only the record's editors can change its deliverables."))


def _check_indicator(initiative: Initiative, indicator: Indicator | None) -> None:
    if indicator is not None and indicator.result.initiative_id != initiative.pk:
        raise ValidationError({"indicator": _("Choose an indicator of this record's results.")})


def _apply(
    deliverable: Deliverable,
    *,
    title: str = _UNSET,
    description: str = _UNSET,
    responsible: Organisation | None = _UNSET,
    level: str = _UNSET,
    due: PartialDate | None = _UNSET,
    due_offset_months: int | None = _UNSET,
    due_anchor_date: Any = _UNSET,
    due_anchor_label: str = _UNSET,
    due_text: str = _UNSET,
    status: str = _UNSET,
    indicator: Indicator | None = _UNSET,
    resources: str = _UNSET,
    source: str = _UNSET,
    position: int = _UNSET,
) -> None:
    texts = {
        "title": title,
        "description": description,
        "level": level,
        "due_anchor_label": due_anchor_label,
        "due_text": due_text,
        "status": status,
        "resources": resources,
        "source": source,
    }
    for name, value in texts.items():
        if value is not _UNSET:
            setattr(deliverable, name, (value or "").strip())
    others: tuple[tuple[str, Any], ...] = (
        ("responsible", responsible),
        ("due_offset_months", due_offset_months),
        ("due_anchor_date", due_anchor_date),
        ("indicator", indicator),
        ("position", position),
    )
    for name, value in others:
        if value is not _UNSET:
            setattr(deliverable, name, value)
    if due is not _UNSET:
        deliverable.due_date = due.value if due is not None else None
        deliverable.due_precision = due.precision if due is not None else DatePrecision.DAY
    # A relative deadline needs both halves: a count of months without a date to count from (or the
    # reverse) would silently give no deadline.
    if (deliverable.due_offset_months is None) != (deliverable.due_anchor_date is None):
        missing = "due_anchor_date" if deliverable.due_anchor_date is None else "due_offset_months"
        raise ValidationError(
            {missing: _("A relative deadline needs both a number of months and the date it counts from.")}
        )


@transaction.atomic
def deliverable_create(*, actor: Actor, initiative: Initiative, title: str, **fields: Any) -> Deliverable:
    """Adds a deliverable to a record (keyword arguments: the model's fields, ``due`` a PartialDate)."""
    _authorise(actor, initiative)
    deliverable = Deliverable(initiative=initiative)
    if "position" not in fields:
        fields["position"] = initiative.deliverables.count()
    _apply(deliverable, title=title, **fields)
    _check_indicator(initiative, deliverable.indicator)
    return save_with_history(deliverable, actor=actor, parent=initiative)


@transaction.atomic
def deliverable_update(*, actor: Actor, deliverable: Deliverable, **fields: Any) -> Deliverable:
    """Changes the fields given, leaving the others as they are."""
    initiative = deliverable.initiative
    _authorise(actor, initiative)
    _apply(deliverable, **fields)
    _check_indicator(initiative, deliverable.indicator)
    return save_with_history(deliverable, actor=actor, parent=initiative)


@transaction.atomic
def deliverable_status_set(*, actor: Actor, deliverable: Deliverable, status: str) -> Deliverable:
    if status not in DeliverableStatus.values:
        raise ValidationError({"status": _("Choose a status from the list.")})
    return deliverable_update(actor=actor, deliverable=deliverable, status=status)


@transaction.atomic
def deliverable_delete(*, actor: Actor, deliverable: Deliverable) -> None:
    initiative = deliverable.initiative
    _authorise(actor, initiative)
    delete_with_history(deliverable, actor=actor, parent=initiative)


def _valid_url(url: str) -> str:
    url = (url or "").strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError as error:
        raise ValidationError({"url": _("Enter a web address starting with http:// or https://.")}) from error
    return url


@transaction.atomic
def deliverable_evidence_add(*, actor: Actor, deliverable: Deliverable, title: str, url: str) -> Deliverable:
    """Adds a link to evidence that the deliverable was delivered (a report, a law, a web page)."""
    _authorise(actor, deliverable.initiative)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Say what the link shows.")})
    link = {"title": title[:300], "url": _valid_url(url)}
    if len(deliverable.evidence) >= MAX_EVIDENCE_LINKS:
        raise ValidationError(
            {"url": _("A deliverable keeps at most %(count)s links.") % {"count": MAX_EVIDENCE_LINKS}}
        )
    if link["url"] in {item.get("url") for item in deliverable.evidence}:
        return deliverable
    deliverable.evidence = [*deliverable.evidence, link]
    return save_with_history(deliverable, actor=actor, parent=deliverable.initiative)


@transaction.atomic
def deliverable_evidence_remove(*, actor: Actor, deliverable: Deliverable, url: str) -> Deliverable:
    _authorise(actor, deliverable.initiative)
    deliverable.evidence = [item for item in deliverable.evidence if item.get("url") != url]
    return save_with_history(deliverable, actor=actor, parent=deliverable.initiative)


# Targets and the plan of action's deliverables ---------------------------------------------------

PLAN_FILE = Path(__file__).resolve().parents[2] / "demo" / "data" / "targets.yaml"


def can_write_targets(actor: Actor) -> bool:
    if actor.user is None:
        return actor.unattended
    return is_steward(actor.user)


@transaction.atomic
def target_upsert(*, actor: Actor, key: str, title: str, filters: dict[str, Any], **fields: Any) -> Target:
    """Creates the target ``key`` or brings it to the fields given (stewards and the command line)."""
    if not can_write_targets(actor):
        raise PermissionDenied(_("Only stewards can change targets."))
    try:
        InitiativeFilters.model_validate(filters)
    except PydanticValidationError as error:
        raise ValidationError({"filters": str(error)}) from error
    target = Target.objects.filter(key=key).first() or Target(key=key)
    target.title = title.strip()
    target.filters = filters
    for name, value in fields.items():
        setattr(target, name, value)
    if target.pk is not None:
        stored = Target.objects.get(pk=target.pk)
        if snapshot(stored) == snapshot(target):
            return stored  # unchanged: no history entry, no write
    return save_with_history(target, actor=actor)


@dataclass
class PlanLoad:
    targets_created: list[str] = field(default_factory=list)
    targets_updated: list[str] = field(default_factory=list)
    deliverables_created: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # commitments not in the registry


def _year_or_date(text: Any) -> PartialDate | None:
    return PartialDate.parse(str(text)) if text else None


@transaction.atomic
def plan_of_action_load(*, actor: Actor, path: Path = PLAN_FILE) -> PlanLoad:
    """Loads the plan of action's targets (created or updated by key) and its deliverables (added
    to the commitments present that do not hold one from the same source yet). Idempotent."""
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    adopted = date.fromisoformat(str(data["adopted"]))
    adopted_label = data.get("adopted_label", "")
    result = PlanLoad()
    for position, item in enumerate(data.get("targets", [])):
        deadline_date = _year_or_date(item.get("deadline"))
        if deadline_date is not None:
            deadline = end_of_period(deadline_date.value, deadline_date.precision)
        elif item.get("deadline_months") is not None:
            deadline = add_months(adopted, int(item["deadline_months"]))
        else:
            deadline = None
        commitment = code_in_use(item["commitment"]) if item.get("commitment") else None
        existed = Target.objects.filter(key=item["key"]).exists()
        target_upsert(
            actor=actor,
            key=item["key"],
            title=item["title"],
            filters=item.get("filters") or {},
            description=item.get("description", ""),
            level=item.get("level", ""),
            deadline=deadline,
            deadline_text=item.get("deadline_text", ""),
            per_country=bool(item.get("per_country", True)),
            at_least=int(item.get("at_least", 1)),
            commitment=commitment,
            source=item.get("source", ""),
            position=position,
        )
        (result.targets_updated if existed else result.targets_created).append(item["key"])
    for item in data.get("deliverables", []):
        initiative = code_in_use(item["initiative"])
        if initiative is None:
            result.skipped.append(item["initiative"])
            continue
        if initiative.deliverables.filter(source=item["source"]).exists():
            continue
        relative = item.get("due_months") is not None
        deliverable_create(
            actor=actor,
            initiative=initiative,
            title=item["title"],
            description=item.get("description", ""),
            level=item.get("level", ""),
            responsible=Organisation.objects.get(slug=item["responsible"])
            if item.get("responsible")
            else None,
            due=_year_or_date(item.get("due")),
            due_offset_months=int(item["due_months"]) if relative else None,
            due_anchor_date=adopted if relative else None,
            due_anchor_label=adopted_label if relative else "",
            due_text=item.get("due_text", ""),
            source=item["source"],
        )
        result.deliverables_created.append(item["initiative"])
    return result
