"""Keeping the index in step: the history as its to-do list, gaps, rebuilds and the command."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction

from stocktake.core.caching import registry_version
from stocktake.core.history import Actor
from stocktake.initiatives import services
from stocktake.initiatives.filtersets import InitiativeFilters
from stocktake.initiatives.tests.factories import make_initiative
from stocktake.search.backends import get_backend
from stocktake.search.backends.base import IndexState
from stocktake.search.selectors import search_initiatives
from stocktake.search.sync import GAP_PATIENCE, _advance, ensure_fresh, rebuild, sync


def found(text: str) -> list[str]:
    return [row.code for row in search_initiatives(InitiativeFilters(q=text), facets=False).rows]


def test_history_ids_seen_out_of_order_leave_gaps_that_later_fill() -> None:
    state = IndexState(watermark=10)
    # 12 and 13 are not committed yet (PostgreSQL hands out ids before commit): they are gaps.
    after = _advance(state, [11, 14, 15], now=100.0)
    assert after.watermark == 15 and after.gaps == [(12, 13, 100.0)]
    after = _advance(after, [13], now=200.0)
    assert after.gaps == [(12, 12, 100.0)]
    assert _advance(after, [], now=100.0 + GAP_PATIENCE + 1).gaps == []  # rolled back: forgotten


@pytest.mark.django_db
def test_a_committed_write_is_indexed_by_the_writer(django_capture_on_commit_callbacks: Any) -> None:
    make_initiative(code="A", title="Mangroves")
    ensure_fresh()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        make_initiative(code="B", title="Seagrass")
    # The writer's commit ran the sync: the index is up to date before anybody searches.
    state = get_backend().state()
    assert state is not None and state.watermark == registry_version()
    assert found("seagrass") == ["B"]


@pytest.mark.django_db
def test_a_rolled_back_write_never_reaches_the_index() -> None:
    make_initiative(code="A", title="Mangroves")
    with pytest.raises(RuntimeError), transaction.atomic():
        make_initiative(code="B", title="Seagrass")
        ensure_fresh()  # inside the transaction: it must not index what may be rolled back
        raise RuntimeError("rolled back")
    assert found("seagrass") == []
    assert found("mangroves") == ["A"]


@pytest.mark.django_db
def test_the_command_rebuilds_syncs_and_reports(actor: Actor, settings: Any) -> None:
    initiative = make_initiative(code="A", title="Mangroves")
    out = StringIO()
    call_command("search_index", "--no-progress", stdout=out, stderr=StringIO())
    assert "1 initiatives" in out.getvalue()
    first = sorted(p.name for p in settings.SEARCH_INDEX_DIR.iterdir() if p.name.startswith("index-"))
    services.initiative_update(actor=actor, initiative=initiative, title="Seagrass meadows")
    out = StringIO()
    call_command("search_index", "--sync", stdout=out)
    assert "1 change(s)" in out.getvalue()
    rebuild()
    second = sorted(p.name for p in settings.SEARCH_INDEX_DIR.iterdir() if p.name.startswith("index-"))
    assert len(second) == 1 and second != first  # the new index replaced the old one
    assert found("meadows") == ["A"]
    out = StringIO()
    call_command("search_index", "--status", stdout=out)
    assert "1 initiatives" in out.getvalue() and "0 gap(s)" in out.getvalue()
    assert sync() == 0


@pytest.mark.django_db
def test_servers_with_an_index_each_follow_the_same_database(
    actor: Actor, settings: Any, tmp_path: Any
) -> None:
    """Several web servers need no shared directory: each keeps a Tantivy index of its own, and each
    index follows the history in the database."""
    settings.SEARCH_BACKEND = "tantivy"
    web_1, web_2 = tmp_path / "web-1", tmp_path / "web-2"
    initiative = make_initiative(code="A", title="Mangroves")
    for directory in (web_1, web_2):
        settings.SEARCH_INDEX_DIR = directory
        assert found("mangroves") == ["A"]  # each builds its index at its first search
    settings.SEARCH_INDEX_DIR = web_1
    services.initiative_update(actor=actor, initiative=initiative, title="Seagrass meadows")
    assert found("seagrass") == ["A"]
    settings.SEARCH_INDEX_DIR = web_2  # it never saw the edit: its next search reads it from the history
    assert found("seagrass") == ["A"] and found("mangroves") == []
