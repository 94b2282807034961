"""Reading the monitoring area "deliverables": the record's deliverables with their deadlines and
SMART check, for the public page, the workspace and the API."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils import timezone

from stocktake.core.partial_dates import DatePrecision, PartialDate
from stocktake.governance.permissions import can_edit
from stocktake.initiatives.models import Initiative
from stocktake.monitoring.deadlines import effective_due, is_overdue
from stocktake.monitoring.models import Deliverable, Indicator
from stocktake.monitoring.smart import SmartCheck, average_score, smart_check


@dataclass
class DeliverableView:
    deliverable: Deliverable
    due: date | None
    due_display: PartialDate | None  # "2005" for "by 2005", the day otherwise
    overdue: bool
    smart: SmartCheck


def deliverables_of(initiative: Initiative) -> list[Deliverable]:
    return list(Deliverable.objects.filter(initiative=initiative).select_related("responsible", "indicator"))


def deliverable_view(deliverable: Deliverable, today: date) -> DeliverableView:
    due = effective_due(deliverable)
    if deliverable.due_date is not None:
        shown: PartialDate | None = PartialDate(deliverable.due_date, deliverable.due_precision)
    else:
        shown = PartialDate(due, DatePrecision.DAY) if due is not None else None
    return DeliverableView(
        deliverable=deliverable,
        due=due,
        due_display=shown,
        overdue=is_overdue(deliverable, today),
        smart=smart_check(deliverable),
    )


def initiative_smart_score(initiative: Initiative) -> float | None:
    """The record's SMART score: the mean over its deliverables (None without deliverables)."""
    return average_score(Deliverable.objects.filter(initiative=initiative))


def indicators_of(initiative: Initiative) -> list[Indicator]:
    return list(Indicator.objects.filter(result__initiative=initiative).select_related("result"))


def _panel(initiative: Initiative, today: date | None = None) -> dict[str, Any]:
    today = today or timezone.localdate()
    items = [deliverable_view(deliverable, today) for deliverable in deliverables_of(initiative)]
    return {
        "initiative": initiative,
        "items": items,
        "score": average_score(item.deliverable for item in items),
        "overdue": sum(1 for item in items if item.overdue),
        "today": today,
    }


def public_panel(initiative: Initiative, viewer: Any) -> dict[str, Any] | None:
    """What the public initiative page shows of this area (None: nothing)."""
    if not initiative.is_public:
        return None
    panel = _panel(initiative)
    return panel if panel["items"] else None


def workspace_panel(initiative: Initiative, viewer: Any) -> dict[str, Any] | None:
    """What the record's workspace (/records/<code>/) shows of this area to viewer (None: nothing)."""
    panel = _panel(initiative)
    panel["can_edit"] = can_edit(viewer, initiative)
    if not panel["items"] and not panel["can_edit"]:
        return None
    return panel


def smart_scores(ids: list[int]) -> dict[int, float]:
    """The SMART score of each of these records that has deliverables, in one query."""
    by_initiative: dict[int, list[Deliverable]] = {}
    for deliverable in Deliverable.objects.filter(initiative_id__in=ids):
        by_initiative.setdefault(deliverable.initiative_id, []).append(deliverable)
    scores = {pk: average_score(items) for pk, items in by_initiative.items()}
    return {pk: score for pk, score in scores.items() if score is not None}


class LazySmartScores:
    """The SMART scores of a page of rows, read in one query the first time one row asks."""

    def __init__(self, ids: list[int]) -> None:
        self.ids = ids
        self._scores: dict[int, float] | None = None

    def get(self, pk: int) -> float | None:
        if self._scores is None:
            self._scores = smart_scores(self.ids)
        return self._scores.get(pk)


def attach_smart_scores(rows: Iterable[Any]) -> None:
    """Lets list rows share one lazy read of their SMART scores (``smart_score_of`` uses it)."""
    rows = list(rows)
    shared = LazySmartScores([row.pk for row in rows])
    for row in rows:
        row._smart_batch = shared


def smart_score_of(obj: Any) -> float | None:
    """A record's (or list row's) SMART score: from its page's shared read when there is one."""
    batch = getattr(obj, "_smart_batch", None)
    if batch is not None:
        return batch.get(obj.pk)
    initiative = getattr(obj, "initiative", obj)
    return initiative_smart_score(initiative)
