"""``stocktake export --format iati|csv|xlsx|json [filters] -o FILE``: any filtered list of initiatives.

The filters are those of the web list and the API (``--country KE --wsis C7 --q "open data"``). IATI
leaves out the initiatives that cannot make a schema-valid 2.03 activity and names them; the command
then exits 1, as an import does when it refuses something.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from pydantic import ValidationError

from stocktake.initiatives.filtersets import LIST_FIELDS, InitiativeFilters
from stocktake.initiatives.schemas import InitiativeOut
from stocktake.initiatives.selectors import initiative_list
from stocktake.interchange.iati.writer import write_activities
from stocktake.interchange.tabular.export import row_chunks, write_csv, write_xlsx
from stocktake.interchange.tabular.tables import TABLES

FORMATS = ("iati", "csv", "xlsx", "json")


class Command(BaseCommand):
    help = "Exports a filtered list of initiatives as CSV, XLSX or JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=FORMATS, required=True)
        parser.add_argument("-o", "--output", required=True, help="file to write ('-' for standard output)")
        parser.add_argument("--table", choices=list(TABLES), default="initiatives", help="CSV only")
        for name, field in InitiativeFilters.model_fields.items():
            option = "--" + name.replace("_", "-")
            if name in LIST_FIELDS:
                parser.add_argument(
                    option,
                    dest=f"filter_{name}",
                    action="append",
                    default=[],
                    help=f"{field.description or name} (repeatable)",
                )
            else:
                parser.add_argument(option, dest=f"filter_{name}", help=field.description or name)

    def handle(self, *args: Any, **options: Any) -> None:
        raw = {
            key[len("filter_") :]: value
            for key, value in options.items()
            if key.startswith("filter_") and value not in (None, [])
        }
        try:
            filters = InitiativeFilters.model_validate(raw)
        except ValidationError as error:
            problems = "; ".join(f"--{e['loc'][0]}: {e['msg']}" for e in error.errors())
            raise CommandError(f"bad filter: {problems}") from error
        queryset = initiative_list(filters)
        count = queryset.count()
        target = options["output"]
        fmt = options["format"]
        if fmt == "xlsx" and target == "-":
            raise CommandError("XLSX is binary: give a file with -o")
        if fmt == "iati":
            self._write_iati(queryset, target, count)
            return
        if fmt == "xlsx":
            with Path(target).open("wb") as stream:
                write_xlsx(queryset, stream)
        else:
            with (
                sys.stdout if target == "-" else Path(target).open("w", encoding="utf-8", newline="")
            ) as stream:
                if fmt == "csv":
                    write_csv(queryset, stream, options["table"])
                else:
                    self._write_json(queryset, stream)
        self.stderr.write(f"exported {count} initiatives as {fmt} to {target}")

    def _write_iati(self, queryset: Any, target: str, count: int) -> None:
        if target == "-":
            report = write_activities(queryset, sys.stdout.buffer)
        else:
            with Path(target).open("wb") as stream:
                report = write_activities(queryset, stream)
        for code, reason in report.skipped:
            self.stderr.write(f"left out: {code}: {reason}")
        for code, note in report.notes:
            self.stderr.write(f"note: {code}: {note}" if code else f"note: {note}")
        self.stderr.write(
            f"exported {report.written} of {count} initiatives as IATI 2.03 to {target}; "
            f"{len(report.skipped)} left out"
        )
        if report.skipped:
            raise CommandError(
                f"{len(report.skipped)} initiatives could not be written as IATI", returncode=1
            )

    def _write_json(self, queryset: Any, stream: Any) -> None:
        stream.write('{"items": [')
        first = True
        for rows in row_chunks(queryset):
            for row in rows:
                item = InitiativeOut.model_validate(row, context={"request": None}).model_dump(mode="json")
                stream.write(("" if first else ",") + "\n" + json.dumps(item, ensure_ascii=False))
                first = False
        stream.write("\n]}\n")
