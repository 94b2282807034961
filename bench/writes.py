"""Write API benchmark: how fast people register and edit records, and what happens when many edit
one record at once, served as in production.

    .venv/bin/python bench/writes.py [--records 300] [--writers 8] [--edits 25] [--database-url URL]

Starts `stocktake serve` (gunicorn, 2 workers x 4 threads) on a fresh database with the demo data,
makes an organisation's members with write tokens, then over HTTP:

1. registers --records drafts (POST /api/v1/records) from --writers clients at once;
2. edits each once (PATCH with its version), and submits each for review;
3. has --writers people edit ONE record at once, --edits times each, every edit appending its own line
   to the summary and retrying with the current version whenever it is refused (409).

Prints requests per second and latency (p50, p95) for each kind of write, the 409s met in step 3, and
checks that no edit was lost (every line is in the summary, the version counted every edit).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pages import BIN, free_port, wait_until_up

TOKENS_SCRIPT = """
import json, sys
from stocktake.accounts.services import account_provision, token_create
from stocktake.core.history import Actor
from stocktake.organisations.models import Organisation
organisation = Organisation.objects.get(slug="dpidg")
keys = []
for number in range(int(sys.argv[1])):
    user = account_provision(actor=Actor.system("bench", source="cli"), email=f"writer{number}@bench.example",
                             memberships=[(organisation, "member")]).user
    keys.append(token_create(actor=Actor(source="cli", user=user), name="bench", scope="write")[1])
print(json.dumps(keys))
"""


def api(base: str, method: str, path: str, key: str, body: Any = None) -> tuple[int, Any, float]:
    data = json.dumps(body).encode() if body is not None else b""
    request = urllib.request.Request(
        base + path,
        data=data if method != "GET" else None,
        method=method,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, payload = response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        status, payload = error.code, json.loads(error.read() or b"null")
    return status, payload, time.monotonic() - started


def report(name: str, latencies: list[float], elapsed: float) -> None:
    latencies = sorted(latencies)
    p50 = latencies[len(latencies) // 2] * 1000
    p95 = latencies[int(len(latencies) * 0.95)] * 1000
    print(f"{name:38} {len(latencies) / elapsed:8.1f} {p50:9.1f} {p95:9.1f} {len(latencies):7}", flush=True)


def in_parallel(jobs: list[Callable[[], float]], writers: int) -> tuple[list[float], float]:
    started = time.monotonic()
    with ThreadPoolExecutor(writers) as pool:
        latencies = list(pool.map(lambda job: job(), jobs))
    return latencies, time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=300)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--edits", type=int, default=25, help="edits of the shared record per writer")
    parser.add_argument("--database-url", default="", help="default: a new SQLite file")
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="stocktake-bench-writes-"))
    env = {
        **os.environ,
        "STOCKTAKE_DATA_DIR": str(data_dir),
        "STOCKTAKE_EMAIL_FILE_PATH": str(data_dir / "mail"),
        "STOCKTAKE_API_RATE_PER_TOKEN": "100000",
        "STOCKTAKE_API_RATE_PER_ADDRESS": "100000",
    }
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    else:
        env.pop("DATABASE_URL", None)
    stocktake = str(BIN / "stocktake")
    subprocess.run([stocktake, "serve", "--prepare-only"], env=env, check=True, stdout=subprocess.DEVNULL)
    keys = json.loads(
        subprocess.run(
            [stocktake, "shell", "-c", TOKENS_SCRIPT.replace("sys.argv[1]", str(args.writers))],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    port = free_port()
    server = subprocess.Popen(
        [stocktake, "serve", "--port", str(port), "--workers", "2", "--threads", "4", "--no-worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base)
        database = "PostgreSQL" if args.database_url.startswith("postgres") else "SQLite"
        print(
            f"\n{database}, 2 gunicorn workers x 4 threads, {os.cpu_count()} cores, {args.writers} writers\n"
        )
        print(f"{'write':38} {'req/s':>8} {'p50 ms':>9} {'p95 ms':>9} {'count':>7}")

        def register(number: int) -> float:
            body = {
                "organisation": "dpidg",
                "code": f"BENCH/{number:05d}",
                "kind": "project",
                "title": f"Benchmark record {number}",
                "summary": "A record registered by the write benchmark.",
                "planned_start": "2026-01",
            }
            status, payload, seconds = api(base, "POST", "/api/v1/records", keys[number % len(keys)], body)
            assert status == 201, (status, payload)
            return seconds

        latencies, elapsed = in_parallel([lambda n=n: register(n) for n in range(args.records)], args.writers)
        report("register a draft (POST)", latencies, elapsed)

        def edit(number: int) -> float:
            key, code = keys[number % len(keys)], f"BENCH{number:05d}"
            status, record, _seconds = api(base, "GET", f"/api/v1/records/{code}", key)
            assert status == 200, (status, record)
            body = {"version": record["version"], "title": f"Benchmark record {number}, edited"}
            status, payload, seconds = api(base, "PATCH", f"/api/v1/records/{code}", key, body)
            assert status == 200, (status, payload)
            return seconds

        latencies, elapsed = in_parallel([lambda n=n: edit(n) for n in range(args.records)], args.writers)
        report("edit with its version (PATCH)", latencies, elapsed)

        def submit(number: int) -> float:
            key, code = keys[number % len(keys)], f"BENCH{number:05d}"
            status, payload, seconds = api(base, "POST", f"/api/v1/records/{code}/submit", key, {})
            assert status == 200, (status, payload)
            return seconds

        latencies, elapsed = in_parallel([lambda n=n: submit(n) for n in range(args.records)], args.writers)
        report("submit for review", latencies, elapsed)

        status, shared, _seconds = api(
            base,
            "POST",
            "/api/v1/records",
            keys[0],
            {"organisation": "dpidg", "code": "BENCH/SHARED", "kind": "project", "title": "Shared"},
        )
        assert status == 201, shared
        conflicts = 0
        lock = threading.Lock()

        def contended(writer: int, edit_number: int) -> float:
            nonlocal conflicts
            key, total = keys[writer], 0.0
            while True:
                status, record, _seconds = api(base, "GET", "/api/v1/records/BENCHSHARED", key)
                line = f"writer {writer} edit {edit_number}"
                body = {"version": record["version"], "summary": (record["summary"] + "\n" + line).strip()}
                status, payload, seconds = api(base, "PATCH", "/api/v1/records/BENCHSHARED", key, body)
                total += seconds
                if status == 200:
                    return total
                assert status == 409, (status, payload)
                with lock:
                    conflicts += 1

        jobs = [(lambda w=w, e=e: contended(w, e)) for e in range(args.edits) for w in range(args.writers)]
        latencies, elapsed = in_parallel(jobs, args.writers)
        report("edit ONE record together, until saved", latencies, elapsed)
        status, final, _seconds = api(base, "GET", "/api/v1/records/BENCHSHARED", keys[0])
        lines = set(final["summary"].splitlines())
        expected = {f"writer {w} edit {e}" for w in range(args.writers) for e in range(args.edits)}
        lost = expected - lines
        print(
            f"\nshared record: {len(jobs)} edits saved, {conflicts} refused with 409 and retried; "
            f"version {final['version']} (expected {1 + len(jobs)}); lost edits: {len(lost)}"
        )
        if lost or final["version"] != 1 + len(jobs):
            raise SystemExit("an edit was lost")
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
