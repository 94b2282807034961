"""Public pages of initiatives: the filtered list and one initiative's page."""

from __future__ import annotations

from itertools import groupby

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from stocktake.core.views import is_htmx, paginate
from stocktake.initiatives import selectors
from stocktake.initiatives.choices import Kind, Outcome, PartnerRole, Scope
from stocktake.initiatives.filtersets import SORTS, filters_from_querydict
from stocktake.initiatives.models import FundingSource
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


@require_GET
def initiative_list(request: HttpRequest) -> HttpResponse:
    filters, errors = filters_from_querydict(request.GET)
    page = paginate(request, selectors.initiative_list(filters))
    context = {"filters": filters, "params": filters.model_dump(mode="json"), "errors": errors, "page": page}
    if is_htmx(request):
        return render(request, "initiatives/_results.html", context)
    return render(request, "initiatives/list.html", {**context, "options": _filter_options()})


@require_GET
def initiative_detail(request: HttpRequest, code: str) -> HttpResponse:
    initiative = selectors.initiative_by_code(code)
    if code != initiative.code_normalised:
        return redirect(initiative, permanent=True)
    participations = sorted(initiative.participations.all(), key=lambda p: list(PartnerRole).index(p.role))
    partners_by_role = [(PartnerRole(role).label, list(group)) for role, group in groupby(participations, lambda p: p.role)]
    conflicts = {conflict.field: conflict for conflict in initiative.conflicts.all()}
    return render(request, "initiatives/detail.html", {
        "initiative": initiative,
        "partners_by_role": partners_by_role,
        "conflicts": conflicts,
        "history": selectors.initiative_history(initiative),
    })
