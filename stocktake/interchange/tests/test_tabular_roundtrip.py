"""Export -> import into a registry without initiatives -> export gives the same files, on the demo data.

The organisations stay (they are not initiatives' rows), so the participations find them again by
their identifier on this site; everything else is rebuilt from the files alone.
"""

from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from stocktake.core.history import Actor
from stocktake.initiatives import services
from stocktake.initiatives.filtersets import InitiativeFilters
from stocktake.initiatives.models import Initiative
from stocktake.interchange.reports import ImportOptions, ImportReport
from stocktake.interchange.run import export_file
from stocktake.interchange.tabular.importer import import_tabular
from stocktake.interchange.tabular.tables import TABLES

pytestmark = pytest.mark.django_db


def export_csv(folder: Path) -> dict[str, bytes]:
    folder.mkdir(exist_ok=True)
    files = {}
    for table in TABLES:
        path = folder / f"{table}.csv"
        export_file(path, format="csv", filters=InitiativeFilters(), table=table)
        files[table] = path.read_bytes()
    return files


def export_xlsx(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    export_file(path, format="xlsx", filters=InitiativeFilters())
    workbook = load_workbook(path, read_only=True)
    sheets = {name: list(workbook[name].iter_rows(values_only=True)) for name in workbook.sheetnames}
    workbook.close()
    return sheets


def wipe(actor: Actor) -> None:
    """Deletes every initiative through the service, children before their parents."""
    while Initiative.objects.exists():
        for initiative in Initiative.objects.filter(children__isnull=True):
            services.initiative_delete(actor=actor, initiative=initiative)


def load(path: Path, fmt: str, actor: Actor, **options: bool) -> ImportReport:
    return import_tabular(path, format=fmt, actor=actor, options=ImportOptions(**options), source=path.name)


def test_demo_csv_tables_round_trip(demo: Any, actor: Actor, tmp_path: Path) -> None:
    before = export_csv(tmp_path / "before")
    assert before["initiatives"].count(b"\r\n") == 27  # the header and 26 initiatives
    count = Initiative.objects.count()
    wipe(actor)
    for table in TABLES:
        report = load(tmp_path / "before" / f"{table}.csv", "csv", actor)
        assert report.ok, (table, report.refused)
        assert not report.warnings and not report.duplicates
    assert Initiative.objects.count() == count
    after = export_csv(tmp_path / "after")
    for table in TABLES:
        assert after[table] == before[table], table
    # The same files again change nothing, and say so.
    for table in TABLES:
        report = load(tmp_path / "after" / f"{table}.csv", "csv", actor)
        assert report.counts()["created"] == report.counts()["updated"] == 0
        assert len(report.unchanged) > 0 and report.ok


def test_demo_xlsx_round_trip(demo: Any, actor: Actor, tmp_path: Path) -> None:
    before = export_xlsx(tmp_path / "before.xlsx")
    wipe(actor)
    report = load(tmp_path / "before.xlsx", "xlsx", actor)
    assert report.ok, report.refused
    assert not report.warnings and not report.duplicates
    assert len(report.created) == Initiative.objects.count() == len(before["initiatives"]) - 1
    assert export_xlsx(tmp_path / "after.xlsx") == before
    again = load(tmp_path / "after.xlsx", "xlsx", actor)
    assert again.ok and not again.created and not again.updated
    assert sorted(again.unchanged) == sorted(report.created)
