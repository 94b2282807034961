"""``stocktake send_reminders``: e-mail the partners whose progress report is coming due or overdue.

Run it daily (cron or the task worker): 30 days before a due date and 7 days after it, the lead
organisation's members are reminded, never twice for the same due date and kind.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from stocktake.monitoring.services.reporting import reminders_send


class Command(BaseCommand):
    help = "Sends the progress-report reminders due today (once per due date and kind)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", help="act as if today were this date (YYYY-MM-DD)")
        parser.add_argument("--dry-run", action="store_true", help="say what would be sent, send nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options["today"]:
            try:
                today = date.fromisoformat(options["today"])
            except ValueError as error:
                raise CommandError(f"--today: {options['today']!r} is not a date (YYYY-MM-DD)") from error
        run = reminders_send(today=today, dry_run=options["dry_run"])
        verbose = options["verbosity"] > 1 or options["dry_run"]
        if verbose:
            for code, kind, due in run.planned:
                self.stdout.write(f"{code}: {kind} {due}")
        if options["dry_run"]:
            self.stdout.write(
                f"reminders: {len(run.planned)} would be sent, {run.already_sent} already sent "
                f"({run.considered} records due or overdue)"
            )
        else:
            self.stdout.write(
                f"reminders: {run.sent} sent to {run.recipients} people, {run.already_sent} already sent, "
                f"{run.without_recipients} without anyone to tell ({run.considered} records due or overdue)"
            )
