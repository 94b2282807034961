"""Home, about, and the pages of each WSIS Action Line, SDG and country with their initiatives."""

from __future__ import annotations

from django.db import DatabaseError, connection
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.views.decorators.http import require_GET

from stocktake.core.caching import public_page
from stocktake.core.views import paginate
from stocktake.initiatives import selectors as initiatives
from stocktake.initiatives.filtersets import InitiativeFilters
from stocktake.initiatives.rows import initiative_rows
from stocktake.initiatives.selectors import PUBLISHED_LINK
from stocktake.vocabularies.models import ActionLine, Country, SdgGoal


@require_GET
def health_live(request: HttpRequest) -> HttpResponse:
    """The process answers (for load balancers; touches nothing)."""
    return JsonResponse({"status": "ok"})


@require_GET
def health_ready(request: HttpRequest) -> HttpResponse:
    """The process can reach its database."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        return JsonResponse({"status": "unavailable", "database": str(error)}, status=503)
    return JsonResponse({"status": "ok"})


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page says."""
    return redirect(static("favicon.svg"), permanent=True)


@require_GET
@public_page
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "pages/home.html",
        {
            "counts": initiatives.registry_counts(),
            "recent": initiatives.recent_initiatives(),
            "action_lines": ActionLine.objects.filter(parent__isnull=True).annotate(
                count=Count("initiative_links__initiative", distinct=True, filter=PUBLISHED_LINK)
            ),
        },
    )


@require_GET
@public_page
def about(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/about.html", {"sources": initiatives.source_documents()})


def _topic_page(
    request: HttpRequest, template: str, filters: InitiativeFilters, **context: object
) -> HttpResponse:
    page = paginate(request, initiatives.initiative_list(filters), rows=initiative_rows)
    return render(request, template, {**context, "page": page, "params": filters.model_dump(mode="json")})


@require_GET
@public_page
def action_line_list(request: HttpRequest) -> HttpResponse:
    lines = ActionLine.objects.annotate(
        count=Count("initiative_links__initiative", distinct=True, filter=PUBLISHED_LINK)
    )
    return render(request, "pages/action_lines.html", {"lines": lines})


@require_GET
@public_page
def action_line_detail(request: HttpRequest, code: str) -> HttpResponse:
    line = get_object_or_404(
        ActionLine.objects.select_related("parent").prefetch_related("children"), code=code.upper()
    )
    return _topic_page(request, "pages/action_line.html", InitiativeFilters(wsis=[line.code]), line=line)


@require_GET
@public_page
def sdg_list(request: HttpRequest) -> HttpResponse:
    goals = SdgGoal.objects.annotate(
        count=Count("initiative_links__initiative", distinct=True, filter=PUBLISHED_LINK)
    )
    return render(request, "pages/sdgs.html", {"goals": goals})


@require_GET
@public_page
def sdg_detail(request: HttpRequest, number: int) -> HttpResponse:
    goal = get_object_or_404(SdgGoal, number=number)
    targets = goal.targets.annotate(
        count=Count("initiative_links__initiative", distinct=True, filter=PUBLISHED_LINK)
    )
    return _topic_page(
        request, "pages/sdg.html", InitiativeFilters(sdg=[str(goal.number)]), goal=goal, targets=targets
    )


@require_GET
@public_page
def country_list(request: HttpRequest) -> HttpResponse:
    countries = (
        Country.objects.select_related("region", "sub_region")
        .annotate(count=Count("initiative_links__initiative", distinct=True, filter=PUBLISHED_LINK))
        .order_by("title")
    )
    return render(request, "pages/countries.html", {"countries": countries})


@require_GET
@public_page
def country_detail(request: HttpRequest, code: str) -> HttpResponse:
    country = get_object_or_404(
        Country.objects.select_related("region", "sub_region", "intermediate_region"), code=code.upper()
    )
    return _topic_page(
        request,
        "pages/country.html",
        InitiativeFilters(country=[country.code]),
        country=country,
        groups=country.group_memberships.select_related("group"),
        wider=initiatives.initiatives_covering_country(country),
    )
