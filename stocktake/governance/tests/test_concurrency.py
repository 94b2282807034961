"""Two people editing one record at once never lose each other's work (PostgreSQL, real threads).

Each writer runs in a thread of its own, with its own database connection, and commits for real: the
row lock taken by ``initiative_edit`` and the version check are what is tested, so nothing here may run
inside the test case's rolled-back transaction. The rows are made, read and removed in threads too
(the test's own connection sits in that transaction), and removed after.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection, connections

from stocktake.accounts.tests.factories import actor_for, make_member, make_user
from stocktake.core.models import HistoryEntry
from stocktake.governance.models import WorkflowEvent
from stocktake.governance.services import EditConflict, initiative_edit, initiative_register
from stocktake.initiatives.models import Initiative
from stocktake.organisations.models import Organisation
from stocktake.organisations.tests.factories import make_organisation

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL"
)
WRITERS = 6


def _in_thread(job: Callable[[], Any]) -> Any:
    """Runs ``job`` on a connection of its own, which commits (the test's connection never does)."""
    [result] = _together([job])
    if isinstance(result, Exception):
        raise result
    return result


@pytest.fixture
def committed(db: Any) -> Iterator[dict[str, Any]]:
    """A record and its editors, committed, removed afterwards."""

    def make() -> dict[str, Any]:
        organisation = make_organisation(name="Concurrency Ministry")
        editors = [make_user() for _ in range(WRITERS)]
        for editor in editors:
            make_member(editor, organisation)
        record = initiative_register(
            actor=actor_for(editors[0]),
            organisation=organisation,
            code="CONC/1",
            kind="project",
            title="Start",
        )
        return {"record": record, "editors": editors, "organisation": organisation}

    made = _in_thread(make)
    try:
        yield made
    finally:

        def remove() -> None:
            record, editors, organisation = made["record"], made["editors"], made["organisation"]
            record_type = ContentType.objects.get_for_model(Initiative)
            HistoryEntry.objects.filter(object_id=str(record.pk), content_type=record_type).delete()
            HistoryEntry.objects.filter(
                parent_object_id=str(record.pk), parent_content_type=record_type
            ).delete()
            WorkflowEvent.objects.filter(initiative=record).delete()
            Initiative.objects.filter(pk=record.pk).delete()
            get_user_model().objects.filter(pk__in=[editor.pk for editor in editors]).delete()
            Organisation.objects.filter(pk=organisation.pk).delete()

        _in_thread(remove)


def _together(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Runs the jobs in threads that start at the same moment; returns each one's result or exception."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def run(index: int, job: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[index] = job()
        except Exception as error:  # the caller inspects what each writer met
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index, job)) for index, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_of_two_edits_from_one_version_one_wins_and_the_other_is_told(committed: dict[str, Any]) -> None:
    record, editors = committed["record"], committed["editors"]
    base = record.version
    results = _together(
        [
            lambda: initiative_edit(
                actor=actor_for(editors[0]), initiative=record, base_version=base, title="Title by A"
            ),
            lambda: initiative_edit(
                actor=actor_for(editors[1]), initiative=record, base_version=base, summary="Summary by B"
            ),
        ]
    )
    conflicts = [result for result in results if isinstance(result, EditConflict)]
    saved = [result for result in results if isinstance(result, Initiative)]
    assert len(saved) == 1 and len(conflicts) == 1, results
    # The loser is shown the record as it now is, and merges: their change goes in on top.
    current = conflicts[0].initiative
    assert current.version == base + 1
    loser = 1 if saved[0].title == "Title by A" else 0
    change = {"summary": "Summary by B"} if loser == 1 else {"title": "Title by A"}
    _in_thread(
        lambda: initiative_edit(
            actor=actor_for(editors[loser]), initiative=current, base_version=current.version, **change
        )
    )
    final = _in_thread(lambda: Initiative.objects.get(pk=record.pk))
    assert (final.title, final.summary, final.version) == ("Title by A", "Summary by B", base + 2)


def test_many_writers_retrying_on_conflict_lose_nothing(committed: dict[str, Any]) -> None:
    """Each writer appends its line to the summary, re-reading and retrying whenever it is refused."""
    record, editors = committed["record"], committed["editors"]

    def writer(index: int) -> int:
        attempts = 0
        while True:
            attempts += 1
            current = Initiative.objects.get(pk=record.pk)
            try:
                initiative_edit(
                    actor=actor_for(editors[index]),
                    initiative=current,
                    base_version=current.version,
                    summary=(current.summary + f"\nline {index}").strip(),
                )
                return attempts
            except EditConflict:
                continue

    start = _in_thread(lambda: Initiative.objects.get(pk=record.pk).version)
    attempts = _together([partial(writer, index) for index in range(WRITERS)])
    assert all(isinstance(count, int) for count in attempts), attempts
    final = _in_thread(lambda: Initiative.objects.get(pk=record.pk))
    assert sorted(final.summary.splitlines()) == sorted(f"line {index}" for index in range(WRITERS))
    assert final.version == start + WRITERS
    assert sum(attempts) > WRITERS, "the writers never met: the test did not test concurrency"
    record_type = ContentType.objects.get_for_model(Initiative)
    edits = HistoryEntry.objects.filter(content_type=record_type, object_id=str(record.pk), action="update")
    assert _in_thread(edits.count) == WRITERS
