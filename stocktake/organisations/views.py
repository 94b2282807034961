"""Public pages of organisations."""

from __future__ import annotations

from itertools import groupby

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from stocktake.core.caching import public_page
from stocktake.core.views import is_htmx, paginate
from stocktake.initiatives import selectors as initiatives
from stocktake.initiatives.choices import PartnerRole, PublicationState
from stocktake.organisations import selectors
from stocktake.vocabularies import selectors as vocabularies


@require_GET
@public_page
def organisation_list(request: HttpRequest) -> HttpResponse:
    params = {key: request.GET.get(key, "").strip()[:200] for key in ("q", "stakeholder_group", "country")}
    page = paginate(request, selectors.organisation_list(**params))
    context = {"page": page, "params": params, "stakeholder_groups": vocabularies.stakeholder_groups()}
    template = "organisations/_results.html" if is_htmx(request) else "organisations/list.html"
    return render(request, template, context)


@require_GET
@public_page
def organisation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = selectors.organisation_by_slug(slug)
    participations = initiatives.organisation_participations(organisation)
    by_role = [
        (PartnerRole(role).label, list(group)) for role, group in groupby(participations, lambda p: p.role)
    ]
    return render(
        request,
        "organisations/detail.html",
        {
            "organisation": organisation,
            "by_role": by_role,
            "owned": organisation.owned_initiatives.filter(state=PublicationState.PUBLISHED).order_by(
                "code_normalised"
            ),
        },
    )
