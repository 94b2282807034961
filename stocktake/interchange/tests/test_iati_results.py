"""IATI results (result, indicator, baseline, period, target, actual, dimension): import, export and
the round trip between them."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from stocktake.core.models import HistoryEntry
from stocktake.initiatives.models import Initiative
from stocktake.interchange.iati.writer import validate
from stocktake.interchange.tests.test_iati_import import (
    ANNOTATED,
    DATA,
    _comparable,
    activity,
    exported,
    iati_file,
    run,
    written,
)
from stocktake.monitoring.models import Disaggregation, Indicator, IndicatorPeriod, Result

pytestmark = pytest.mark.django_db

WRI = DATA / "okfn_wri-521257057-strategic-plan-2023-2027.xml"

RESULT = """<result type="2" aggregation-status="0">
  <title><narrative>More girls in school</narrative>
   <narrative xml:lang="fr">Plus de filles</narrative></title>
  <description><narrative>Enrolment in the districts</narrative></description>
  <indicator measure="2" ascending="1">
   <title><narrative>Enrolment rate</narrative></title>
   <baseline year="2019" value="40.5"><comment><narrative>Census</narrative></comment></baseline>
   <period>
    <period-start iso-date="2020-01-01"/><period-end iso-date="2020-12-31"/>
    <target value="{target}"><comment><narrative>Ministry plan</narrative></comment></target>
    <target value="55"><dimension name="sex" value="female"/></target>
    <actual value="48.25"/>
   </period>
  </indicator>
  <indicator measure="5">
   <title><narrative>Teachers' view</narrative></title>
   <period>
    <period-start iso-date="2020-01-01"/><period-end iso-date="2020-12-31"/>
    <actual value="good"><comment><narrative>Survey of 30 teachers</narrative></comment></actual>
   </period>
  </indicator>
 </result>"""


def results_file(
    tmp_path: Path, target: str = "50", name: str = "results.xml", title: str = "A project"
) -> Path:
    return written(
        tmp_path, iati_file(activity("XM-DAC-1-R", title=title, extra=RESULT.format(target=target))), name
    )


# --- import --------------------------------------------------------------------------------------------


def test_results_indicators_periods_and_groups_become_rows(tmp_path: Path) -> None:
    report = run(results_file(tmp_path))
    assert report.ok and report.warnings == []
    result = Result.objects.get()
    assert (result.type, result.title, result.description, result.aggregation_status) == (
        "2",
        "More girls in school",  # the activity's language, not the French
        "Enrolment in the districts",
        False,
    )
    rate, view = Indicator.objects.order_by("position")
    assert (rate.measure, rate.ascending, rate.baseline_year, rate.baseline_value, rate.baseline_comment) == (
        "2",
        True,
        2019,
        Decimal("40.5"),
        "Census",
    )
    period = rate.periods.get()
    assert (str(period.period_start), str(period.period_end)) == ("2020-01-01", "2020-12-31")
    assert (period.target_value, period.target_comment, period.actual_value) == (
        Decimal("50"),
        "Ministry plan",
        Decimal("48.25"),
    )
    group = period.disaggregations.get()
    assert (group.kind, group.name, group.value, group.amount) == ("target", "sex", "female", Decimal("55"))
    # A qualitative indicator's value is words: it is its comment, not a number, and no problem.
    said = view.periods.get()
    assert said.actual_value is None and said.actual_comment == "Survey of 30 teachers\ngood"


def test_a_value_that_is_not_a_number_is_kept_in_the_comment_and_named(tmp_path: Path) -> None:
    report = run(results_file(tmp_path, target="n/a"))
    assert report.created == ["XM-DAC-1-R"] and report.refused == []
    [warning] = report.warnings
    assert warning.identifier == "XM-DAC-1-R"
    assert "result/indicator/period/target/@value" in warning.place and "'n/a'" in warning.message
    period = IndicatorPeriod.objects.get(indicator__title="Enrolment rate")
    assert period.target_value is None and period.target_comment == "Ministry plan\nn/a"
    assert period.actual_value == Decimal("48.25") and period.disaggregations.count() == 1


def test_a_percentage_above_100_is_kept_in_the_comment_with_a_warning(tmp_path: Path) -> None:
    report = run(results_file(tmp_path, target="150"))
    assert report.ok
    assert any(
        "150" in warning.message and "between 0 and 100" in warning.message for warning in report.warnings
    )
    period = IndicatorPeriod.objects.get(indicator__title="Enrolment rate")
    assert period.target_value is None and period.target_comment.endswith("150")


def test_the_annotated_example_keeps_its_dimensions_as_one_group(tmp_path: Path) -> None:
    report = run(ANNOTATED)
    assert report.ok
    assert [warning.message for warning in report.warnings] == [
        "result/indicator/baseline: its dimensions are not kept"
    ]
    indicator = Indicator.objects.get()
    assert (indicator.baseline_year, indicator.baseline_value) == (2012, Decimal("10"))
    groups = list(Disaggregation.objects.values_list("kind", "name", "value", "amount"))
    assert groups == [
        ("actual", "sex; age", "female; adult", Decimal("11")),
        ("target", "sex; age", "female; adult", Decimal("10")),
    ]
    # The comments of values given for a group stay with the period.
    period = IndicatorPeriod.objects.get()
    assert (period.target_comment, period.actual_comment) == ("Target comment text", "Actual comment text")


def test_a_real_publishers_results_all_come_in() -> None:
    report = run(WRI)
    assert report.ok and report.refused == []
    initiative = Initiative.objects.get()
    assert initiative.results.count() == 16
    assert Indicator.objects.filter(result__initiative=initiative).count() == 24
    first = initiative.results.first()
    assert first is not None and first.title == "Protect: Marine Ecosystems" and first.type == "2"
    assert list(first.indicators.values_list("periods__actual_value", flat=True)) == [Decimal(3), Decimal(2)]


def test_unchanged_results_are_not_rewritten_when_the_activity_changes(tmp_path: Path) -> None:
    run(results_file(tmp_path, name="a.xml"))
    ids = sorted(IndicatorPeriod.objects.values_list("pk", flat=True))
    results_entries = HistoryEntry.objects.filter(note="results").count()
    assert results_entries == 1
    report = run(results_file(tmp_path, name="b.xml", title="A renamed project"))
    assert report.updated == ["XM-DAC-1-R"]
    assert sorted(IndicatorPeriod.objects.values_list("pk", flat=True)) == ids
    assert HistoryEntry.objects.filter(note="results").count() == results_entries
    # Changed results are replaced, with the before and after in the history.
    run(results_file(tmp_path, name="c.xml", target="60"))
    assert IndicatorPeriod.objects.get(indicator__title="Enrolment rate").target_value == Decimal(60)
    entry = HistoryEntry.objects.filter(note="results").latest("pk")
    before = entry.before["results"][0]["indicators"][0]["periods"][0]  # type: ignore[index]
    after = entry.after["results"][0]["indicators"][0]["periods"][0]  # type: ignore[index]
    assert (before["target_value"], after["target_value"]) == ("50", "60")


def test_an_activity_without_results_keeps_the_framework_it_has(tmp_path: Path) -> None:
    run(results_file(tmp_path, name="a.xml"))
    run(written(tmp_path, iati_file(activity("XM-DAC-1-R", title="Without results")), "b.xml"))
    assert Initiative.objects.get().title == "Without results"
    assert Result.objects.count() == 1 and Indicator.objects.count() == 2


# --- export --------------------------------------------------------------------------------------------


def exported_activity() -> tuple[bytes, etree._Element]:
    content = exported()
    return content, etree.fromstring(content)[0]


def test_results_export_from_the_rows_in_the_schema_order(tmp_path: Path) -> None:
    run(results_file(tmp_path))
    content, element = exported_activity()
    assert validate(content) == []
    [result] = element.findall("result")
    assert (result.get("type"), result.get("aggregation-status")) == ("2", "0")
    assert [child.tag for child in result] == ["title", "description", "indicator", "indicator"]
    rate = result.find("indicator")
    assert rate is not None and (rate.get("measure"), rate.get("ascending")) == ("2", "1")
    assert [child.tag for child in rate] == ["title", "baseline", "period"]
    baseline = rate.find("baseline")
    assert baseline is not None and (baseline.get("year"), baseline.get("value")) == ("2019", "40.5")
    assert baseline.findtext("comment/narrative") == "Census"
    period = rate.find("period")
    assert period is not None
    assert [child.tag for child in period] == ["period-start", "period-end", "target", "target", "actual"]
    overall, group, actual = period.findall("target") + period.findall("actual")
    # Numbers plainly: no exponent, no trailing zeros of the stored four places.
    assert (overall.get("value"), overall.findtext("comment/narrative")) == ("50", "Ministry plan")
    assert group.get("value") == "55" and [(d.get("name"), d.get("value")) for d in group] == [
        ("sex", "female")
    ]
    assert actual.get("value") == "48.25"


def test_a_result_row_changed_here_is_what_the_export_says(tmp_path: Path) -> None:
    run(results_file(tmp_path))
    IndicatorPeriod.objects.filter(indicator__title="Enrolment rate").update(actual_value=Decimal("1.5E+1"))
    _content, element = exported_activity()
    assert element.find("result/indicator/period/actual").get("value") == "15"


def test_a_record_without_results_exports_no_result(tmp_path: Path) -> None:
    run(written(tmp_path, iati_file(activity("XM-DAC-1-1")), "a.xml"))
    content, element = exported_activity()
    assert validate(content) == [] and element.find("result") is None


# --- round trip ----------------------------------------------------------------------------------------


def framework() -> list[tuple]:
    """Every results row, as values, in a fixed order."""
    return [
        *Result.objects.order_by("pk").values_list("pk", "type", "title", "aggregation_status"),
        *Indicator.objects.order_by("pk").values_list("pk", "title", "measure", "baseline_value"),
        *IndicatorPeriod.objects.order_by("pk").values_list(
            "pk", "period_start", "target_value", "target_comment", "actual_value", "actual_comment"
        ),
        *Disaggregation.objects.order_by("pk").values_list("pk", "kind", "name", "value", "amount"),
    ]


@pytest.mark.parametrize("path", [WRI, ANNOTATED])
def test_a_real_file_round_trips_its_results_unchanged(tmp_path: Path, path: Path) -> None:
    assert run(path).ok
    before = framework()
    content = exported()
    assert validate(content) == []
    assert len(etree.fromstring(content)[0].findall("result")) == Result.objects.count()
    entries = HistoryEntry.objects.filter(note="results").count()
    report = run(written(tmp_path, content))
    assert report.updated == [Initiative.objects.get().code] and report.refused == []
    assert framework() == before  # the same rows, not even rewritten
    assert HistoryEntry.objects.filter(note="results").count() == entries
    assert _comparable(exported()) == _comparable(content)


def test_a_value_that_is_not_a_number_round_trips_as_its_comment(tmp_path: Path) -> None:
    run(results_file(tmp_path, target="n/a"))
    before = framework()
    content = exported()
    assert validate(content) == []
    report = run(written(tmp_path, content, "export.xml"))
    assert report.warnings == [] and framework() == before
