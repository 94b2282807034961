"""Keeping the index in step with the database, through the history every service write records.

No write may escape the history (``core.history``), so the history is the index's to-do list: an
entry names the record it changed, or the initiative or organisation its row hangs off. ``sync`` reads
the entries the index has not seen, rebuilds those records' documents and hands them to the backend
with the new state, in one change. It runs after every committed write (``request_sync``) and, as a
safety net, before every search (``ensure_fresh``): a search never answers from an index older than
what is committed, whichever process wrote it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Q

from stocktake.core.caching import registry_version
from stocktake.core.models import HistoryEntry
from stocktake.initiatives.models import Initiative
from stocktake.organisations.models import Organisation
from stocktake.search.backends import get_backend
from stocktake.search.backends.base import SCHEMA_VERSION, DocumentBatch, IndexState, SearchBackend
from stocktake.search.documents import (
    all_ids,
    initiative_documents,
    initiative_ids_of_organisations,
    organisation_documents,
)

logger = logging.getLogger(__name__)

GAP_PATIENCE = 6 * 3600.0  # seconds a missing history id is waited for (an open transaction)
BATCH = 2000
_process_lock = threading.Lock()

Progress = Callable[[int, int], None]


def _user_transaction_open() -> bool:
    """True inside a transaction the code opened (not the one a test case wraps each test in).

    What such a transaction wrote may still be rolled back, so it must not reach the index.
    """
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


def ensure_fresh(backend: SearchBackend | None = None) -> None:
    """Brings the index up to what is committed, if it is behind (cheap when it is not)."""
    backend = backend or get_backend()
    if _user_transaction_open():
        return
    state = backend.state()
    if state is None or state.schema_version != SCHEMA_VERSION:
        rebuild(backend)
        return
    if registry_version() > state.watermark or state.gaps:
        sync(backend)


def _ranges_query(gaps: list[tuple[int, int, float]]) -> Q:
    condition = Q(pk__in=[])
    for first, last, _seen in gaps:
        condition |= Q(pk__gte=first, pk__lte=last)
    return condition


def sync(backend: SearchBackend | None = None) -> int:
    """Indexes what changed since the backend's state; returns how many history entries were read."""
    backend = backend or get_backend()
    with _process_lock, backend.locked():
        state = backend.state()
        if state is None or state.schema_version != SCHEMA_VERSION:
            rebuild(backend, locked=True)
            return 0
        now = time.time()
        entries = (
            HistoryEntry.objects.filter(Q(pk__gt=state.watermark) | _ranges_query(state.gaps))
            .order_by("pk")
            .values_list("pk", "content_type_id", "object_id", "parent_content_type_id", "parent_object_id")
        )
        initiative_type = ContentType.objects.get_for_model(Initiative).pk
        organisation_type = ContentType.objects.get_for_model(Organisation).pk
        initiatives: set[int] = set()
        organisations: set[int] = set()
        seen: list[int] = []
        for pk, type_id, object_id, parent_type_id, parent_id in entries.iterator(chunk_size=BATCH):
            seen.append(pk)
            for kind, key in ((type_id, object_id), (parent_type_id, parent_id)):
                if kind == initiative_type and key:
                    initiatives.add(int(key))
                elif kind == organisation_type and key:
                    organisations.add(int(key))
        if not seen and not state.gaps:
            return 0
        new_state = _advance(state, seen, now)
        if initiatives or organisations or new_state != state:
            initiatives.update(initiative_ids_of_organisations(sorted(organisations)))
            _write(backend, sorted(initiatives), sorted(organisations), new_state)
        return len(seen)


def _advance(state: IndexState, seen: list[int], now: float) -> IndexState:
    """The state after reading ``seen`` (ascending ids): a new watermark, gaps filled or new ones."""
    seen_set = set(seen)
    gaps: list[tuple[int, int, float]] = []
    for first, last, since in state.gaps:
        if now - since > GAP_PATIENCE:
            continue
        start = None
        for pk in range(first, last + 1):
            if pk in seen_set:
                if start is not None:
                    gaps.append((start, pk - 1, since))
                    start = None
            elif start is None:
                start = pk
        if start is not None:
            gaps.append((start, last, since))
    expected = state.watermark + 1
    for pk in seen:
        if pk <= state.watermark:
            continue
        if pk > expected:
            gaps.append((expected, pk - 1, now))
        expected = pk + 1
    watermark = max(state.watermark, expected - 1)
    return IndexState(watermark=watermark, gaps=gaps, schema_version=SCHEMA_VERSION)


def _write(
    backend: SearchBackend, initiative_ids: list[int], organisation_ids: list[int], state: IndexState
) -> None:
    """Writes the documents in batches; the state goes with the last batch, so a crash re-does them."""
    batches = max(1, -(-len(initiative_ids) // BATCH), -(-len(organisation_ids) // BATCH))
    for number in range(batches):
        some_initiatives = initiative_ids[number * BATCH : (number + 1) * BATCH]
        some_organisations = organisation_ids[number * BATCH : (number + 1) * BATCH]
        initiatives = initiative_documents(some_initiatives)
        organisations = organisation_documents(some_organisations)
        found_initiatives = {doc.pk for doc in initiatives}
        found_organisations = {doc.pk for doc in organisations}
        last = number == batches - 1
        backend.write(
            initiatives=initiatives,
            organisations=organisations,
            deleted_initiatives=[pk for pk in some_initiatives if pk not in found_initiatives],
            deleted_organisations=[pk for pk in some_organisations if pk not in found_organisations],
            state=state if last else (backend.state() or state),
        )


def _all_batches(progress: Progress | None) -> Iterable[DocumentBatch]:
    total = Initiative.objects.count() + Organisation.objects.count()
    done = 0
    for ids in all_ids(Organisation):
        yield DocumentBatch(initiatives=[], organisations=organisation_documents(ids))
        done += len(ids)
        if progress:
            progress(done, total)
    for ids in all_ids(Initiative, chunk=BATCH):
        yield DocumentBatch(initiatives=initiative_documents(ids), organisations=[])
        done += len(ids)
        if progress:
            progress(done, total)


def rebuild(
    backend: SearchBackend | None = None, *, progress: Progress | None = None, locked: bool = False
) -> IndexState:
    """Indexes every initiative and organisation afresh; the old index answers until it is done.

    The watermark is read first: whatever is written during the rebuild is read again by the next
    sync (writing a document twice is harmless).
    """
    backend = backend or get_backend()
    if not locked:
        with _process_lock, backend.locked():
            return rebuild(backend, progress=progress, locked=True)
    state = IndexState(watermark=registry_version(), gaps=[], schema_version=SCHEMA_VERSION)
    backend.rebuild(_all_batches(progress), state)
    return state


def _registry_changed() -> None:
    try:
        sync()
    except Exception:
        # The write is committed and stands; the next sync or search picks the change up.
        logger.exception("The search index could not follow a change; the next search will retry.")


def request_sync() -> None:
    """Called by the history on every write: syncs the index once the transaction commits."""
    if not connection.in_atomic_block:
        transaction.on_commit(_registry_changed, robust=True)
        return
    # One sync per transaction is enough: skip if this savepoint asked already. (An earlier savepoint's
    # request may yet be rolled back with it, so it does not count.)
    savepoints = set(connection.savepoint_ids)
    if any(hook[0] == savepoints and hook[1] is _registry_changed for hook in connection.run_on_commit):
        return
    transaction.on_commit(_registry_changed, robust=True)
