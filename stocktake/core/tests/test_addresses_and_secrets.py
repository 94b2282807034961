"""Client addresses behind a proxy, and secrets that never reach the history."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory

from stocktake.accounts.models import ApiToken
from stocktake.accounts.services import token_create
from stocktake.accounts.tests.factories import actor_for, make_user
from stocktake.core.addresses import client_address
from stocktake.core.models import HistoryEntry


def test_client_address_trusts_only_the_proxy_appended_entry(settings: Any) -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    settings.BEHIND_PROXY = False
    assert client_address(request) == "10.0.0.2"  # a client's own header counts for nothing
    settings.BEHIND_PROXY = True
    assert client_address(request) == "203.0.113.9"  # not the 6.6.6.6 the client wrote itself


@pytest.mark.django_db
def test_password_hashes_and_token_digests_never_reach_the_history() -> None:
    user = make_user()
    token, _raw = token_create(actor=actor_for(user), name="ci", scope="write")
    entries = HistoryEntry.objects.filter(actor__isnull=True) | HistoryEntry.objects.filter(actor=user)
    stored = " ".join(str(entry.before) + str(entry.after) for entry in entries)
    assert user.password not in stored and "pbkdf2" not in stored
    assert ApiToken.objects.get(pk=token.pk).digest not in stored
    assert HistoryEntry.objects.filter(object_repr__contains=user.email).exists()
