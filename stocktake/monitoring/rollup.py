"""The programme roll-up: a programme's figures computed from its published children's results.

Matching: two children's indicators are "the same indicator" when their titles and units are equal,
ignoring case and repeated spaces (``indicator_key``). A group whose indicators disagree on the
measure or on being cumulative is not rolled up (adding a running total to a yearly count means
nothing), nor is a group whose results say they are not suitable for aggregation.

Periods: a figure belongs to the calendar year its period ends in.

Arithmetic, per year:
- cumulative indicators: each child's latest value in a period ending that year or before, then
  the sum across children (a child that reported nothing new still counts what it had reached);
- other counts: the sum of every child's values of periods ending that year;
- percentages: the sum of the numerators over the sum of the denominators, times 100 (never an
  average of percentages); a child giving only a percentage, without numerator and denominator, is
  left out of that figure and counted "not comparable";
- disaggregations: the same rule for each dimension value (sex = female, ...);
- nominal, ordinal and qualitative indicators are not rolled up, only listed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext as _

from stocktake.initiatives.choices import PublicationState
from stocktake.initiatives.models import Initiative
from stocktake.monitoring.choices import Measure, ValueKind
from stocktake.monitoring.models import Indicator

ROLLED_UP_MEASURES = (Measure.UNIT, Measure.PERCENTAGE)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def indicator_key(title: str, unit: str) -> tuple[str, str]:
    """What makes two children's indicators the same one: title and unit, case and spacing ignored."""
    return " ".join(title.split()).casefold(), " ".join(unit.split()).casefold()


@dataclass(frozen=True)
class Point:
    """One child's value in one period (or in one group of a period)."""

    code: str
    year: int
    end: Any  # the period's end date, to find the latest
    value: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None


@dataclass
class Figure:
    """A rolled-up value of one year: the figure, what it was made of and who was left out."""

    year: int
    value: Decimal | None = None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    children: list[str] = field(default_factory=list)
    not_comparable: list[str] = field(default_factory=list)


@dataclass
class Series:
    """Targets and actuals of one indicator (or one group of it) by year."""

    label: str  # "" for the indicator as a whole, else "sex: female"
    actual: list[Figure] = field(default_factory=list)
    target: list[Figure] = field(default_factory=list)


@dataclass
class RolledUpIndicator:
    title: str
    unit: str
    measure: str
    cumulative: bool
    children: list[str]
    method: str
    years: list[int]
    total: Series
    groups: list[Series]

    @property
    def measure_label(self) -> str:
        return str(Measure(self.measure).label)


@dataclass
class NotRolledUp:
    title: str
    unit: str
    children: list[str]
    reason: str


@dataclass
class Rollup:
    children: list[Initiative]
    indicators: list[RolledUpIndicator]
    not_rolled_up: list[NotRolledUp]


def _method(measure: str, cumulative: bool) -> str:
    if measure == Measure.PERCENTAGE:
        text = _(
            "Sum of the children's numerators divided by the sum of their denominators, times 100 "
            "(not an average of percentages); a child giving only a percentage is left out as not "
            "comparable."
        )
        if cumulative:
            text += " " + _("Each child counts with its latest figures up to the year.")
        return text
    if cumulative:
        return _("Cumulative: each child's latest value up to the end of the year, summed across children.")
    return _("Sum of the children's values for periods ending in the year.")


def _per_child(points: Iterable[Point], year: int, cumulative: bool) -> dict[str, list[Point]]:
    """Each child's points that count for ``year``: that year's, or its latest up to it if cumulative."""
    by_child: dict[str, list[Point]] = defaultdict(list)
    for point in points:
        if point.year == year or (cumulative and point.year < year):
            by_child[point.code].append(point)
    if cumulative:
        return {code: [max(found, key=lambda p: p.end)] for code, found in by_child.items()}
    return by_child


