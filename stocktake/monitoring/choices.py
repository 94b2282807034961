from django.db import models
from django.utils.translation import gettext_lazy as _


class ResultType(models.TextChoices):
    """IATI ResultType codes."""

    OUTPUT = "1", _("output")
    OUTCOME = "2", _("outcome")
    IMPACT = "3", _("impact")
    OTHER = "9", _("other")


class Measure(models.TextChoices):
    """IATI IndicatorMeasure codes."""

    UNIT = "1", _("unit")
    PERCENTAGE = "2", _("percentage")
    NOMINAL = "3", _("nominal")
    ORDINAL = "4", _("ordinal")
    QUALITATIVE = "5", _("qualitative")


NUMERIC_MEASURES = (Measure.UNIT, Measure.PERCENTAGE, Measure.ORDINAL)


class ValueKind(models.TextChoices):
    TARGET = "target", _("target")
    ACTUAL = "actual", _("actual")


class Level(models.TextChoices):
    """The levels a plan of action gives its actions (seed 000: I and N)."""

    INTERNATIONAL = "international", _("international")
    REGIONAL = "regional", _("regional")
    NATIONAL = "national", _("national")


class DeliverableStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    ON_TRACK = "on-track", _("on track")
    ACHIEVED = "achieved", _("achieved")
    LATE = "late", _("late")
    DROPPED = "dropped", _("dropped")


class ReportState(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")
    APPROVED = "approved", _("approved")
    RETURNED = "returned", _("returned")


class ReportingStatus(models.TextChoices):
    """Where a record stands with its reports, computed from its cadence (``monitoring.reporting``)."""

    UP_TO_DATE = "up-to-date", _("up to date")
    DUE = "due", _("report due")
    OVERDUE = "overdue", _("report overdue")
    INACTIVE = "inactive", _("inactive (no report in 24 months)")


class ReminderKind(models.TextChoices):
    BEFORE = "before", _("before the due date")
    AFTER = "after", _("after the due date")


class Rating(models.TextChoices):
    GREEN = "green", _("green")
    AMBER = "amber", _("amber")
    RED = "red", _("red")


class HealthAspect(models.TextChoices):
    """The published aspects partners rate in a partnership health check."""

    SHARED_VISION = "shared-vision", _("shared vision")
    ADDED_VALUE = "added-value", _("added value of working together")
    BALANCE_OF_POWER = "balance-of-power", _("balance of power")
    TRANSPARENCY = "transparency", _("transparency")
    EFFICIENCY = "efficiency", _("efficiency")
    VALUE_FOR_PARTNERS = "value-for-partners", _("value for each partner")
    ACCOUNTABILITY = "accountability", _("accountability")
