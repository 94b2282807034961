"""Downloads of any filtered list of initiatives, with the same filters as the list and the API."""

from __future__ import annotations

import io

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.views.decorators.http import require_GET

from stocktake.initiatives.filtersets import filters_from_querydict
from stocktake.initiatives.selectors import initiative_list
from stocktake.interchange.iati.writer import write_activities
from stocktake.interchange.tabular.export import csv_chunks, write_xlsx
from stocktake.interchange.tabular.tables import TABLES
from stocktake.interchange.tabular.template import template_csv, template_xlsx


@require_GET
def initiatives_export(request: HttpRequest, extension: str) -> HttpResponseBase:
    filters, _errors = filters_from_querydict(request.GET)
    queryset = initiative_list(filters)
    stamp = timezone.now().strftime("%Y-%m-%d")
    if extension == "csv":
        table = request.GET.get("table", "initiatives")
        if table not in TABLES:
            raise Http404(f"No table {table!r}; the tables are {', '.join(TABLES)}")
        response = StreamingHttpResponse(csv_chunks(queryset, table), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="stocktake-{table}-{stamp}.csv"'
        return response
    if extension == "xlsx":
        buffer = io.BytesIO()
        write_xlsx(queryset, buffer)
        buffer.seek(0)
        return FileResponse(buffer, as_attachment=True, filename=f"stocktake-initiatives-{stamp}.xlsx")
    if extension == "xml":
        # IATI 2.03 activities; initiatives IATI cannot hold are left out (the command line names them).
        buffer = io.BytesIO()
        report = write_activities(queryset, buffer)
        buffer.seek(0)
        response = FileResponse(
            buffer, as_attachment=True, filename=f"stocktake-iati-{stamp}.xml", content_type="application/xml"
        )
        response["X-Stocktake-Left-Out"] = str(len(report.skipped))
        return response
    raise Http404("Exports are csv, xlsx or xml (IATI)")


@require_GET
def import_template_xlsx(request: HttpRequest) -> HttpResponseBase:
    """An empty workbook to fill in and import: a sheet per table and one documenting the columns."""
    buffer = io.BytesIO()
    template_xlsx(buffer)
    buffer.seek(0)
    return FileResponse(buffer, as_attachment=True, filename="stocktake-template.xlsx")


@require_GET
def import_template_csv(request: HttpRequest, table: str) -> HttpResponseBase:
    """The header row of one table as CSV, to fill in and import."""
    if table not in TABLES:
        raise Http404(f"No table {table!r}; the tables are {', '.join(TABLES)}")
    response = HttpResponse(template_csv(table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="stocktake-template-{table}.csv"'
    return response
