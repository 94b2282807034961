"""Reading the monitoring area "results"."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet

from stocktake.governance.permissions import can_edit, can_view
from stocktake.initiatives.models import Initiative
from stocktake.monitoring.choices import NUMERIC_MEASURES, Measure
from stocktake.monitoring.models import Indicator, IndicatorPeriod, Result
from stocktake.monitoring.rollup import programme_rollup


def framework(initiative: Initiative) -> QuerySet[Result]:
    """The record's results with their indicators, periods and disaggregations, in four queries."""
    return initiative.results.prefetch_related(
        Prefetch("indicators", queryset=Indicator.objects.order_by("position", "id")),
        Prefetch("indicators__periods", queryset=IndicatorPeriod.objects.order_by("period_start", "id")),
        "indicators__periods__disaggregations",
    )


def progress(indicator: Indicator, period: IndicatorPeriod) -> Decimal | None:
    """How far the actual went towards the target, in percent: from the baseline when there is one
    (so that "lower is better" indicators work too), else from zero. None when not measurable."""
    if indicator.measure not in NUMERIC_MEASURES:
        return None
    actual, target = period.actual_value, period.target_value
    if actual is None or target is None:
        return None
    start = indicator.baseline_value
    if start is None:
        if not indicator.ascending:
            return None  # "lower is better" needs a starting point to measure against
        start = Decimal(0)
    if target == start:
        return None
    share = (actual - start) / (target - start) * 100
    return share.quantize(Decimal(1), rounding=ROUND_HALF_UP)


def _display(value: Decimal | None) -> str:
    """A stored number without trailing zeros: 35, 33.3333, 0.5."""
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return text


def shown(indicator: Indicator, prefix: str, source: Any) -> str:
    """A baseline, target or actual as people read it: "35", "33.33 % (1 / 3)"."""
    value = getattr(source, f"{prefix}_value")
    if indicator.measure == Measure.PERCENTAGE and value is not None:
        numerator = getattr(source, f"{prefix}_numerator")
        denominator = getattr(source, f"{prefix}_denominator")
        text = f"{_display(value.quantize(Decimal('0.01')))} %"
        if numerator is not None and denominator is not None:
            text += f" ({_display(numerator)} / {_display(denominator)})"
        return text
    return _display(value)


def public_panel(initiative: Initiative, viewer: Any) -> dict[str, Any] | None:
    """What the public initiative page shows of this area (None: nothing)."""
    if not initiative.is_public:
        return None
    results = list(framework(initiative))
    rollup = programme_rollup(initiative)
    if not results and (rollup is None or not (rollup.indicators or rollup.not_rolled_up)):
        return None
    return {
        "initiative": initiative,
        "results": results,
        "rollup": rollup,
        "progress": progress,
        "shown": shown,
        "number": _display,
    }


def workspace_panel(initiative: Initiative, viewer: Any) -> dict[str, Any] | None:
    """What the record's workspace (/records/<code>/) shows of this area to viewer (None: nothing)."""
    if not can_view(viewer, initiative):
        return None
    editable = can_edit(viewer, initiative)
    results = list(framework(initiative))
    if not results and not editable:
        return None
    return {
        "initiative": initiative,
        "results": results,
        "can_edit": editable,
        "progress": progress,
        "shown": shown,
        "number": _display,
    }
