"""The jobs pages: stewards start imports and exports, follow them, and download what they made."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload, TemporaryFileUploadHandler
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from stocktake.core.views import is_htmx, paginate
from stocktake.initiatives.filtersets import FILTER_LABELS
from stocktake.jobs import selectors, services
from stocktake.jobs.constants import POLL_SECONDS
from stocktake.jobs.forms import ExportForm, ImportForm
from stocktake.jobs.models import Job
from stocktake.jobs.permissions import steward_required

# Room for the import form's other fields besides the file, when comparing a request's size to the cap.
FORM_OVERHEAD = 64 * 1024


class CappedUploadHandler(FileUploadHandler):
    """Stops reading an upload as soon as it passes the cap, so an oversized file never fills the disk."""

    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.exceeded = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.limit:
            self.exceeded = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler (to a temporary file on disk) makes the file


def _too_large_message() -> str:
    megabytes = settings.IMPORT_MAX_BYTES / 1024 / 1024
    return _("The file is larger than the %(size)s MB an import may be.") % {"size": f"{megabytes:,.0f}"}


def _request_size(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


@require_GET
@never_cache
@steward_required
def job_list(request: HttpRequest) -> HttpResponse:
    page = paginate(
        request, selectors.job_list(), rows=lambda jobs: [selectors.job_live_progress(j) for j in jobs]
    )
    return render(request, "jobs/list.html", {"page": page, "params": {}})


def _render_import(
    request: HttpRequest, form: ImportForm, *, error: str = "", status: int = 200
) -> HttpResponse:
    context = {"form": form, "error": error, "max_bytes": settings.IMPORT_MAX_BYTES}
    return render(request, "jobs/import.html", context, status=status)


# CSRF is checked by the inner view, once the upload handlers are in place: Django reads the body to find
# the token, and the handlers decide how it is read (to disk, and no further than the cap).
@csrf_exempt
@require_http_methods(["GET", "POST"])
@never_cache
@steward_required
def job_import(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _render_import(request, ImportForm())
    if _request_size(request) > settings.IMPORT_MAX_BYTES + FORM_OVERHEAD:
        return _render_import(request, ImportForm(), error=_too_large_message(), status=413)
    cap = CappedUploadHandler(request, settings.IMPORT_MAX_BYTES)
    request.upload_handlers = [cap, TemporaryFileUploadHandler(request)]
    return _job_import_post(request, cap)


@csrf_protect
def _job_import_post(request: HttpRequest, cap: CappedUploadHandler) -> HttpResponse:
    form = ImportForm(request.POST, request.FILES)  # reads the body, through the handlers
    if cap.exceeded:
        return _render_import(request, ImportForm(), error=_too_large_message(), status=413)
    if not form.is_valid():
        return _render_import(request, form)
    job = services.job_create_import(
        user=request.user,
        uploaded_file=form.cleaned_data["file"],
        format=form.cleaned_data["format"],
        dry_run=form.cleaned_data["dry_run"],
        all_or_nothing=form.cleaned_data["all_or_nothing"],
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    return redirect(job)


def _filter_summary(querystring: str) -> list[tuple[str, str]]:
    data = QueryDict(querystring)
    return [(str(FILTER_LABELS.get(key, key)), ", ".join(data.getlist(key))) for key in data]


@require_http_methods(["GET", "POST"])
@never_cache
@steward_required
def job_export(request: HttpRequest) -> HttpResponse:
    errors: list[str] = []
    if request.method == "POST":
        form = ExportForm(request.POST)
        if form.is_valid():
            job = services.job_create_export(
                user=request.user,
                format=form.cleaned_data["format"],
                querystring=form.cleaned_data["querystring"],
                table=form.cleaned_data["table"],
                language=translation.get_language() or settings.LANGUAGE_CODE,
            )
            return redirect(job)
        querystring, _dropped = services.export_querystring(request.POST.get("querystring", ""))
    else:
        # A link from the initiatives list brings its filters: /jobs/export/?country=KE&wsis=C7
        querystring, errors = services.export_querystring(request.GET.urlencode())
        form = ExportForm(
            initial={
                "querystring": querystring,
                "format": request.GET.get("format", "csv"),
                "table": request.GET.get("table", "initiatives"),
            }
        )
    context = {
        "form": form,
        "querystring": querystring,
        "filters": _filter_summary(querystring),
        "errors": errors,
    }
    return render(request, "jobs/export.html", context)


def _status_context(job: Job) -> dict[str, Any]:
    lines, total = selectors.job_log_lines(job)
    return {"job": job, "log_lines": lines, "log_total": total, "poll_seconds": POLL_SECONDS}


@require_GET
@never_cache
@steward_required
def job_detail(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    return render(request, "jobs/detail.html", _status_context(selectors.job_get(job_id)))


@require_GET
@never_cache
@steward_required
def job_status(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    """The part of a job's page that changes while it runs; htmx asks for it every few seconds."""
    job = selectors.job_get(job_id)
    if not is_htmx(request):
        return redirect(job)
    return render(request, "jobs/_status.html", _status_context(job))


@require_GET
@never_cache
@steward_required
def job_report(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    """The job and its report as a JSON file."""
    job = selectors.job_get(job_id)
    data = {
        "id": str(job.pk),
        "kind": job.kind,
        "format": job.format,
        "status": job.status,
        "input_name": job.input_name,
        "options": {key: value for key, value in job.options.items() if key != "language"},
        "output_name": job.output_name,
        "started_by": job.created_by.get_username() if job.created_by else None,
        "created": job.created,
        "started": job.started,
        "finished": job.finished,
        "error": job.error,
        "report": job.report,
    }
    response = JsonResponse(data, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="stocktake-job-{job.pk}-report.json"'
    return response


@require_GET
@never_cache
@steward_required
def job_output(request: HttpRequest, job_id: uuid.UUID) -> FileResponse:
    """The file the job wrote, under the safe name it was given."""
    job = selectors.job_get(job_id)
    path = job.output_file
    if path is None or not job.has_output():
        raise Http404(_("This job has no file to download."))
    if not path.resolve().is_relative_to(job.folder.resolve()):
        raise Http404(_("This job has no file to download."))
    return FileResponse(path.open("rb"), as_attachment=True, filename=job.output_name)
