"""Reading a CSV file or an XLSX workbook into rows of text cells, table by table.

What cannot be read safely is refused with its place: a file in another encoding than UTF-8 (with the
line), a header that names no table, a cell holding a formula (formulas are never evaluated).
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from stocktake.interchange.reports import Problem
from stocktake.interchange.tabular.export import unneutralise
from stocktake.interchange.tabular.tables import DOCUMENTATION_SHEET, REQUIRED, TABLES, Table

# A workbook unpacking to more than this is refused before openpyxl reads it (a zip bomb).
MAX_XLSX_UNPACKED = 256 * 1024 * 1024
_BOMS_OTHER_THAN_UTF8 = {
    b"\xff\xfe\x00\x00": "UTF-32",
    b"\x00\x00\xfe\xff": "UTF-32",
    b"\xff\xfe": "UTF-16",
    b"\xfe\xff": "UTF-16",
}
_DELIMITERS = (",", ";", "\t")


class ReadError(Exception):
    """The input, or one sheet of it, cannot be read at all."""

    def __init__(self, place: str, message: str) -> None:
        super().__init__(f"{place}: {message}")
        self.place = place
        self.message = message


def place(sheet: str, row: int, column: str = "") -> str:
    """Where a cell is: "row 7, column planned_start", with the sheet's name first in a workbook."""
    where = (
        _("row %(row)d, column %(column)s") % {"row": row, "column": column}
        if column
        else _("row %(row)d") % {"row": row}
    )
    return f"{sheet} {where}" if sheet else where


@dataclass
class Row:
    number: int  # as a spreadsheet numbers it: the header is row 1
    values: dict[str, str]  # by column, for the table's columns the header names
    problems: list[tuple[str, str]] = field(default_factory=list)  # (column, message): unreadable cells


@dataclass
class Sheet:
    table: Table
    name: str  # the sheet's name in a workbook, "" for a CSV file
    columns: list[str]  # the table's columns the header names
    rows: list[Row] = field(default_factory=list)

    def place(self, row: int, column: str = "") -> str:
        return place(self.name, row, column)


@dataclass
class Input:
    sheets: list[Sheet] = field(default_factory=list)
    refused: list[Problem] = field(default_factory=list)  # sheets that cannot be read
    warnings: list[Problem] = field(default_factory=list)


def _header_names(cells: list[str]) -> list[str]:
    return [cell.strip().lstrip("\ufeff").strip().lower() for cell in cells]


def _columns_text(table: Table) -> str:
    return ", ".join(column.name for column in table.columns if column.imported)


def _check_header(table: Table, names: list[str], where: str) -> None:
    seen: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        if not name:
            continue
        if name in seen:
            raise ReadError(
                where,
                _("the column %(name)s appears twice (columns %(first)d and %(second)d)")
                % {"name": name, "first": seen[name], "second": position},
            )
        seen[name] = position
    unknown = [name for name in seen if name not in table.column_names]
    if unknown:
        raise ReadError(
            where,
            _("unknown columns %(unknown)s; the %(table)s table's columns are %(columns)s")
            % {"unknown": ", ".join(unknown), "table": table.name, "columns": _columns_text(table)},
        )
    missing = [column.name for column in table.columns if column.need == REQUIRED and column.name not in seen]
    if missing:
        raise ReadError(
            where,
            _("missing required columns %(missing)s; the %(table)s table's columns are %(columns)s")
            % {"missing": ", ".join(missing), "table": table.name, "columns": _columns_text(table)},
        )


def table_for_header(names: list[str], where: str) -> Table:
    """The table a CSV file holds, told from its header row."""
    given = {name for name in names if name}
    if not given:
        raise ReadError(where, _("the header row is empty: expected the column names of a table"))
    candidates = [table for table in TABLES.values() if given <= set(table.column_names)]
    complete = [
        table
        for table in candidates
        if all(column.name in given for column in table.columns if column.need == REQUIRED)
    ]
    if len(complete) == 1:
        return complete[0]
    if len(candidates) == 1:
        return candidates[0]  # its check names the missing columns
    expected = "; ".join(f"{table.name}: {_columns_text(table)}" for table in TABLES.values())
    if candidates:
        raise ReadError(
            where,
            _("the header row could be any of the tables %(tables)s: name more columns (%(expected)s)")
            % {"tables": ", ".join(table.name for table in candidates), "expected": expected},
        )
    raise ReadError(
        where,
        _("the header row matches no table; expected the columns of one of them (%(expected)s)")
        % {"expected": expected},
    )


def _rows(table: Table, sheet_name: str, names: list[str], records: list[tuple[int, list[Any]]]) -> Sheet:
    """Rows of cells (text, or a Problem message for a cell that cannot be read) keyed by column."""
    sheet = Sheet(table=table, name=sheet_name, columns=[name for name in names if name])
    for number, cells in records:
        row = Row(number=number, values={})
        for position, cell in enumerate(cells):
            name = names[position] if position < len(names) else ""
            if isinstance(cell, CellProblem):
                row.problems.append((name, cell.message))
                continue
            if not name:
                if cell.strip():
                    row.problems.append(
                        (
                            "",
                            _("column %(position)d holds %(value)r but has no header")
                            % {
                                "position": position + 1,
                                "value": cell,
                            },
                        )
                    )
                continue
            row.values[name] = cell
        sheet.rows.append(row)
    return sheet


