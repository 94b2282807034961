"""``stocktake refresh_monitoring``: record the reporting statuses the calendar changed (a report falls
due, then overdue, without anyone writing). Run it daily, with ``send_reminders`` (cron:
``15 3 * * * stocktake send_reminders && stocktake refresh_monitoring``)."""

from __future__ import annotations

import sys
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from stocktake.core.progress import ProgressBar
from stocktake.monitoring.services.refresh import reporting_statuses_refresh


class Command(BaseCommand):
    help = "Records each published record's reporting status where the calendar changed it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", type=date.fromisoformat, help="YYYY-MM-DD (default: today)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        bar = None if options["no_progress"] else ProgressBar(sys.stderr)
        changed = reporting_statuses_refresh(
            today=options["today"], progress=(lambda d, t: bar(d, t, "records")) if bar else None
        )
        if bar:
            bar.close()
        self.stdout.write(f"{changed} reporting statuses changed")
