"""IATI results (result, indicator, baseline, period, target, actual, dimension) into the registry's
results framework (Result -> Indicator -> IndicatorPeriod -> Disaggregation), for the importer.

Each activity's results become a plain tree (``ResultTree``: dicts of the models' values, numbers and
dates as text), the same shape the stored rows are read back into, so an import compares the two and
writes an initiative's results only when they differ: re-importing the same results changes nothing.
Writing replaces the initiative's whole framework a batch at a time, one insert per table, and records
one history entry per initiative whose results changed (before and after trees).

An activity without any result keeps the framework it has (its editors may have built it here).

The model holds one baseline and one target and actual per period; IATI allows several. The first
baseline (one without dimension preferred) is kept; a target or actual without dimension is the
period's value, those with dimensions become disaggregations (several dimensions on one value are kept
as one group, "sex; age" = "female; adult"). Anything else left out is reported as a warning.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from stocktake.core.choices import ChangeAction
from stocktake.core.history import Actor, history_record_many
from stocktake.initiatives.models import Initiative
from stocktake.interchange.iati.records import Narratives, Result, ResultIndicator, ResultValue
from stocktake.interchange.iati.writer import GROUP_JOIN
from stocktake.monitoring.choices import Measure, ResultType, ValueKind
from stocktake.monitoring.models import (
    DISAGGREGATION_FIELDS,
    INDICATOR_FIELDS,
    PERIOD_FIELDS,
    RESULT_FIELDS,
    Disaggregation,
    Indicator,
    IndicatorPeriod,
)
from stocktake.monitoring.models import Result as ResultRow

ResultTree = list[dict[str, Any]]
Warn = Callable[[int | None, str], None]  # (line, message)

FOUR_PLACES = Decimal("0.0001")
TOO_LARGE = Decimal(10) ** 16  # the models' numbers hold 16 digits before the point
RESULT_TYPES, MEASURES = frozenset(ResultType.values), frozenset(Measure.values)
WORD_MEASURES = frozenset({Measure.NOMINAL, Measure.QUALITATIVE})
TITLE_LENGTH, GROUP_LENGTH, UNIT_LENGTH = 500, 100, 100

NUMBER_FIELDS = frozenset(
    name
    for name in INDICATOR_FIELDS + PERIOD_FIELDS + DISAGGREGATION_FIELDS
    if name.endswith(("_value", "_numerator", "_denominator"))
    or name in ("amount", "numerator", "denominator")
)
DATE_FIELDS = frozenset({"period_start", "period_end"})


def number_text(value: Decimal | None) -> str | None:
    """A stored number as plain text: four decimal places at most, no exponent, no trailing zeros."""
    if value is None:
        return None
    text = format(value.quantize(FOUR_PLACES), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _flag(text: str | None, default: bool) -> bool:
    """An xsd:boolean ("1", "true", "0", "false"); the default when absent or unreadable."""
    value = (text or "").strip().lower()
    if value in ("1", "true"):
        return True
    if value in ("0", "false"):
        return False
    return default


def _text(texts: Narratives, language: str) -> str:
    if language in texts:
        return texts[language]
    return next(iter(texts.values()), "")


def _join(*parts: str) -> str:
    return "\n".join(part for part in parts if part)


class ResultsReader:
    """Turns one activity's results into a tree, reporting through ``warn`` what it could not keep."""

    def __init__(self, language: str, warn: Warn) -> None:
        self.language = language
        self.warn = warn

    def tree(self, results: list[Result]) -> ResultTree:
        tree = []
        for result in results:
            kind = (result.type or "").strip()
            if kind not in RESULT_TYPES:
                self.warn(
                    result.line,
                    _("result/@type %(value)r is not an IATI ResultType code; kept as “other”")
                    % {"value": kind},
                )
                kind = ResultType.OTHER
            title = _text(result.title, self.language).strip() or _("(untitled result)")
            tree.append(
                {
                    "type": kind,
                    "title": title[:TITLE_LENGTH],
                    "description": _text(result.description, self.language),
                    "aggregation_status": _flag(result.aggregation_status, True),
                    "indicators": [self.indicator(indicator) for indicator in result.indicators],
                }
            )
        return tree

    def number(self, item: ResultValue, measure: str, field: str) -> tuple[str | None, str]:
        """The value as text fit for the measure, and the comment (holding a value that is not)."""
        comment = _text(item.comment, self.language)
        value = item.value
        if value is None:
            return None, comment
        shown = number_text(value) if abs(value) < TOO_LARGE else format(value, "f")
        if measure in WORD_MEASURES:
            return None, _join(comment, shown or "")
        problem = None
        if abs(value) >= TOO_LARGE:
            problem = _("the value %(value)s is too large")
        elif measure == Measure.PERCENTAGE and not 0 <= value <= 100:
            problem = _("the percentage %(value)s is not between 0 and 100")
        if problem:
            self.warn(
                item.line,
                _("%(field)s/@value: %(problem)s; it was kept in the comment")
                % {"field": field, "problem": problem % {"value": shown}},
            )
            return None, _join(comment, shown or "")
        return shown, comment

    def indicator(self, indicator: ResultIndicator) -> dict[str, Any]:
        measure = (indicator.measure or "").strip()
        if measure not in MEASURES:
            self.warn(
                indicator.line,
                _("result/indicator/@measure %(value)r is not an IATI IndicatorMeasure code; taken as a unit")
                % {"value": measure},
            )
            measure = Measure.UNIT
        title = _text(indicator.title, self.language).strip() or _("(untitled indicator)")
        row: dict[str, Any] = {
            "title": title[:TITLE_LENGTH],
            "description": _text(indicator.description, self.language),
            "measure": measure,
            "unit": (indicator.unit or "")[:UNIT_LENGTH],
            "ascending": _flag(indicator.ascending, True),
            "cumulative": _flag(indicator.cumulative, False),
            "baseline_year": None,
            "baseline_value": None,
            "baseline_numerator": None,
            "baseline_denominator": None,
            "baseline_comment": "",
        }
        baselines = sorted(indicator.baselines, key=lambda item: bool(item.dimensions))
        if baselines:
            baseline = baselines[0]
            if len(baselines) > 1:
                self.warn(baselines[1].line, _("result/indicator/baseline: only the first baseline is kept"))
            if baseline.dimensions:
                self.warn(baseline.line, _("result/indicator/baseline: its dimensions are not kept"))
            row["baseline_year"] = self.year(baseline)
            row["baseline_value"], row["baseline_comment"] = self.number(
                baseline, measure, "result/indicator/baseline"
            )
            if measure == Measure.PERCENTAGE and baseline.numerator is not None and baseline.denominator:
                row["baseline_numerator"] = number_text(baseline.numerator)
                row["baseline_denominator"] = number_text(baseline.denominator)
        periods = []
        for period in indicator.periods:
            if period.start is None or period.end is None:
                self.warn(
                    period.line,
                    _("result/indicator/period: a period without a start and an end date was left out"),
                )
                continue
            values: dict[str, Any] = {"period_start": period.start, "period_end": period.end}
            groups: dict[tuple[str, str, str], dict[str, Any]] = {}
            for kind, items in ((ValueKind.TARGET, period.targets), (ValueKind.ACTUAL, period.actuals)):
                field = f"result/indicator/period/{kind}"
                values[f"{kind}_value"], values[f"{kind}_comment"] = None, ""
                values[f"{kind}_numerator"] = values[f"{kind}_denominator"] = None
                overall_taken = False
                for item in items:
                    amount, comment = self.number(item, measure, field)
                    if not item.dimensions:
                        if overall_taken:
                            self.warn(
                                item.line,
                                _("%(field)s: only the first one without dimensions is kept")
                                % {"field": field},
                            )
                            continue
                        overall_taken = True
                        values[f"{kind}_value"] = amount
                        values[f"{kind}_comment"] = _join(comment, values[f"{kind}_comment"])
                        continue
                    if comment and comment not in values[f"{kind}_comment"]:
                        # A group has no comment of its own: the period's value keeps it.
                        values[f"{kind}_comment"] = _join(values[f"{kind}_comment"], comment)
                    name = GROUP_JOIN.join(name for name, _value in item.dimensions)[:GROUP_LENGTH]
                    group = GROUP_JOIN.join(value for _name, value in item.dimensions)[:GROUP_LENGTH]
                    if (kind, name, group) in groups:
                        self.warn(
                            item.line,
                            _("%(field)s: the group %(name)s = %(group)s appears twice; the first is kept")
                            % {"field": field, "name": name, "group": group},
                        )
                        continue
                    groups[kind, name, group] = {
                        "kind": str(kind),
                        "name": name,
                        "value": group,
                        "amount": amount,
                        "numerator": None,
                        "denominator": None,
                    }
            values["disaggregations"] = [groups[key] for key in sorted(groups)]
            periods.append(values)
        row["periods"] = sorted(periods, key=lambda period: (period["period_start"], period["period_end"]))
        return row

    def year(self, baseline: ResultValue) -> int | None:
        for text in (baseline.year, (baseline.iso_date or "")[:4]):
            try:
                year = int((text or "").strip())
            except ValueError:
                continue
            if 1 <= year <= 9999:
                return year
        return None


