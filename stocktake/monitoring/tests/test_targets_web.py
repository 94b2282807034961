"""Targets on the web (list, matrix with its region filter, CSV) and in the API."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client

from stocktake.core.history import Actor
from stocktake.initiatives.choices import Kind, Outcome
from stocktake.initiatives.services import country_add
from stocktake.initiatives.tests.factories import make_initiative
from stocktake.vocabularies.models import Country

pytestmark = pytest.mark.django_db


@pytest.fixture
def kenyan_ppp(demo: Any) -> Any:
    initiative = make_initiative(kind=Kind.PPP, outcome=Outcome.SUSTAINED, title="Nairobi telecentres PPP")
    country_add(actor=Actor.system("test"), initiative=initiative, country=Country.objects.get(code="KE"))
    return initiative


def test_targets_page(client: Client, kenyan_ppp: Any) -> None:
    body = client.get("/targets/").content.decode()
    assert "Each country has at least one successful public-private partnership" in body
    assert "/targets/wsis-18g-ppp/" in body
    assert "as stated: “within three years (2006)”" in body
    countries = Country.objects.count()
    assert f"(1 of {countries})" in body


def test_target_matrix_page_region_filter_and_csv(client: Client, kenyan_ppp: Any) -> None:
    body = client.get("/targets/wsis-18g-ppp/").content.decode()
    assert "Kenya" in body and "France" in body
    assert kenyan_ppp.get_absolute_url() in body
    assert (
        "/initiatives/?kind=ppp&amp;outcome=concluded&amp;outcome=sustained&amp;outcome=handed-over&amp;country=KE"
        in body
    )
    assert "no, overdue" in body  # 2005 has passed for the other countries
    africa = client.get("/targets/wsis-18g-ppp/?region=002").content.decode()
    assert "Kenya" in africa and "France" not in africa
    response = client.get("/targets/wsis-18g-ppp/?region=002&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    kenya = next(row for row in rows if row["country"] == "KE")
    assert (kenya["achieved"], kenya["overdue"], kenya["initiatives"]) == ("yes", "no", kenyan_ppp.code)
    assert all(row["region"] == "Africa" for row in rows)
    assert client.get("/targets/no-such-target/").status_code == 404


def test_targets_api(client: Client, kenyan_ppp: Any) -> None:
    targets = client.get("/api/v1/targets").json()
    assert [t["key"] for t in targets] == [
        "wsis-18g-ppp",
        "wsis-18e-e-strategies",
        "wsis-18d-multi-stakeholder-dialogue",
        "wsis-18b-multilateral-strategies",
    ]
    g = targets[0]
    countries = Country.objects.count()
    assert g["deadline"] == "2005-12-31" and g["level"] == "national" and g["commitment"] == "WSIS-POA-18G"
    assert g["cells_total"] == countries and g["achieved"] == 1 and g["overdue"] == countries - 1
    assert g["share_achieved"] == round(1 / countries, 4)
    kenya = next(cell for cell in g["cells"] if cell["country"] == "KE")
    assert kenya["achieved"] is True and [i["code"] for i in kenya["initiatives"]] == [kenyan_ppp.code]
    assert kenya["url"].endswith(
        "/initiatives/?kind=ppp&outcome=concluded&outcome=sustained&outcome=handed-over&country=KE"
    )
    one = client.get("/api/v1/targets/wsis-18g-ppp").json()
    assert one["achieved"] == 1 and len(one["cells"]) == countries
    registry = client.get("/api/v1/targets/wsis-18b-multilateral-strategies").json()
    assert len(registry["cells"]) == 1 and registry["cells"][0]["country"] is None
    assert client.get("/api/v1/targets/nope").status_code == 404
