"""Running jobs: the context runners report through, the import and export runners, and failures."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from stocktake.core.choices import ChangeSource
from stocktake.core.history import Actor
from stocktake.core.models import HistoryEntry
from stocktake.initiatives import services as initiatives
from stocktake.initiatives.models import Initiative
from stocktake.initiatives.tests.factories import make_initiative
from stocktake.jobs import runners
from stocktake.jobs.choices import JobStatus
from stocktake.jobs.models import Job
from stocktake.jobs.runners import JobContext, job_run
from stocktake.jobs.selectors import job_get
from stocktake.jobs.tests.factories import make_export_job, make_import_job, make_user
from stocktake.jobs.transitions import job_start
from stocktake.vocabularies.models import Country

pytestmark = pytest.mark.django_db

IATI_DATA = Path(__file__).resolve().parents[2] / "interchange" / "tests" / "data" / "iati"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def progress_of(job: Job) -> tuple[int, int | None, str]:
    job.refresh_from_db()
    return job.progress_done, job.progress_total, job.progress_label


def test_progress_is_written_at_most_twice_a_second_and_always_at_the_end() -> None:
    job = job_start(job_id=make_export_job().pk)
    clock = Clock()
    context = JobContext(job, clock=clock)
    context.progress(1, 100, "rows")
    assert progress_of(job) == (1, 100, "rows")  # the first value at once
    clock.now += 0.2
    context.progress(2, 100, "rows")
    clock.now += 0.2
    context.progress(3, 100, "rows")
    assert progress_of(job) == (1, 100, "rows")  # too soon
    clock.now += 0.2
    context.progress(4, 100, "rows")
    assert progress_of(job) == (4, 100, "rows")  # half a second after the last write
    clock.now += 0.01
    context.progress(100, 100, "done")
    assert progress_of(job) == (100, 100, "done")  # the final value, however soon
    clock.now += 0.01
    context.progress(7, None, "counting")
    context.close()
    assert progress_of(job) == (7, None, "counting")  # whatever is left, when the runner returns


def test_log_lines_are_appended_with_their_times() -> None:
    job = job_start(job_id=make_export_job().pk)
    context = JobContext(job)
    context.log("first")
    context.log("second")
    assert list(job.log_entries.values_list("message", flat=True)) == ["first", "second"]
    times = list(job.log_entries.values_list("time", flat=True))
    assert times[0] <= times[1]


def test_inside_the_runners_own_transaction_progress_goes_to_a_file_and_the_log_waits() -> None:
    job = job_start(job_id=make_export_job().pk)
    clock = Clock()
    context = JobContext(job, clock=clock)
    with transaction.atomic():
        context.progress(10, 40, "activities")
        context.log("kept despite the rollback")
        assert progress_of(job) == (0, None, "")
        assert json.loads(job.progress_file.read_text()) == {
            "progress_done": 10,
            "progress_total": 40,
            "progress_label": "activities",
        }
        live = job_get(job.pk)  # what the job's page shows meanwhile
        assert (live.progress_done, live.progress_total, live.percent) == (10, 40, 25)
        assert not job.log_entries.exists()
        transaction.set_rollback(True)  # as a dry run ends
    context.log("after")
    assert list(job.log_entries.values_list("message", flat=True)) == ["kept despite the rollback", "after"]
    assert progress_of(job) == (10, 40, "activities")  # held-back progress follows the log out
    assert not job.progress_file.exists()


def test_output_files_go_in_the_jobs_output_folder_under_a_safe_name() -> None:
    job = make_export_job()
    context = JobContext(job)
    path = context.output_path("../../secret/évaluation finale.csv")
    assert path == job.folder / "output" / "évaluation_finale.csv"
    assert path.parent.is_dir()
    assert (context.output_name, context.output_relative) == (
        "évaluation_finale.csv",
        "output/évaluation_finale.csv",
    )


def test_a_failing_runner_fails_the_job_with_its_error_and_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(job: Job, context: JobContext) -> dict[str, Any]:
        context.progress(3, 10, "rows")
        with transaction.atomic():
            context.log("inside")
            raise ValueError("the sheet has no header row\nsecond line")

    monkeypatch.setitem(runners.RUNNERS, "export", explode)
    job = make_export_job()
    result = job_run(job_id=str(job.pk))
    assert result is not None
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == "ValueError: the sheet has no header row"
    assert job.report is None and job.finished is not None
    log = "\n".join(job.log_entries.values_list("message", flat=True))
    assert "inside" in log
    assert "failed: ValueError: the sheet has no header row" in log
    assert "Traceback (most recent call last)" in log and "explode" in log
    assert (job.progress_done, job.progress_total) == (3, 10)
    assert not job.has_output()


def test_a_stopped_worker_fails_the_job_and_goes_on_stopping(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(job: Job, context: JobContext) -> dict[str, Any]:
        raise SystemExit(1)

    monkeypatch.setitem(runners.RUNNERS, "export", interrupted)
    job = make_export_job()
    with pytest.raises(SystemExit):
        job_run(job_id=str(job.pk))
    job.refresh_from_db()
    assert (job.status, job.error) == (JobStatus.FAILED, "the worker was stopped while the job ran")


def test_a_job_runs_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def counted(job: Job, context: JobContext) -> dict[str, Any]:
        calls.append(str(job.pk))
        return {"ok": True}

    monkeypatch.setitem(runners.RUNNERS, "export", counted)
    job = make_export_job()
    assert job_run(job_id=str(job.pk)).status == JobStatus.SUCCEEDED  # type: ignore[union-attr]
    assert job_run(job_id=str(job.pk)).status == JobStatus.SUCCEEDED  # type: ignore[union-attr]
    assert calls == [str(job.pk)]
    Job.objects.filter(pk=job.pk).delete()
    assert job_run(job_id=str(job.pk)) is None


def test_a_report_that_cannot_be_stored_fails_the_job(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(runners.RUNNERS, "export", lambda job, context: {"ok": True, "bad": object()})
    job = make_export_job()
    job_run(job_id=str(job.pk))
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.error.startswith("TypeError")


def test_export_writes_the_filtered_list_and_reports_it(actor: Actor) -> None:
    kenya = make_initiative(code="KE-1", title="M-Pesa for schools")
    initiatives.country_add(actor=actor, initiative=kenya, country=Country.objects.get(code="KE"))
    make_initiative(code="FJ-1", title="E-health in Fiji")
    job = make_export_job(format="csv", querystring="country=KE")
    job = job_run(job_id=str(job.pk))  # type: ignore[assignment]
    assert job.status == JobStatus.SUCCEEDED
    assert job.report == {"format": "csv", "count": 1, "written": 1, "skipped": [], "notes": [], "ok": True}
    assert job.percent == 100 and (job.progress_done, job.progress_total) == (1, 1)
    assert job.has_output() and job.output_file is not None
    assert job.output_name.startswith("stocktake-initiatives-") and job.output_name.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(job.output_file.read_text(encoding="utf-8-sig"))))
    assert [row["code"] for row in rows] == ["KE-1"]
    assert "1 of 1 initiatives written as csv" in list(job.log_entries.values_list("message", flat=True))


def test_iati_export_that_leaves_initiatives_out_finishes_with_problems() -> None:
    make_initiative(code="XX-1", title="No reporting organisation, no dates")
    job = job_run(job_id=str(make_export_job(format="iati").pk))
    assert job is not None and job.output_file is not None
    assert job.status == JobStatus.PROBLEMS
    assert job.report is not None and (job.report["count"], job.report["written"]) == (1, 0)
    assert [item["code"] for item in job.report["skipped"]] == ["XX-1"]
    assert job.output_name.endswith(".xml") and job.output_file.read_bytes().startswith(b"<?xml")


def test_importing_an_empty_file_reports_the_file_error_without_failing() -> None:
    job = make_import_job(content=b"", name="empty.xml")
    job = job_run(job_id=str(job.pk))  # type: ignore[assignment]
    assert job.status == JobStatus.PROBLEMS
    assert job.report is not None and job.report["ok"] is False
    assert job.report["source"] == "empty.xml"
    assert job.report["file_error"]["message"] == "the file is empty (0 bytes)"
    assert not job.has_output()


def test_an_iati_import_runs_as_the_steward_who_started_it() -> None:
    steward = make_user()
    data = (IATI_DATA / "finland-mfa_iati-act-line-br.xml").read_bytes()
    job = make_import_job(user=steward, content=data, name="finland.xml")
    before = Initiative.objects.count()
    job = job_run(job_id=str(job.pk))  # type: ignore[assignment]
    assert job.status in (JobStatus.SUCCEEDED, JobStatus.PROBLEMS), job.error
    assert job.report is not None and job.report["format"] == "iati"
    created = job.report["counts"]["created"]
    assert created > 0 and Initiative.objects.count() == before + created
    entries = HistoryEntry.objects.filter(batch=job.pk)
    assert entries.exists()
    assert set(entries.values_list("source", "actor")) == {(ChangeSource.JOB, steward.pk)}
    assert job.percent == 100
    log = list(job.log_entries.values_list("message", flat=True))
    assert log[0] == "importing finland.xml" and log[1].startswith(f"{created} created")


def test_a_dry_run_import_keeps_nothing_but_reports_everything() -> None:
    data = (IATI_DATA / "finland-mfa_iati-act-line-br.xml").read_bytes()
    job = make_import_job(content=data, name="finland.xml", dry_run=True)
    before = Initiative.objects.count()
    job = job_run(job_id=str(job.pk))  # type: ignore[assignment]
    assert job.report is not None
    assert job.report["dry_run"] is True and job.report["rolled_back"] is True
    assert job.report["counts"]["created"] > 0
    assert Initiative.objects.count() == before
    assert job.log_entries.count() == 2  # logged inside the importer's transaction, kept after its rollback
    assert job.progress_total is not None and job.progress_done == job.progress_total