def _figure(points: list[Point], year: int, measure: str, cumulative: bool) -> Figure | None:
    counted = _per_child(points, year, cumulative)
    if not counted:
        return None
    figure = Figure(year=year)
    if measure == Measure.PERCENTAGE:
        numerator = denominator = Decimal(0)
        for code, found in sorted(counted.items()):
            if any(p.numerator is None or p.denominator is None for p in found):
                figure.not_comparable.append(code)
                continue
            numerator += sum((p.numerator or 0 for p in found), Decimal(0))
            denominator += sum((p.denominator or 0 for p in found), Decimal(0))
            figure.children.append(code)
        if figure.children and denominator > 0:
            figure.numerator, figure.denominator = numerator, denominator
            figure.value = (numerator / denominator * HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
        return figure
    total = Decimal(0)
    for code, found in sorted(counted.items()):
        total += sum((p.value or 0 for p in found), Decimal(0))
        figure.children.append(code)
    figure.value = total
    return figure


def _series(
    label: str, points: dict[str, list[Point]], years: list[int], measure: str, cumulative: bool
) -> Series:
    series = Series(label=label)
    for kind, figures in ((ValueKind.ACTUAL, series.actual), (ValueKind.TARGET, series.target)):
        for year in years:
            figure = _figure(points.get(kind, []), year, measure, cumulative)
            if figure is not None:
                figures.append(figure)
    return series


def _has_number(value: Decimal | None, numerator: Decimal | None) -> bool:
    return value is not None or numerator is not None


def _rolled_up(group: list[Indicator]) -> RolledUpIndicator:
    first = group[0]
    measure, cumulative = first.measure, first.cumulative
    total: dict[str, list[Point]] = defaultdict(list)
    groups: dict[tuple[str, str], dict[str, list[Point]]] = defaultdict(lambda: defaultdict(list))
    labels: dict[tuple[str, str], str] = {}
    for indicator in group:
        code = indicator.result.initiative.code
        for period in indicator.periods.all():
            year = period.period_end.year
            for kind in ValueKind.values:
                value = getattr(period, f"{kind}_value")
                numerator = getattr(period, f"{kind}_numerator")
                denominator = getattr(period, f"{kind}_denominator")
                if _has_number(value, numerator):
                    total[kind].append(Point(code, year, period.period_end, value, numerator, denominator))
            for row in period.disaggregations.all():
                if not _has_number(row.amount, row.numerator):
                    continue
                key = indicator_key(row.name, row.value)
                labels.setdefault(key, f"{row.name}: {row.value}")
                groups[key][row.kind].append(
                    Point(code, year, period.period_end, row.amount, row.numerator, row.denominator)
                )
    everything = [p for points in total.values() for p in points]
    everything += [p for by_kind in groups.values() for points in by_kind.values() for p in points]
    years = sorted({p.year for p in everything})
    return RolledUpIndicator(
        title=first.title,
        unit=first.unit,
        measure=measure,
        cumulative=cumulative,
        children=sorted({indicator.result.initiative.code for indicator in group}),
        method=_method(measure, cumulative),
        years=years,
        total=_series("", total, years, measure, cumulative),
        groups=[
            _series(labels[key], groups[key], years, measure, cumulative)
            for key in sorted(groups, key=lambda k: labels[k].casefold())
        ],
    )


def _reason(group: list[Indicator]) -> str:
    measures = {indicator.measure for indicator in group}
    if len(measures) > 1:
        return _("The children measure it differently.")
    measure = next(iter(measures))
    if measure not in ROLLED_UP_MEASURES:
        return _("A %(measure)s indicator is not added up.") % {"measure": Measure(measure).label}
    if len({indicator.cumulative for indicator in group}) > 1:
        return _("Some children count it cumulatively and others per period.")
    if any(not indicator.result.aggregation_status for indicator in group):
        return _("A child marks the result as not suitable for aggregation.")
    return ""


def programme_rollup(initiative: Initiative) -> Rollup | None:
    """The roll-up of ``initiative``'s published children (None when it has none)."""
    children = list(initiative.children.filter(state=PublicationState.PUBLISHED).order_by("code_normalised"))
    if not children:
        return None
    indicators = (
        Indicator.objects.filter(result__initiative__in=children)
        .select_related("result__initiative")
        .prefetch_related("periods__disaggregations")
        .order_by("result__initiative__code_normalised", "result__position", "position", "id")
    )
    grouped: dict[tuple[str, str], list[Indicator]] = {}
    for indicator in indicators:
        grouped.setdefault(indicator_key(indicator.title, indicator.unit), []).append(indicator)
    rolled: list[RolledUpIndicator] = []
    skipped: list[NotRolledUp] = []
    for group in grouped.values():
        reason = _reason(group)
        codes = sorted({indicator.result.initiative.code for indicator in group})
        if reason:
            skipped.append(NotRolledUp(group[0].title, group[0].unit, codes, reason))
        else:
            rolled.append(_rolled_up(group))
    return Rollup(children=children, indicators=rolled, not_rolled_up=skipped)
