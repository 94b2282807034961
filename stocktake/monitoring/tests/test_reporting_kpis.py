"""Reporting KPIs on a small hand-made set, through the selector and the API."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from stocktake.core.history import Actor
from stocktake.initiatives.filtersets import InitiativeFilters
from stocktake.initiatives.models import Initiative
from stocktake.initiatives.services import country_add, sdg_goal_add
from stocktake.monitoring.reporting import add_months
from stocktake.monitoring.selectors.reporting import reporting_kpis
from stocktake.monitoring.tests.reporting_factories import World, approved_report, make_world
from stocktake.organisations.models import Organisation
from stocktake.vocabularies.models import Country, SdgGoal, StakeholderGroup

pytestmark = pytest.mark.django_db
TODAY = date(2021, 5, 1)


def _in(world: World, country: str | None = None, goal: int | None = None) -> None:
    actor = Actor.system("test")
    if country:
        country_add(actor=actor, initiative=world.initiative, country=Country.objects.get(code=country))
    if goal:
        sdg_goal_add(actor=actor, initiative=world.initiative, goal=SdgGoal.objects.get(number=goal))


@pytest.fixture
def worlds() -> dict[str, World]:
    up = make_world(published=date(2020, 1, 15))
    approved_report(up, period_end=date(2021, 3, 31), decided=date(2021, 4, 10))  # 451 days after
    _in(up, "KE", 9)
    late = make_world(published=date(2020, 4, 1))  # first due 2021-04-01
    _in(late, "KE", 9)
    due = make_world(published=date(2020, 6, 20))  # due 2021-06-20, in 50 days
    _in(due, "FR")
    silent = make_world(published=date(2019, 1, 1))
    draft = make_world(published=date(2019, 1, 1))
    Initiative.objects.filter(pk=draft.initiative.pk).update(state="draft")
    group = StakeholderGroup.objects.order_by("position").first()
    assert group is not None
    Organisation.objects.filter(pk=up.lead.pk).update(stakeholder_group=group)
    return {"up": up, "late": late, "due": due, "silent": silent, "draft": draft}


def _by_key(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["key"]: row for row in rows}


def test_kpis_overall_and_by_dimension(worlds: dict[str, World]) -> None:
    kpis = reporting_kpis(InitiativeFilters(), TODAY)
    overall = kpis["overall"]
    assert overall["total"] == 4  # the draft is not counted
    assert overall["counts"] == {"up-to-date": 1, "due": 1, "overdue": 1, "inactive": 1}
    assert overall["shares"]["up-to-date"] == 0.25
    assert overall["overdue_share"] == 0.5  # overdue or inactive
    assert overall["median_days_to_first_report"] == 451
    assert overall["with_a_report"] == 1
    countries = _by_key(kpis["breakdowns"]["country"])
    assert set(countries) == {"KE", "FR"}
    assert countries["KE"]["counts"] == {"up-to-date": 1, "due": 0, "overdue": 1, "inactive": 0}
    assert countries["KE"]["overdue_share"] == 0.5
    assert countries["FR"]["counts"]["due"] == 1
    assert _by_key(kpis["breakdowns"]["sdg_goal"])["9"]["total"] == 2
    groups = kpis["breakdowns"]["stakeholder_group"]
    assert [row["total"] for row in groups] == [1]
    assert groups[0]["counts"]["up-to-date"] == 1


def test_kpis_take_the_list_filters(worlds: dict[str, World]) -> None:
    kpis = reporting_kpis(InitiativeFilters(country=["FR"]), TODAY)
    assert kpis["overall"]["total"] == 1
    assert kpis["overall"]["counts"]["due"] == 1
    assert kpis["overall"]["median_days_to_first_report"] is None


def test_kpi_api_and_initiative_api(client: Client) -> None:
    today = timezone.localdate()
    fresh = make_world(published=today - timedelta(days=30))
    _in(fresh, "KE")
    old = make_world(published=today - timedelta(days=800))
    _in(old, "FR")
    body = client.get("/api/v1/kpis/reporting?country=KE").json()
    assert body["overall"]["total"] == 1
    assert body["overall"]["counts"]["up-to-date"] == 1
    assert body["breakdowns"]["country"][0]["key"] == "KE"
    body = client.get("/api/v1/kpis/reporting").json()
    assert body["overall"]["counts"]["inactive"] == 1
    item = client.get(f"/api/v1/initiatives/{old.initiative.code_normalised}").json()
    assert item["reporting_status"] == "inactive"
    item = client.get(f"/api/v1/initiatives/{fresh.initiative.code_normalised}").json()
    assert item["reporting_status"] == "up-to-date"
    assert item["next_report_due"] == add_months(today - timedelta(days=30), 12).isoformat()
    listed = client.get("/api/v1/initiatives?country=FR").json()["items"]
    assert [i["reporting_status"] for i in listed] == ["inactive"]
