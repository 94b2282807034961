"""The client's address, for sign-in throttling and API rate limits."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str | None:
    """The address the request came from.

    Directly: the connection's (REMOTE_ADDR); a forwarded-for header is whatever the client says,
    and would let an attacker pick a fresh address for every guess. Behind our reverse proxy
    (``STOCKTAKE_BEHIND_PROXY``): the last X-Forwarded-For entry, the one the proxy itself appended;
    the entries before it came from the client and are not trusted.
    """
    if settings.BEHIND_PROXY:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if forwarded:
            return forwarded[-1][:45]
    return request.META.get("REMOTE_ADDR") or None
