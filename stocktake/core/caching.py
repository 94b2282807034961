"""Caching public pages without ever showing a stale one.

Every write records a history entry in its own transaction, so the highest history id is a version
of the whole registry: a page cached under one version is never served under another. Cached copies
are only made for visitors who are not signed in, and public pages carry no per-visitor content
(no CSRF token, no session), so one copy serves everybody.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.middleware.gzip import GZipMiddleware, re_accepts_gzip
from django.utils.translation import get_language

from stocktake.core.models import HistoryEntry
from stocktake.core.views import is_htmx


def registry_version() -> int:
    # Asked several times by every public page: plain SQL spares the ORM's compilation (the max of the
    # primary key is read from its index on both databases).
    with connection.cursor() as cursor:
        cursor.execute(_VERSION_SQL)
        row = cursor.fetchone()
    return int(row[0] or 0) if row else 0


_VERSION_SQL = f"SELECT MAX(id) FROM {HistoryEntry._meta.db_table}"  # noqa: S608 - a model's own table


_gzip = GZipMiddleware(lambda request: HttpResponse())


def public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serves a GET page from the cache while nothing in the registry has changed."""

    @wraps(view)
    def cached_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        seconds = settings.PAGE_CACHE_SECONDS
        signed_in = getattr(request, "user", None) is not None and request.user.is_authenticated
        if seconds <= 0 or request.method != "GET" or signed_in:
            return view(request, *args, **kwargs)
        fragment = "fragment" if is_htmx(request) else ""  # a history restore wants the whole page
        # A client that takes gzip gets a copy compressed once, not on every request (GZipMiddleware
        # leaves a compressed response alone). Public pages hold no secret for compression to leak.
        gzip = "gzip" if re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")) else ""
        raw = f"{registry_version()}|{get_language()}|{fragment}|{gzip}|{request.get_full_path()}"
        key = "page:" + hashlib.sha256(raw.encode()).hexdigest()
        response = cache.get(key)
        if response is None:
            response = view(request, *args, **kwargs)
            if response.status_code == 200 and not response.streaming and not response.cookies:
                if gzip:
                    response = _gzip.process_response(request, response)
                cache.set(key, response, seconds)
        return response

    return cached_view
