"""The one background task: run a queued job. The database worker (``stocktake db_worker``) calls it."""

from __future__ import annotations

from django_tasks import task

from stocktake.jobs.runners import job_run


@task()
def run_job(job_id: str) -> str:
    """Runs the job and returns the status it ended in ("missing" when the job was deleted meanwhile)."""
    job = job_run(job_id=job_id)
    return job.status if job is not None else "missing"
