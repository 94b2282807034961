"""``/api/v1/initiatives``: the list (same filters as the web list) and one initiative by code."""

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.errors import HttpError

from stocktake.core.caching import public_page
from stocktake.initiatives import selectors
from stocktake.initiatives.choices import PublicationState
from stocktake.initiatives.filtersets import InitiativeFilters
from stocktake.initiatives.rows import InitiativeRow, initiative_rows
from stocktake.initiatives.schemas import InitiativeDetailOut, InitiativeOut
from stocktake.search.selectors import MAX_OFFSET, MAX_PER_PAGE, search_initiatives

router = Router(tags=["initiatives"])


class InitiativePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[InitiativeOut]


class FacetCount(Schema):
    key: str
    count: int


class FacetsOut(Schema):
    count: int
    facets: dict[str, list[FacetCount]]


class PageParams(Schema):
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=MAX_PER_PAGE)


@router.get("", response=InitiativePage, summary="Search and list initiatives")
@decorate_view(public_page)
def list_initiatives(
    request: HttpRequest, filters: Query[InitiativeFilters], paging: Query[PageParams]
) -> dict[str, Any]:
    """Initiatives matching the words (``q``: words, "a phrase", -exclude, OR) and every filter given;
    several values of one filter match any of them. Ranked by relevance when ``q`` is given."""
    if (paging.page - 1) * paging.page_size >= MAX_OFFSET:
        raise HttpError(
            400,
            f"Only the first {MAX_OFFSET:,} results are paged: narrow the search, or download the whole "
            "list with the same filters from /export/initiatives.csv, .xlsx or .xml.",
        )
    result = search_initiatives(filters, page=paging.page, per_page=paging.page_size, facets=False)
    return {"count": result.total, "page": result.page, "page_size": paging.page_size, "items": result.rows}


@router.get("/facets", response=FacetsOut, summary="Facet counts of a search")
@decorate_view(public_page)
def initiative_facets(request: HttpRequest, filters: Query[InitiativeFilters]) -> dict[str, Any]:
    """For each facet, its values with the number of initiatives the list would hold with that value
    chosen in place of the facet's current choice (the other filters kept). ``start_year`` counts by
    year, ``budget`` by band of original budgets in US dollars."""
    result = search_initiatives(filters, per_page=1, facets=True)
    return {"count": result.total, "facets": result.facets}


@router.get("/{code}", response=InitiativeDetailOut, summary="One initiative")
@decorate_view(public_page)
def get_initiative(request: HttpRequest, code: str) -> InitiativeRow:
    """An initiative by its code or any other identifier (``INT13001`` or ``INT/13/001``).

    Published records only: 404 for the others (editors read them at ``/api/v1/records/{code}``),
    410 with the reason for a withdrawn one."""
    initiative = selectors.initiative_by_code(code)
    if initiative.state == PublicationState.WITHDRAWN:
        raise HttpError(410, f"{initiative.code} was withdrawn: {initiative.withdrawn_reason}")
    if not initiative.is_public:
        raise HttpError(404, f"No initiative has the code {code!r}")
    return initiative_rows([initiative])[0]
