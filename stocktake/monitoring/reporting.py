"""Reporting status: where a record stands with its progress reports, computed from its cadence.

- Next due: the last approved report's period end plus one cadence; with none, the schedule's first
  due date, else the date the record was first published (or created, for imports) plus one cadence.
- "due" within 60 days before the next due date, "overdue" after it, "inactive" when no report has been
  approved in 24 months (and the record is at least that old), "up to date" otherwise.
- A record that ended (concluded, sustained, handed over, ended early) with a final report approved
  after its end is up to date for good: nothing more is due.

``reporting_status`` reads one record; ``reporting_statuses`` reads many in one query (lists, KPIs).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from django.db.models import F, Max, Min, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from stocktake.core.partial_dates import DatePrecision
from stocktake.initiatives.choices import Outcome
from stocktake.initiatives.models import Initiative
from stocktake.monitoring.choices import ReportingStatus, ReportState
from stocktake.monitoring.deadlines import add_months
from stocktake.monitoring.models import ProgressReport, ReportingSchedule

DEFAULT_CADENCE_MONTHS = 12
DUE_WINDOW = timedelta(days=60)
INACTIVE_AFTER_MONTHS = 24
ENDED_OUTCOMES = (Outcome.CONCLUDED, Outcome.SUSTAINED, Outcome.HANDED_OVER, Outcome.ENDED_EARLY)


def _day(value: date | datetime | None) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    return value


@dataclass(frozen=True)
class Facts:
    """What the status depends on, read in bulk or for one record."""

    cadence_months: int
    first_due: date | None
    published_on: date
    outcome: str
    end: date | None
    last_period_end: date | None  # of the approved reports
    last_approved_on: date | None
    first_approved_on: date | None


class Standing(NamedTuple):
    status: ReportingStatus
    next_due: date | None
    last_approved: ProgressReport | None


class BatchStanding(NamedTuple):
    status: ReportingStatus
    next_due: date | None
    published_on: date
    first_approved_on: date | None
    last_approved_on: date | None


def first_due_of(facts: Facts) -> date:
    return facts.first_due or add_months(facts.published_on, facts.cadence_months)


def status_from(facts: Facts, today: date) -> tuple[ReportingStatus, date | None]:
    """The status and next due date that ``facts`` give on ``today``."""
    if facts.outcome in ENDED_OUTCOMES and facts.last_approved_on is not None:
        # A final report: approved after the end, or covering it (end unknown: any approved report).
        final = facts.end is None or (
            facts.last_approved_on >= facts.end
            or (facts.last_period_end is not None and facts.last_period_end >= facts.end)
        )
        if final:
            return ReportingStatus.UP_TO_DATE, None
    if facts.last_period_end is not None:
        next_due = add_months(facts.last_period_end, facts.cadence_months)
    else:
        next_due = first_due_of(facts)
    silent_since = facts.last_approved_on or facts.published_on
    if add_months(silent_since, INACTIVE_AFTER_MONTHS) <= today:
        return ReportingStatus.INACTIVE, next_due
    if today > next_due:
        return ReportingStatus.OVERDUE, next_due
    if today >= next_due - DUE_WINDOW:
        return ReportingStatus.DUE, next_due
    return ReportingStatus.UP_TO_DATE, next_due


def _end(initiative: Any) -> date | None:
    """When the record ended (or was to end): the last day of a year or month given alone."""
    for name in ("actual_end", "planned_end"):
        day = getattr(initiative, name)
        if day is not None:
            precision = getattr(initiative, f"{name}_precision")
            if precision == DatePrecision.YEAR:
                return date(day.year, 12, 31)
            if precision == DatePrecision.MONTH:
                return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])
            return day
    return None


def published_on(initiative: Initiative) -> date:
    """When the record was first published; imported records (published at once) count from creation."""
    first = initiative.workflow_events.filter(action="publish").aggregate(first=Min("time"))["first"]
    return _day(first) or _day(initiative.created) or timezone.localdate()


def reporting_status(initiative: Initiative, today: date | None = None) -> Standing:
    """(status, next due date, last approved report) of one record on ``today``."""
    today = today or timezone.localdate()
    schedule = ReportingSchedule.objects.filter(initiative=initiative).first()
    approved = ProgressReport.objects.filter(initiative=initiative, state=ReportState.APPROVED)
    last = approved.order_by("-period_end", "-decided_at", "-id").first()
    dates = approved.aggregate(last=Max("decided_at"), first=Min("decided_at"))
    facts = Facts(
        cadence_months=schedule.cadence_months if schedule else DEFAULT_CADENCE_MONTHS,
        first_due=schedule.first_due if schedule else None,
        published_on=published_on(initiative),
        outcome=initiative.outcome,
        end=_end(initiative),
        last_period_end=last.period_end if last else None,
        last_approved_on=_day(dates["last"]),
        first_approved_on=_day(dates["first"]),
    )
    status, next_due = status_from(facts, today)
    return Standing(status, next_due, last)


def with_reporting_facts(queryset: QuerySet[Initiative]) -> QuerySet[Initiative]:
    """``queryset`` with what the status needs annotated, so many records are read in one query."""
    from stocktake.governance.models import WorkflowEvent

    approved = ProgressReport.objects.filter(initiative=OuterRef("pk"), state=ReportState.APPROVED)
    schedule = ReportingSchedule.objects.filter(initiative=OuterRef("pk"))
    publish = WorkflowEvent.objects.filter(initiative=OuterRef("pk"), action="publish")
    return queryset.annotate(
        rs_cadence=Subquery(schedule.values("cadence_months")[:1]),
        rs_first_due=Subquery(schedule.values("first_due")[:1]),
        rs_published=Coalesce(Subquery(publish.order_by("time").values("time")[:1]), F("created")),
        rs_last_period_end=Subquery(approved.order_by("-period_end").values("period_end")[:1]),
        rs_last_approved=Subquery(approved.order_by("-decided_at").values("decided_at")[:1]),
        rs_first_approved=Subquery(approved.order_by("decided_at").values("decided_at")[:1]),
    )


def _facts_of(row: Any) -> Facts:
    return Facts(
        cadence_months=row.rs_cadence or DEFAULT_CADENCE_MONTHS,
        first_due=row.rs_first_due,
        published_on=_day(row.rs_published) or timezone.localdate(),
        outcome=row.outcome,
        end=_end(row),
        last_period_end=row.rs_last_period_end,
        last_approved_on=_day(row.rs_last_approved),
        first_approved_on=_day(row.rs_first_approved),
    )


def reporting_statuses(
    initiatives: QuerySet[Initiative] | Iterable[Initiative], today: date | None = None
) -> dict[int, BatchStanding]:
    """The standing of many records (by id), read in one query."""
    today = today or timezone.localdate()
    if isinstance(initiatives, QuerySet):
        queryset = initiatives
    else:
        queryset = Initiative.objects.filter(pk__in=[i.pk for i in initiatives])
    rows = with_reporting_facts(
        queryset.only(
            "pk",
            "outcome",
            "actual_end",
            "actual_end_precision",
            "planned_end",
            "planned_end_precision",
            "created",
        )
    ).order_by()
    result: dict[int, BatchStanding] = {}
    for row in rows:
        facts = _facts_of(row)
        status, next_due = status_from(facts, today)
        result[row.pk] = BatchStanding(
            status, next_due, facts.published_on, facts.first_approved_on, facts.last_approved_on
        )
    return result


class LazyStandings:
    """The standings of a page of rows, read in one query the first time one row asks."""

    def __init__(self, ids: list[int]) -> None:
        self.ids = ids
        self._standings: dict[int, BatchStanding] | None = None

    def get(self, pk: int) -> BatchStanding | None:
        if self._standings is None:
            self._standings = reporting_statuses(Initiative.objects.filter(pk__in=self.ids))
        return self._standings.get(pk)


def attach_standings(rows: Iterable[Any]) -> None:
    """Lets list rows share one lazy read of their standings (``standing_of`` uses it)."""
    rows = list(rows)
    shared = LazyStandings([row.pk for row in rows])
    for row in rows:
        row._reporting_batch = shared


def standing_of(obj: Any, today: date | None = None) -> BatchStanding | None:
    """The standing of one initiative (or list row), read once and kept on ``obj``, so an API row
    asking for its status and its next due date reads it once, and a page of rows reads it together."""
    cached = getattr(obj, "_reporting_standing", None)
    if cached is not None:
        return cached
    pk = getattr(obj, "pk", None)
    if pk is None:
        return None
    batch = getattr(obj, "_reporting_batch", None)
    if batch is not None and today is None:
        standing = batch.get(pk)
    else:
        standing = reporting_statuses(Initiative.objects.filter(pk=pk), today).get(pk)
    obj._reporting_standing = standing
    return standing
