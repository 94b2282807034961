"""Reading organisations."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from stocktake.initiatives.choices import PublicationState
from stocktake.organisations.models import Organisation, OrganisationAlias


def organisation_list(
    *, q: str = "", stakeholder_group: str = "", country: str = ""
) -> QuerySet[Organisation]:
    queryset = Organisation.objects.select_related("stakeholder_group", "country", "parent").annotate(
        initiative_count=Count(
            "participations__initiative",
            distinct=True,
            filter=Q(participations__initiative__state=PublicationState.PUBLISHED),
        )
    )
    for word in q.split():
        queryset = queryset.filter(
            Q(name__icontains=word)
            | Q(acronym__iexact=word)
            | Exists(OrganisationAlias.objects.filter(organisation=OuterRef("pk"), name__icontains=word))
        )
    if stakeholder_group:
        queryset = queryset.filter(stakeholder_group_id=stakeholder_group)
    if country:
        queryset = queryset.filter(country_id=country.upper())
    return queryset.order_by("name", "pk")


def organisation_by_slug(slug: str) -> Organisation:
    return get_object_or_404(
        Organisation.objects.select_related("stakeholder_group", "country", "parent").prefetch_related(
            "aliases", Prefetch("units", queryset=Organisation.objects.order_by("name"))
        ),
        slug=slug,
    )
