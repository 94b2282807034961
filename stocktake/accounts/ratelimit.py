"""Rate limiting of the API, per token and per client address, in fixed one-minute windows.

A request that carries a valid token counts against its token (``API_RATE_PER_TOKEN`` a minute);
any other request (anonymous, signed in through the browser, or with a key that is not valid) counts
against its client address (``API_RATE_PER_ADDRESS``). Tokens are not also counted per address: a
ministry's staff often share one address, and one busy script must not lock the others out.

Counts live in Django's cache (atomic ``add`` then ``incr``). With the default local-memory cache each
process counts on its own, so a deployment that runs several processes needs a shared cache (Redis,
Memcached or the database cache, through ``CACHES``) for the limits to hold across them.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from stocktake.accounts.models import ApiToken
from stocktake.accounts.services import token_authenticate
from stocktake.core import addresses

API_PREFIX = "/api/"
WINDOW = 60  # seconds: the limits are requests per minute

# The token found on the request, kept so that the API's authentication does not look it up again.
TOKEN_ATTRIBUTE = "_stocktake_api_token"  # noqa: S105 (an attribute name)
_UNSET = object()


def _clock() -> float:
    """The time in seconds; a function of its own so that tests can move it."""
    return time.time()


def bearer_key(request: HttpRequest) -> str | None:
    """The key sent as ``Authorization: Bearer <key>``, or None when no bearer key is sent."""
    scheme, _sep, key = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        return None
    return key.strip()


def request_token(request: HttpRequest) -> ApiToken | None:
    """The active token the request carries, looked up once per request."""
    cached = getattr(request, TOKEN_ATTRIBUTE, _UNSET)
    if isinstance(cached, ApiToken) or cached is None:
        return cached
    key = bearer_key(request)
    token = token_authenticate(key) if key else None
    setattr(request, TOKEN_ATTRIBUTE, token)
    return token


def client_address(request: HttpRequest) -> str:
    return addresses.client_address(request) or "unknown"


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    retry_after: int = 0  # seconds until the window ends


def rate_hit(key: str, limit: int) -> RateDecision:
    """Counts one request under ``key`` in the current window; refused once the count passes ``limit``."""
    now = _clock()
    window_start = int(now // WINDOW) * WINDOW
    cache_key = f"api-rate:{key}:{window_start}"
    # The entry outlives its window a little, so a late increment never lands on an expired key.
    if cache.add(cache_key, 1, timeout=WINDOW + 5):
        count = 1
    else:
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between the two calls: this request opens the window again
            cache.add(cache_key, 1, timeout=WINDOW + 5)
            count = 1
    if count > limit:
        return RateDecision(False, max(1, math.ceil(window_start + WINDOW - now)))
    return RateDecision(True)


class ApiRateLimitMiddleware:
    """Answers 429, with ``Retry-After``, to API requests over their per-minute limit."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        token = request_token(request)
        if token is not None:
            decision = rate_hit(f"token:{token.pk}", settings.API_RATE_PER_TOKEN)
            message = _("Too many requests with this token: at most %(limit)d a minute.") % {
                "limit": settings.API_RATE_PER_TOKEN
            }
        else:
            decision = rate_hit(f"address:{client_address(request)}", settings.API_RATE_PER_ADDRESS)
            message = _(
                "Too many requests from your address: at most %(limit)d a minute. "
                "Clients that need more use an API token."
            ) % {"limit": settings.API_RATE_PER_ADDRESS}
        if decision.allowed:
            return self.get_response(request)
        response = JsonResponse({"detail": message, "retry_after": decision.retry_after}, status=429)
        response["Retry-After"] = str(decision.retry_after)
        return response
