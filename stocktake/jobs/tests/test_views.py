"""The jobs pages: who may see them, the forms, the worker end to end, downloads and the live status."""

from __future__ import annotations

import csv
import io
import json
import re
import signal
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from stocktake.core.history import Actor
from stocktake.initiatives import services as initiatives
from stocktake.initiatives.tests.factories import make_initiative
from stocktake.jobs import runners
from stocktake.jobs.choices import JobStatus
from stocktake.jobs.models import Job, jobs_root
from stocktake.jobs.runners import job_run
from stocktake.jobs.tests.factories import make_export_job, make_import_job, make_user
from stocktake.vocabularies.models import ActionLine, Country

pytestmark = pytest.mark.django_db


@pytest.fixture
def run_worker(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """The django-tasks database worker in batch mode: runs what is queued, then returns."""

    def run() -> None:
        # The worker drops connections it thinks are stale; the test's transaction must survive it.
        monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
        handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
        try:
            call_command("db_worker", batch=True, startup_delay=False, reload=False, interval=0, verbosity=0)
        finally:
            for sig, handler in handlers.items():
                signal.signal(sig, handler)

    return run


@pytest.fixture
def steward() -> Any:
    return make_user(username="steward")


@pytest.fixture
def staff_client(steward: Any) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(steward)
    return client


@pytest.fixture
def commit(django_capture_on_commit_callbacks: Any) -> Callable[[], Any]:
    """Runs the on-commit callbacks (the enqueueing) of what happens inside the block, as a commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def csrf_token(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())
    assert match
    return match.group(1)


# Permissions -------------------------------------------------------------------------------------------


@pytest.fixture
def finished_job(steward: Any) -> Job:
    job = make_export_job(user=steward, format="csv")
    finished = job_run(job_id=str(job.pk))
    assert finished is not None and finished.status == JobStatus.SUCCEEDED
    return finished


def every_url(job: Job) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        ("get", "/jobs/", {}),
        ("get", "/jobs/import/", {}),
        ("post", "/jobs/import/", {"file": SimpleUploadedFile("a.xml", b"<x/>"), "format": ""}),
        ("get", "/jobs/export/?country=KE", {}),
        ("post", "/jobs/export/", {"format": "csv", "table": "initiatives", "querystring": ""}),
        ("get", f"/jobs/{job.pk}/", {}),
        ("get", f"/jobs/{job.pk}/status/", {"HTTP_HX_REQUEST": "true"}),
        ("get", f"/jobs/{job.pk}/report.json", {}),
        ("get", f"/jobs/{job.pk}/download/", {}),
        ("get", f"/fr/jobs/{job.pk}/", {}),
    ]


def request(client: Client, method: str, url: str, data: dict[str, Any]) -> Any:
    if method == "post":
        return client.post(url, data)
    return client.get(url, **data)


def test_visitors_who_are_not_signed_in_are_sent_to_sign_in(finished_job: Job) -> None:
    client = Client(HTTP_HOST="127.0.0.1")
    for method, url, data in every_url(finished_job):
        response = request(client, method, url, data)
        assert response.status_code == 302, url
        assert re.match(r"(/[a-z]{2})?/account/login/\?next=/", response["Location"]), url
    assert Job.objects.count() == 1  # nothing was started


def test_signed_in_people_who_are_not_stewards_are_refused(finished_job: Job) -> None:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(make_user(staff=False))
    for method, url, data in every_url(finished_job):
        response = request(client, method, url, data)
        assert response.status_code == 403, url
        assert finished_job.output_name.encode() not in response.content
    assert Job.objects.count() == 1
    assert list(jobs_root().iterdir()) == [finished_job.folder]


def test_stewards_may_use_every_page(staff_client: Client, finished_job: Job) -> None:
    for method, url, data in every_url(finished_job):
        response = request(staff_client, method, url, data)
        assert response.status_code == (302 if method == "post" else 200), url
        assert response["Cache-Control"].startswith("max-age=0") and "private" in response["Cache-Control"]
    assert Job.objects.count() == 3  # one import and one export started


def test_csrf_is_enforced_on_the_forms(steward: Any) -> None:
    client = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
    client.force_login(steward)
    upload = {"file": SimpleUploadedFile("a.xml", b"<x/>"), "format": ""}
    assert client.post("/jobs/import/", upload).status_code == 403
    export = {"format": "csv", "table": "initiatives", "querystring": ""}
    assert client.post("/jobs/export/", export).status_code == 403
    assert not Job.objects.exists()
    assert not jobs_root().exists() or not any(jobs_root().iterdir())

    token = csrf_token(client, "/jobs/import/")
    upload = {"csrfmiddlewaretoken": token, "file": SimpleUploadedFile("a.xml", b"<x/>"), "format": ""}
    assert client.post("/jobs/import/", upload).status_code == 302
    token = csrf_token(client, "/jobs/export/")
    assert client.post("/jobs/export/", {"csrfmiddlewaretoken": token, **export}).status_code == 302
    assert Job.objects.count() == 2


# Import ------------------------------------------------------------------------------------------------


def test_an_upload_is_stored_in_the_jobs_folder_and_queued(
    staff_client: Client, steward: Any, commit: Callable[[], Any]
) -> None:
    content = b"<iati-activities version='2.03'></iati-activities>\n" * 1000
    with commit():
        response = staff_client.post(
            "/jobs/import/",
            {
                "file": SimpleUploadedFile("Rapport annuel.xml", content),
                "format": "iati",
                "dry_run": "on",
            },
        )
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert (job.kind, job.format, job.status, job.created_by) == ("import", "iati", "queued", steward)
    assert job.options == {"dry_run": True, "all_or_nothing": False, "language": "en"}
    assert job.input_name == "Rapport annuel.xml"
    assert job.input_file == job.folder / "input" / "Rapport_annuel.xml"
    assert job.input_file.read_bytes() == content
    queued = DBTaskResult.objects.get()
    assert str(queued.id) == job.task_result_id
    assert queued.task_path == "stocktake.jobs.tasks.run_job"
    assert queued.args_kwargs == {"args": [str(job.pk)], "kwargs": {}}


def test_a_file_over_the_cap_is_refused_without_being_kept(staff_client: Client, settings: Any) -> None:
    settings.IMPORT_MAX_BYTES = 100
    # Small enough a request to be read: the upload handler stops at the cap.
    response = staff_client.post("/jobs/import/", {"file": SimpleUploadedFile("big.csv", b"x" * 101)})
    assert response.status_code == 413
    assert "larger than" in response.content.decode()
    # Far too large a request: refused before its body is read.
    response = staff_client.post("/jobs/import/", {"file": SimpleUploadedFile("huge.csv", b"x" * 200_000)})
    assert response.status_code == 413
    assert not Job.objects.exists()
    assert not jobs_root().exists() or not any(jobs_root().iterdir())
    # At the cap exactly: accepted.
    response = staff_client.post("/jobs/import/", {"file": SimpleUploadedFile("fits.csv", b"x" * 100)})
    assert response.status_code == 302
    assert Job.objects.get().input_file.stat().st_size == 100  # type: ignore[union-attr]


def test_the_import_form_says_what_is_wrong(staff_client: Client) -> None:
    response = staff_client.post("/jobs/import/", {"format": "pdf"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'aria-invalid="true"' in page
    assert "This field is required." in page
    assert not Job.objects.exists()


def test_the_import_form_explains_each_choice(staff_client: Client) -> None:
    page = staff_client.get("/jobs/import/").content.decode()
    assert 'enctype="multipart/form-data"' in page
    for text in ("detect automatically", "IATI XML", "CSV", "XLSX", "text project page"):
        assert text in page
    assert 'name="dry_run"' in page and "keep nothing" in page
    assert 'name="all_or_nothing"' in page and "refused" in page
    assert "1,024 MB" in page


# Export, end to end through the database worker -------------------------------------------------------


@pytest.fixture
def registry(actor: Actor) -> None:
    kenya = make_initiative(code="KE-1", title="M-Pesa for schools")
    initiatives.country_add(actor=actor, initiative=kenya, country=Country.objects.get(code="KE"))
    initiatives.action_line_add(
        actor=actor, initiative=kenya, action_line=ActionLine.objects.get(code="C7.1")
    )
    other = make_initiative(code="KE-2", title="Kenyan, but not C7")
    initiatives.country_add(actor=actor, initiative=other, country=Country.objects.get(code="KE"))
    make_initiative(code="FJ-1", title="E-health in Fiji")


def test_export_from_the_list_filters_to_a_downloaded_file(
    staff_client: Client, registry: None, commit: Callable[[], Any], run_worker: Callable[[], None]
) -> None:
    page = staff_client.get("/jobs/export/?country=KE&wsis=C7&page=2").content.decode()
    assert 'name="querystring" value="country=KE&amp;wsis=C7"' in page
    assert "Country" in page and "WSIS Action Line" in page

    with commit():
        response = staff_client.post(
            "/jobs/export/", {"format": "csv", "table": "initiatives", "querystring": "country=KE&wsis=C7"}
        )
    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert job.status == JobStatus.QUEUED
    page = staff_client.get(f"/jobs/{job.pk}/").content.decode()
    assert 'hx-trigger="every 2s"' in page and f'hx-get="/jobs/{job.pk}/status/"' in page
    assert f'href="/jobs/{job.pk}/">Refresh</a>' in page  # without JavaScript

    run_worker()

    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert (job.progress_done, job.progress_total, job.percent) == (1, 1, 100)
    assert job.report == {"format": "csv", "count": 1, "written": 1, "skipped": [], "notes": [], "ok": True}
    task = DBTaskResult.objects.get(id=job.task_result_id)
    assert (task.status, task.return_value) == ("SUCCESSFUL", "succeeded")

    page = staff_client.get(f"/jobs/{job.pk}/").content.decode()
    assert '<progress class="job-progress" max="100" value="100"' in page and "100%" in page
    assert "hx-get" not in page  # finished: nothing to follow any more
    assert "1 of 1 initiatives written." in page
    assert "1 of 1 initiatives written as csv" in page  # the log
    assert f'href="/jobs/{job.pk}/download/"' in page and f'href="/jobs/{job.pk}/report.json"' in page

    download = staff_client.get(f"/jobs/{job.pk}/download/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith('attachment; filename="stocktake-initiatives-')
    content = b"".join(download.streaming_content)  # type: ignore[attr-defined]
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert [row["code"] for row in rows] == ["KE-1"]

    report = staff_client.get(f"/jobs/{job.pk}/report.json")
    assert report["Content-Disposition"] == f'attachment; filename="stocktake-job-{job.pk}-report.json"'
    data = json.loads(report.content)
    assert (data["status"], data["kind"], data["started_by"]) == ("succeeded", "export", "steward")
    assert data["options"] == {"querystring": "country=KE&wsis=C7", "table": "initiatives"}
    assert data["report"]["written"] == 1


def test_invalid_filters_are_said_and_not_carried(staff_client: Client) -> None:
    page = staff_client.get("/jobs/export/?country=KE&start_year_min=abc").content.decode()
    assert "start_year_min" in page and 'value="country=KE"' in page
    response = staff_client.post(
        "/jobs/export/", {"format": "csv", "table": "initiatives", "querystring": "start_year_min=abc"}
    )
    assert response.status_code == 200 and "Some filters are not valid" in response.content.decode()
    assert not Job.objects.exists()


def test_a_job_started_in_french_reports_in_french(staff_client: Client) -> None:
    response = staff_client.post("/fr/jobs/export/", {"format": "json", "table": "", "querystring": ""})
    job = Job.objects.get()
    assert response["Location"] == f"/fr/jobs/{job.pk}/"
    assert job.options["language"] == "fr" and job.options["table"] == ""


# The job's page ----------------------------------------------------------------------------------------


def test_the_status_part_is_a_fragment_for_htmx_and_a_redirect_otherwise(staff_client: Client) -> None:
    job = make_export_job()
    fragment = staff_client.get(f"/jobs/{job.pk}/status/", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    text = fragment.content.decode()
    assert text.lstrip().startswith('<div id="job-status"') and "<html" not in text
    assert 'hx-swap="outerHTML"' in text
    plain = staff_client.get(f"/jobs/{job.pk}/status/")
    assert plain.status_code == 302 and plain["Location"] == f"/jobs/{job.pk}/"


def test_a_failed_job_shows_its_error_and_offers_no_file(staff_client: Client, monkeypatch: Any) -> None:
    def broken(job: Job, context: Any) -> dict[str, Any]:
        context.output_path("half.csv").write_text("half")
        raise RuntimeError("disk full")

    monkeypatch.setitem(runners.RUNNERS, "export", broken)
    job = make_export_job()
    job_run(job_id=str(job.pk))
    page = staff_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "The job failed:" in page and "RuntimeError: disk full" in page
    assert "Traceback" in page
    assert "/download/" not in page
    assert staff_client.get(f"/jobs/{job.pk}/download/").status_code == 404


def test_an_import_report_lists_what_was_refused_and_the_organisations(staff_client: Client) -> None:
    job = make_import_job(content=b"", name="empty.xml")
    job_run(job_id=str(job.pk))
    report = {
        "format": "csv",
        "source": "partners.csv",
        "dry_run": False,
        "rolled_back": False,
        "counts": {"created": 2, "updated": 1, "refused": 1, "duplicates": 1, "organisations_created": 1},
        "refused": [
            {"place": "row 4, column budget_amount", "message": "not a number", "identifier": "KE-9"}
        ],
        "duplicates": [{"place": "row 7", "message": "same as row 3", "identifier": "KE-1"}],
        "warnings": [],
        "organisations": [
            {"given": "Min. of ICT", "organisation": "ministry-of-ict", "how": "alias"},
            {"given": "New NGO", "organisation": "new-ngo", "how": "created"},
        ],
        "file_error": None,
        "ok": False,
    }
    Job.objects.filter(pk=job.pk).update(report=report)
    page = staff_client.get(f"/jobs/{job.pk}/").content.decode()
    for text in (
        "row 4, column budget_amount",
        "not a number",
        "KE-9",
        "same as row 3",
        "Min. of ICT",
        "ministry-of-ict",
        "matched by another name",
        "new-ngo",
        "succeeded with problems",
    ):
        assert text in page, text


def test_the_pages_carry_no_inline_script_or_style(staff_client: Client, finished_job: Job) -> None:
    for url in ("/jobs/", "/jobs/import/", "/jobs/export/", f"/jobs/{finished_job.pk}/"):
        page = staff_client.get(url).content.decode()
        assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", page)), url
        assert " style=" not in page and "<style" not in page, url
        assert "onclick" not in page


def test_the_list_shows_the_newest_first_in_a_fixed_number_of_queries(
    staff_client: Client, django_assert_num_queries: Any
) -> None:
    for number in range(3):
        make_export_job(user=make_user(username=f"person{number}"), format="json")
    imported = make_import_job(content=b"x", name="last.csv")
    Job.objects.filter(pk=imported.pk).update(report={"format": "csv", "refused": ["..."] * 1000})
    # session, user, the header's account links, count, jobs with who started them
    with django_assert_num_queries(5):
        page = staff_client.get("/jobs/").content.decode()
    assert page.index("last.csv") < page.index("person2") < page.index("person0")
    assert "Import · CSV</a>" in page  # the format the import found, without loading its report
    assert page.count('<progress class="job-progress"') == 4
