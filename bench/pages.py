"""Public page benchmark: requests per second and page weight, served as in production.

    .venv/bin/python bench/pages.py [--rows 2000] [--seconds 10] [--workers 2] [--database-url URL]

Builds a registry (the demo data plus --rows generated initiatives, each with countries, Action Lines,
SDG targets, a partner and a budget) in a fresh database, starts `stocktake serve` (gunicorn, the
--workers given), and loads each page with wrk (Debian's `wrk`; a Python load generator if it is
missing). Prints requests/s, latency and compressed size per page, next to a trivial view.
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PAGES = [
    ("trivial view (/health/live)", "/health/live"),
    ("home", "/"),
    ("initiatives list, 50 rows", "/initiatives/"),
    ("initiatives list, filtered", "/initiatives/?wsis=C7&region=002"),
    ("initiative page (INT13001)", "/initiatives/INT13001/"),
    ("API list, 50 rows", "/api/v1/initiatives"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(base: str, seconds: float = 60) -> None:
    """Waits until the server at ``base`` answers its liveness check."""
    for _ in range(int(seconds * 2)):
        try:
            urllib.request.urlopen(base + "/health/live", timeout=1).read()
            return
        except OSError:
            time.sleep(0.5)


def wrk(url: str, seconds: int, connections: int) -> tuple[float, str, str]:
    output = subprocess.run(
        ["wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1)  # type: ignore[union-attr]
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1)  # type: ignore[union-attr]
    return rate, p50, p99


def python_load(url: str, seconds: int) -> tuple[float, str, str]:
    count, latencies, deadline = 0, [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        start = time.monotonic()
        with urllib.request.urlopen(url) as response:
            response.read()
        latencies.append(time.monotonic() - start)
        count += 1
    latencies.sort()
    return count / seconds, f"{latencies[len(latencies) // 2] * 1000:.1f}ms", f"{latencies[-1] * 1000:.1f}ms"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--database-url", default="", help="default: a new SQLite file")
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="stocktake-bench-"))
    env = {**os.environ, "STOCKTAKE_DATA_DIR": str(data_dir)}
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    else:
        env.pop("DATABASE_URL", None)
    stocktake = str(BIN / "stocktake")
    print(f"preparing a registry: demo data + {args.rows} generated initiatives ...", flush=True)
    subprocess.run([stocktake, "serve", "--prepare-only"], env=env, check=True, stdout=subprocess.DEVNULL)
    started = time.monotonic()
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "generate_registry.py"), str(args.rows)], env=env, check=True
    )
    print(f"  generated in {time.monotonic() - started:.1f}s", flush=True)

    port = free_port()
    server = subprocess.Popen(
        [
            stocktake,
            "serve",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--no-demo",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base)
        have_wrk = shutil.which("wrk") is not None
        print(
            f"\n{args.workers} gunicorn workers x {args.threads} threads, {os.cpu_count()} cores, load by "
            f"{'wrk, ' + str(args.connections) + ' connections' if have_wrk else 'Python (1 connection)'}, "
            f"{args.seconds}s per page\n"
        )
        print(f"{'page':36} {'req/s':>8} {'p50':>9} {'p99':>9} {'HTML gz':>9}")
        for name, path in PAGES:
            with urllib.request.urlopen(base + path) as response:
                body = response.read()
            rate, p50, p99 = (
                wrk(base + path, args.seconds, args.connections)
                if have_wrk
                else python_load(base + path, args.seconds)
            )
            print(
                f"{name:36} {rate:8.0f} {p50:>9} {p99:>9} {len(gzip.compress(body)) / 1024:8.1f}K", flush=True
            )
        static = ROOT / "stocktake" / "static"
        css = len(gzip.compress((static / "css/stocktake.css").read_bytes())) / 1024
        js = len(gzip.compress((static / "vendor/htmx/htmx.min.js").read_bytes())) / 1024
        print(f"\nshared assets, compressed: CSS {css:.1f}K, JS {js:.1f}K (cached after the first page)")
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
