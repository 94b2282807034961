"""Monitoring: results frameworks, deliverables with deadlines, progress reports and their reminders,
targets from plans of action, and partnership health checks."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stocktake.core.models import TimeStampedModel
from stocktake.core.partial_dates import DatePrecision
from stocktake.initiatives.models import Initiative
from stocktake.monitoring.choices import (
    DeliverableStatus,
    HealthAspect,
    Level,
    Measure,
    Rating,
    ReminderKind,
    ReportingStatus,
    ReportState,
    ResultType,
    ValueKind,
)
from stocktake.organisations.models import Organisation


def _number(label: Any = None) -> models.DecimalField:
    """A measured number: empty when not known; text is refused (a DecimalField, not a CharField)."""
    return models.DecimalField(label, max_digits=20, decimal_places=4, null=True, blank=True)


# Results framework ------------------------------------------------------------------------------

# Each level's own fields, as the services, the IATI import and the export read and write them.
RESULT_FIELDS = ("type", "title", "description", "aggregation_status")
INDICATOR_FIELDS = (
    "title",
    "description",
    "measure",
    "unit",
    "ascending",
    "cumulative",
    "baseline_year",
    "baseline_value",
    "baseline_numerator",
    "baseline_denominator",
    "baseline_comment",
)
PERIOD_FIELDS = (
    "period_start",
    "period_end",
    "target_value",
    "target_numerator",
    "target_denominator",
    "target_comment",
    "actual_value",
    "actual_numerator",
    "actual_denominator",
    "actual_comment",
)
DISAGGREGATION_FIELDS = ("kind", "name", "value", "amount", "numerator", "denominator")


class Result(TimeStampedModel):
    """An intended result (output, outcome or impact) of an initiative, as IATI's ``result``."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="results")
    type = models.CharField(_("type"), max_length=2, choices=ResultType.choices, default=ResultType.OUTPUT)
    title = models.CharField(_("title"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    aggregation_status = models.BooleanField(_("suitable for aggregation"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class Indicator(TimeStampedModel):
    """How a result is measured: a unit count, a percentage (kept as numerator and denominator, so
    that it rolls up), a nominal or ordinal scale, or qualitative text."""

    result = models.ForeignKey(Result, on_delete=models.CASCADE, related_name="indicators")
    title = models.CharField(_("title"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    measure = models.CharField(_("measure"), max_length=1, choices=Measure.choices, default=Measure.UNIT)
    unit = models.CharField(_("unit"), max_length=100, blank=True, help_text=_("e.g. people trained"))
    ascending = models.BooleanField(_("higher is better"), default=True)
    cumulative = models.BooleanField(
        _("cumulative"),
        default=False,
        help_text=_("Each period's value counts everything since the start, not that period alone."),
    )
    baseline_year = models.PositiveSmallIntegerField(_("baseline year"), null=True, blank=True)
    baseline_value = _number(_("baseline"))
    baseline_numerator = _number()
    baseline_denominator = _number()
    baseline_comment = models.TextField(_("baseline comment"), blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class IndicatorPeriod(TimeStampedModel):
    """One reporting period of an indicator: its target and what was achieved."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="periods")
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    target_value = _number(_("target"))
    target_numerator = _number()
    target_denominator = _number()
    target_comment = models.TextField(_("target comment"), blank=True)
    actual_value = _number(_("actual"))
    actual_numerator = _number()
    actual_denominator = _number()
    actual_comment = models.TextField(_("actual comment"), blank=True)

    class Meta:
        ordering = ["period_start", "id"]

    def __str__(self) -> str:
        return f"{self.indicator}: {self.period_start} – {self.period_end}"


class Disaggregation(models.Model):
    """A target or actual value for one group (IATI ``dimension``: sex = female, region = north)."""

    period = models.ForeignKey(IndicatorPeriod, on_delete=models.CASCADE, related_name="disaggregations")
    kind = models.CharField(max_length=6, choices=ValueKind.choices)
    name = models.CharField(_("dimension"), max_length=100)
    value = models.CharField(_("group"), max_length=100)
    amount = _number(_("value"))
    numerator = _number()
    denominator = _number()

    class Meta:
        ordering = ["kind", "name", "value"]
        constraints = [
            models.UniqueConstraint(fields=["period", "kind", "name", "value"], name="unique_disaggregation")
        ]

    def __str__(self) -> str:
        return f"{self.name} = {self.value}"


# Commitments and deliverables -------------------------------------------------------------------


class Deliverable(TimeStampedModel):
    """Something an initiative commits to deliver, by an absolute date ("by 2005") or a date relative
    to another ("within three years" of the plan's adoption)."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="deliverables")
    title = models.CharField(_("title"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    responsible = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deliverables",
        verbose_name=_("responsible organisation"),
    )
    level = models.CharField(_("level"), max_length=13, choices=Level.choices, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    due_precision = models.CharField(max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY)
    due_offset_months = models.PositiveSmallIntegerField(
        _("due within (months)"), null=True, blank=True, help_text=_("e.g. 36 for “within three years”")
    )
    due_anchor_date = models.DateField(_("counted from"), null=True, blank=True)
    due_anchor_label = models.CharField(
        _("counted from (what)"),
        max_length=200,
        blank=True,
        help_text=_("e.g. adoption of the plan of action"),
    )
    due_text = models.CharField(_("deadline as stated"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=DeliverableStatus.choices, default=DeliverableStatus.PLANNED
    )
    indicator = models.ForeignKey(
        Indicator, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliverables"
    )
    resources = models.TextField(_("resources"), blank=True, help_text=_("Money, people or means committed"))
    evidence = models.JSONField(_("evidence links"), default=list, blank=True)
    source = models.CharField(max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


# Progress reports and reporting status -----------------------------------------------------------


class ReportingSchedule(TimeStampedModel):
    """How often an initiative reports (yearly unless its editors choose otherwise)."""

    initiative = models.OneToOneField(Initiative, on_delete=models.CASCADE, related_name="reporting_schedule")
    cadence_months = models.PositiveSmallIntegerField(_("reports every (months)"), default=12)
    first_due = models.DateField(_("first report due"), null=True, blank=True)
    # The status as last recorded by ``stocktake refresh_monitoring``: the calendar moves it without
    # anyone writing, so the daily run writes the change (and the record's history shows when a report
    # fell overdue; the search index follows the history).
    status = models.CharField(
        _("reporting status"), max_length=10, choices=ReportingStatus.choices, blank=True
    )

    def __str__(self) -> str:
        return f"{self.initiative.code}: every {self.cadence_months} months"


class ProgressReport(TimeStampedModel):
    """A periodic report: what happened, indicator actuals, deliverables' status and lessons."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="progress_reports")
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    narrative = models.TextField(_("what happened"), blank=True)
    lessons = models.TextField(_("lessons learned"), blank=True)
    state = models.CharField(max_length=9, choices=ReportState.choices, default=ReportState.DRAFT)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-period_end", "-id"]

    def __str__(self) -> str:
        return f"{self.initiative.code}: {self.period_start} – {self.period_end}"


class ReportedActual(models.Model):
    """An indicator's actual value as a report gives it; copied into the period when approved."""

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="actuals")
    period = models.ForeignKey(IndicatorPeriod, on_delete=models.CASCADE, related_name="+")
    value = _number()
    numerator = _number()
    denominator = _number()
    comment = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "period"], name="unique_reported_actual")]

    def __str__(self) -> str:
        return f"{self.period}: {self.value}"


class ReportedDeliverable(models.Model):
    """A deliverable's status as a report gives it; applied when the report is approved."""

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="deliverable_statuses")
    deliverable = models.ForeignKey(Deliverable, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=8, choices=DeliverableStatus.choices)
    note = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "deliverable"], name="unique_reported_deliverable")
        ]

    def __str__(self) -> str:
        return f"{self.deliverable}: {self.get_status_display()}"


class ReminderSent(models.Model):
    """A reminder e-mailed about one due date: never twice for the same date and kind."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="+")
    due_date = models.DateField()
    kind = models.CharField(max_length=6, choices=ReminderKind.choices)
    sent_at = models.DateTimeField(default=timezone.now)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "due_date", "kind"], name="one_reminder_per_due_date"
            )
        ]

    def __str__(self) -> str:
        return f"{self.initiative_id} {self.kind} {self.due_date}"


# Targets from plans of action --------------------------------------------------------------------


class Target(TimeStampedModel):
    """A rule over the registry with a deadline: "each country has at least one successful PPP by
    2005". ``filters`` is a search of the initiatives list (``InitiativeFilters``); ``per_country``
    asks it of every country, else of the registry as a whole."""

    key = models.SlugField(max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    level = models.CharField(_("level"), max_length=13, choices=Level.choices, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    deadline_text = models.CharField(_("deadline as stated"), max_length=200, blank=True)
    filters = models.JSONField(default=dict, blank=True)
    per_country = models.BooleanField(default=True)
    at_least = models.PositiveIntegerField(default=1)
    commitment = models.ForeignKey(
        Initiative, null=True, blank=True, on_delete=models.SET_NULL, related_name="targets"
    )
    source = models.CharField(max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "key"]

    def __str__(self) -> str:
        return self.title


# Partnership health checks ------------------------------------------------------------------------


class HealthCheck(TimeStampedModel):
    """One partner member's ratings of the partnership at one time."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="health_checks")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    round_start = models.DateField(_("round"))

    class Meta:
        ordering = ["-round_start", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "author", "round_start"], name="one_check_per_round"
            )
        ]

    def __str__(self) -> str:
        return f"{self.initiative.code} by {self.organisation} ({self.round_start})"


class HealthRating(models.Model):
    health_check = models.ForeignKey(HealthCheck, on_delete=models.CASCADE, related_name="ratings")
    aspect = models.CharField(max_length=20, choices=HealthAspect.choices)
    rating = models.CharField(max_length=5, choices=Rating.choices)
    comment = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["health_check", "aspect"], name="one_rating_per_aspect")
        ]

    def __str__(self) -> str:
        return f"{self.get_aspect_display()}: {self.get_rating_display()}"
