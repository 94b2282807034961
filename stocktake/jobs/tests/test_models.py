"""The job's state machine: queued -> running -> succeeded | problems | failed, and nothing else."""

from __future__ import annotations

import pytest
from django.utils import timezone

from stocktake.interchange.run import EXPORT_FORMATS, IMPORT_FORMATS
from stocktake.jobs.choices import ExportFormat, ImportFormat, JobStatus
from stocktake.jobs.models import Job, jobs_root, safe_file_name
from stocktake.jobs.tests.factories import make_export_job, make_import_job, make_user
from stocktake.jobs.transitions import (
    JobStateError,
    job_fail,
    job_finish,
    job_log,
    job_progress,
    job_start,
    jobs_interrupted_fail,
)

pytestmark = pytest.mark.django_db


def test_a_new_job_is_queued_with_its_options() -> None:
    user = make_user()
    job = make_export_job(user=user, format="csv", querystring="wsis=C7&country=KE&bogus=1", table="budgets")
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED
    assert job.kind == "export"
    assert job.created_by == user
    assert job.options == {"querystring": "country=KE&wsis=C7", "table": "budgets", "language": ""}
    assert job.started is None and job.finished is None
    assert job.folder == jobs_root() / str(job.pk)


def test_running_then_succeeding() -> None:
    job = make_export_job()
    started = job_start(job_id=job.pk)
    assert started.status == JobStatus.RUNNING and started.started is not None
    job_progress(job_id=job.pk, done=5, total=10, label="writing")
    job.refresh_from_db()
    assert (job.progress_done, job.progress_total, job.progress_label, job.percent) == (5, 10, "writing", 50)
    finished = job_finish(job_id=job.pk, report={"ok": True, "count": 10})
    assert finished.status == JobStatus.SUCCEEDED
    assert finished.report == {"ok": True, "count": 10}
    assert finished.progress_done == 10
    assert finished.percent == 100
    assert finished.started is not None and finished.finished is not None
    assert finished.finished >= finished.started


def test_a_report_that_is_not_ok_finishes_with_problems() -> None:
    job = make_export_job()
    job_start(job_id=job.pk)
    finished = job_finish(
        job_id=job.pk, report={"ok": False, "skipped": [{"code": "X", "reason": "no title"}]}
    )
    assert finished.status == JobStatus.PROBLEMS
    assert finished.get_status_display() == "succeeded with problems"


@pytest.mark.parametrize(
    "status", [JobStatus.RUNNING, JobStatus.SUCCEEDED, JobStatus.PROBLEMS, JobStatus.FAILED]
)
def test_only_a_queued_job_starts(status: str) -> None:
    job = make_export_job()
    Job.objects.filter(pk=job.pk).update(status=status)
    with pytest.raises(JobStateError):
        job_start(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == status and job.started is None


@pytest.mark.parametrize("status", [JobStatus.QUEUED, JobStatus.SUCCEEDED, JobStatus.FAILED])
def test_only_a_running_job_finishes(status: str) -> None:
    job = make_export_job()
    Job.objects.filter(pk=job.pk).update(status=status)
    with pytest.raises(JobStateError):
        job_finish(job_id=job.pk, report={"ok": True})
    job.refresh_from_db()
    assert job.status == status and job.report is None


def test_queued_and_running_jobs_can_fail_finished_ones_cannot() -> None:
    queued, running, done = make_export_job(), make_export_job(), make_export_job()
    job_start(job_id=running.pk)
    job_start(job_id=done.pk)
    job_finish(job_id=done.pk, report={"ok": True})
    assert job_fail(job_id=queued.pk, error="no worker").status == JobStatus.FAILED
    failed = job_fail(job_id=running.pk, error="ValueError: bad")
    assert (failed.status, failed.error) == (JobStatus.FAILED, "ValueError: bad")
    with pytest.raises(JobStateError):
        job_fail(job_id=done.pk, error="too late")
    with pytest.raises(JobStateError):
        job_fail(job_id=running.pk, error="twice")
    done.refresh_from_db()
    assert done.status == JobStatus.SUCCEEDED and done.error == ""


def test_progress_is_only_recorded_while_running() -> None:
    job = make_export_job()
    job_progress(job_id=job.pk, done=3, total=4, label="early")
    job.refresh_from_db()
    assert (job.progress_done, job.progress_total, job.percent) == (0, None, None)


def test_the_log_keeps_lines_in_order_with_their_times() -> None:
    job = make_export_job()
    first, second = timezone.now(), timezone.now()
    job_log(job_id=job.pk, lines=[(first, "one"), (second, "two")])
    job_log(job_id=job.pk, lines=[(timezone.now(), "three")])
    assert [(e.message, e.time) for e in job.log_entries.all()][:2] == [("one", first), ("two", second)]
    assert [e.message for e in job.log_entries.all()] == ["one", "two", "three"]


def test_an_import_keeps_the_upload_under_a_safe_name_and_the_given_name_for_the_report() -> None:
    job = make_import_job(content=b"<iati-activities/>", name="../../Projets 2024 (v2).xml", dry_run=True)
    assert job.input_name == "Projets 2024 (v2).xml"  # Django keeps the last part of a path only
    assert job.input_path == "input/Projets_2024_v2.xml"
    assert job.input_file is not None and job.input_file.read_bytes() == b"<iati-activities/>"
    assert job.input_file.parent.parent == job.folder
    assert job.options["dry_run"] is True and job.options["all_or_nothing"] is False


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("report.csv", "report.csv"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\data.xlsx", "data.xlsx"),
        (".hidden", "hidden"),
        ("..", "fallback"),
        ("", "fallback"),
        ("تقرير.csv", "تقرير.csv"),
        ("a" * 300 + ".xml", "a" * 107 + ".xml"),
    ],
)
def test_safe_file_names(given: str, stored: str) -> None:
    assert safe_file_name(given, fallback="fallback") == stored


def test_the_forms_offer_exactly_the_formats_the_interchange_knows() -> None:
    assert [value for value in ImportFormat.values if value] == list(IMPORT_FORMATS)
    assert ExportFormat.values == list(EXPORT_FORMATS)


def test_jobs_left_running_by_a_gone_worker_are_marked_failed_and_others_left_alone() -> None:
    running = make_export_job()
    job_start(job_id=running.pk)
    queued = make_export_job()
    [failed] = jobs_interrupted_fail()
    assert failed.pk == running.pk
    running.refresh_from_db()
    queued.refresh_from_db()
    assert running.status == JobStatus.FAILED and "interrupted" in running.error
    assert queued.status == JobStatus.QUEUED
