"""Public pages of initiatives: the filtered list and one initiative's page."""

from __future__ import annotations

import logging
from itertools import groupby
from typing import Any
from urllib.parse import urlencode

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext
from django.views.decorators.http import require_GET
from markupsafe import Markup

from stocktake.core.caching import public_page, registry_version
from stocktake.core.text import fold
from stocktake.core.views import is_htmx
from stocktake.governance.checklist import CHECKLIST
from stocktake.governance.permissions import can_view
from stocktake.governance.selectors import history_shown, published_review, with_shown_actors
from stocktake.initiatives import selectors
from stocktake.initiatives.choices import ROLE_ORDER, Kind, Outcome, PartnerRole, PublicationState, Scope
from stocktake.initiatives.filtersets import SORTS, InitiativeFilters, filters_from_querydict
from stocktake.initiatives.models import FundingSource, InitiativeCountry
from stocktake.jinja2 import query, url
from stocktake.monitoring.panels import public_panels
from stocktake.search.facets import build_facet_labels, facet_groups, list_href
from stocktake.search.selectors import search_initiatives, search_organisations
from stocktake.search.services import search_params, search_query_string
from stocktake.search.similar import SimilarCase, similar_initiatives
from stocktake.search.views import LOGIN_URL, feed_href
from stocktake.vocabularies import selectors as vocabularies


def _filter_options() -> dict[str, Any]:
    """The choices of each filter, in the visitor's language, rebuilt when the registry changes."""
    key = f"initiative-filter-options:{registry_version()}:{translation.get_language()}"
    options = cache.get(key)
    if options is None:
        options = _build_filter_options()
        cache.set(key, options)
    return options


def _build_filter_options() -> dict[str, Any]:
    countries = vocabularies.countries_by_code()
    in_use = InitiativeCountry.objects.values_list("country_id", flat=True).distinct()
    regions = sorted(vocabularies.regions_by_code().values(), key=lambda r: (r.level != "region", r.name))
    funding_sources = list(FundingSource.objects.all())
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
        "funding_sources": [(source.key, str(source)) for source in funding_sources],
        "scopes": [(value, str(label)) for value, label in Scope.choices],
        "sorts": SORTS,
        "labels": build_facet_labels(funding_sources),  # every facet value's name
    }


def _canonical_url(request: HttpRequest, filters: InitiativeFilters, page: int = 1) -> str:
    """The list's address with only the filters that are set, so it can be shared and bookmarked."""
    params = search_params(filters)
    if page > 1:
        params["page"] = page
    return request.path + (f"?{urlencode(params, doseq=True)}" if params else "")


@require_GET
@public_page
def initiative_list(request: HttpRequest) -> HttpResponse:
    """The search page: words, facets with counts, ranked results, a feed and saving for signed-in people."""
    filters, errors = filters_from_querydict(request.GET)
    raw_page = request.GET.get("page", "").strip()
    requested = int(raw_page) if raw_page.isdigit() and int(raw_page) > 0 else 1
    htmx = is_htmx(request)
    has_empty_fields = any(not value.strip() for _key, values in request.GET.lists() for value in values)
    if has_empty_fields and not htmx and not errors:
        # A submitted form sends its empty fields too: drop them.
        return redirect(_canonical_url(request, filters, requested))
    search = search_initiatives(filters, page=requested, facets=True, partners=False)
    if search.page > search.pages:  # past the last page: the last one
        search = search_initiatives(filters, page=search.pages, facets=True, partners=False)
    canonical = _canonical_url(request, filters, search.page)
    if search.page != requested and not htmx and not errors:
        return redirect(canonical)
    options = _filter_options()
    default_sort = "relevance" if filters.q else "code"
    params = search_params(filters)
    context = {
        "filters": filters,
        "state": filters.model_dump(mode="json"),
        "params": params,
        "errors": errors,
        "search": search,
        # The backend escapes the text and adds only <mark>.
        "snippets": {pk: Markup(html) for pk, html in search.snippets.items()},  # noqa: S704
        "facets": facet_groups(search, options["labels"], options),
        "organisations": search_organisations(filters.q, limit=5) if filters.q else (0, []),
        "default_sort": default_sort,
        "sort_value": params.get("sort", ""),
        "sort_options": [sort for sort in SORTS if sort not in ("relevance", default_sort)],
        "filtered": bool(set(params) - {"q", "sort"}),
        "clear_all_href": list_href({key: params[key] for key in ("q", "sort") if key in params}),
        "feed_url": feed_href(filters),
        "experiences_href": _experiences_href(filters) if not search.total else "",
        "query_string": search_query_string(filters),
        "signed_in": request.user.is_authenticated,
        "login_url": f"{LOGIN_URL}?{urlencode({'next': canonical})}",
        "htmx": htmx,
    }
    if htmx:
        response = render(request, "initiatives/_results.html", context)
        response["HX-Push-Url"] = canonical
        patch_vary_headers(response, ["HX-Request"])
        return response
    return render(request, "initiatives/list.html", context)


def _experiences_href(filters: InitiativeFilters) -> str:
    """The experiences page for the situation a search describes: when nothing matches all of it, the
    closest experiences (same themes, similar places, the words) may still teach something."""
    situation = {
        "q": filters.q.strip(),
        "country": filters.country[0].upper() if filters.country else "",
        "country_group": filters.country_group[0] if filters.country_group else "",
        "wsis": list(filters.wsis),
        "sdg": [str(value) for value in filters.sdg],
    }
    if not any(situation.values()):
        return ""
    return url("experiences:search") + query(situation)


@require_GET
@public_page
def initiative_detail(request: HttpRequest, code: str) -> HttpResponse:
    initiative = selectors.initiative_by_code(code)
    if initiative.state == PublicationState.WITHDRAWN:
        # Gone, and said why: links to the record meet the reason rather than a bare "not found".
        return render(
            request,
            "initiatives/withdrawn.html",
            {"initiative": initiative, "can_view": can_view(request.user, initiative)},
            status=410,
        )
    if not initiative.is_public:
        if can_view(request.user, initiative):
            return redirect("governance:record", initiative.code_normalised)
        raise Http404(gettext("No initiative has this code."))
    if code != initiative.code_normalised:
        return redirect(initiative, permanent=True)
    participations = sorted(initiative.participations.all(), key=lambda p: ROLE_ORDER[p.role])
    partners_by_role = [
        (PartnerRole(role).label, list(group)) for role, group in groupby(participations, lambda p: p.role)
    ]
    conflicts = {conflict.field: conflict for conflict in initiative.conflicts.all()}
    similar: list[SimilarCase] = []
    try:
        similar = similar_initiatives(initiative)
    except Exception:
        # Similar cases are a help, not the page: without the search index the page still answers.
        logging.getLogger(__name__).exception(
            "Similar initiatives of %s could not be found.", initiative.code
        )
    return render(
        request,
        "initiatives/detail.html",
        {
            "initiative": initiative,
            "partners_by_role": partners_by_role,
            "conflicts": conflicts,
            "history": with_shown_actors(list(history_shown(initiative, request.user)[:200]), request.user),
            "similar": similar,
            "review": published_review(initiative),
            "monitoring": public_panels(initiative, request.user),
            "checklist": CHECKLIST,
        },
    )
