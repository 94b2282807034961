"""When a deliverable is due: an absolute date ("by 2005") or a date relative to another ("within
three years" of the plan's adoption), and whether it is overdue on a given day."""

from __future__ import annotations

import calendar
from datetime import date

from stocktake.core.partial_dates import DatePrecision
from stocktake.monitoring.choices import DeliverableStatus
from stocktake.monitoring.models import Deliverable

# A deliverable in one of these states is settled: it can no longer be overdue.
SETTLED = (DeliverableStatus.ACHIEVED, DeliverableStatus.DROPPED)


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months, the day clamped to the month's last day
    (31 January + 1 month = 28 or 29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def end_of_period(day: date, precision: str) -> date:
    """The last day a date known only to the year or the month covers: "by 2005" means by 31 Dec 2005."""
    if precision == DatePrecision.YEAR:
        return date(day.year, 12, 31)
    if precision == DatePrecision.MONTH:
        return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])
    return day


def effective_due(deliverable: Deliverable) -> date | None:
    """The day a deliverable is due: its absolute date if it has one (a stated date wins over a
    computed one), else its anchor date plus its offset; None when neither is complete."""
    if deliverable.due_date is not None:
        return end_of_period(deliverable.due_date, deliverable.due_precision)
    if deliverable.due_anchor_date is not None and deliverable.due_offset_months is not None:
        return add_months(deliverable.due_anchor_date, deliverable.due_offset_months)
    return None


def is_overdue(deliverable: Deliverable, today: date) -> bool:
    """Past its due day (the due day itself is still in time) and neither achieved nor dropped."""
    due = effective_due(deliverable)
    return due is not None and due < today and deliverable.status not in SETTLED
