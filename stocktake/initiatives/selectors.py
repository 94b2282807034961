"""Reading initiatives, with their relations fetched in a fixed number of queries."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from stocktake.core.models import HistoryEntry, SourceDocument
from stocktake.core.text import normalise_code
from stocktake.initiatives.choices import ROLE_ORDER, PublicationState
from stocktake.initiatives.filtersets import InitiativeFilters, initiatives_filter
from stocktake.initiatives.models import (
    Conflict,
    Funding,
    Initiative,
    InitiativeActionLine,
    InitiativeCountry,
    InitiativeRelation,
    InitiativeSdgGoal,
    InitiativeSdgTarget,
    Participation,
    Presentation,
    Session,
)
from stocktake.initiatives.rows import InitiativeRow, initiative_rows
from stocktake.organisations.models import Organisation
from stocktake.vocabularies.models import Country, CountryGroup

# For counts through a vocabulary's links (``Count("initiative_links__initiative", filter=...)``).
PUBLISHED_LINK = Q(initiative_links__initiative__state=PublicationState.PUBLISHED)


def initiative_list(filters: InitiativeFilters | None = None) -> QuerySet[Initiative]:
    """Initiatives matching the filters, sorted, for exports (pages and the API search the index).

    Words are looked up in the search index, which gives the ids; the database applies the other
    filters (the index holds the same, a test keeps the two in agreement) and the sort order, where
    relevance becomes code order.
    """
    from stocktake.search.selectors import matching_initiative_ids

    filters = filters or InitiativeFilters()
    # Rows never show these; an export that needs them asks for .defer(None).
    light = Initiative.published.defer(
        "summary", "title_translations", "software", "open_standards", "provenance"
    )
    if filters.q.strip():
        light = light.filter(pk__in=matching_initiative_ids(filters))
    return initiatives_filter(light, filters.structured().model_copy(update={"sort": filters.sort}))


def initiative_by_code(code: str) -> Initiative:
    """The initiative answering to ``code`` (its own or another identifier), with all its page shows."""
    normalised = normalise_code(code)
    queryset = Initiative.objects.select_related(
        "owning_unit__parent", "parent", "venue_country"
    ).prefetch_related(
        Prefetch("country_links", queryset=InitiativeCountry.objects.select_related("country")),
        "region_links__region",
        "country_group_links__group",
        Prefetch(
            "action_line_links", queryset=InitiativeActionLine.objects.select_related("action_line__parent")
        ),
        Prefetch("sdg_target_links", queryset=InitiativeSdgTarget.objects.select_related("target__goal")),
        Prefetch("sdg_goal_links", queryset=InitiativeSdgGoal.objects.select_related("goal")),
        "budgets",
        Prefetch("fundings", queryset=Funding.objects.select_related("funding_source")),
        Prefetch(
            "participations",
            queryset=Participation.objects.select_related(
                "organisation__stakeholder_group", "organisation__parent"
            ),
        ),
        "sections",
        "documents",
        "identifiers",
        "stakeholder_mentions__group",
        "recommendations__addressee",
        Prefetch(
            "sessions",
            queryset=Session.objects.prefetch_related(
                Prefetch("presentations", queryset=Presentation.objects.select_related("organisation"))
            ),
        ),
        Prefetch("conflicts", queryset=Conflict.objects.order_by("field")),
        # Links to other records show published ones only: a draft's title is not public yet.
        Prefetch("children", queryset=Initiative.published.all()),
        Prefetch(
            "relations",
            queryset=InitiativeRelation.objects.filter(
                to_initiative__state=PublicationState.PUBLISHED
            ).select_related("to_initiative"),
        ),
        "tags",
        "sectors",
    )
    initiative = queryset.filter(
        Q(code_normalised=normalised) | Q(identifiers__normalised=normalised)
    ).first()
    if initiative is None:
        raise Http404(f"No initiative has the code {code!r}")
    return initiative


def initiative_history(initiative: Initiative) -> QuerySet[HistoryEntry]:
    """Changes to the initiative and to everything that hangs off it, newest first (everyone's: what a
    viewer may see of them is ``governance.selectors.history_shown``)."""
    content_type = ContentType.objects.get_for_model(Initiative)
    return HistoryEntry.objects.filter(
        Q(content_type=content_type, object_id=str(initiative.pk))
        | Q(parent_content_type=content_type, parent_object_id=str(initiative.pk))
    ).select_related("content_type")


def registry_counts() -> dict[str, int]:
    """Headline numbers for the home page."""
    totals = Initiative.published.aggregate(
        initiatives=Count("pk"),
        partnerships=Count("pk", filter=Q(kind__in=["partnership", "ppp"])),
        commitments=Count("pk", filter=Q(kind="commitment")),
    )
    totals["organisations"] = Organisation.objects.count()
    totals["countries"] = (
        InitiativeCountry.objects.filter(initiative__state=PublicationState.PUBLISHED)
        .values("country")
        .distinct()
        .count()
    )
    return totals


def recent_initiatives(limit: int = 6) -> list[InitiativeRow]:
    return initiative_rows(Initiative.published.order_by("-updated", "code_normalised")[:limit])


def initiatives_covering_country(country: Country) -> list[InitiativeRow]:
    """Initiatives that name a region or a group the country belongs to, without naming the country."""
    groups = CountryGroup.objects.filter(memberships__country=country, memberships__until__isnull=True)
    return initiative_rows(
        Initiative.published.filter(
            Q(region_links__region__code__in=country.region_codes())
            | Q(country_group_links__group__in=groups)
        )
        .exclude(country_links__country=country)
        .distinct()
        .order_by("code_normalised")
    )


def organisation_participations(organisation: Organisation) -> list[Participation]:
    """The organisation's roles in initiatives, by role then code."""
    return sorted(
        Participation.objects.filter(
            organisation=organisation, initiative__state=PublicationState.PUBLISHED
        ).select_related("initiative"),
        key=lambda p: (ROLE_ORDER[p.role], p.initiative.code_normalised),
    )


def source_documents() -> QuerySet[SourceDocument]:
    return SourceDocument.objects.all()
