"""Reading jobs: the list, one job, and the end of its log."""

from __future__ import annotations

import json
import uuid

from django.db.models import QuerySet
from django.db.models.fields.json import KT
from django.shortcuts import get_object_or_404

from stocktake.jobs.choices import JobStatus
from stocktake.jobs.constants import LOG_LINES_SHOWN
from stocktake.jobs.models import Job, JobLogEntry


def job_list() -> QuerySet[Job]:
    """Every job, newest first, with who started it. Stewards share one queue, so all are shown.

    Reports can be large, so the list leaves them in the database and takes only the format an
    import found (``report_format``).
    """
    return (
        Job.objects.select_related("created_by")
        .defer("report")
        .annotate(report_format=KT("report__format"))
        .order_by("-created", "-id")
    )


def job_get(job_id: uuid.UUID | str) -> Job:
    """One job, with its progress as of now (see ``job_live_progress``)."""
    return job_live_progress(get_object_or_404(Job.objects.select_related("created_by"), pk=job_id))


def job_live_progress(job: Job) -> Job:
    """The job, with the progress a running job keeps in its folder while its runner is inside a
    transaction of its own (which keeps it from the database until the transaction ends)."""
    if job.status != JobStatus.RUNNING:
        return job
    try:
        held = json.loads(job.progress_file.read_text(encoding="utf-8"))
        done, total, label = held["progress_done"], held["progress_total"], held["progress_label"]
    except (OSError, ValueError, KeyError, TypeError):
        return job  # none held back, or being replaced right now: the database's is the latest
    if isinstance(done, int) and (total is None or isinstance(total, int)) and isinstance(label, str):
        job.progress_done, job.progress_total, job.progress_label = done, total, label
    return job


def job_log_lines(job: Job, limit: int = LOG_LINES_SHOWN) -> tuple[list[JobLogEntry], int]:
    """The last ``limit`` lines of the job's log, oldest first, and how many lines it has in all."""
    entries = job.log_entries.order_by("-id")
    lines = list(entries[:limit])
    total = len(lines) if len(lines) < limit else entries.count()
    return lines[::-1], total
