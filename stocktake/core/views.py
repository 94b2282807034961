"""Helpers shared by the public views."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest


def is_htmx(request: HttpRequest) -> bool:
    """True when htmx asks for a fragment to swap in place (the full page otherwise)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def paginate(
    request: HttpRequest,
    queryset: QuerySet[Any],
    per_page: int | None = None,
    rows: Callable[[list[Any]], list[Any]] | None = None,
) -> Page:
    """The requested page; ``rows`` turns its objects into what the page shows (e.g. list rows)."""
    page = Paginator(queryset, per_page or settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    if rows is not None:
        page.object_list = rows(list(page.object_list))
    return page
