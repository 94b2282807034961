"""The configured search backend (``STOCKTAKE_SEARCH_BACKEND``), one instance per process."""

from __future__ import annotations

import threading

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from stocktake.search.backends.base import SearchBackend

_lock = threading.Lock()
_backend: SearchBackend | None = None
_backend_key: tuple[str, str] | None = None


def _create(name: str) -> SearchBackend:
    if name == "tantivy":
        from stocktake.search.backends.tantivy_backend import TantivyBackend

        return TantivyBackend(settings.SEARCH_INDEX_DIR)
    if name == "postgres":
        from stocktake.search.backends.postgres_backend import PostgresBackend

        return PostgresBackend()
    raise ImproperlyConfigured(f"STOCKTAKE_SEARCH_BACKEND must be tantivy or postgres, not {name!r}.")


def get_backend() -> SearchBackend:
    """The backend the settings name (re-created when tests change the settings)."""
    global _backend, _backend_key
    key = (settings.SEARCH_BACKEND, str(settings.SEARCH_INDEX_DIR))
    with _lock:
        if _backend is None or _backend_key != key:
            if _backend is not None:
                _backend.close()
            _backend = _create(settings.SEARCH_BACKEND)
            _backend_key = key
        return _backend


def reset_backend() -> None:
    global _backend, _backend_key
    with _lock:
        if _backend is not None:
            _backend.close()
        _backend, _backend_key = None, None
