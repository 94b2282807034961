"""``stocktake import FILE [--format iati|csv|xlsx|page] [--dry-run] [--all-or-nothing] [--report FILE]``.

The format is told from the file (``--format`` overrides). A progress bar runs on standard error; the
summary (created, updated, unchanged, refused) ends the output. The exit status is 1 when anything was
refused or the file could not be read, so scripts and cron notice.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from stocktake.core.choices import ChangeSource
from stocktake.core.history import Actor
from stocktake.core.progress import ProgressBar
from stocktake.interchange.reports import ImportOptions, ImportReport
from stocktake.interchange.run import IMPORT_FORMATS, import_file

MAX_LISTED = 50  # problems printed; the --report file holds them all


class Command(BaseCommand):
    help = "Imports a file of initiatives: IATI activity XML, CSV, XLSX or a text project page."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the file to import")
        parser.add_argument("--format", choices=IMPORT_FORMATS, help="the file's format (default: detected)")
        parser.add_argument("--dry-run", action="store_true", help="report what would change; keep nothing")
        parser.add_argument(
            "--all-or-nothing",
            action="store_true",
            help="keep nothing if any record is refused (default: import the valid ones, report the rest)",
        )
        parser.add_argument("--report", help="write the full report as JSON to this file")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        bar = ProgressBar(getattr(self.stderr, "_out", sys.stderr))
        report = import_file(
            path,
            format=options["format"],
            actor=Actor.system(f"import {path.name}", source=ChangeSource.IMPORT),
            options=ImportOptions(dry_run=options["dry_run"], all_or_nothing=options["all_or_nothing"]),
            progress=(lambda *_args: None) if options["no_progress"] else bar,
        )
        bar.close()
        if options["report"]:
            Path(options["report"]).write_text(
                json.dumps(report.as_dict(), ensure_ascii=False, indent=1, default=str), encoding="utf-8"
            )
        self._print(report)
        if not report.ok:
            raise CommandError(
                f"{path.name}: could not be read"
                if report.file_error
                else f"{path.name}: some records were refused",
                returncode=1,
            )

    def _print(self, report: ImportReport) -> None:
        if report.file_error is not None:
            self.stderr.write(f"{report.source}: {report.file_error.place}: {report.file_error.message}")
        for title, problems in (
            ("refused", report.refused),
            ("duplicates", report.duplicates),
            ("warnings", report.warnings),
        ):
            for problem in problems[:MAX_LISTED]:
                self.stderr.write(f"{title}: {problem.place}: {problem.message}")
            if len(problems) > MAX_LISTED:
                self.stderr.write(f"... and {len(problems) - MAX_LISTED} more {title} (see --report)")
        self.stdout.write(f"{report.source}: {report.summary()}")
