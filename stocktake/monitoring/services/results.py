"""Writing the monitoring area "results": every write validated, in one transaction, with its history.

A results framework is Result -> Indicator -> IndicatorPeriod -> Disaggregation. The record's editors
write it in any editable state (drafts may hold a framework before they are published). Values obey
the indicator's measure:

- unit and ordinal: numbers (value only);
- percentage: numerator and denominator (the value is then computed), or a value from 0 to 100 alone,
  kept as value only (it cannot roll up, see ``monitoring.rollup``);
- nominal and qualitative: no numbers, the comment says it.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from stocktake.accounts.permissions import acting_user
from stocktake.core.history import Actor, delete_with_history, save_with_history
from stocktake.governance.permissions import can_edit
from stocktake.initiatives.models import Initiative
from stocktake.monitoring import models as model_fields
from stocktake.monitoring.choices import Measure, ResultType, ValueKind
from stocktake.monitoring.models import Disaggregation, Indicator, IndicatorPeriod, Result

# Writers without a person: imports and commands, which check their own rights.
FOUR_PLACES = Decimal("0.0001")
HUNDRED = Decimal(100)

# The form's fields: each level's own (``models``), and its place among its siblings.
RESULT_FIELDS = (*model_fields.RESULT_FIELDS, "position")
INDICATOR_FIELDS = (*model_fields.INDICATOR_FIELDS, "position")
PERIOD_FIELDS = model_fields.PERIOD_FIELDS
DISAGGREGATION_FIELDS = model_fields.DISAGGREGATION_FIELDS
PREFIXES = ("baseline", "target", "actual")


def check_editor(actor: Actor, initiative: Initiative) -> None:
    """Refuses (PermissionDenied) anyone who may not edit the record's results framework now."""
    if actor.unattended:
        return
    user = acting_user(actor)
    if not can_edit(user, initiative):
        raise PermissionDenied(_("You cannot edit the results of this record."))


