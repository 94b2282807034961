"""`stocktake serve` runs the jobs worker beside the web server and stops it when it stops."""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

import pytest

from stocktake.core.management.commands import serve


def test_the_worker_is_the_django_tasks_database_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[tuple[list[str], dict[str, Any]]] = []
    monkeypatch.setattr(
        serve.subprocess, "Popen", lambda command, **kwargs: started.append((command, kwargs))
    )
    serve.worker_start()
    [(command, kwargs)] = started
    assert command == [sys.executable, "-m", "stocktake.cli", "db_worker", "--no-reload"]
    assert kwargs == {"start_new_session": True}  # Ctrl+C reaches serve, which stops the worker itself


def child(code: str) -> subprocess.Popen[bytes]:
    process = subprocess.Popen([sys.executable, "-c", code])
    time.sleep(0.3)  # let it set its signal handlers
    return process


def test_a_worker_that_stops_when_asked_is_stopped_once() -> None:
    process = child("import time; time.sleep(60)")
    started = time.monotonic()
    serve.worker_stop(process)
    assert process.returncode == -15 and time.monotonic() - started < 5


def test_a_worker_that_will_not_stop_is_asked_twice_then_killed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(serve, "WORKER_STOP_SECONDS", 0.3)
    monkeypatch.setattr(serve, "WORKER_KILL_SECONDS", 0.3)
    process = child("import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)")
    serve.worker_stop(process)
    assert process.returncode == -9


def test_a_worker_that_already_ended_is_left_alone() -> None:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    serve.worker_stop(process)
    assert process.returncode == 0
