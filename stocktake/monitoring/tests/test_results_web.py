"""Editing a results framework from the record's workspace: plain forms, POST-redirect-GET."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from stocktake.accounts.tests.factories import make_member, make_user
from stocktake.core.history import Actor
from stocktake.initiatives.choices import PartnerRole
from stocktake.initiatives.services import participation_add
from stocktake.initiatives.tests.factories import make_initiative
from stocktake.monitoring.choices import Measure
from stocktake.monitoring.models import Indicator, IndicatorPeriod, Result
from stocktake.organisations.tests.factories import make_organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(actor: Actor) -> dict[str, Any]:
    lead = make_organisation(name="Ministry of ICT")
    initiative = make_initiative(code="WEB/1", title="Rural connectivity")
    participation_add(actor=actor, initiative=initiative, organisation=lead, role=PartnerRole.LEAD)
    editor = make_user()
    make_member(editor, lead)
    outsider = make_user()
    make_member(outsider, make_organisation(name="Telco Ltd"))
    return {"initiative": initiative, "editor": editor, "outsider": outsider}


def _signed_in(user: Any) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client


def test_editor_adds_a_result_an_indicator_and_a_period(world: dict[str, Any]) -> None:
    client = _signed_in(world["editor"])
    record = "/records/WEB1/"
    assert "Add a result" in client.get(record).content.decode()
    answer = client.post(f"{record}results/add/", {"title": "Schools online", "type": "1"})
    assert answer.status_code == 302 and answer["Location"].endswith("#results-workspace")
    result = Result.objects.get(initiative=world["initiative"])
    answer = client.post(
        f"{record}results/{result.pk}/indicators/add/",
        {"title": "Share of schools online", "measure": Measure.PERCENTAGE, "unit": "%", "ascending": "on"},
    )
    assert answer.status_code == 302
    indicator = Indicator.objects.get(result=result)
    answer = client.post(
        f"{record}results/indicators/{indicator.pk}/periods/add/",
        {
            "period_start": "2020-01-01",
            "period_end": "2020-12-31",
            "actual_numerator": "3",
            "actual_denominator": "4",
        },
    )
    assert answer.status_code == 302
    period = IndicatorPeriod.objects.get(indicator=indicator)
    assert period.actual_value == Decimal(75)
    page = client.get(record).content.decode()
    assert "Share of schools online" in page and "75 % (3 / 4)" in page

    answer = client.post(f"{record}results/periods/{period.pk}/delete/")
    assert answer.status_code == 302 and not IndicatorPeriod.objects.exists()


def test_text_in_a_number_is_shown_next_to_its_field(world: dict[str, Any]) -> None:
    client = _signed_in(world["editor"])
    result = Result.objects.create(initiative=world["initiative"], title="Access")
    indicator = Indicator.objects.create(result=result, title="People connected")
    answer = client.post(
        f"/records/WEB1/results/indicators/{indicator.pk}/periods/add/",
        {"period_start": "2020-01-01", "period_end": "2020-12-31", "target_value": "lots"},
    )
    assert answer.status_code == 400
    page = answer.content.decode()
    assert 'role="alert"' in page
    assert "Target must be a number, not “lots”." in page
    assert 'id="id_target_value_error"' in page
    assert not IndicatorPeriod.objects.exists()


def test_member_of_another_organisation_cannot_edit(world: dict[str, Any]) -> None:
    client = _signed_in(world["outsider"])
    assert client.get("/records/WEB1/results/add/").status_code == 403
    answer = client.post("/records/WEB1/results/add/", {"title": "Taken over", "type": "1"})
    assert answer.status_code == 403
    assert not Result.objects.exists()
    assert "Add a result" not in client.get("/records/WEB1/").content.decode()
