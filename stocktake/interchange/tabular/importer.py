"""Importing the tabular formats (CSV, XLSX): what the export writes, read back row by row.

Rows name their initiative by code (normalised, so INT/13/001 finds INT13001, and other identifiers
count). An initiatives row creates or updates its initiative; the rows of a child table replace that
initiative's rows of the table when they differ (see ``children``). Everything is written through the
initiatives services, so it is validated and recorded in the history.

The unit of work is an initiatives row, or the rows of one child table for one initiative (together
they stand for everything the initiative has in that table). Each unit runs in its own savepoint: a
refused unit leaves the registry as it was and the others go on. All-or-nothing and dry runs run the
whole import in one transaction and roll it back at the end, so their report says exactly what a real
import would do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from stocktake.core.history import Actor
from stocktake.core.text import normalise_code
from stocktake.initiatives import services
from stocktake.initiatives.choices import Kind, Outcome, Scope
from stocktake.initiatives.models import Initiative
from stocktake.interchange.reports import ImportOptions, ImportReport, Problem, Progress, no_progress
from stocktake.interchange.tabular.children import Budgets, ChildTable, Context, Entry, Participations
from stocktake.interchange.tabular.classifications import Classifications
from stocktake.interchange.tabular.errors import RowError, service_errors
from stocktake.interchange.tabular.links import links_apply
from stocktake.interchange.tabular.reading import Input, ReadError, Row, Sheet, read_csv, read_xlsx
from stocktake.interchange.tabular.tables import (
    FOR_NEW,
    INITIATIVE_COLUMNS,
    SCHEME_SDG_TARGET,
    SCHEME_WSIS,
    TABLES,
)
from stocktake.interchange.tabular.values import (
    CellError,
    Codes,
    parse_choice,
    parse_code,
    parse_codelist,
    parse_date,
    text_list,
)

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
CHILD_TABLES: dict[str, type[ChildTable[Any]]] = {
    "participations": Participations,
    "budgets": Budgets,
    "classifications": Classifications,
}
_RANK = {UNCHANGED: 0, UPDATED: 1, CREATED: 2}
READERS: dict[str, Callable[[Path], Input]] = {"csv": read_csv, "xlsx": read_xlsx}
# How often progress is told, in rows.
PROGRESS_EVERY = 50

# The initiative's own fields the initiatives table holds, and how a cell becomes each.
OWN_FIELDS: dict[str, Callable[[str], Any]] = {
    "title": lambda text: text,
    "summary": lambda text: text,
    "kind": lambda text: parse_choice(text, Kind, blank=False),
    "status": lambda text: parse_codelist(text, "ActivityStatus"),
    "outcome": lambda text: parse_choice(text, Outcome, blank=True),
    "scope": lambda text: parse_choice(text, Scope, blank=True),
    "planned_start": parse_date,
    "planned_end": parse_date,
    "actual_start": parse_date,
    "actual_end": parse_date,
}
DATE_COLUMNS = ("planned_start", "planned_end", "actual_start", "actual_end")
# A service's field errors land on the column of the same name.
INITIATIVE_FIELD_COLUMNS = {name: name for name in ("code", *OWN_FIELDS)}


def import_tabular(
    path: Path,
    *,
    format: str,
    actor: Actor,
    options: ImportOptions,
    progress: Progress = no_progress,
    source: str = "",
) -> ImportReport:
    """Imports a CSV file (one table, told from its header row) or an XLSX workbook (a sheet per table)."""
    source = source or path.name
    report = ImportReport.begin(format=format, source=source, options=options)
    if format not in READERS:
        report.file_error = Problem(source, _("unknown format %(format)s") % {"format": format})
        return report
    try:
        found = READERS[format](path)
    except ReadError as error:
        report.file_error = Problem(error.place or source, error.message)
        return report
    except OSError as error:
        report.file_error = Problem(source, _("the file cannot be read (%(error)s)") % {"error": error})
        return report
    report.refused.extend(found.refused)
    report.warnings.extend(found.warnings)
    run = _Run(actor=actor, report=report, source=source, progress=progress)
    if options.dry_run or options.all_or_nothing:
        with transaction.atomic():
            run.run(found)
            if options.dry_run or report.refused:
                transaction.set_rollback(True)
                report.rolled_back = True
    else:
        run.run(found)
    return report


class _Run:
    def __init__(self, *, actor: Actor, report: ImportReport, source: str, progress: Progress) -> None:
        self.actor = actor
        self.report = report
        self.source = source
        self.progress = progress
        self.context = Context(actor=actor, source=source, report=report, codes=Codes())
        self.by_code: dict[str, Initiative] = {}  # normalised code -> the initiative it names
        self.refused_rows: dict[str, str] = {}  # normalised code -> place of its refused initiatives row
        self.outcomes: dict[int, tuple[str, str]] = {}  # initiative pk -> (its code, what happened)
        self.classified: dict[str, dict[str, set[str]]] = {}  # code -> scheme -> values, from that table
        self.done = 0
        self.total = 0
        self.told = 0

    def run(self, found: Input) -> None:
        sheets = sorted(found.sheets, key=lambda sheet: list(TABLES).index(sheet.table.name))
        self.total = sum(len(sheet.rows) for sheet in sheets)
        self.progress(0, self.total, _("rows"))
        for sheet in sheets:
            if sheet.table.name == "classifications":
                for row in sheet.rows:
                    schemes = self.classified.setdefault(normalise_code(row.values.get("code", "")), {})
                    schemes.setdefault(row.values.get("scheme", "").strip().lower(), set()).add(
                        row.values.get("value", "").strip().upper()
                    )
        for sheet in sheets:
            if sheet.table.name == "initiatives":
                self.initiatives(sheet)
            else:
                self.children(CHILD_TABLES[sheet.table.name](self.context, sheet))
        for code, outcome in self.outcomes.values():
            getattr(self.report, outcome).append(code)
        self.progress(self.total, self.total, _("rows"))

    def advance(self, rows: int = 1) -> None:
        self.done += rows
        if self.done - self.told >= PROGRESS_EVERY:
            self.told = self.done
            self.progress(self.done, self.total, _("rows"))

    def mark(self, initiative: Initiative, outcome: str) -> None:
        _code, before = self.outcomes.get(initiative.pk, (initiative.code, UNCHANGED))
        self.outcomes[initiative.pk] = (initiative.code, max(before, outcome, key=_RANK.__getitem__))

    def refuse(self, sheet: Sheet, row: Row, problems: list[tuple[str, str]], code: str) -> None:
        for column, message in problems:
            self.report.refused.append(Problem(sheet.place(row.number, column), message, code))

    def find(self, code: str) -> Initiative | None:
        normalised = normalise_code(code)
        if normalised not in self.by_code:
            found = services.code_in_use(code)
            if found is None:
                return None
            self.by_code[normalised] = found
        return self.by_code[normalised]

    @contextmanager
    def unit(self) -> Iterator[None]:
        """A savepoint: a RowError rolls back what the unit wrote, and passes on."""
        with transaction.atomic():
            yield

    # The initiatives table

    def initiatives(self, sheet: Sheet) -> None:
        seen: dict[str, int] = {}
        for row in sheet.rows:
            self.initiative_row(sheet, row, seen)
            self.advance()

    def initiative_row(self, sheet: Sheet, row: Row, seen: dict[str, int]) -> None:
        problems = list(row.problems)
        code = row.values.get("code", "").strip()
        try:
            parse_code(code)
        except CellError as error:
            self.refuse(sheet, row, [*problems, ("code", str(error))], code)
            return
        normalised = normalise_code(code)
        if normalised in seen:
            self.report.duplicates.append(
                Problem(
                    sheet.place(row.number, "code"),
                    _("the code %(code)s is already in row %(row)d; this row was left out")
                    % {"code": code, "row": seen[normalised]},
                    code,
                )
            )
            return
        seen[normalised] = row.number
        fields: dict[str, Any] = {}
        for name, parser in OWN_FIELDS.items():
            if name in sheet.columns:
                try:
                    fields[name] = parser(row.values.get(name, ""))
                except CellError as error:
                    problems.append((name, str(error)))
        lists = self.parse_lists(sheet, row, problems)
        existing = self.find(code)
        if existing is None:
            troubled = {column for column, _message in problems}
            for column in INITIATIVE_COLUMNS:
                if column.need != FOR_NEW or column.name in troubled:
                    continue
                if not row.values.get(column.name, "").strip():
                    problems.append(
                        (
                            column.name,
                            _("expected a value: a new initiative needs its %(column)s")
                            % {"column": column.name},
                        )
                    )
        if not problems:
            try:
                with self.unit():
                    initiative, outcome = self.apply_initiative(row, existing, code, fields, lists)
            except RowError as error:
                problems = error.problems
                if existing is not None:
                    existing.refresh_from_db()  # its savepoint was rolled back, not the fields set on it
            else:
                self.by_code[normalised] = initiative
                self.mark(initiative, outcome)
                return
        self.refuse(sheet, row, problems, code)
        if existing is None:
            self.refused_rows[normalised] = sheet.place(row.number)

    def parse_lists(self, sheet: Sheet, row: Row, problems: list[tuple[str, str]]) -> dict[str, list[Any]]:
        codes = self.context.codes
        parsers: dict[str, Callable[[str], list[Any]]] = {
            "other_codes": _other_codes,
            "countries": codes.countries_in,
            "regions": codes.regions_in,
            "country_groups": codes.country_groups_in,
            "wsis_action_lines": codes.action_lines_in,
            "sdg_targets": codes.sdg_targets_in,
            "funding_sources": codes.funding_sources_in,
        }
        lists: dict[str, list[Any]] = {}
        for name, parser in parsers.items():
            if name in sheet.columns:
                try:
                    lists[name] = parser(row.values.get(name, ""))
                except CellError as error:
                    problems.append((name, str(error)))
        classified = self.classified.get(normalise_code(row.values.get("code", "")))
        if classified is not None:
            # The classifications table says the same with the basis of each: it is the one applied.
            for column, scheme in (("wsis_action_lines", SCHEME_WSIS), ("sdg_targets", SCHEME_SDG_TARGET)):
                given = lists.pop(column, None)
                if given is not None and {item.code.upper() for item in given} != classified.get(
                    scheme, set()
                ):
                    self.report.warnings.append(
                        Problem(
                            sheet.place(row.number, column),
                            _("differs from the classifications table, which is the one imported"),
                            row.values.get("code", ""),
                        )
                    )
        return lists

    def apply_initiative(
        self,
        row: Row,
        existing: Initiative | None,
        code: str,
        fields: dict[str, Any],
        lists: dict[str, list[Any]],
    ) -> tuple[Initiative, str]:
        if existing is None:
            with service_errors(row, "", INITIATIVE_FIELD_COLUMNS):
                initiative = services.initiative_create(
                    actor=self.actor,
                    code=code,
                    kind=fields.pop("kind"),
                    title=fields.pop("title"),
                    provenance=[self.source] if self.source else [],
                    **fields,
                )
            outcome = CREATED
        else:
            initiative = existing
            changes = {name: value for name, value in fields.items() if _current(initiative, name) != value}
            if changes:
                with service_errors(row, "", INITIATIVE_FIELD_COLUMNS):
                    services.initiative_update(actor=self.actor, initiative=initiative, **changes)
            outcome = UPDATED if changes else UNCHANGED
        if links_apply(row, initiative, lists, actor=self.actor, source=self.source) and outcome == UNCHANGED:
            outcome = UPDATED
        return initiative, outcome

    # The child tables

    def children(self, table: ChildTable[Any]) -> None:
        sheet = table.sheet
        groups: dict[int, tuple[Initiative, str, list[tuple[Entry[Any], list[tuple[str, str]]]]]] = {}
        for row in sheet.rows:
            problems = list(row.problems)
            code = row.values.get("code", "").strip()
            initiative = None
            try:
                parse_code(code)
            except CellError as error:
                problems.append(("code", str(error)))
            else:
                initiative = self.find(code)
                if initiative is None:
                    problems.append(("code", self.unknown(code)))
            item = table.parse(row, problems)
            if initiative is None:
                self.refuse(sheet, row, problems, code)
                self.advance()
                continue
            groups.setdefault(initiative.pk, (initiative, code, []))[2].append((Entry(row, item), problems))
        for initiative, code, rows in groups.values():
            self.child_group(table, initiative, code, rows)
            self.advance(len(rows))

    def unknown(self, code: str) -> str:
        refused = self.refused_rows.get(normalise_code(code))
        if refused is not None:
            return _(
                "the initiatives row of %(code)s (%(place)s) was refused, so there is no such initiative"
            ) % {
                "code": code,
                "place": refused,
            }
        return _(
            "expected the code of an initiative in the registry or in the initiatives table, got %(code)r"
        ) % {"code": code}

    def child_group(
        self,
        table: ChildTable[Any],
        initiative: Initiative,
        code: str,
        rows: list[tuple[Entry[Any], list[tuple[str, str]]]],
    ) -> None:
        sheet = table.sheet
        refused = [(entry, problems) for entry, problems in rows if problems]
        if not refused:
            entries = [entry for entry, _problems in rows]
            try:
                entries = table.prepare(entries)
                with self.unit():
                    changed = table.apply(initiative, entries)
            except RowError as error:
                culprit = next((entry for entry, _p in rows if entry.row is error.row), rows[0][0])
                refused = [(culprit, error.problems)]
            else:
                self.mark(initiative, UPDATED if changed else UNCHANGED)
                return
        for entry, problems in refused:
            self.refuse(sheet, entry.row, problems, code)
        self.report.warnings.append(
            Problem(
                sheet.place(rows[0][0].row.number),
                _("the %(table)s of %(code)s were left as they were: some of its rows were refused")
                % {"table": table.name, "code": initiative.code},
                code,
            )
        )


def _other_codes(text: str) -> list[str]:
    values = text_list(text)
    for value in values:
        parse_code(value)
    return values


def _current(initiative: Initiative, name: str) -> Any:
    if name in DATE_COLUMNS:
        return getattr(initiative, f"{name}_date")
    return getattr(initiative, name)
