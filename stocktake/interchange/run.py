"""The interchange layer's two doors: import a file, export a filtered list. The command line and the
background jobs both call these, so a file behaves the same whichever way it comes in."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from stocktake.core.history import Actor
from stocktake.initiatives.filtersets import InitiativeFilters
from stocktake.initiatives.schemas import InitiativeOut
from stocktake.initiatives.selectors import initiative_list
from stocktake.interchange.reports import ImportOptions, ImportReport, Problem, Progress, no_progress

IMPORT_FORMATS = ("iati", "csv", "xlsx", "page")
EXPORT_FORMATS = ("iati", "csv", "xlsx", "json")
EXPORT_SUFFIXES = {"iati": "xml", "csv": "csv", "xlsx": "xlsx", "json": "json"}

_XLSX_MAGIC = b"PK\x03\x04"


class FormatError(ValueError):
    """The file's format cannot be told, or is not one Stocktake imports."""


def detect_format(path: Path, name: str = "") -> str:
    """The import format of a file: from its first bytes, then from its name's suffix.

    ``name`` is the name the user gave (an upload's), when ``path`` is a temporary file.
    """
    with path.open("rb") as stream:
        head = stream.read(4096)
    if not head:
        raise FormatError(_("the file is empty (0 bytes)"))
    suffix = Path(name or path.name).suffix.lower()
    if head.startswith(_XLSX_MAGIC):
        return "xlsx"
    text = head.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n")
    if text.startswith(b"<") or suffix == ".xml":
        return "iati"
    if suffix == ".csv":
        return "csv"
    if suffix in (".txt", ".text", ".md"):
        return "page"
    first_line = head.split(b"\n", 1)[0]
    if first_line.count(b",") >= 2:
        return "csv"
    raise FormatError(
        _("cannot tell the format of %(name)s: give it with --format (%(formats)s)")
        % {"name": name or path.name, "formats": ", ".join(IMPORT_FORMATS)}
    )


def import_file(
    path: Path,
    *,
    format: str | None,
    actor: Actor,
    options: ImportOptions,
    progress: Progress = no_progress,
    name: str = "",
) -> ImportReport:
    """Imports one file; the report says what was created, updated, left unchanged and refused."""
    source = name or path.name
    try:
        fmt = format or detect_format(path, name)
    except FormatError as error:
        report = ImportReport.begin(format=format or "", source=source, options=options)
        report.file_error = Problem(source, str(error))
        return report
    if fmt not in IMPORT_FORMATS:
        report = ImportReport.begin(format=fmt, source=source, options=options)
        report.file_error = Problem(source, _("unknown format %(format)s") % {"format": fmt})
        return report
    if fmt == "iati":
        from stocktake.interchange.iati.importer import import_iati

        return import_iati(path, actor=actor, options=options, progress=progress, source=source)
    if fmt in ("csv", "xlsx"):
        from stocktake.interchange.tabular.importer import import_tabular

        return import_tabular(
            path, format=fmt, actor=actor, options=options, progress=progress, source=source
        )
    from stocktake.interchange.pages.importer import import_page

    return import_page(path, actor=actor, options=options, progress=progress, source=source)


@dataclass
class ExportResult:
    format: str
    count: int = 0  # initiatives in the filtered list
    written: int = 0  # records written (IATI leaves out initiatives that cannot make a valid activity)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        text = f"{self.written} of {self.count} initiatives written as {self.format}"
        if self.skipped:
            text += f", {len(self.skipped)} left out"
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "count": self.count,
            "written": self.written,
            "skipped": [{"code": code, "reason": reason} for code, reason in self.skipped],
            "notes": [{"code": code, "note": note} for code, note in self.notes],
            "ok": not self.skipped,
        }


def export_file(
    path: Path,
    *,
    format: str,
    filters: InitiativeFilters,
    table: str = "initiatives",
    progress: Progress = no_progress,
) -> ExportResult:
    """Writes the filtered list to ``path`` in ``format`` (iati, csv, xlsx, json)."""
    from stocktake.interchange.tabular.export import row_chunks, write_csv, write_xlsx

    if format not in EXPORT_FORMATS:
        raise FormatError(_("unknown format %(format)s") % {"format": format})
    queryset = initiative_list(filters)
    result = ExportResult(format=format, count=queryset.count())
    progress(0, result.count, _("writing"))
    if format == "iati":
        from stocktake.interchange.iati.writer import write_activities

        with path.open("wb") as stream:
            written = write_activities(queryset, stream)
        result.written, result.skipped, result.notes = written.written, written.skipped, written.notes
    elif format == "xlsx":
        with path.open("wb") as stream:
            write_xlsx(queryset, stream)
        result.written = result.count
    elif format == "csv":
        with path.open("w", encoding="utf-8", newline="") as stream:
            write_csv(queryset, stream, table)
        result.written = result.count
    else:
        with path.open("w", encoding="utf-8") as stream:
            stream.write('{"items": [')
            for rows in row_chunks(queryset):
                for row in rows:
                    item = InitiativeOut.model_validate(row, context={"request": None}).model_dump(
                        mode="json"
                    )
                    stream.write(
                        ("," if result.written else "") + "\n" + json.dumps(item, ensure_ascii=False)
                    )
                    result.written += 1
                progress(result.written, result.count, _("writing"))
            stream.write("\n]}\n")
    progress(result.count, result.count, _("done"))
    return result