def to_decimal(field: str, label: str, raw: Any) -> Decimal | None:
    """A number from a form, the API or a file; text is refused with a message naming the field."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        raise ValidationError({field: _("%(field)s must be a number.") % {"field": label}})
    if isinstance(raw, Decimal):
        number = raw
    else:
        try:
            number = Decimal(str(raw).strip().replace(" ", ""))
        except (InvalidOperation, ValueError):
            raise ValidationError(
                {field: _("%(field)s must be a number, not “%(value)s”.") % {"field": label, "value": raw}}
            ) from None
    if not number.is_finite():
        raise ValidationError({field: _("%(field)s must be a number.") % {"field": label}})
    return number


def to_date(field: str, label: str, raw: Any) -> datetime.date | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, datetime.date):
        return raw
    try:
        return datetime.date.fromisoformat(str(raw).strip())
    except ValueError:
        raise ValidationError(
            {
                field: _("%(field)s must be a date (YYYY-MM-DD), not “%(value)s”.")
                % {"field": label, "value": raw}
            }
        ) from None


def _labels() -> dict[str, str]:
    return {
        "baseline": _("Baseline"),
        "target": _("Target"),
        "actual": _("Actual"),
        "value": _("Value"),
        "numerator": _("numerator"),
        "denominator": _("denominator"),
    }


def _names(prefix: str) -> tuple[str, str, str]:
    """Field names of a value triple: ("target_value", ...) or, for a disaggregation, ("amount", ...)."""
    if prefix == "":
        return "amount", "numerator", "denominator"
    return f"{prefix}_value", f"{prefix}_numerator", f"{prefix}_denominator"


def clean_value(
    measure: str, prefix: str, data: dict[str, Any], *, comment: str = ""
) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
    """Validates one value (baseline, target, actual or a disaggregation's) against the measure.

    ``data`` holds the raw entries under the field names; returns (value, numerator, denominator).
    """
    labels = _labels()
    value_name, numerator_name, denominator_name = _names(prefix)
    label = labels.get(prefix, labels["value"])
    value = to_decimal(value_name, label, data.get(value_name))
    numerator = to_decimal(numerator_name, f"{label} {labels['numerator']}", data.get(numerator_name))
    denominator = to_decimal(denominator_name, f"{label} {labels['denominator']}", data.get(denominator_name))
    if measure in (Measure.NOMINAL, Measure.QUALITATIVE):
        if value is not None or numerator is not None or denominator is not None:
            raise ValidationError(
                {
                    value_name: _(
                        "%(field)s: a qualitative or nominal indicator takes a comment, not numbers."
                    )
                    % {"field": label}
                }
            )
        return None, None, None
    if measure != Measure.PERCENTAGE:
        if numerator is not None or denominator is not None:
            raise ValidationError(
                {
                    numerator_name: _("%(field)s: only a percentage takes a numerator and denominator.")
                    % {"field": label}
                }
            )
        return value, None, None
    if numerator is None and denominator is None:
        if value is not None and not (0 <= value <= HUNDRED):
            raise ValidationError(
                {value_name: _("%(field)s: a percentage is between 0 and 100.") % {"field": label}}
            )
        return value, None, None
    if numerator is None or denominator is None:
        missing = denominator_name if denominator is None else numerator_name
        raise ValidationError(
            {
                missing: _("%(field)s: a percentage needs both its numerator and its denominator.")
                % {"field": label}
            }
        )
    if numerator < 0:
        raise ValidationError(
            {numerator_name: _("%(field)s: the numerator cannot be negative.") % {"field": label}}
        )
    if denominator <= 0:
        raise ValidationError(
            {denominator_name: _("%(field)s: the denominator must be more than zero.") % {"field": label}}
        )
    computed = (numerator / denominator * HUNDRED).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)
    if value is not None and abs(value - computed) > Decimal("0.01"):
        raise ValidationError(
            {
                value_name: _(
                    "%(field)s: %(value)s%% does not match the numerator and denominator (%(computed)s%%)."
                )
                % {"field": label, "value": value, "computed": computed.normalize()}
            }
        )
    return computed, numerator, denominator


def _apply_values(obj: Any, measure: str, prefixes: tuple[str, ...], data: dict[str, Any]) -> None:
    """Validates and sets each value triple of ``obj`` (``data`` holds every field, old and new)."""
    errors: dict[str, list[str]] = {}
    for prefix in prefixes:
        try:
            value, numerator, denominator = clean_value(measure, prefix, data)
        except ValidationError as error:
            for key, messages in error.message_dict.items():
                errors.setdefault(key, []).extend(messages)
            continue
        for name, number in zip(_names(prefix), (value, numerator, denominator), strict=True):
            setattr(obj, name, number)
    if errors:
        raise ValidationError(errors)


def _current(obj: Any, names: tuple[str, ...], changes: dict[str, Any]) -> dict[str, Any]:
    unknown = set(changes) - set(names)
    if unknown:
        raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")
    return {name: changes[name] if name in changes else getattr(obj, name) for name in names}


# Results ---------------------------------------------------------------------------------------


def _set_result(result: Result, data: dict[str, Any]) -> None:
    title = (data.get("title") or "").strip()
    if not title:
        raise ValidationError({"title": _("Give the result a title.")})
    if data.get("type") not in ResultType.values:
        raise ValidationError({"type": _("Choose the type of result.")})
    result.title = title
    result.type = data["type"]
    result.description = (data.get("description") or "").strip()
    result.aggregation_status = bool(data.get("aggregation_status"))
    result.position = data.get("position") or 0


@transaction.atomic
def result_create(*, actor: Actor, initiative: Initiative, title: str, **fields: Any) -> Result:
    check_editor(actor, initiative)
    result = Result(initiative=initiative)
    data = _current(result, RESULT_FIELDS, fields | {"title": title})
    if "position" not in fields:
        data["position"] = initiative.results.count()
    _set_result(result, data)
    return save_with_history(result, actor=actor, parent=initiative)


@transaction.atomic
def result_update(*, actor: Actor, result: Result, **changes: Any) -> Result:
    check_editor(actor, result.initiative)
    _set_result(result, _current(result, RESULT_FIELDS, changes))
    return save_with_history(result, actor=actor, parent=result.initiative)


@transaction.atomic
def result_delete(*, actor: Actor, result: Result) -> None:
    """Removes a result with its indicators, periods and disaggregations (each recorded)."""
    initiative = result.initiative
    check_editor(actor, initiative)
    for indicator in list(result.indicators.all()):
        _indicator_remove(actor, indicator, initiative)
    delete_with_history(result, actor=actor, parent=initiative)


# Indicators ------------------------------------------------------------------------------------


def _set_indicator(indicator: Indicator, data: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    title = (data.get("title") or "").strip()
    if not title:
        errors["title"] = [_("Give the indicator a title.")]
    measure = data.get("measure")
    if measure not in Measure.values:
        raise ValidationError({"measure": _("Choose how the indicator is measured.")})
    year = data.get("baseline_year")
    if year not in (None, ""):
        try:
            year = int(str(year).strip())
        except ValueError:
            errors["baseline_year"] = [
                _("Baseline year must be a year, such as 2020, not “%(value)s”.") % {"value": year}
            ]
            year = None
        else:
            if not 1900 <= year <= 2200:
                errors["baseline_year"] = [_("Baseline year must be a year, such as 2020.")]
    else:
        year = None
    try:
        _apply_values(indicator, measure, ("baseline",), data)
    except ValidationError as error:
        errors |= error.message_dict
    if errors:
        raise ValidationError(errors)
    indicator.title = title
    indicator.description = (data.get("description") or "").strip()
    indicator.measure = measure
    indicator.unit = (data.get("unit") or "").strip()
    indicator.ascending = bool(data.get("ascending"))
    indicator.cumulative = bool(data.get("cumulative"))
    indicator.baseline_year = year
    indicator.baseline_comment = (data.get("baseline_comment") or "").strip()
    indicator.position = data.get("position") or 0


@transaction.atomic
def indicator_create(*, actor: Actor, result: Result, title: str, **fields: Any) -> Indicator:
    check_editor(actor, result.initiative)
    defaults = Indicator(result=result)
    data = _current(defaults, INDICATOR_FIELDS, fields | {"title": title})
    if "position" not in fields:
        data["position"] = result.indicators.count()
    _set_indicator(defaults, data)
    return save_with_history(defaults, actor=actor, parent=result.initiative)


@transaction.atomic
def indicator_update(*, actor: Actor, indicator: Indicator, **changes: Any) -> Indicator:
    initiative = indicator.result.initiative
    check_editor(actor, initiative)
    data = _current(indicator, INDICATOR_FIELDS, changes)
    if data["measure"] != indicator.measure:
        # The periods' values must suit the new measure too: refuse rather than lose numbers.
        for period in indicator.periods.prefetch_related("disaggregations"):
            try:
                _apply_values(IndicatorPeriod(), data["measure"], ("target", "actual"), vars(period))
                for row in period.disaggregations.all():
                    clean_value(data["measure"], "", vars(row))
            except ValidationError:
                raise ValidationError(
                    {
                        "measure": _(
                            "The periods of this indicator hold values that do not suit this measure; "
                            "change them first."
                        )
                    }
                ) from None
    _set_indicator(indicator, data)
    return save_with_history(indicator, actor=actor, parent=initiative)


def _indicator_remove(actor: Actor, indicator: Indicator, initiative: Initiative) -> None:
    for period in list(indicator.periods.all()):
        _period_remove(actor, period, initiative)
    delete_with_history(indicator, actor=actor, parent=initiative)


@transaction.atomic
def indicator_delete(*, actor: Actor, indicator: Indicator) -> None:
    initiative = indicator.result.initiative
    check_editor(actor, initiative)
    _indicator_remove(actor, indicator, initiative)


# Periods ---------------------------------------------------------------------------------------


def _set_period(period: IndicatorPeriod, indicator: Indicator, data: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    start = end = None
    try:
        start = to_date("period_start", _("Period start"), data.get("period_start"))
        if start is None:
            errors["period_start"] = [_("Give the start of the period.")]
    except ValidationError as error:
        errors |= error.message_dict
    try:
        end = to_date("period_end", _("Period end"), data.get("period_end"))
        if end is None:
            errors["period_end"] = [_("Give the end of the period.")]
    except ValidationError as error:
        errors |= error.message_dict
    if start and end and end <= start:
        errors["period_end"] = [_("The period must end after it starts.")]
    try:
        _apply_values(period, indicator.measure, ("target", "actual"), data)
    except ValidationError as error:
        errors |= error.message_dict
    if start and end and "period_end" not in errors:
        overlapping = indicator.periods.filter(period_start__lte=end, period_end__gte=start)
        if period.pk:
            overlapping = overlapping.exclude(pk=period.pk)
        other = overlapping.first()
        if other is not None:
            errors["period_start"] = [
                _("This period overlaps the period %(start)s – %(end)s of the same indicator.")
                % {"start": other.period_start.isoformat(), "end": other.period_end.isoformat()}
            ]
    if errors:
        raise ValidationError(errors)
    period.period_start = start  # type: ignore[assignment]
    period.period_end = end  # type: ignore[assignment]
    period.target_comment = (data.get("target_comment") or "").strip()
    period.actual_comment = (data.get("actual_comment") or "").strip()


def _lock(indicator: Indicator) -> Indicator:
    # One writer per indicator at a time, so two periods cannot slip in overlapping each other.
    return Indicator.objects.select_for_update().select_related("result__initiative").get(pk=indicator.pk)


@transaction.atomic
def period_create(
    *, actor: Actor, indicator: Indicator, period_start: Any, period_end: Any, **fields: Any
) -> IndicatorPeriod:
    check_editor(actor, indicator.result.initiative)
    indicator = _lock(indicator)
    period = IndicatorPeriod(indicator=indicator)
    data = _current(period, PERIOD_FIELDS, fields | {"period_start": period_start, "period_end": period_end})
    _set_period(period, indicator, data)
    return save_with_history(period, actor=actor, parent=indicator.result.initiative)


@transaction.atomic
def period_update(*, actor: Actor, period: IndicatorPeriod, **changes: Any) -> IndicatorPeriod:
    initiative = period.indicator.result.initiative
    check_editor(actor, initiative)
    indicator = _lock(period.indicator)
    _set_period(period, indicator, _current(period, PERIOD_FIELDS, changes))
    return save_with_history(period, actor=actor, parent=initiative)


def _period_remove(actor: Actor, period: IndicatorPeriod, initiative: Initiative) -> None:
    for row in list(period.disaggregations.all()):
        delete_with_history(row, actor=actor, parent=initiative)
    delete_with_history(period, actor=actor, parent=initiative)


@transaction.atomic
def period_delete(*, actor: Actor, period: IndicatorPeriod) -> None:
    initiative = period.indicator.result.initiative
    check_editor(actor, initiative)
    _period_remove(actor, period, initiative)


# Disaggregations ------------------------------------------------------------------------------


def _set_disaggregation(row: Disaggregation, period: IndicatorPeriod, data: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    kind = data.get("kind")
    if kind not in ValueKind.values:
        errors["kind"] = [_("Choose target or actual.")]
    name = (data.get("name") or "").strip()
    value = (data.get("value") or "").strip()
    if not name:
        errors["name"] = [_("Name the dimension, such as sex or region.")]
    if not value:
        errors["value"] = [_("Name the group, such as female or north.")]
    measure = period.indicator.measure
    if measure in (Measure.NOMINAL, Measure.QUALITATIVE):
        errors["amount"] = [_("A qualitative or nominal indicator has no numbers to break down.")]
    else:
        try:
            amount, numerator, denominator = clean_value(measure, "", data)
        except ValidationError as error:
            errors |= error.message_dict
        else:
            if amount is None:
                errors["amount"] = [_("Give the value for this group.")]
            row.amount, row.numerator, row.denominator = amount, numerator, denominator
    if not errors:
        same = Disaggregation.objects.filter(period=period, kind=kind, name__iexact=name, value__iexact=value)
        if row.pk:
            same = same.exclude(pk=row.pk)
        if same.exists():
            errors["value"] = [
                _("This period already has a value for %(name)s = %(value)s.")
                % {"name": name, "value": value}
            ]
    if errors:
        raise ValidationError(errors)
    row.kind, row.name, row.value = kind, name, value  # type: ignore[assignment]


@transaction.atomic
def disaggregation_create(*, actor: Actor, period: IndicatorPeriod, **fields: Any) -> Disaggregation:
    initiative = period.indicator.result.initiative
    check_editor(actor, initiative)
    row = Disaggregation(period=period)
    _set_disaggregation(row, period, _current(row, DISAGGREGATION_FIELDS, fields))
    return save_with_history(row, actor=actor, parent=initiative)


@transaction.atomic
def disaggregation_update(*, actor: Actor, disaggregation: Disaggregation, **changes: Any) -> Disaggregation:
    period = disaggregation.period
    initiative = period.indicator.result.initiative
    check_editor(actor, initiative)
    _set_disaggregation(disaggregation, period, _current(disaggregation, DISAGGREGATION_FIELDS, changes))
    return save_with_history(disaggregation, actor=actor, parent=initiative)


@transaction.atomic
def disaggregation_delete(*, actor: Actor, disaggregation: Disaggregation) -> None:
    initiative = disaggregation.period.indicator.result.initiative
    check_editor(actor, initiative)
    delete_with_history(disaggregation, actor=actor, parent=initiative)
