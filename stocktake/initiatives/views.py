"""Public pages of initiatives: the filtered list and one initiative's page."""

from __future__ import annotations

from itertools import groupby

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from stocktake.core.views import is_htmx, paginate
from stocktake.initiatives import selectors
from stocktake.initiatives.choices import ROLE_ORDER, Kind, Outcome, PartnerRole, Scope
from stocktake.initiatives.filtersets import SORTS, InitiativeFilters, filters_from_querydict
from stocktake.initiatives.models import FundingSource
from stocktake.jinja2 import query
from stocktake.vocabularies import selectors as vocabularies
from stocktake.vocabularies.models import Country, Region


def _filter_options() -> dict[str, object]:
    return {
        "kinds": Kind.choices,
        "statuses": sorted(vocabularies.codelist("ActivityStatus").items()),
        "outcomes": Outcome.choices,
        "scopes": Scope.choices,
        "countries": list(Country.objects.filter(initiative_links__isnull=False).distinct()),
        "regions": list(Region.objects.filter(level__in=["region", "sub-region"]).order_by("level", "name")),
        "country_groups": vocabularies.country_groups(),
        "action_lines": vocabularies.action_lines(),
        "sdg_goals": vocabularies.sdg_goals(),
        "stakeholder_groups": vocabularies.stakeholder_groups(),
        "funding_sources": list(FundingSource.objects.all()),
        "sorts": SORTS,
    }


def _canonical_url(request: HttpRequest, filters: InitiativeFilters) -> str:
    """The list's address with only the filters that are set, so it can be shared and bookmarked."""
    params = filters.active()
    if filters.sort != "code":
        params["sort"] = filters.sort
    if request.GET.get("page", "1") not in ("", "1"):
        params["page"] = request.GET["page"]
    return request.path + (query(params) if params else "")


@require_GET
def initiative_list(request: HttpRequest) -> HttpResponse:
    filters, errors = filters_from_querydict(request.GET)
    canonical = _canonical_url(request, filters)
    has_empty_fields = any(not value.strip() for _key, values in request.GET.lists() for value in values)
    if has_empty_fields and not is_htmx(request) and not errors:
        return redirect(canonical)  # a submitted form sends its empty fields too: drop them
    page = paginate(request, selectors.initiative_list(filters))
    context = {"filters": filters, "params": filters.model_dump(mode="json"), "errors": errors, "page": page}
    if is_htmx(request):
        response = render(request, "initiatives/_results.html", context)
        response["HX-Push-Url"] = canonical
        return response
    return render(request, "initiatives/list.html", {**context, "options": _filter_options()})


@require_GET
def initiative_detail(request: HttpRequest, code: str) -> HttpResponse:
    initiative = selectors.initiative_by_code(code)
    if code != initiative.code_normalised:
        return redirect(initiative, permanent=True)
    participations = sorted(initiative.participations.all(), key=lambda p: ROLE_ORDER[p.role])
    partners_by_role = [
        (PartnerRole(role).label, list(group)) for role, group in groupby(participations, lambda p: p.role)
    ]
    conflicts = {conflict.field: conflict for conflict in initiative.conflicts.all()}
    return render(
        request,
        "initiatives/detail.html",
        {
            "initiative": initiative,
            "partners_by_role": partners_by_role,
            "conflicts": conflicts,
            "history": selectors.initiative_history(initiative),
        },
    )
