"""Writing a results framework: who may, what the measures accept, periods that make sense, history."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from stocktake.accounts.tests.factories import actor_for, make_member, make_user
from stocktake.core.models import HistoryEntry
from stocktake.initiatives.choices import PartnerRole, PublicationState
from stocktake.initiatives.services import participation_add
from stocktake.initiatives.tests.factories import make_initiative
from stocktake.monitoring.choices import Measure, ResultType
from stocktake.monitoring.models import Disaggregation, Indicator, IndicatorPeriod, Result
from stocktake.monitoring.services import results as services
from stocktake.organisations.tests.factories import make_organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(actor: Any) -> dict[str, Any]:
    lead = make_organisation(name="Ministry of ICT")
    other = make_organisation(name="Telco Ltd")
    initiative = make_initiative(title="Rural connectivity")
    participation_add(actor=actor, initiative=initiative, organisation=lead, role=PartnerRole.LEAD)
    editor = make_user()
    make_member(editor, lead)
    outsider = make_user()
    make_member(outsider, other)
    return {"initiative": initiative, "editor": actor_for(editor), "outsider": actor_for(outsider)}


def _indicator(world: dict[str, Any], measure: str = Measure.UNIT, **fields: Any) -> Indicator:
    result = services.result_create(actor=world["editor"], initiative=world["initiative"], title="Access")
    return services.indicator_create(
        actor=world["editor"], result=result, title="People connected", measure=measure, **fields
    )


def test_editor_builds_a_framework_with_history(world: dict[str, Any]) -> None:
    editor = world["editor"]
    result = services.result_create(
        actor=editor, initiative=world["initiative"], title="Schools connected", type=ResultType.OUTCOME
    )
    indicator = services.indicator_create(
        actor=editor,
        result=result,
        title="Schools online",
        unit="schools",
        baseline_value="12",
        baseline_year=2019,
    )
    period = services.period_create(
        actor=editor,
        indicator=indicator,
        period_start="2020-01-01",
        period_end="2020-12-31",
        target_value="40",
        actual_value=" 35 ",
    )
    row = services.disaggregation_create(
        actor=editor, period=period, kind="actual", name="region", value="north", amount="20"
    )
    indicator.refresh_from_db()
    period.refresh_from_db()
    assert (indicator.baseline_value, indicator.baseline_year) == (Decimal("12"), 2019)
    assert (period.target_value, period.actual_value) == (Decimal("40"), Decimal("35"))
    assert row.amount == Decimal("20")
    logged = HistoryEntry.objects.filter(parent_object_id=str(world["initiative"].pk), action="create")
    assert {entry.content_type.model for entry in logged} >= {
        "result",
        "indicator",
        "indicatorperiod",
        "disaggregation",
    }

    services.result_delete(actor=editor, result=result)
    assert not Result.objects.exists() and not IndicatorPeriod.objects.exists()
    assert not Disaggregation.objects.exists()
    assert (
        HistoryEntry.objects.filter(parent_object_id=str(world["initiative"].pk), action="delete").count()
        == 4
    )


def test_member_of_another_organisation_is_refused_and_nothing_is_written(world: dict[str, Any]) -> None:
    with pytest.raises(PermissionDenied):
        services.result_create(actor=world["outsider"], initiative=world["initiative"], title="Mine")
    assert not Result.objects.exists()
    indicator = _indicator(world)
    with pytest.raises(PermissionDenied):
        services.period_create(
            actor=world["outsider"], indicator=indicator, period_start="2020-01-01", period_end="2020-12-31"
        )
    with pytest.raises(PermissionDenied):
        services.indicator_update(actor=world["outsider"], indicator=indicator, title="Taken over")
    assert not IndicatorPeriod.objects.exists()
    indicator.refresh_from_db()
    assert indicator.title == "People connected"


def test_record_in_review_is_frozen(world: dict[str, Any]) -> None:
    initiative = world["initiative"]
    initiative.state = PublicationState.IN_REVIEW
    initiative.save()
    with pytest.raises(PermissionDenied):
        services.result_create(actor=world["editor"], initiative=initiative, title="Late")
    anonymous = actor_for(None)
    with pytest.raises(PermissionDenied):
        services.result_create(actor=anonymous, initiative=initiative, title="Nobody")


def test_text_in_a_numeric_field_is_refused_naming_the_field(world: dict[str, Any]) -> None:
    indicator = _indicator(world)
    with pytest.raises(ValidationError) as caught:
        services.period_create(
            actor=world["editor"],
            indicator=indicator,
            period_start="2020-01-01",
            period_end="2020-12-31",
            target_value="about forty",
            actual_value="12",
        )
    assert caught.value.message_dict == {"target_value": ["Target must be a number, not “about forty”."]}
    with pytest.raises(ValidationError) as caught:
        services.indicator_update(actor=world["editor"], indicator=indicator, baseline_value="n/a")
    assert caught.value.message_dict["baseline_value"] == ["Baseline must be a number, not “n/a”."]
    with pytest.raises(ValidationError) as caught:
        services.indicator_update(actor=world["editor"], indicator=indicator, baseline_year="last year")
    assert "baseline_year" in caught.value.message_dict
    assert not IndicatorPeriod.objects.exists()


def test_percentage_takes_numerator_and_denominator_or_a_value_from_0_to_100(world: dict[str, Any]) -> None:
    indicator = _indicator(world, Measure.PERCENTAGE)
    editor = world["editor"]
    period = services.period_create(
        actor=editor,
        indicator=indicator,
        period_start="2020-01-01",
        period_end="2020-12-31",
        actual_numerator="1",
        actual_denominator="3",
    )
    assert (period.actual_numerator, period.actual_denominator) == (Decimal(1), Decimal(3))
    assert period.actual_value == Decimal("33.3333")
    period = services.period_update(
        actor=editor, period=period, actual_value="45", actual_numerator=None, actual_denominator=None
    )
    assert (period.actual_value, period.actual_numerator, period.actual_denominator) == (
        Decimal(45),
        None,
        None,
    )
    with pytest.raises(ValidationError) as caught:
        services.period_update(actor=editor, period=period, actual_value="120")
    assert caught.value.message_dict == {"actual_value": ["Actual: a percentage is between 0 and 100."]}
    with pytest.raises(ValidationError) as caught:
        services.period_update(actor=editor, period=period, target_numerator="4")
    assert caught.value.message_dict == {
        "target_denominator": ["Target: a percentage needs both its numerator and its denominator."]
    }
    with pytest.raises(ValidationError) as caught:
        services.period_update(actor=editor, period=period, target_numerator="4", target_denominator="0")
    assert "target_denominator" in caught.value.message_dict


def test_qualitative_takes_comments_and_units_take_no_fractions(world: dict[str, Any]) -> None:
    qualitative = _indicator(world, Measure.QUALITATIVE)
    editor = world["editor"]
    with pytest.raises(ValidationError) as caught:
        services.period_create(
            actor=editor,
            indicator=qualitative,
            period_start="2020-01-01",
            period_end="2020-12-31",
            actual_value="3",
        )
    assert "actual_value" in caught.value.message_dict
    period = services.period_create(
        actor=editor,
        indicator=qualitative,
        period_start="2020-01-01",
        period_end="2020-12-31",
        actual_comment="Ministries now publish their data.",
    )
    assert period.actual_comment == "Ministries now publish their data." and period.actual_value is None
    with pytest.raises(ValidationError):
        services.disaggregation_create(
            actor=editor, period=period, kind="actual", name="sex", value="female", amount="1"
        )
    unit = _indicator(world, Measure.UNIT)
    with pytest.raises(ValidationError) as caught:
        services.period_create(
            actor=editor,
            indicator=unit,
            period_start="2020-01-01",
            period_end="2020-12-31",
            actual_numerator="3",
            actual_denominator="4",
        )
    assert "actual_numerator" in caught.value.message_dict


def test_periods_end_after_they_start_and_do_not_overlap(world: dict[str, Any]) -> None:
    indicator = _indicator(world)
    editor = world["editor"]
    with pytest.raises(ValidationError) as caught:
        services.period_create(
            actor=editor, indicator=indicator, period_start="2020-12-31", period_end="2020-01-01"
        )
    assert caught.value.message_dict == {"period_end": ["The period must end after it starts."]}
    with pytest.raises(ValidationError) as caught:
        services.period_create(
            actor=editor, indicator=indicator, period_start="2020-31-12", period_end="2021-01-01"
        )
    assert "period_start" in caught.value.message_dict
    first = services.period_create(
        actor=editor, indicator=indicator, period_start="2020-01-01", period_end="2020-12-31"
    )
    services.period_create(
        actor=editor, indicator=indicator, period_start="2021-01-01", period_end="2021-12-31"
    )
    with pytest.raises(ValidationError) as caught:
        services.period_create(
            actor=editor, indicator=indicator, period_start="2020-07-01", period_end="2021-06-30"
        )
    assert caught.value.message_dict == {
        "period_start": ["This period overlaps the period 2020-01-01 – 2020-12-31 of the same indicator."]
    }
    # A period may be changed without clashing with itself.
    services.period_update(actor=editor, period=first, period_start="2020-02-01")
    assert IndicatorPeriod.objects.count() == 2


def test_measure_change_refused_when_periods_hold_unsuitable_values(world: dict[str, Any]) -> None:
    indicator = _indicator(world)
    services.period_create(
        actor=world["editor"],
        indicator=indicator,
        period_start="2020-01-01",
        period_end="2020-12-31",
        actual_value="7",
    )
    with pytest.raises(ValidationError) as caught:
        services.indicator_update(actor=world["editor"], indicator=indicator, measure=Measure.QUALITATIVE)
    assert "measure" in caught.value.message_dict
    indicator.refresh_from_db()
    assert indicator.measure == Measure.UNIT


def test_one_value_per_group_and_kind(world: dict[str, Any]) -> None:
    indicator = _indicator(world)
    period = services.period_create(
        actor=world["editor"], indicator=indicator, period_start="2020-01-01", period_end="2020-12-31"
    )
    services.disaggregation_create(
        actor=world["editor"], period=period, kind="actual", name="sex", value="female", amount="3"
    )
    with pytest.raises(ValidationError) as caught:
        services.disaggregation_create(
            actor=world["editor"], period=period, kind="actual", name="Sex", value="Female", amount="4"
        )
    assert "value" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.disaggregation_create(
            actor=world["editor"], period=period, kind="actual", name="sex", value="male", amount="three"
        )
    assert caught.value.message_dict == {"amount": ["Value must be a number, not “three”."]}
