"""API of the monitoring area "results": a published record's results framework and programme roll-up."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from stocktake.initiatives.choices import PublicationState
from stocktake.initiatives.selectors import initiative_by_code
from stocktake.monitoring.models import Indicator, IndicatorPeriod
from stocktake.monitoring.rollup import Figure, Rollup, Series, programme_rollup
from stocktake.monitoring.selectors.results import framework

router = Router(tags=["monitoring"])


class DisaggregationOut(Schema):
    kind: str
    dimension: str
    group: str
    value: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None


class ValueOut(Schema):
    value: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None
    comment: str


class PeriodOut(Schema):
    start: datetime.date
    end: datetime.date
    target: ValueOut
    actual: ValueOut
    disaggregations: list[DisaggregationOut]


class IndicatorOut(Schema):
    title: str
    description: str
    measure: str
    unit: str
    ascending: bool
    cumulative: bool
    baseline_year: int | None
    baseline: ValueOut
    periods: list[PeriodOut]


class ResultOut(Schema):
    type: str
    title: str
    description: str
    aggregation_status: bool
    indicators: list[IndicatorOut]


class FigureOut(Schema):
    year: int
    value: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None
    children: list[str]
    not_comparable: list[str]


class SeriesOut(Schema):
    group: str
    actual: list[FigureOut]
    target: list[FigureOut]


class RolledUpOut(Schema):
    title: str
    unit: str
    measure: str
    cumulative: bool
    children: list[str]
    method: str
    total: SeriesOut
    disaggregations: list[SeriesOut]


class NotRolledUpOut(Schema):
    title: str
    unit: str
    children: list[str]
    reason: str


class RollupOut(Schema):
    children: list[str]
    indicators: list[RolledUpOut]
    not_rolled_up: list[NotRolledUpOut]


class ResultsOut(Schema):
    code: str
    results: list[ResultOut]
    rollup: RollupOut | None


MEASURE_NAMES = {"1": "unit", "2": "percentage", "3": "nominal", "4": "ordinal", "5": "qualitative"}
RESULT_TYPE_NAMES = {"1": "output", "2": "outcome", "3": "impact", "9": "other"}


def _value(source: Any, prefix: str) -> dict[str, Any]:
    return {
        "value": getattr(source, f"{prefix}_value"),
        "numerator": getattr(source, f"{prefix}_numerator"),
        "denominator": getattr(source, f"{prefix}_denominator"),
        "comment": getattr(source, f"{prefix}_comment"),
    }


def _period(period: IndicatorPeriod) -> dict[str, Any]:
    return {
        "start": period.period_start,
        "end": period.period_end,
        "target": _value(period, "target"),
        "actual": _value(period, "actual"),
        "disaggregations": [
            {
                "kind": row.kind,
                "dimension": row.name,
                "group": row.value,
                "value": row.amount,
                "numerator": row.numerator,
                "denominator": row.denominator,
            }
            for row in period.disaggregations.all()
        ],
    }


def _indicator(indicator: Indicator) -> dict[str, Any]:
    return {
        "title": indicator.title,
        "description": indicator.description,
        "measure": MEASURE_NAMES[indicator.measure],
        "unit": indicator.unit,
        "ascending": indicator.ascending,
        "cumulative": indicator.cumulative,
        "baseline_year": indicator.baseline_year,
        "baseline": _value(indicator, "baseline"),
        "periods": [_period(period) for period in indicator.periods.all()],
    }


def _figures(figures: list[Figure]) -> list[dict[str, Any]]:
    return [vars(figure) for figure in figures]


def _series(series: Series) -> dict[str, Any]:
    return {"group": series.label, "actual": _figures(series.actual), "target": _figures(series.target)}


def _rollup(rollup: Rollup | None) -> dict[str, Any] | None:
    if rollup is None:
        return None
    return {
        "children": [child.code for child in rollup.children],
        "indicators": [
            {
                "title": row.title,
                "unit": row.unit,
                "measure": MEASURE_NAMES[row.measure],
                "cumulative": row.cumulative,
                "children": row.children,
                "method": row.method,
                "total": _series(row.total),
                "disaggregations": [_series(series) for series in row.groups],
            }
            for row in rollup.indicators
        ],
        "not_rolled_up": [vars(item) for item in rollup.not_rolled_up],
    }


@router.get("/initiatives/{code}/results", response=ResultsOut, summary="An initiative's results framework")
def initiative_results(request: HttpRequest, code: str) -> dict[str, Any]:
    """The results of a published initiative: result → indicator (baseline) → periods (target and
    actual, with numerator and denominator for percentages) → disaggregations.

    For a programme (an initiative with published parts), ``rollup`` adds up the parts' indicators
    matched by identical title and unit (case ignored), per calendar year of the period's end:
    cumulative indicators take each part's latest figure up to the year, other counts are summed,
    percentages are the sum of numerators over the sum of denominators (a part giving a percentage
    alone is listed in ``not_comparable``). 404 for records that are not published."""
    initiative = initiative_by_code(code)
    if initiative.state != PublicationState.PUBLISHED:
        raise HttpError(404, f"No initiative has the code {code!r}")
    return {
        "code": initiative.code,
        "results": [
            {
                "type": RESULT_TYPE_NAMES.get(result.type, result.type),
                "title": result.title,
                "description": result.description,
                "aggregation_status": result.aggregation_status,
                "indicators": [_indicator(indicator) for indicator in result.indicators.all()],
            }
            for result in framework(initiative)
        ],
        "rollup": _rollup(programme_rollup(initiative)),
    }
