"""Empty import templates: a header row per table, named as the export and the import name them, and a
sheet documenting each column with the codes it takes."""

from __future__ import annotations

import csv
import io
from typing import IO

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from stocktake.interchange.tabular.tables import DOCUMENTATION_SHEET, TABLES, documentation_rows

_HEADER_FONT = Font(bold=True)
_WIDEST = 80


def template_columns(table_name: str) -> list[str]:
    """The columns a file to import may have: the export's, less those it writes only for reading."""
    return [column.name for column in TABLES[table_name].columns if column.imported]


def template_csv(table_name: str) -> str:
    """The header row of one table, with the byte order mark Excel needs to read UTF-8."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(template_columns(table_name))
    return "\ufeff" + buffer.getvalue()


def _write_rows(sheet: Worksheet, rows: list[list[str]]) -> None:
    for row_number, values in enumerate(rows, start=1):
        for column_number, value in enumerate(values, start=1):
            cell: Cell = sheet.cell(row=row_number, column=column_number)
            cell.value = value
            cell.data_type = "s"  # text, never a formula, whatever it starts with
            if row_number == 1:
                cell.font = _HEADER_FONT
    for column_number in range(1, max(len(values) for values in rows) + 1):
        width = max(len(values[column_number - 1]) for values in rows if len(values) >= column_number)
        sheet.column_dimensions[get_column_letter(column_number)].width = min(width + 2, _WIDEST)
    sheet.freeze_panes = "A2"


def template_xlsx(stream: IO[bytes]) -> None:
    """A workbook with an empty sheet per table (header only) and the documentation sheet."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name in TABLES:
        _write_rows(workbook.create_sheet(name), [template_columns(name)])
    _write_rows(workbook.create_sheet(DOCUMENTATION_SHEET), documentation_rows())
    workbook.save(stream)
