"""The backend every search test runs on: Tantivy always, PostgreSQL's on a PostgreSQL database."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from stocktake.search.backends import reset_backend


@pytest.fixture(params=["tantivy", "postgres"])
def backend(request: Any, settings: Any) -> str:
    if request.param == "postgres" and connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL backend needs a PostgreSQL database")
    settings.SEARCH_BACKEND = request.param
    reset_backend()
    return request.param
