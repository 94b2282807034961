"""The import templates: downloads that open in a spreadsheet, documented, and that import once filled in."""

import io
from pathlib import Path

import pytest
from django.test import Client
from openpyxl import load_workbook

from stocktake.core.history import Actor
from stocktake.initiatives.models import Initiative
from stocktake.interchange.reports import ImportOptions
from stocktake.interchange.tabular.importer import import_tabular
from stocktake.interchange.tabular.tables import TABLES

pytestmark = pytest.mark.django_db


def test_the_xlsx_template_has_a_sheet_per_table_and_documents_each_column(client: Client) -> None:
    response = client.get("/export/template.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="stocktake-template.xlsx"'
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]
    assert workbook.sheetnames == ["initiatives", "participations", "budgets", "classifications", "columns"]
    for name, table in TABLES.items():
        rows = list(workbook[name].iter_rows(values_only=True))
        assert len(rows) == 1  # the header only
        assert list(rows[0]) == [column.name for column in table.columns if column.name != "url"]
    documented = list(workbook["columns"].iter_rows(values_only=True))
    assert documented[0] == ("table", "column", "meaning", "allowed values", "required")
    by_column = {(row[0], row[1]): row[2:] for row in documented[1:]}
    assert len(by_column) == sum(len(table.columns) for table in TABLES.values())
    _meaning, allowed, required = by_column[("initiatives", "status")]
    assert allowed.startswith("1 Pipeline/identification, 2 Implementation, 3 Finalisation, 4 Closed")
    assert required == "optional"
    assert by_column[("initiatives", "code")][2] == "required"
    assert by_column[("initiatives", "title")][2] == "required for a new initiative"
    assert by_column[("initiatives", "url")][2] == "written by the export, ignored on import"
    assert by_column[("initiatives", "kind")][1].startswith("project, partnership, ppp (public-private")
    assert "lead, sponsor, organiser" in by_column[("participations", "role")][1]
    assert "C7.1" in by_column[("initiatives", "wsis_action_lines")][1]
    assert "002 Africa" in by_column[("initiatives", "regions")][1]
    assert by_column[("budgets", "type")][1] == "1 Original, 2 Revised"
    assert by_column[("classifications", "scheme")][1] == "wsis, sdg-target, sdg-goal, sector"


def test_each_table_has_a_csv_template(client: Client) -> None:
    for name, table in TABLES.items():
        response = client.get(f"/export/template-{name}.csv")
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"] == f'attachment; filename="stocktake-template-{name}.csv"'
        expected = ",".join(column.name for column in table.columns if column.name != "url")
        assert response.content.decode("utf-8") == "\ufeff" + expected + "\r\n"
    assert client.get("/export/template-people.csv").status_code == 404


def test_a_filled_in_template_imports(client: Client, actor: Actor, tmp_path: Path) -> None:
    workbook = load_workbook(io.BytesIO(b"".join(client.get("/export/template.xlsx").streaming_content)))  # type: ignore[attr-defined]
    initiatives = workbook["initiatives"]
    header = [cell.value for cell in initiatives[1]]
    row = dict.fromkeys(header, "")
    row.update(code="NEW-1", title="A new partnership", kind="partnership", status="2", planned_start="2024")
    initiatives.append([row[name] for name in header])
    workbook["budgets"].append(["NEW-1", 5000, "EUR", "2024", "2025", "", "", "First year"])
    path = tmp_path / "filled.xlsx"
    workbook.save(path)
    report = import_tabular(path, format="xlsx", actor=actor, options=ImportOptions(), source="filled.xlsx")
    assert report.ok and report.created == ["NEW-1"] and not report.warnings
    created = Initiative.objects.get(code="NEW-1")
    assert [(b.amount, b.currency, b.type, b.label) for b in created.budgets.all()] == [
        (5000, "EUR", "1", "First year")
    ]
    empty = tmp_path / "template-budgets.csv"
    empty.write_bytes(client.get("/export/template-budgets.csv").content)
    report = import_tabular(empty, format="csv", actor=actor, options=ImportOptions(), source=empty.name)
    assert report.ok and report.counts()["created"] == 0
