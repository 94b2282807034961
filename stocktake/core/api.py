"""Pieces shared by the API routers."""

from typing import Any

from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PaginationBase


class Pagination(PaginationBase):
    """Page-number pagination: ``count`` and ``items``, up to 500 rows a page, 50 by default."""

    class Input(Schema):
        page: int = Field(1, ge=1)
        page_size: int = Field(50, ge=1, le=500)

    class Output(Schema):
        count: int
        page: int
        page_size: int
        items: list[Any]

    items_attribute = "items"

    def prepare(self, items: list[Any]) -> list[Any]:
        """Turns a page of objects into what the response schema reads (subclasses override)."""
        return items

    def paginate_queryset(
        self, queryset: Any, pagination: Input, request: HttpRequest, **params: Any
    ) -> dict[str, Any]:
        start = (pagination.page - 1) * pagination.page_size
        return {
            "count": queryset.count(),
            "page": pagination.page,
            "page_size": pagination.page_size,
            "items": self.prepare(list(queryset[start : start + pagination.page_size])),
        }
