"""Reporting status and SMART band as search facets: the index and the database agree, and the daily
re-index moves a record whose report fell due without anyone writing."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from stocktake.accounts.tests.factories import make_user
from stocktake.core.choices import ChangeSource
from stocktake.core.history import Actor
from stocktake.core.models import HistoryEntry
from stocktake.initiatives.filtersets import InitiativeFilters
from stocktake.initiatives.tests.factories import make_initiative
from stocktake.monitoring.models import ReportingSchedule
from stocktake.monitoring.services.deliverables import deliverable_create
from stocktake.monitoring.services.reporting import schedule_set
from stocktake.search.selectors import search_initiatives

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("test", source=ChangeSource.CLI)


def _codes(filters: InitiativeFilters) -> list[str]:
    return [row.initiative.code for row in search_initiatives(filters).rows]


def test_reporting_and_smart_facets_agree_with_the_database(client: Client) -> None:
    overdue = make_initiative(code="FAC/OVERDUE", title="Overdue telecentres")
    fresh = make_initiative(code="FAC/FRESH", title="Fresh telecentres")
    steward = make_user(steward=True)
    actor = Actor(source="web", user=steward)
    schedule_set(actor=actor, initiative=overdue, cadence_months=12, first_due=date(2020, 1, 1))
    deliverable_create(
        actor=actor,
        initiative=fresh,
        title="100 telecentres opened",
        resources="USD 2 million from the universal service fund",
        due_text="by 2030",
    )
    result = search_initiatives(InitiativeFilters(q="telecentres"), facets=True)
    reporting = {value.key: value.count for value in result.facets["reporting"]}
    assert reporting == {"overdue": 1, "up-to-date": 1}  # overdue since 2020, but not yet 24 months old
    assert _codes(InitiativeFilters(q="telecentres", reporting=["up-to-date"])) == ["FAC/FRESH"]
    smart = {value.key: value.count for value in result.facets["smart"]}
    assert sum(smart.values()) == 1  # only the record with deliverables has a band

    # The database path (exports) applies the same values.
    exported = client.get("/export/initiatives.csv?reporting=up-to-date")
    text = b"".join(exported.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    assert [row["code"] for row in csv.DictReader(io.StringIO(text))] == ["FAC/FRESH"]


def test_the_daily_refresh_moves_a_record_the_calendar_made_overdue() -> None:
    record = make_initiative(code="FAC/CAL", title="Calendar telecentres")
    assert _codes(InitiativeFilters(q="calendar", reporting=["up-to-date"])) == ["FAC/CAL"]
    # Its first report fell due yesterday, and nobody wrote anything since: the index still says
    # up to date until the daily refresh.
    ReportingSchedule.objects.create(
        initiative=record, cadence_months=12, first_due=timezone.localdate() - timedelta(days=1)
    )
    assert _codes(InitiativeFilters(q="calendar", reporting=["overdue"])) == []
    call_command("refresh_monitoring", "--no-progress")
    assert _codes(InitiativeFilters(q="calendar", reporting=["overdue"])) == ["FAC/CAL"]
    # The record's history says when it fell overdue; a second run the same day changes nothing.
    change = HistoryEntry.objects.filter(note="reporting status", parent_object_id=str(record.pk)).latest(
        "pk"
    )
    assert change.source == "system" and change.after is not None and change.after["status"] == "overdue"
    entries = HistoryEntry.objects.count()
    call_command("refresh_monitoring", "--no-progress")
    assert HistoryEntry.objects.count() == entries


def test_every_initiative_in_the_api_list_carries_its_reporting_status_and_smart_score(
    client: Client,
) -> None:
    with_deliverable = make_initiative(code="API/SMART", title="Smart telecentres")
    make_initiative(code="API/PLAIN", title="Plain telecentres")
    steward = make_user(steward=True)
    deliverable_create(
        actor=Actor(source="web", user=steward),
        initiative=with_deliverable,
        title="100 telecentres opened",
        resources="USD 2 million",
        due_text="by 2030",
    )
    items = {item["code"]: item for item in client.get("/api/v1/initiatives?q=telecentres").json()["items"]}
    assert items["API/SMART"]["smart_score"] is not None and items["API/PLAIN"]["smart_score"] is None
    assert {item["reporting_status"] for item in items.values()} == {"up-to-date"}
