"""Test set-up shared by every app: the vocabularies are loaded once into the test database."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from stocktake.core.choices import ChangeSource
from stocktake.core.history import Actor
from stocktake.demo.services import demo_load
from stocktake.search.backends import reset_backend
from stocktake.vocabularies.selectors import clear_caches
from stocktake.vocabularies.services import vocabularies_load


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any) -> None:
    # Every test runs in a transaction rolled back at its end, so these rows stay for all of them.
    # The load commits, so the search index follows it: into a directory of its own, never var/.
    with django_db_blocker.unblock(), override_settings(SEARCH_INDEX_DIR=tmp_path_factory.mktemp("index")):
        vocabularies_load(actor=Actor.system("test set-up"))
        reset_backend()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # Real hashing costs a third of a second per password on purpose; tests make hundreds of people.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _plain_static_files(settings: Any) -> None:
    # Tests do not run collectstatic, so static URLs come unhashed.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    # Rolled-back tests reuse history ids on SQLite, so cached pages must not outlive a test.
    clear_caches()
    cache.clear()
    yield
    clear_caches()
    cache.clear()


@pytest.fixture(autouse=True)
def _own_search_index(settings: Any, tmp_path: Any) -> Iterator[None]:
    # Each test's data is rolled back at its end, so each test gets an index of its own.
    settings.SEARCH_INDEX_DIR = tmp_path / "search-index"
    settings.SEARCH_BACKEND = "tantivy"
    yield
    reset_backend()


@pytest.fixture
def actor() -> Actor:
    return Actor.system("tester", source=ChangeSource.CLI)


@pytest.fixture
def client() -> Client:
    return Client(HTTP_HOST="127.0.0.1")


@pytest.fixture
def demo(db: Any, actor: Actor) -> Any:
    """The demo data, loaded through the services as `stocktake serve` does."""
    return demo_load(actor=actor)
