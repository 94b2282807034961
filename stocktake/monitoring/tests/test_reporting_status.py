"""Reporting status over simulated time: due, overdue, inactive, cadence changes and ended records."""

from __future__ import annotations

from datetime import date

import pytest

from stocktake.accounts.tests.factories import actor_for
from stocktake.core.partial_dates import PartialDate
from stocktake.initiatives.models import Initiative
from stocktake.monitoring.choices import ReportingStatus as S
from stocktake.monitoring.reporting import add_months, reporting_status, reporting_statuses
from stocktake.monitoring.services.reporting import schedule_set
from stocktake.monitoring.tests.reporting_factories import approved_report, make_world, set_published

pytestmark = pytest.mark.django_db


def test_add_months_stays_in_the_month() -> None:
    assert add_months(date(2021, 1, 31), 1) == date(2021, 2, 28)
    assert add_months(date(2020, 11, 15), 14) == date(2022, 1, 15)


def test_status_over_time_without_reports() -> None:
    world = make_world(published=date(2020, 1, 15))
    first_due = date(2021, 1, 15)
    steps = [
        (date(2020, 6, 1), S.UP_TO_DATE),
        (date(2020, 11, 15), S.UP_TO_DATE),  # 61 days before: not yet
        (date(2020, 11, 16), S.DUE),
        (date(2021, 1, 15), S.DUE),
        (date(2021, 1, 16), S.OVERDUE),
        (date(2022, 1, 14), S.OVERDUE),
        (date(2022, 1, 15), S.INACTIVE),  # 24 months published without a report
    ]
    assert reporting_status(world.initiative, date(2020, 6, 1)) == (S.UP_TO_DATE, first_due, None)
    for today, expected in steps:
        assert reporting_status(world.initiative, today).status == expected, today


def test_an_approved_report_moves_the_next_due_date() -> None:
    world = make_world(published=date(2020, 1, 15))
    report = approved_report(world, period_end=date(2021, 3, 31), decided=date(2021, 4, 10))
    status, due, last = reporting_status(world.initiative, date(2021, 5, 1))
    assert (status, due, last) == (S.UP_TO_DATE, date(2022, 3, 31), report)
    assert reporting_status(world.initiative, date(2022, 2, 1)).status == S.DUE
    assert reporting_status(world.initiative, date(2022, 4, 1)).status == S.OVERDUE
    # Inactive two years after the last approval, not after publication.
    assert reporting_status(world.initiative, date(2023, 4, 9)).status == S.OVERDUE
    assert reporting_status(world.initiative, date(2023, 4, 10)).status == S.INACTIVE


def test_cadence_changes_the_due_dates() -> None:
    world = make_world(published=date(2020, 1, 15))
    schedule_set(actor=actor_for(world.member), initiative=world.initiative, cadence_months=6)
    assert reporting_status(world.initiative, date(2020, 5, 20)) == (S.DUE, date(2020, 7, 15), None)
    schedule_set(
        actor=actor_for(world.member),
        initiative=world.initiative,
        cadence_months=6,
        first_due=date(2020, 12, 31),
    )
    assert reporting_status(world.initiative, date(2020, 8, 1)).next_due == date(2020, 12, 31)
    approved_report(world, period_end=date(2020, 12, 31))
    assert reporting_status(world.initiative, date(2021, 3, 1))[:2] == (S.UP_TO_DATE, date(2021, 6, 30))


def test_imported_record_counts_from_its_creation() -> None:
    world = make_world(published=date(2019, 3, 1))
    world.initiative.workflow_events.all().delete()
    assert reporting_status(world.initiative, date(2020, 3, 2))[:2] == (S.OVERDUE, date(2020, 3, 1))


def test_ended_record_with_a_final_report_is_up_to_date_for_good() -> None:
    world = make_world(
        published=date(2020, 1, 15), outcome="concluded", actual_end=PartialDate(date(2021, 6, 30))
    )
    assert reporting_status(world.initiative, date(2021, 8, 1)).status == S.OVERDUE
    # A report approved before the end, not covering it, is not the final one.
    approved_report(world, period_end=date(2021, 1, 31), decided=date(2021, 2, 5))
    assert reporting_status(world.initiative, date(2022, 3, 1)).status == S.OVERDUE
    approved_report(world, period_end=date(2021, 6, 30), decided=date(2021, 7, 20))
    for today in (date(2021, 8, 1), date(2030, 1, 1)):
        assert reporting_status(world.initiative, today)[:2] == (S.UP_TO_DATE, None)


def test_ongoing_record_keeps_reporting_after_a_report() -> None:
    world = make_world(
        published=date(2020, 1, 15), outcome="ongoing", actual_end=PartialDate(date(2021, 6, 30))
    )
    approved_report(world, period_end=date(2021, 6, 30), decided=date(2021, 7, 20))
    assert reporting_status(world.initiative, date(2022, 7, 1)).status == S.OVERDUE


def test_batch_agrees_with_one_by_one(django_assert_max_num_queries) -> None:
    worlds = [make_world(published=date(2020, 1, 15)) for _ in range(3)]
    approved_report(worlds[1], period_end=date(2021, 3, 31), decided=date(2021, 4, 10))
    schedule_set(actor=actor_for(worlds[2].member), initiative=worlds[2].initiative, cadence_months=3)
    set_published(worlds[0].initiative, date(2019, 1, 1))  # the first publication counts
    today = date(2021, 5, 1)
    ids = [world.initiative.pk for world in worlds]
    with django_assert_max_num_queries(1):
        batch = reporting_statuses(Initiative.objects.filter(pk__in=ids), today)
    for world in worlds:
        single = reporting_status(world.initiative, today)
        assert (batch[world.initiative.pk].status, batch[world.initiative.pk].next_due) == single[:2]
    assert batch[worlds[0].initiative.pk].status == S.INACTIVE
    assert batch[worlds[1].initiative.pk].first_approved_on == date(2021, 4, 10)
