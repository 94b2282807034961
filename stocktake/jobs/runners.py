"""What a job does, by kind, and how the worker runs it.

A runner is ``runner(job, context) -> report``: it does the work, tells its progress and log through the
context, writes its file where ``context.output_path(name)`` says, and returns a JSON-ready report.
``"ok": False`` in the report finishes the job "with problems"; an exception fails it.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from stocktake.core.choices import ChangeSource
from stocktake.core.history import Actor
from stocktake.initiatives.filtersets import filters_from_querydict
from stocktake.jobs.choices import JobKind
from stocktake.jobs.constants import PROGRESS_WRITE_INTERVAL
from stocktake.jobs.models import Job, safe_file_name
from stocktake.jobs.transitions import (
    JobStateError,
    job_fail,
    job_finish,
    job_log,
    job_progress,
    job_progress_hold,
    job_start,
)

logger = logging.getLogger(__name__)

OUTPUT_FOLDER = "output"


class JobContext:
    """What a runner is given to report on itself: ``progress``, ``log`` and ``output_path``.

    Progress reaches the database at most every ``interval`` seconds, and always its final value. While
    the runner is inside a transaction of its own (the IATI importer runs in one, to roll back a dry run),
    nothing goes to the database: the rollback would take it away, and on SQLite no other connection
    could write meanwhile. Log lines wait in memory and progress goes to a file in the job's folder, which
    the job's page reads; both reach the database as soon as the runner is out of it, or when it ends.
    """

    def __init__(
        self,
        job: Job,
        *,
        interval: float = PROGRESS_WRITE_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.job = job
        self.interval = interval
        self.clock = clock
        self.output_name = ""
        self.output_relative = ""
        self._depth = len(connection.atomic_blocks)  # the transactions we were started in (tests have one)
        self._last_write: float | None = None
        self._progress: tuple[int, int | None, str] | None = None
        self._lines: list[tuple[datetime, str]] = []
        self._held = False  # the pending progress is in the progress file, not yet in the database

    def progress(self, done: int, total: int | None, label: str) -> None:
        self._progress = (done, total, label)
        final = total is not None and done >= total
        now = self.clock()
        if final or self._last_write is None or now - self._last_write >= self.interval:
            self._flush(now)

    def log(self, message: str) -> None:
        self._lines.append((timezone.now(), str(message)))
        self._flush(None)  # the lines now; the progress when its turn comes, or if it was held back

    def output_path(self, filename: str) -> Path:
        """Where to write the job's file; the last one asked for is the one offered for download."""
        name = safe_file_name(filename, fallback=f"{self.job.kind}-{self.job.pk}")
        folder = self.job.folder / OUTPUT_FOLDER
        folder.mkdir(parents=True, exist_ok=True)
        self.output_name, self.output_relative = name, f"{OUTPUT_FOLDER}/{name}"
        return folder / name

    def close(self) -> None:
        """Writes whatever is still held back; the runner has returned, so this is the final value."""
        self._flush(self.clock(), force=True)

    def _flush(self, now: float | None, *, force: bool = False) -> None:
        held_back = not force and len(connection.atomic_blocks) > self._depth
        if held_back:
            # Still shown while it runs: the progress goes to a file the job's page reads.
            if now is not None and self._progress is not None:
                done, total, label = self._progress
                job_progress_hold(job_id=self.job.pk, done=done, total=total, label=label)
                self._last_write, self._held = now, True
            return
        if self._lines:
            lines, self._lines = self._lines, []
            job_log(job_id=self.job.pk, lines=lines)
        if self._progress is not None and (now is not None or self._held):
            done, total, label = self._progress
            self._progress = None
            job_progress(job_id=self.job.pk, done=done, total=total, label=label)
            self._held = False
            if now is not None:
                self._last_write = now


Runner = Callable[[Job, JobContext], dict[str, Any]]
RUNNERS: dict[str, Runner] = {}


def register(kind: str) -> Callable[[Runner], Runner]:
    def decorate(runner: Runner) -> Runner:
        RUNNERS[kind] = runner
        return runner

    return decorate


def runner_for(kind: str) -> Runner:
    try:
        return RUNNERS[kind]
    except KeyError:
        raise LookupError(f"no runner for jobs of kind {kind!r}") from None


@register(JobKind.IMPORT)
def run_import(job: Job, context: JobContext) -> dict[str, Any]:
    """Imports the uploaded file as the steward who started the job."""
    # The interchange is loaded when a job runs, not when the web app starts.
    from stocktake.interchange.reports import ImportOptions
    from stocktake.interchange.run import import_file

    if job.input_file is None:
        raise ValueError(_("the job has no file to import"))
    options = ImportOptions(
        dry_run=bool(job.options.get("dry_run")), all_or_nothing=bool(job.options.get("all_or_nothing"))
    )
    context.log(_("importing %(name)s") % {"name": job.input_name or job.input_file.name})
    report = import_file(
        job.input_file,
        format=job.format or None,
        actor=Actor(source=ChangeSource.JOB, user=job.created_by, batch=job.pk),
        options=options,
        progress=context.progress,
        name=job.input_name,
    )
    context.log(report.summary())
    if report.file_error is not None:
        context.log(f"{report.file_error.place}: {report.file_error.message}")
    return report.as_dict()


@register(JobKind.EXPORT)
def run_export(job: Job, context: JobContext) -> dict[str, Any]:
    """Writes the filtered list of initiatives to a file offered for download."""
    from stocktake.interchange.run import EXPORT_SUFFIXES, export_file

    filters, errors = filters_from_querydict(QueryDict(job.options.get("querystring", "")))
    for error in errors:
        context.log(_("filter left out: %(error)s") % {"error": error})
    table = job.options.get("table") or "initiatives"
    subject = table if job.format == "csv" else "initiatives"
    stamp = timezone.now().strftime("%Y-%m-%d")
    path = context.output_path(f"stocktake-{subject}-{stamp}.{EXPORT_SUFFIXES[job.format]}")
    result = export_file(path, format=job.format, filters=filters, table=table, progress=context.progress)
    context.log(result.summary())
    return result.as_dict()


def _short_error(error: BaseException) -> str:
    if not isinstance(error, Exception):  # SystemExit, KeyboardInterrupt: the worker is stopping
        return _("the worker was stopped while the job ran")
    message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {message}"[:1000] if message else type(error).__name__


def job_run(*, job_id: str) -> Job | None:
    """Runs one queued job to its end, as the worker's task does; None when there is no such job."""
    try:
        job = job_start(job_id=job_id)
    except Job.DoesNotExist:
        logger.warning("job %s no longer exists", job_id)
        return None
    except JobStateError as error:
        logger.warning("not running job %s: %s", job_id, error)
        return Job.objects.get(pk=job_id)
    context = JobContext(job)
    with translation.override(job.options.get("language") or settings.LANGUAGE_CODE):
        try:
            report = runner_for(job.kind)(job, context)
            context.close()
            return job_finish(
                job_id=job.pk,
                report=report,
                output_name=context.output_name,
                output_path=context.output_relative,
            )
        except BaseException as error:
            logger.exception("job %s failed", job.pk)
            context.log(_("failed: %(error)s") % {"error": _short_error(error)})
            context.log(traceback.format_exc())
            context.close()
            try:
                failed = job_fail(job_id=job.pk, error=_short_error(error))
            except JobStateError:  # it finished after all, or something else failed it first
                failed = Job.objects.get(pk=job.pk)
            if not isinstance(error, Exception):
                raise
            return failed
