"""Calling the API in tests: tokens made through the service, JSON bodies, bearer headers."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from stocktake.accounts.choices import TokenScope
from stocktake.accounts.services import token_create
from stocktake.accounts.tests.factories import actor_for


def make_token(user: Any, scope: str = TokenScope.WRITE, name: str = "test script") -> str:
    """A new token's key, as its owner would copy it from the web page."""
    _token, raw = token_create(actor=actor_for(user), name=name, scope=scope)
    return raw


def call(
    client: Client,
    method: str,
    path: str,
    body: Any = None,
    *,
    key: str | None = None,
    address: str = "127.0.0.1",
) -> Any:
    """Sends ``body`` as JSON with ``key`` as the bearer token, from ``address``; returns the response."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    kwargs: dict[str, Any] = {"headers": headers, "REMOTE_ADDR": address}
    if body is not None:
        kwargs |= {"data": json.dumps(body), "content_type": "application/json"}
    elif method.lower() != "get":
        kwargs |= {"data": b"", "content_type": "application/json"}  # as curl -X POST sends: no body
    return getattr(client, method.lower())(path, **kwargs)