# -- stored results ------------------------------------------------------------------------------------


def _plain(row: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    plain = {}
    for name in names:
        value = row[name]
        if name in NUMBER_FIELDS:
            value = number_text(value)
        elif name in DATE_FIELDS:
            value = value.isoformat()
        plain[name] = value
    return plain


def stored_trees(initiative_ids: list[int]) -> dict[int, ResultTree]:
    """The stored results of these initiatives as trees, in four queries."""
    trees: dict[int, ResultTree] = defaultdict(list)
    if not initiative_ids:
        return trees
    results: dict[int, dict[str, Any]] = {}
    for row in ResultRow.objects.filter(initiative_id__in=initiative_ids).values(
        "pk", "initiative_id", *RESULT_FIELDS
    ):
        results[row["pk"]] = _plain(row, RESULT_FIELDS) | {"indicators": []}
        trees[row["initiative_id"]].append(results[row["pk"]])
    indicators: dict[int, dict[str, Any]] = {}
    for row in Indicator.objects.filter(result_id__in=list(results)).values(
        "pk", "result_id", *INDICATOR_FIELDS
    ):
        indicators[row["pk"]] = _plain(row, INDICATOR_FIELDS) | {"periods": []}
        results[row["result_id"]]["indicators"].append(indicators[row["pk"]])
    periods: dict[int, dict[str, Any]] = {}
    for row in IndicatorPeriod.objects.filter(indicator_id__in=list(indicators)).values(
        "pk", "indicator_id", *PERIOD_FIELDS
    ):
        periods[row["pk"]] = _plain(row, PERIOD_FIELDS) | {"disaggregations": []}
        indicators[row["indicator_id"]]["periods"].append(periods[row["pk"]])
    for row in Disaggregation.objects.filter(period_id__in=list(periods)).values(
        "period_id", *DISAGGREGATION_FIELDS
    ):
        periods[row["period_id"]]["disaggregations"].append(_plain(row, DISAGGREGATION_FIELDS))
    for indicator in indicators.values():
        indicator["periods"].sort(key=lambda period: (period["period_start"], period["period_end"]))
    for period in periods.values():
        period["disaggregations"].sort(key=lambda row: (row["kind"], row["name"], row["value"]))
    return trees


def _model_values(row: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    values = {}
    for name in names:
        value = row[name]
        if name in NUMBER_FIELDS and value is not None:
            value = Decimal(value)
        elif name in DATE_FIELDS:
            value = datetime.date.fromisoformat(value)
        values[name] = value
    return values


def results_write_batch(*, actor: Actor, wanted: list[tuple[Initiative, ResultTree]], note: str = "") -> int:
    """Replaces the results of the initiatives whose stored results differ from the wanted ones; returns
    how many initiatives changed. One delete and one insert per table whatever the batch's size."""
    if not wanted:
        return 0
    stored = stored_trees([initiative.pk for initiative, _tree in wanted])
    changed = [(initiative, tree) for initiative, tree in wanted if stored.get(initiative.pk, []) != tree]
    if not changed:
        return 0
    ResultRow.objects.filter(initiative_id__in=[initiative.pk for initiative, _tree in changed]).delete()
    results = [
        (ResultRow(initiative_id=initiative.pk, position=position, **_model_values(row, RESULT_FIELDS)), row)
        for initiative, tree in changed
        for position, row in enumerate(tree)
    ]
    ResultRow.objects.bulk_create([obj for obj, _row in results])
    indicators = [
        (Indicator(result_id=result.pk, position=position, **_model_values(row, INDICATOR_FIELDS)), row)
        for result, result_row in results
        for position, row in enumerate(result_row["indicators"])
    ]
    Indicator.objects.bulk_create([obj for obj, _row in indicators])
    periods = [
        (IndicatorPeriod(indicator_id=indicator.pk, **_model_values(row, PERIOD_FIELDS)), row)
        for indicator, indicator_row in indicators
        for row in indicator_row["periods"]
    ]
    IndicatorPeriod.objects.bulk_create([obj for obj, _row in periods])
    Disaggregation.objects.bulk_create(
        [
            Disaggregation(period_id=period.pk, **_model_values(row, DISAGGREGATION_FIELDS))
            for period, period_row in periods
            for row in period_row["disaggregations"]
        ]
    )
    history_record_many(
        actor=actor,
        changes=[
            (ChangeAction.UPDATE, initiative, {"results": stored.get(initiative.pk, [])}, {"results": tree})
            for initiative, tree in changed
        ],
        note=note or "results",
    )
    return len(changed)
