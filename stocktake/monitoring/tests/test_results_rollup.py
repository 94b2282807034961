"""The programme roll-up's arithmetic, against figures computed by hand."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from stocktake.core.history import Actor
from stocktake.initiatives.choices import PublicationState
from stocktake.initiatives.models import Initiative
from stocktake.initiatives.tests.factories import make_initiative
from stocktake.monitoring.choices import Measure
from stocktake.monitoring.models import Indicator
from stocktake.monitoring.rollup import Figure, Rollup, Series, indicator_key, programme_rollup
from stocktake.monitoring.services import results as services

pytestmark = pytest.mark.django_db


def _indicator(actor: Actor, child: Initiative, title: str, unit: str, **fields: Any) -> Indicator:
    result = services.result_create(actor=actor, initiative=child, title="Result")
    return services.indicator_create(actor=actor, result=result, title=title, unit=unit, **fields)


def _year(
    actor: Actor, indicator: Indicator, year: int, start: str = "01-01", end: str = "12-31", **values: Any
):
    return services.period_create(
        actor=actor, indicator=indicator, period_start=f"{year}-{start}", period_end=f"{year}-{end}", **values
    )


def _by_year(figures: list[Figure]) -> dict[int, Decimal | None]:
    return {figure.year: figure.value for figure in figures}


def _row(rollup: Rollup, title: str):
    return next(row for row in rollup.indicators if row.title.casefold() == title.casefold())


def _group(series: list[Series], label: str) -> Series:
    return next(s for s in series if s.label == label)


@pytest.fixture
def programme(actor: Actor) -> Initiative:
    programme = make_initiative(title="Connect the islands")
    a = make_initiative(code="A/1", parent=programme)
    b = make_initiative(code="B/1", parent=programme)
    c = make_initiative(code="C/1", parent=programme)
    draft = make_initiative(code="D/1", parent=programme, state=PublicationState.DRAFT)

    # Cumulative count: each period's value is everything since the start.
    trained_a = _indicator(actor, a, "People trained", "people", cumulative=True)
    p = _year(actor, trained_a, 2020, actual_value="100", target_value="150")
    services.disaggregation_create(
        actor=actor, period=p, kind="actual", name="sex", value="female", amount="40"
    )
    services.disaggregation_create(
        actor=actor, period=p, kind="actual", name="sex", value="male", amount="60"
    )
    p = _year(actor, trained_a, 2021, actual_value="250")
    services.disaggregation_create(
        actor=actor, period=p, kind="actual", name="sex", value="female", amount="100"
    )
    trained_b = _indicator(actor, b, "  people  TRAINED", "People", cumulative=True)
    p = _year(actor, trained_b, 2020, actual_value="50", target_value="60")
    services.disaggregation_create(
        actor=actor, period=p, kind="actual", name="Sex", value="Female", amount="20"
    )
    _year(actor, trained_b, 2022, actual_value="120")
    _year(
        actor,
        _indicator(actor, draft, "People trained", "people", cumulative=True),
        2020,
        actual_value="1000",
    )

    # Per-period count, two half-years in 2020 for A.
    schools_a = _indicator(actor, a, "Schools connected", "schools")
    _year(actor, schools_a, 2020, end="06-30", actual_value="10")
    _year(actor, schools_a, 2020, start="07-01", actual_value="15")
    _year(actor, schools_a, 2021, actual_value="5")
    _year(actor, _indicator(actor, b, "Schools connected", "schools"), 2020, actual_value="30")

    # Percentages: 10/20 (50 %) and 90/100 (90 %); C gives 70 % without its counts.
    share = {"title": "Share of women among trainees", "unit": "%", "measure": Measure.PERCENTAGE}
    p = _year(actor, _indicator(actor, a, **share), 2020, actual_numerator="10", actual_denominator="20")
    services.disaggregation_create(
        actor=actor, period=p, kind="actual", name="region", value="north", numerator="5", denominator="10"
    )
    p = _year(actor, _indicator(actor, b, **share), 2020, actual_numerator="90", actual_denominator="100")
    services.disaggregation_create(
        actor=actor, period=p, kind="actual", name="region", value="north", numerator="45", denominator="50"
    )
    _year(actor, _indicator(actor, c, **share), 2020, actual_value="70")

    # Not rolled up: qualitative; measured differently by two children.
    _indicator(actor, a, "Policy adopted", "", measure=Measure.QUALITATIVE)
    _indicator(actor, a, "Clinics", "clinics")
    _indicator(actor, b, "Clinics", "clinics", measure=Measure.PERCENTAGE)
    return programme


def test_cumulative_takes_each_childs_latest_then_sums(programme: Initiative) -> None:
    rollup = programme_rollup(programme)
    assert rollup is not None
    assert [child.code for child in rollup.children] == ["A/1", "B/1", "C/1"]  # the draft is not public
    row = _row(rollup, "People trained")
    assert row.children == ["A/1", "B/1"]
    # 2020: 100 + 50; 2021: A's 250 + B's 50 still; 2022: A's 250 still + B's 120.
    assert _by_year(row.total.actual) == {2020: Decimal(150), 2021: Decimal(300), 2022: Decimal(370)}
    assert _by_year(row.total.target) == {2020: Decimal(210), 2021: Decimal(210), 2022: Decimal(210)}
    assert "latest" in row.method


def test_non_cumulative_counts_sum_per_year(programme: Initiative) -> None:
    row = _row(programme_rollup(programme), "Schools connected")  # type: ignore[arg-type]
    # 2020: A's two half-years 10 + 15, and B's 30; 2021: A's 5 alone.
    assert _by_year(row.total.actual) == {2020: Decimal(55), 2021: Decimal(5)}
    assert row.total.actual[1].children == ["A/1"]


def test_percentages_weigh_numerators_and_denominators(programme: Initiative) -> None:
    row = _row(programme_rollup(programme), "Share of women among trainees")  # type: ignore[arg-type]
    figure = row.total.actual[0]
    # (10 + 90) / (20 + 100) = 83.33 %; averaging 50 % and 90 % would give 70 %.
    assert (figure.numerator, figure.denominator, figure.value) == (
        Decimal(100),
        Decimal(120),
        Decimal("83.33"),
    )
    assert figure.value != (Decimal(50) + Decimal(90)) / 2
    assert figure.children == ["A/1", "B/1"]
    assert figure.not_comparable == ["C/1"]
    north = _group(row.groups, "region: north").actual[0]
    # (5 + 45) / (10 + 50) = 83.33 %, not the average of 50 % and 90 %.
    assert (north.numerator, north.denominator, north.value) == (Decimal(50), Decimal(60), Decimal("83.33"))


def test_disaggregations_roll_up_per_group(programme: Initiative) -> None:
    row = _row(programme_rollup(programme), "People trained")  # type: ignore[arg-type]
    assert [series.label for series in row.groups] == ["sex: female", "sex: male"]
    # female: 40 + 20 in 2020; A's 100 + B's 20 carried in 2021 and 2022.
    female = _group(row.groups, "sex: female")
    assert _by_year(female.actual) == {2020: Decimal(60), 2021: Decimal(120), 2022: Decimal(120)}
    male = _group(row.groups, "sex: male")
    assert _by_year(male.actual) == {2020: Decimal(60), 2021: Decimal(60), 2022: Decimal(60)}


def test_what_is_not_rolled_up_is_listed_with_why(programme: Initiative) -> None:
    rollup = programme_rollup(programme)
    assert rollup is not None
    skipped = {item.title: item for item in rollup.not_rolled_up}
    assert set(skipped) == {"Policy adopted", "Clinics"}
    assert skipped["Clinics"].reason == "The children measure it differently."
    assert skipped["Clinics"].children == ["A/1", "B/1"]
    assert "qualitative" in skipped["Policy adopted"].reason
    assert {row.title for row in rollup.indicators} == {
        "People trained",
        "Schools connected",
        "Share of women among trainees",
    }


def test_no_children_no_rollup_and_keys_ignore_case_and_spacing() -> None:
    assert programme_rollup(make_initiative()) is None
    assert indicator_key(" People  trained ", "PEOPLE") == indicator_key("people trained", "people")
    assert indicator_key("People trained", "people") != indicator_key("People trained", "hours")
