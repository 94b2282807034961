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
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language

from stocktake.core.models import HistoryEntry
from stocktake.core.views import is_htmx


def registry_version() -> int:
    return HistoryEntry.objects.aggregate(version=Max("id"))["version"] or 0


def public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serves a GET page from the cache while nothing in the registry has changed."""

    @wraps(view)
    def cached_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        seconds = settings.PAGE_CACHE_SECONDS
        signed_in = getattr(request, "user", None) is not None and request.user.is_authenticated
        if seconds <= 0 or request.method != "GET" or signed_in:
            return view(request, *args, **kwargs)
        fragment = "fragment" if is_htmx(request) else ""  # a history restore wants the whole page
        raw = f"{registry_version()}|{get_language()}|{fragment}|{request.get_full_path()}"
        key = "page:" + hashlib.sha256(raw.encode()).hexdigest()
        response = cache.get(key)
        if response is None:
            response = view(request, *args, **kwargs)
            if response.status_code == 200 and not response.streaming and not response.cookies:
                cache.set(key, response, seconds)
        return response

    return cached_view
