"""Public pages of initiatives: the filtered list and one initiative's page."""

from __future__ import annotations

from itertools import groupby

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from stocktake.core.caching import public_page, registry_version
from stocktake.core.text import fold
from stocktake.core.views import is_htmx, paginate
from stocktake.initiatives import selectors
from stocktake.initiatives.choices import ROLE_ORDER, Kind, Outcome, PartnerRole
from stocktake.initiatives.filtersets import SORTS, InitiativeFilters, filters_from_querydict
from stocktake.initiatives.models import FundingSource, InitiativeCountry
from stocktake.initiatives.rows import initiative_rows
from stocktake.jinja2 import query
from stocktake.vocabularies import selectors as vocabularies


def _filter_options() -> dict[str, object]:
    """The choices of each filter, in the visitor's language, rebuilt when the registry changes."""
    key = f"initiative-filter-options:{registry_version()}:{translation.get_language()}"
    options = cache.get(key)
    if options is None:
        options = _build_filter_options()
        cache.set(key, options)
    return options


def _build_filter_options() -> dict[str, object]:
    countries = vocabularies.countries_by_code()
    in_use = InitiativeCountry.objects.values_list("country_id", flat=True).distinct()
    regions = sorted(vocabularies.regions_by_code().values(), key=lambda r: (r.level != "region", r.name))
    return {
        "kinds": [(value, str(label)) for value, label in Kind.choices],
        "statuses": sorted(vocabularies.codelist("ActivityStatus").items()),
        "outcomes": [(value, str(label)) for value, label in Outcome.choices],
        "countries": sorted(
            ((code, countries[code].name) for code in in_use), key=lambda choice: fold(choice[1])
        ),
        "regions": [(r.code, r.name) for r in regions if r.level in ("region", "sub-region")],
        "country_groups": [(group.code, gettext(group.name)) for group in vocabularies.country_groups()],
        "action_lines": [
            (line.code, f"{line.code} {line.local_title}") for line in vocabularies.action_lines()
        ],
        "sdg_goals": [
            (str(g.number), f"{g.number}. {g.local_short_title}") for g in vocabularies.sdg_goals()
        ],
        "stakeholder_groups": [
            (group.code, gettext(group.name)) for group in vocabularies.stakeholder_groups()
        ],
        "funding_sources": [(source.key, str(source)) for source in FundingSource.objects.all()],
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
@public_page
def initiative_list(request: HttpRequest) -> HttpResponse:
    filters, errors = filters_from_querydict(request.GET)
    canonical = _canonical_url(request, filters)
    has_empty_fields = any(not value.strip() for _key, values in request.GET.lists() for value in values)
    if has_empty_fields and not is_htmx(request) and not errors:
        return redirect(canonical)  # a submitted form sends its empty fields too: drop them
    page = paginate(request, selectors.initiative_list(filters), rows=initiative_rows)
    context = {"filters": filters, "params": filters.model_dump(mode="json"), "errors": errors, "page": page}
    if is_htmx(request):
        response = render(request, "initiatives/_results.html", context)
        response["HX-Push-Url"] = canonical
        patch_vary_headers(response, ["HX-Request"])
        return response
    return render(request, "initiatives/list.html", {**context, "options": _filter_options()})


@require_GET
@public_page
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
