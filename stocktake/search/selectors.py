"""Searching: the one entry point the web list, the API, feeds and exports share."""

from __future__ import annotations

from dataclasses import dataclass, field

from stocktake.initiatives.filtersets import InitiativeFilters
from stocktake.initiatives.models import Initiative
from stocktake.initiatives.rows import InitiativeRow, initiative_rows
from stocktake.organisations.models import Organisation
from stocktake.search.backends import get_backend
from stocktake.search.backends.base import FacetBucket, Hit, SimilarityProfile
from stocktake.search.query import ParsedQuery, parse_query
from stocktake.search.sync import ensure_fresh

MAX_PER_PAGE = 500
PER_PAGE = 20  # a results page: enough to scan, light on a slow connection
# Results are paged up to here (Elasticsearch's default window too): deeper, narrow the search or
# download the list. Deep pages cost a ranking of everything before them and serve crawlers, not people.
MAX_OFFSET = 10_000


@dataclass
class InitiativeSearch:
    """One page of results, with the facets of the whole result set."""

    filters: InitiativeFilters
    query: ParsedQuery
    total: int
    page: int
    per_page: int
    rows: list[InitiativeRow]
    snippets: dict[int, str] = field(default_factory=dict)  # safe HTML by initiative pk
    facets: dict[str, list[FacetBucket]] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages and self.page * self.per_page < MAX_OFFSET

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def _rows_in_order(hits: list[Hit], *, partners: bool = True) -> list[InitiativeRow]:
    light = Initiative.published.defer("title_translations", "software", "open_standards", "provenance")
    by_pk = {initiative.pk: initiative for initiative in light.filter(pk__in=[hit.pk for hit in hits])}
    return initiative_rows([by_pk[hit.pk] for hit in hits if hit.pk in by_pk], partners=partners)


def search_initiatives(
    filters: InitiativeFilters,
    *,
    page: int = 1,
    per_page: int | None = None,
    facets: bool = True,
    partners: bool = True,
) -> InitiativeSearch:
    """A page of initiatives matching the words and filters, ranked (or sorted), with facet counts.

    ``partners=False``: the rows leave out fundings and participations (a results table shows neither).
    """
    per_page = min(per_page or PER_PAGE, MAX_PER_PAGE)
    offset = min(max(page, 1) - 1, MAX_OFFSET // per_page) * per_page
    page = offset // per_page + 1
    backend = get_backend()
    ensure_fresh(backend)
    query = parse_query(filters.q)
    result = backend.search(
        query, filters, offset=offset, limit=per_page, facets=facets, snippets=bool(query)
    )
    return InitiativeSearch(
        filters=filters,
        query=query,
        total=result.total,
        page=page,
        per_page=per_page,
        rows=_rows_in_order(result.hits, partners=partners),
        snippets={hit.pk: hit.snippet for hit in result.hits if hit.snippet},
        facets=result.facets,
    )


def matching_initiative_ids(filters: InitiativeFilters) -> list[int]:
    """Every initiative matching, in result order (exports and feeds read them in chunks)."""
    backend = get_backend()
    ensure_fresh(backend)
    return backend.matching_ids(parse_query(filters.q), filters)


def search_organisations(text: str, *, limit: int = 10) -> tuple[int, list[Organisation]]:
    """(how many match, the best ``limit``) of organisations for the words."""
    query = parse_query(text)
    if not query:
        return 0, []
    backend = get_backend()
    ensure_fresh(backend)
    result = backend.search_organisations(query, limit=limit)
    by_pk = Organisation.objects.in_bulk([hit.pk for hit in result.hits])
    return result.total, [by_pk[hit.pk] for hit in result.hits if hit.pk in by_pk]


def similar_hits(profile: SimilarityProfile, *, limit: int = 50) -> list[Hit]:
    """Candidates for similar cases, ranked by the backend (``search.similar`` explains them)."""
    backend = get_backend()
    ensure_fresh(backend)
    return backend.similar(profile, limit=limit)
