"""Writing filtered initiatives as CSV (one table, UTF-8 with a BOM so Excel reads it) or XLSX (every
table, and a sheet describing each column). Formula-looking text cannot run in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import IO, Any

from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from stocktake.initiatives.models import Initiative
from stocktake.initiatives.rows import InitiativeRow, initiative_rows
from stocktake.interchange.tabular.tables import DOCUMENTATION_SHEET, TABLES, Table, documentation_rows

CHUNK = 500
# A cell starting with one of these is a formula to Excel and LibreOffice (CSV injection, OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NEUTRALISER = "'"


def _looks_neutralised(text: str) -> bool:
    return text.lstrip(NEUTRALISER).startswith(FORMULA_STARTS)


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe; numbers stay numbers.

    Text that already looks neutralised ("'=x") gets one too, so that ``unneutralise`` gives back
    exactly what was written.
    """
    if isinstance(value, str) and _looks_neutralised(value):
        return NEUTRALISER + value
    return value


def unneutralise(text: str) -> str:
    """The text ``neutralise`` was given: one apostrophe before formula-looking text comes off."""
    if text.startswith(NEUTRALISER) and _looks_neutralised(text):
        return text[1:]
    return text


def row_chunks(queryset: QuerySet[Initiative], chunk: int = CHUNK) -> Iterator[list[InitiativeRow]]:
    """The initiatives in the queryset's order, as list rows with their classifications, a chunk at a time."""
    ids = list(queryset.values_list("pk", flat=True))
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        found = Initiative.objects.prefetch_related(
            "identifiers",
            "action_line_links__action_line",
            "sdg_target_links__target",
            "sdg_goal_links__goal",
            "sectors",
        ).in_bulk(part)
        yield initiative_rows(found[pk] for pk in part if pk in found)


def _cells(table: Table, item: Any) -> list[Any]:
    values = []
    for column in table.columns:
        value = column.value(item)
        values.append("" if value is None else value)
    return values


def csv_chunks(queryset: QuerySet[Initiative], table_name: str = "initiatives") -> Iterator[str]:
    """The CSV text of one table, in pieces (for a streamed download or a file)."""
    table = TABLES[table_name]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(column.name for column in table.columns)
    yield "\ufeff" + buffer.getvalue()
    for rows in row_chunks(queryset):
        buffer.seek(0)
        buffer.truncate()
        for item in table.items(rows):
            writer.writerow(neutralise(value) for value in _cells(table, item))
        yield buffer.getvalue()


def write_csv(queryset: QuerySet[Initiative], stream: IO[str], table_name: str = "initiatives") -> None:
    for piece in csv_chunks(queryset, table_name):
        stream.write(piece)


def _text_cell(sheet: WriteOnlyWorksheet, value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value) if value == value.to_integral_value() or abs(value) < 10**15 else str(value)
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # never a formula, whatever the text starts with
        return cell
    return value


def write_xlsx(queryset: QuerySet[Initiative], stream: IO[bytes]) -> None:
    """Every table on its own sheet, then a sheet documenting each column and its allowed values."""
    workbook = Workbook(write_only=True)
    sheets = {name: workbook.create_sheet(name) for name in TABLES}
    for name, sheet in sheets.items():
        sheet.append([column.name for column in TABLES[name].columns])
    for rows in row_chunks(queryset):
        for name, sheet in sheets.items():
            table = TABLES[name]
            for item in table.items(rows):
                sheet.append([_text_cell(sheet, value) for value in _cells(table, item)])
    write_documentation(workbook)
    workbook.save(stream)


def write_documentation(workbook: Workbook) -> None:
    """The sheet that says what each column means and takes (the import skips it)."""
    about = workbook.create_sheet(DOCUMENTATION_SHEET)
    for row in documentation_rows():
        about.append([_text_cell(about, value) for value in row])
