"""``/api/v1/initiatives``: the list (same filters as the web list) and one initiative by code."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router
from ninja.decorators import decorate_view
from ninja.pagination import paginate

from stocktake.core.api import Pagination
from stocktake.core.caching import public_page
from stocktake.initiatives import selectors
from stocktake.initiatives.filtersets import InitiativeFilters
from stocktake.initiatives.models import Initiative
from stocktake.initiatives.rows import InitiativeRow, initiative_rows
from stocktake.initiatives.schemas import InitiativeDetailOut, InitiativeOut

router = Router(tags=["initiatives"])


class InitiativePagination(Pagination):
    def prepare(self, items: list[Any]) -> list[Any]:
        return initiative_rows(items)


@router.get("", response=list[InitiativeOut], summary="List initiatives")
@decorate_view(public_page)
@paginate(InitiativePagination)
def list_initiatives(request: HttpRequest, filters: Query[InitiativeFilters]) -> QuerySet[Initiative]:
    """Initiatives matching every filter given; several values of one filter match any of them."""
    return selectors.initiative_list(filters)


@router.get("/{code}", response=InitiativeDetailOut, summary="One initiative")
@decorate_view(public_page)
def get_initiative(request: HttpRequest, code: str) -> InitiativeRow:
    """An initiative by its code or any other identifier (``INT13001`` or ``INT/13/001``)."""
    return initiative_rows([selectors.initiative_by_code(code)])[0]
