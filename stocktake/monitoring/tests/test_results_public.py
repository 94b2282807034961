"""The public side of results: the initiative page and the API, published records only."""

from __future__ import annotations

import pytest
from django.test import Client

from stocktake.core.history import Actor
from stocktake.initiatives.choices import PublicationState
from stocktake.initiatives.models import Initiative
from stocktake.initiatives.tests.factories import make_initiative
from stocktake.monitoring.choices import Measure
from stocktake.monitoring.services import results as services

pytestmark = pytest.mark.django_db


def _framework(actor: Actor, initiative: Initiative, *, numerator: str, denominator: str) -> None:
    result = services.result_create(actor=actor, initiative=initiative, title="Women online")
    indicator = services.indicator_create(
        actor=actor,
        result=result,
        title="Share of women online",
        unit="%",
        measure=Measure.PERCENTAGE,
        baseline_value="20",
        baseline_year=2019,
    )
    period = services.period_create(
        actor=actor,
        indicator=indicator,
        period_start="2020-01-01",
        period_end="2020-12-31",
        target_value="60",
        actual_numerator=numerator,
        actual_denominator=denominator,
    )
    services.disaggregation_create(
        actor=actor,
        period=period,
        kind="actual",
        name="region",
        value="north",
        numerator="1",
        denominator="4",
    )


@pytest.fixture
def programme(actor: Actor) -> Initiative:
    programme = make_initiative(code="PRG/1", title="Women in the digital economy")
    _framework(actor, make_initiative(code="KID/1", parent=programme), numerator="10", denominator="20")
    _framework(actor, make_initiative(code="KID/2", parent=programme), numerator="90", denominator="100")
    return programme


def test_public_page_shows_results_and_the_rollup(
    client: Client, actor: Actor, programme: Initiative
) -> None:
    child = programme.children.get(code="KID/1")
    page = client.get(child.get_absolute_url()).content.decode()
    assert "Share of women online" in page
    assert "50 % (10 / 20)" in page  # the actual with its counts
    assert "75 % of target" in page  # (50 - 20) / (60 - 20)
    page = client.get(programme.get_absolute_url()).content.decode()
    assert "Programme roll-up" in page
    assert "83.33 % (100 / 120)" in page  # not 70, the average of 50 and 90


def test_public_page_hides_results_of_a_record_that_is_not_published(client: Client, actor: Actor) -> None:
    draft = make_initiative(state=PublicationState.DRAFT)
    _framework(actor, draft, numerator="1", denominator="2")
    assert "Share of women online" not in client.get(draft.get_absolute_url()).content.decode()
    assert client.get(f"/api/v1/initiatives/{draft.code}/results").status_code == 404


def test_api_gives_framework_and_rollup(client: Client, programme: Initiative) -> None:
    answer = client.get("/api/v1/initiatives/KID1/results")
    assert answer.status_code == 200
    data = answer.json()
    indicator = data["results"][0]["indicators"][0]
    assert (indicator["measure"], indicator["baseline"]["value"], indicator["baseline_year"]) == (
        "percentage",
        "20.0000",
        2019,
    )
    period = indicator["periods"][0]
    assert period["actual"] == {
        "value": "50.0000",
        "numerator": "10.0000",
        "denominator": "20.0000",
        "comment": "",
    }
    assert period["disaggregations"][0]["dimension"] == "region"
    assert data["rollup"] is None

    rollup = client.get("/api/v1/initiatives/PRG1/results").json()["rollup"]
    assert rollup["children"] == ["KID/1", "KID/2"]
    row = rollup["indicators"][0]
    figure = row["total"]["actual"][0]
    assert (figure["year"], figure["numerator"], figure["denominator"], figure["value"]) == (
        2020,
        "100.0000",
        "120.0000",
        "83.33",
    )
    north = row["disaggregations"][0]["actual"][0]
    assert (north["numerator"], north["denominator"], north["value"]) == ("2.0000", "8.0000", "25.00")