@dataclass(frozen=True)
class CellProblem:
    message: str


def _decode(data: bytes) -> str:
    for bom, encoding in _BOMS_OTHER_THAN_UTF8.items():
        if data.startswith(bom):
            raise ReadError(
                _("line 1"),
                _("the file is in %(encoding)s; save it as CSV UTF-8") % {"encoding": encoding},
            )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ReadError(
            _("line %(line)d") % {"line": line},
            _("the file is not UTF-8 (byte 0x%(byte)02x cannot be read); save it as CSV UTF-8")
            % {"byte": data[error.start]},
        ) from None


def read_csv(path: Path) -> Input:
    """One table, told from the header row. UTF-8 with or without a byte order mark."""
    text = _decode(path.read_bytes())
    if not text.strip():
        raise ReadError(_("line 1"), _("the file is empty: expected a header row naming the columns"))
    first_line = text.split("\n", 1)[0]
    delimiter = max(_DELIMITERS, key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[tuple[int, list[Any]]] = []
    try:
        header = next(reader)
        for number, cells in enumerate(reader, start=2):
            if any(cell.strip() for cell in cells):
                records.append((number, [unneutralise(cell) for cell in cells]))
    except csv.Error as error:
        raise ReadError(_("line %(line)d") % {"line": reader.line_num}, str(error)) from None
    names = _header_names(header)
    where = _("line 1")
    table = table_for_header(names, where)
    _check_header(table, names, where)
    return Input(sheets=[_rows(table, "", names, records)])


def _cell_text(cell: Any) -> Any:
    """An XLSX cell as text the way the export writes it; a formula or an error value as a CellProblem."""
    value = cell.value
    if cell.data_type == "f":
        return CellProblem(
            _("the cell holds a formula (%(formula)s), which is never evaluated: replace it with its value")
            % {"formula": value}
        )
    if cell.data_type == "e":
        return CellProblem(_("the cell holds the error %(error)s") % {"error": value})
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _check_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(entry.file_size for entry in archive.infolist())
    except (zipfile.BadZipFile, OSError) as error:
        raise ReadError(
            "", _("the file is not a readable XLSX workbook (%(error)s)") % {"error": error}
        ) from None
    if unpacked > MAX_XLSX_UNPACKED:
        raise ReadError(
            "",
            _("the workbook unpacks to %(size)d MB, more than the %(limit)d MB read")
            % {"size": unpacked // 2**20, "limit": MAX_XLSX_UNPACKED // 2**20},
        )


def read_xlsx(path: Path) -> Input:
    """Each sheet named as a table (any of them); the documentation sheet and others are skipped."""
    _check_zip(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise ReadError(
            "", _("the file is not a readable XLSX workbook (%(error)s)") % {"error": error}
        ) from None
    found = Input()
    try:
        for sheet_name in workbook.sheetnames:
            table = TABLES.get(sheet_name.strip().lower())
            if table is None:
                if sheet_name.strip().lower() != DOCUMENTATION_SHEET:
                    found.warnings.append(
                        Problem(
                            sheet_name,
                            _("the sheet %(sheet)s is not one of the tables (%(tables)s), so it was not read")
                            % {"sheet": sheet_name, "tables": ", ".join(TABLES)},
                        )
                    )
                continue
            if any(sheet.table is table for sheet in found.sheets):
                found.refused.append(
                    Problem(
                        sheet_name,
                        _("the table %(table)s is in two sheets; only the first was read")
                        % {"table": table.name},
                    )
                )
                continue
            worksheet = workbook[sheet_name]
            worksheet.reset_dimensions()  # some writers record wrong dimensions; read what is there
            rows = worksheet.iter_rows()
            header = next(rows, ())
            names = _header_names(["" if cell.value is None else str(cell.value) for cell in header])
            if not any(names):
                if any(cell.value is not None for cells in rows for cell in cells):
                    found.refused.append(
                        Problem(place(sheet_name, 1), _("expected a header row naming the columns"))
                    )
                continue  # an empty sheet says nothing
            try:
                _check_header(table, names, place(sheet_name, 1))
            except ReadError as error:
                found.refused.append(Problem(error.place, error.message))
                continue
            records = []
            for number, cells in enumerate(rows, start=2):
                texts = [_cell_text(cell) for cell in cells]
                if any(isinstance(text, CellProblem) or text.strip() for text in texts):
                    records.append((number, texts))
            found.sheets.append(_rows(table, sheet_name, names, records))
    finally:
        workbook.close()
    if not found.sheets and not found.refused:
        raise ReadError(
            "",
            _("none of the sheets is named as a table (%(tables)s); the workbook has %(sheets)s")
            % {"tables": ", ".join(TABLES), "sheets": ", ".join(workbook.sheetnames)},
        )
    return found
