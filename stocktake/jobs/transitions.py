"""A job's way from queued to finished: one function per transition, called by the worker's task.

Kept apart from services.py, which creates jobs and queues their task, because the task calls these:
services -> tasks -> runners -> transitions stays a one-way chain.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stocktake.jobs.choices import JobStatus
from stocktake.jobs.models import PROGRESS_FILE, Job, JobLogEntry, jobs_root

JobId = uuid.UUID | str


class JobStateError(Exception):
    """The job is not in a status that allows this transition (it already ran, or already failed)."""


@transaction.atomic
def job_start(*, job_id: JobId) -> Job:
    """queued -> running."""
    job = Job.objects.select_for_update().get(pk=job_id)
    if not job.can_start():
        raise JobStateError(f"job {job.pk} is {job.status}, not queued")
    job.status = JobStatus.RUNNING
    job.started = timezone.now()
    job.save(update_fields=["status", "started"])
    return job


def _progress_values(done: int, total: int | None, label: str) -> dict[str, Any]:
    return {
        "progress_done": max(0, int(done)),
        "progress_total": None if total is None else max(0, int(total)),
        "progress_label": str(label)[:200],
    }


def job_progress(*, job_id: JobId, done: int, total: int | None, label: str) -> None:
    """Records how far a running job is. One UPDATE, no read: the worker calls this often."""
    Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(**_progress_values(done, total, label))
    (jobs_root() / str(job_id) / PROGRESS_FILE).unlink(missing_ok=True)  # the database is current again


def job_progress_hold(*, job_id: JobId, done: int, total: int | None, label: str) -> None:
    """Records progress in the job's folder instead, while the runner's own transaction keeps the database
    from taking it (see ``selectors.job_live_progress``). Replaced whole, so a reader never sees half."""
    folder = jobs_root() / str(job_id)
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f"{PROGRESS_FILE}.part"
    partial.write_text(json.dumps(_progress_values(done, total, label)), encoding="utf-8")
    os.replace(partial, folder / PROGRESS_FILE)


def job_log(*, job_id: JobId, lines: Iterable[tuple[datetime, str]]) -> None:
    """Appends lines (each with the time it was said) to a job's log."""
    JobLogEntry.objects.bulk_create(
        JobLogEntry(job_id=job_id, time=time, message=message) for time, message in lines
    )


@transaction.atomic
def job_finish(*, job_id: JobId, report: dict[str, Any], output_name: str = "", output_path: str = "") -> Job:
    """running -> succeeded, or succeeded with problems when the report says ``"ok": False``."""
    job = Job.objects.select_for_update().get(pk=job_id)
    if not job.can_finish():
        raise JobStateError(f"job {job.pk} is {job.status}, not running")
    job.status = JobStatus.PROBLEMS if report.get("ok") is False else JobStatus.SUCCEEDED
    job.report = report
    job.output_name, job.output_path = output_name, output_path
    if job.progress_total is not None:
        job.progress_done = job.progress_total
    job.finished = timezone.now()
    job.save(update_fields=["status", "report", "output_name", "output_path", "progress_done", "finished"])
    return job


@transaction.atomic
def job_fail(*, job_id: JobId, error: str) -> Job:
    """queued or running -> failed; ``error`` is the short message shown on the job's page."""
    job = Job.objects.select_for_update().get(pk=job_id)
    if not job.can_fail():
        raise JobStateError(f"job {job.pk} is {job.status}, it cannot fail now")
    job.status = JobStatus.FAILED
    job.error = error
    job.finished = timezone.now()
    job.save(update_fields=["status", "error", "finished"])
    return job


def jobs_interrupted_fail() -> list[Job]:
    """Fails the jobs left "running" by a worker that is gone (killed, or the machine stopped).

    Called by ``serve`` before it starts its own worker, when no worker of its own can be running.
    """
    running = Job.objects.filter(status=JobStatus.RUNNING).values_list("pk", flat=True)
    return [
        job_fail(job_id=pk, error=_("interrupted: the worker stopped while the job ran; start it again"))
        for pk in list(running)
    ]
