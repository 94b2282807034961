"""``stocktake search_index``: rebuild the search index, or bring it up to date, or show its state."""

from __future__ import annotations

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from stocktake.core.progress import ProgressBar
from stocktake.search.backends import get_backend
from stocktake.search.backends.base import SCHEMA_VERSION
from stocktake.search.sync import rebuild, sync


class Command(BaseCommand):
    help = (
        "Rebuilds the search index from the database (the default), or with --sync indexes only what "
        "changed since it last followed the history. Searches keep answering from the old index meanwhile."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--sync", action="store_true", help="index what changed since the last sync")
        mode.add_argument(
            "--if-needed", action="store_true", help="rebuild only if there is no index or it is outdated"
        )
        mode.add_argument("--status", action="store_true", help="show the index's state and exit")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        backend = get_backend()
        state = backend.state()
        if options["status"]:
            counts = backend.counts()
            self.stdout.write(
                f"backend: {backend.name}; "
                + (
                    "no index"
                    if state is None
                    else f"history followed to entry {state.watermark}, {len(state.gaps)} gap(s), "
                    f"schema {state.schema_version} (current {SCHEMA_VERSION}); "
                    f"{counts['initiatives']} initiatives, {counts['organisations']} organisations"
                )
            )
            return
        if options["sync"]:
            read = sync(backend)
            self.stdout.write(f"search index: {read} change(s) read from the history")
            return
        if options["if_needed"] and state is not None and state.schema_version == SCHEMA_VERSION:
            sync(backend)
            return
        bar = None if options["no_progress"] else ProgressBar(getattr(self.stderr, "_out", sys.stderr))
        started = time.monotonic()
        rebuild(backend, progress=(lambda done, total: bar(done, total, "indexing")) if bar else None)
        counts = backend.counts()
        self.stdout.write(
            f"search index rebuilt ({backend.name}): {counts['initiatives']} initiatives, "
            f"{counts['organisations']} organisations in {time.monotonic() - started:.1f} s"
        )
