import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from openpyxl import load_workbook

from stocktake.core.history import Actor
from stocktake.initiatives import services
from stocktake.initiatives.tests.factories import make_initiative
from stocktake.interchange.tabular.export import neutralise
from stocktake.organisations.tests.factories import make_organisation
from stocktake.vocabularies.models import ActionLine, Country

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(actor: Actor) -> None:
    kenya = make_initiative(code="KE-1", title='=HYPERLINK("http://evil.example")')
    services.country_add(actor=actor, initiative=kenya, country=Country.objects.get(code="KE"))
    services.action_line_add(actor=actor, initiative=kenya, action_line=ActionLine.objects.get(code="C7.1"))
    services.budget_add(actor=actor, initiative=kenya, amount=Decimal("164189"), currency="USD")
    services.participation_add(
        actor=actor, initiative=kenya, organisation=make_organisation(name="+Ministry"), role="lead"
    )
    make_initiative(code="FJ-1", title="E-health in Fiji")


def download(client: Client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, url
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]


def read_csv(content: bytes) -> list[dict[str, str]]:
    assert content.startswith("\ufeff".encode())  # Excel reads UTF-8 only with the mark
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def test_formula_text_is_neutralised_and_numbers_stay_numbers() -> None:
    assert [neutralise(v) for v in ("=1+1", "+1", "-x", "@A", "\tx", "plain", -5)] == [
        "'=1+1",
        "'+1",
        "'-x",
        "'@A",
        "'\tx",
        "plain",
        -5,
    ]


def test_csv_download_follows_the_list_filters(client: Client, registry: None) -> None:
    response = client.get("/export/initiatives.csv?country=KE")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = read_csv(download(client, "/export/initiatives.csv?country=KE"))
    assert [row["code"] for row in rows] == ["KE-1"]
    assert rows[0]["title"] == '\'=HYPERLINK("http://evil.example")'
    assert rows[0]["countries"] == "KE" and rows[0]["wsis_action_lines"] == "C7.1"
    api = client.get("/api/v1/initiatives?country=KE").json()
    assert [item["code"] for item in api["items"]] == [row["code"] for row in rows]


def test_each_table_downloads_as_csv(client: Client, registry: None) -> None:
    budgets = read_csv(download(client, "/export/initiatives.csv?table=budgets"))
    assert budgets == [
        {
            "code": "KE-1",
            "amount": "164189.00",
            "currency": "USD",
            "period_start": "",
            "period_end": "",
            "type": "1",
            "status": "1",
            "label": "",
        }
    ]
    partners = read_csv(download(client, "/export/initiatives.csv?table=participations"))
    assert [(p["code"], p["organisation_name"], p["role"]) for p in partners] == [
        ("KE-1", "'+Ministry", "lead")
    ]
    assert client.get("/export/initiatives.csv?table=nope").status_code == 404


def test_xlsx_has_every_table_and_never_a_formula(client: Client, registry: None) -> None:
    workbook = load_workbook(io.BytesIO(download(client, "/export/initiatives.xlsx?sort=-code")))
    assert workbook.sheetnames == ["initiatives", "participations", "budgets", "classifications", "columns"]
    sheet = workbook["initiatives"]
    assert [cell.value for cell in sheet[1]][:3] == ["code", "other_codes", "title"]
    assert [sheet.cell(row=r, column=1).value for r in (2, 3)] == ["KE-1", "FJ-1"]
    title = sheet.cell(row=2, column=3)
    assert title.value == '=HYPERLINK("http://evil.example")' and title.data_type == "s"
    assert workbook["budgets"].cell(row=2, column=2).value == 164189
    documented = {(row[0], row[1]) for row in workbook["columns"].iter_rows(min_row=2, values_only=True)}
    assert ("participations", "role") in documented


def test_export_command_writes_each_format(registry: None, tmp_path: Path) -> None:
    call_command("export", "--format", "csv", "-o", str(tmp_path / "x.csv"), "--country", "KE")
    assert [r["code"] for r in read_csv((tmp_path / "x.csv").read_bytes())] == ["KE-1"]
    call_command("export", "--format", "json", "-o", str(tmp_path / "x.json"), "--wsis", "C7")
    assert '"code": "KE-1"' in (tmp_path / "x.json").read_text()
    call_command("export", "--format", "xlsx", "-o", str(tmp_path / "x.xlsx"))
    assert load_workbook(tmp_path / "x.xlsx")["initiatives"].max_row == 3
    with pytest.raises(CommandError, match="--kind"):
        call_command("export", "--format", "csv", "-o", str(tmp_path / "y.csv"), "--kind", "spaceship")
