"""Starting jobs: a steward's import or export becomes a queued job, run by the worker once committed."""

from __future__ import annotations

import contextlib
import logging
import shutil
import uuid
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import QueryDict
from django.utils.translation import gettext as _

from stocktake.initiatives.filtersets import filters_from_querydict
from stocktake.interchange.tabular.tables import TABLES
from stocktake.jobs.choices import ExportFormat, ImportFormat, JobKind
from stocktake.jobs.models import Job, safe_file_name
from stocktake.jobs.tasks import run_job
from stocktake.jobs.transitions import JobStateError, job_fail

logger = logging.getLogger(__name__)

INPUT_FOLDER = "input"


def _enqueue(job_id: uuid.UUID) -> None:
    """Hands the job to the worker. Called after the commit, so the worker always finds the job."""
    try:
        result = run_job.enqueue(str(job_id))
    except Exception as error:
        logger.exception("could not queue job %s", job_id)
        with contextlib.suppress(JobStateError):  # failed or ran meanwhile: nothing to say
            job_fail(job_id=job_id, error=_("the job could not be queued: %(error)s") % {"error": error})
        return
    Job.objects.filter(pk=job_id).update(task_result_id=str(result.id))


def _store_upload(uploaded_file: UploadedFile, destination: Path) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    temporary_path = getattr(uploaded_file, "temporary_file_path", None)
    if temporary_path is not None:
        # Already streamed to a temporary file: move it rather than copy up to a gigabyte again.
        uploaded_file.flush()
        shutil.move(temporary_path(), destination)
        return
    with destination.open("wb") as stream:
        for chunk in uploaded_file.chunks():
            stream.write(chunk)


def job_create_import(
    *,
    user: Any,
    uploaded_file: UploadedFile,
    format: str,
    dry_run: bool,
    all_or_nothing: bool,
    language: str = "",
) -> Job:
    """Queues the import of an uploaded file; ``format`` "" means "tell from the file".

    The file is stored in the job's folder under a safe name; the name the user gave is kept for the
    report. ``language`` is the one the job's log and report are written in.
    """
    if format not in ImportFormat.values:
        raise ValidationError(_("unknown import format %(format)s") % {"format": format})
    given_name = str(uploaded_file.name or "")
    job = Job(
        kind=JobKind.IMPORT,
        format=format,
        options={"dry_run": dry_run, "all_or_nothing": all_or_nothing, "language": language},
        input_name=given_name[:255],
        input_path=f"{INPUT_FOLDER}/{safe_file_name(given_name, fallback='upload')}",
        created_by=user,
    )
    try:
        with transaction.atomic():
            job.save()
            assert job.input_file is not None
            _store_upload(uploaded_file, job.input_file)
            transaction.on_commit(partial(_enqueue, job.pk))
    except BaseException:
        shutil.rmtree(job.folder, ignore_errors=True)
        raise
    return job


def export_querystring(querystring: str) -> tuple[str, list[str]]:
    """The filters of an initiatives-list query string, as a clean query string, and what was dropped."""
    filters, errors = filters_from_querydict(QueryDict(querystring))
    params = filters.active()
    if filters.sort not in (None, "code"):
        params["sort"] = filters.sort
    return urlencode(params, doseq=True), errors


def job_create_export(
    *, user: Any, format: str, querystring: str, table: str = "initiatives", language: str = ""
) -> Job:
    """Queues an export of the initiatives that the list's query string selects.

    ``table`` (initiatives, participations, budgets, classifications) matters for CSV only.
    """
    if format not in ExportFormat.values:
        raise ValidationError(_("unknown export format %(format)s") % {"format": format})
    if table not in TABLES:
        raise ValidationError(_("unknown table %(table)s") % {"table": table})
    cleaned, errors = export_querystring(querystring)
    if errors:
        raise ValidationError(_("some filters are not valid: %(errors)s") % {"errors": "; ".join(errors)})
    job = Job(
        kind=JobKind.EXPORT,
        format=format,
        options={
            "querystring": cleaned,
            "table": table if format == ExportFormat.CSV else "",
            "language": language,
        },
        created_by=user,
    )
    with transaction.atomic():
        job.save()
        transaction.on_commit(partial(_enqueue, job.pk))
    return job
