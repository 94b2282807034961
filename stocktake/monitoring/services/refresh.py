"""The daily refresh of what the calendar changes without anyone writing: reporting statuses."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.db import transaction
from django.utils import timezone

from stocktake.core.choices import ChangeSource
from stocktake.core.history import Actor, save_with_history
from stocktake.initiatives.models import Initiative
from stocktake.monitoring.models import ReportingSchedule
from stocktake.monitoring.reporting import reporting_statuses

BATCH = 1000


def reporting_statuses_refresh(
    *, today: date | None = None, progress: Callable[[int, int], None] | None = None
) -> int:
    """Records each published record's reporting status where it changed; returns how many changed.

    Each change is a write with its history (source: system), so the record's history shows when its
    report fell due or overdue, cached pages are renewed and the search index follows.
    """
    today = today or timezone.localdate()
    actor = Actor.system("reporting status", source=ChangeSource.SYSTEM)
    ids = list(Initiative.published.order_by("pk").values_list("pk", flat=True))
    changed = 0
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        standings = reporting_statuses(Initiative.objects.filter(pk__in=batch), today)
        schedules = {s.initiative_id: s for s in ReportingSchedule.objects.filter(initiative_id__in=batch)}
        with transaction.atomic():
            for pk, standing in standings.items():
                schedule = schedules.get(pk) or ReportingSchedule(initiative_id=pk)
                if schedule.status == standing.status:
                    continue
                schedule.status = standing.status
                schedule.updated = timezone.now()
                save_with_history(schedule, actor=actor, parent=Initiative(pk=pk), note="reporting status")
                changed += 1
        if progress:
            progress(min(start + BATCH, len(ids)), len(ids))
    return changed
