"""IATI import benchmark: activities per second into SQLite and PostgreSQL, peak memory, and the cost of
the import next to a bare lxml parse of the same files.

    .venv/bin/python bench/import_iati.py [--limit 2000] [--databases sqlite,postgres] [--json out.json]

Two inputs: the real corpus (all US Government IATI files, unpacked once into the work directory and
imported one after the other into the same database) and a generated file of --activities activities
(bench/generate_iati.py, written once per size and seed and kept). --limit N cuts both for a quick run:
corpus files taken in turn from each agency until N activities, a generated file of N.

Each measurement runs in a fresh child process against a fresh database, migrated and given its
vocabularies before the clock starts (SQLite: a new file; PostgreSQL: database stocktake_bench,
dropped and created again). The timed part is ``import_file`` on each file, after django.setup().
Peak memory is the child's peak RSS (VmHWM: the interpreter, Django and lxml included). The baseline
is another child doing nothing but ``etree.iterparse`` over the same files, clearing each activity as
it goes (the fastest of --bare-runs). --importer bare times that bare parse in place of the import,
to exercise the harness without the importer.

--profile runs each import under cProfile, prints its costliest calls and keeps the .prof file in the
work directory (profiling slows the import: its figures are not the benchmark's).

Prints a table (input, database, activities, seconds, activities/s, peak RSS, bare parse, ratio) and
the goals with PASS or FAIL: at least 2,000 activities/s into SQLite, an import at most 4 times the
bare parse, and peak memory flat (the generated file's run within 1.25 times the corpus run's).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import lzma
import os
import platform
import pstats
import re
import shutil
import subprocess
import sys
import tarfile
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEFAULT_CORPUS = Path("/work/shared/iati/bench/usg-data-2025-02-05.tar.xz")
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432"
BENCH_DATABASE = "stocktake_bench"

MIN_SQLITE_RATE = 2_000  # activities per second into SQLite, on 2 cores
MAX_RATIO = 4.0  # import time / bare parse time
MAX_MEMORY_GROWTH = 1.25  # peak RSS of the generated-file run / peak RSS of the corpus run
MAX_PROBLEMS_SHOWN = 10  # unreadable files, and refused activities, listed per run

_ACTIVITY_TAG = re.compile(rb"<iati-activity[\s>]")


@dataclass
class Input:
    name: str
    files: list[Path]
    root: Path  # files are shown relative to it
    activities: int  # counted from the bytes beforehand: what the files hold
    bytes: int


@dataclass
class Run:
    """What one child measured: a bare parse or an import of one input into one database."""

    input: str
    database: str  # "bare" for the baseline
    files: int = 0
    activities: int = 0  # imported: created + updated + unchanged (or parsed, for a bare parse)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: int = 0
    file_errors: int = 0
    seconds: float = 0.0
    rss_before_mb: float = 0.0  # the child's RSS when the clock started
    peak_rss_mb: float = 0.0
    errors: list[str] = field(default_factory=list)  # the first unreadable files and refusals

    @property
    def rate(self) -> float:
        return self.activities / self.seconds if self.seconds else 0.0


# --- inputs


def unpack_corpus(tarball: Path, work_dir: Path) -> Path:
    """Unpacks the corpus once; a marker file says the unpacking finished."""
    target = work_dir / "corpus" / tarball.name.removesuffix(".xz").removesuffix(".tar")
    marker = target / ".unpacked"
    if marker.exists():
        print(f"corpus: {target} (unpacked before)", flush=True)
        return target
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    size = tarball.stat().st_size
    print(f"corpus: unpacking {tarball} ({size / 1e6:.0f} MB compressed) into {target}", flush=True)
    started, shown, members = time.monotonic(), 0.0, 0
    with tarball.open("rb") as raw, lzma.open(raw) as stream, tarfile.open(fileobj=stream, mode="r|") as tar:
        for member in tar:
            tar.extract(member, target, filter="data")
            members += 1
            done = raw.tell() / size
            if done >= shown + 0.1:
                shown = done
                print(f"  {done:4.0%}  {members:,} entries, {time.monotonic() - started:.0f}s", flush=True)
    marker.write_text(f"{tarball}\n")
    print(f"  unpacked {members:,} entries in {time.monotonic() - started:.0f}s", flush=True)
    return target


def count_activities(path: Path) -> int:
    return len(_ACTIVITY_TAG.findall(path.read_bytes()))


def corpus_input(root: Path, limit: int | None) -> Input:
    """Every .xml file of the corpus in path order; with a limit, files taken in turn from each agency
    (folder) until the limit, so that a quick run sees every publisher's style."""
    index_path = root / ".index.json"
    if index_path.exists():
        index = json.loads(index_path.read_text())
    else:
        print("corpus: counting activities per file", flush=True)
        paths = sorted(path for path in root.rglob("*.xml") if "metadata" not in path.relative_to(root).parts)
        index = {str(path.relative_to(root)): [path.stat().st_size, count_activities(path)] for path in paths}
        index_path.write_text(json.dumps(index))
    names = sorted(index)
    if limit is not None:
        by_folder: dict[str, list[str]] = defaultdict(list)
        for name in names:
            if index[name][1]:
                by_folder[str(Path(name).parent)].append(name)
        queues = [by_folder[folder] for folder in sorted(by_folder)]
        chosen, total = [], 0
        while total < limit and any(queues):
            for queue in queues:
                if queue and total < limit:
                    name = queue.pop(0)
                    chosen.append(name)
                    total += index[name][1]
        names = chosen
    return Input(
        name="corpus",
        files=[root / name for name in names],
        root=root,
        activities=sum(index[name][1] for name in names),
        bytes=sum(index[name][0] for name in names),
    )


def generated_input(work_dir: Path, activities: int, seed: int) -> Input:
    path = work_dir / f"generated-{activities}-seed{seed}.xml"
    if path.exists():
        print(f"generated: {path} (written before)", flush=True)
    else:
        print(f"generated: writing {activities:,} activities to {path}", flush=True)
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "bench" / "generate_iati.py"),
                str(path),
                "--activities",
                str(activities),
                "--seed",
                str(seed),
            ],
            check=True,
        )
    return Input(
        name=f"generated {activities // 1000}k" if activities >= 1000 else f"generated {activities}",
        files=[path],
        root=path.parent,
        activities=activities,
        bytes=path.stat().st_size,
    )


# --- databases


def fresh_database(kind: str, work_dir: Path, label: str, postgres: str) -> dict[str, str]:
    """A new, migrated database with its vocabularies; returns the environment that points at it."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "stocktake.settings",
        "STOCKTAKE_DATA_DIR": str(work_dir / "data"),
        "STOCKTAKE_DEBUG": "0",  # DEBUG keeps every query in memory
    }
    if kind == "sqlite":
        path = work_dir / "db" / f"{label}.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            stale.unlink(missing_ok=True)
        env["DATABASE_URL"] = f"sqlite:///{path}"
    else:
        import psycopg  # only when PostgreSQL is benchmarked

        with psycopg.connect(f"{postgres}/postgres", autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")
            connection.execute(f"CREATE DATABASE {BENCH_DATABASE}")
        env["DATABASE_URL"] = f"{postgres}/{BENCH_DATABASE}"
    started = time.monotonic()
    for command in (["migrate", "--no-input"], ["load_vocabularies"]):
        subprocess.run([str(BIN / "stocktake"), *command], env=env, check=True, stdout=subprocess.DEVNULL)
    print(
        f"  {kind}: fresh database, migrated, vocabularies loaded ({time.monotonic() - started:.0f}s)",
        flush=True,
    )
    return env


# --- children


def run_child(
    mode: str, source: Input, database: str, env: dict[str, str], work_dir: Path, profile: bool = False
) -> Run:
    """Runs one measurement in a new process, which reports its figures in a JSON file."""
    listing = work_dir / "files.txt"
    listing.write_text("".join(f"{path}\n" for path in source.files))
    result = work_dir / "result.json"
    result.unlink(missing_ok=True)
    command = [sys.executable, str(Path(__file__).resolve()), "--child", mode, "--files", str(listing)]
    command += ["--root", str(source.root), "--result", str(result)]
    if profile:
        command += ["--profile-to", str(work_dir / f"profile-{source.name.split()[0]}-{database}.prof")]
    returncode = subprocess.run(command, env=env).returncode
    if returncode:
        raise SystemExit(f"the {mode} child for {source.name} / {database} failed ({returncode})")
    return Run(input=source.name, database=database, **json.loads(result.read_text()))


def _memory_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of this process. Not ru_maxrss: Linux carries into it the RSS of the
    parent the child was forked from, which here would be the harness's, not the import's."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise LookupError(field)


def _bare_parse(path: Path) -> tuple[int, str | None]:
    """Counts the activities of a file as cheaply as lxml can: the floor any importer stands on.
    A file that breaks mid-way counts the activities before the break, and says why it broke."""
    count = 0
    try:
        for _, element in etree.iterparse(str(path), events=("end",), tag="iati-activity"):
            count += 1
            element.clear()
            while element.getprevious() is not None:
                del element.getparent()[0]
    except etree.XMLSyntaxError as error:
        return count, str(error)
    return count, None


class _Shown:
    """Prints a child's progress: a line per file for a few files, else about twenty lines in all."""

    def __init__(self, files: int, root: Path) -> None:
        self.files, self.root = files, root
        self.every = 1 if files <= 20 else -(-files // 20)
        self.started = self.last = time.perf_counter()

    def file(self, number: int, path: Path, activities: int, total: int, note: str = "") -> None:
        now = time.perf_counter()
        if number % self.every and number != self.files and now - self.last < 30:
            return
        self.last = now
        elapsed = now - self.started
        name = path.relative_to(self.root) if path.is_relative_to(self.root) else path
        print(
            f"    [{number}/{self.files}] {name}: {activities:,} activities; {total:,} in {elapsed:.1f}s "
            f"({total / elapsed if elapsed else 0:,.0f}/s){note}",
            flush=True,
        )

    def progress(self, done: int, total: int | None, label: str) -> None:
        """import_file's progress callback, for one long file: a line at most every 30 seconds."""
        now = time.perf_counter()
        if total and now - self.last >= 30:
            self.last = now
            print(f"      {label} {done / total:.0%} ({now - self.started:.0f}s)", flush=True)


def child(mode: str, listing: Path, root: Path, result_path: Path, profile: Path | None) -> None:
    """The measured process: a bare parse of the files, or their import into DATABASE_URL (import-bare:
    Django set up and connected as for an import, then the bare parse; it checks the harness)."""
    files = [Path(line) for line in listing.read_text().splitlines() if line]
    result: dict[str, Any] = {
        "files": len(files),
        "activities": 0,
        "created": 0,
        "updated": 0,
        "unchanged": 0,
        "refused": 0,
        "file_errors": 0,
        "errors": [],
    }
    if mode in ("import", "import-bare"):
        import django

        sys.path.insert(0, str(ROOT))
        django.setup()
        from django.db import connection

        connection.ensure_connection()  # the database is reached before the clock starts, as in an import
    if mode == "import":
        from stocktake.core.choices import ChangeSource
        from stocktake.core.history import Actor
        from stocktake.interchange.iati import importer  # noqa: F401  imported now: not timed
        from stocktake.interchange.reports import ImportOptions
        from stocktake.interchange.run import import_file

    shown_problems: dict[str, int] = defaultdict(int)

    def problem(kind: str, text: str) -> None:
        """Keeps the first few of each kind, so unreadable files do not hide refusals."""
        if shown_problems[kind] < MAX_PROBLEMS_SHOWN:
            shown_problems[kind] += 1
            result["errors"].append(text)

    shown = _Shown(len(files), root)
    profiler = cProfile.Profile() if profile else None
    result["rss_before_mb"] = _memory_mb("VmRSS")
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    for number, path in enumerate(files, 1):
        note = ""
        if mode == "import":
            report = import_file(
                path,
                format="iati",
                actor=Actor.system("bench", source=ChangeSource.IMPORT),
                options=ImportOptions(),
                progress=shown.progress,
            )
            counts = report.counts()
            imported = counts["created"] + counts["updated"] + counts["unchanged"]
            for key in ("created", "updated", "unchanged", "refused"):
                result[key] += counts[key]
            if report.file_error is not None:
                result["file_errors"] += 1
                note = f"; file error: {report.file_error.message}"
                problem("file", f"{path.name}: {report.file_error.message}")
            if counts["refused"]:
                note += f"; {counts['refused']} refused"
                for refusal in report.refused[:2]:
                    problem("refused", f"{path.name}: refused {refusal.identifier}: {refusal.message}")
        else:
            imported, error = _bare_parse(path)
            if error:
                result["file_errors"] += 1
                note = f"; file error: {error}"
                problem("file", f"{path.name}: {error}")
        result["activities"] += imported
        shown.file(number, path, imported, result["activities"], note)
    if profiler:
        profiler.disable()
    result["seconds"] = time.perf_counter() - started
    result["peak_rss_mb"] = _memory_mb("VmHWM")
    result_path.write_text(json.dumps(result))
    if profiler and profile:
        profiler.dump_stats(profile)
        print(f"    profile written to {profile}; the 25 costliest calls, time included:")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


# --- the report


def _table(rows: list[tuple[Run, Run]]) -> str:
    header = (
        f"{'input':16} {'database':9} {'activities':>10} {'refused':>8} {'seconds':>8} {'act/s':>8} "
        f"{'peak RSS':>9} {'bare act/s':>10} {'bare RSS':>9} {'ratio':>6}"
    )
    lines = [header, "-" * len(header)]
    for run, bare in rows:
        ratio = run.seconds / bare.seconds if bare.seconds else float("inf")
        lines.append(
            f"{run.input:16} {run.database:9} {run.activities:10,} {run.refused:8,} {run.seconds:8.1f} "
            f"{run.rate:8,.0f} {run.peak_rss_mb:8.0f}M {bare.rate:10,.0f} {bare.peak_rss_mb:8.0f}M "
            f"{ratio:6.2f}"
        )
    return "\n".join(lines)


def goals(rows: list[tuple[Run, Run]]) -> list[dict[str, Any]]:
    """The issue's three goals, each row or pair judged on its own."""
    verdicts: list[dict[str, Any]] = []
    for run, _ in rows:
        if run.database == "sqlite":
            verdicts.append(
                {
                    "goal": f">= {MIN_SQLITE_RATE:,} activities/s into SQLite",
                    "what": run.input,
                    "value": round(run.rate),
                    "pass": run.rate >= MIN_SQLITE_RATE,
                }
            )
    for run, bare in rows:
        ratio = run.seconds / bare.seconds if bare.seconds else float("inf")
        verdicts.append(
            {
                "goal": f"import <= {MAX_RATIO:g} x bare parse",
                "what": f"{run.input} / {run.database}",
                "value": round(ratio, 2),
                "pass": ratio <= MAX_RATIO,
            }
        )
    by_database: dict[str, dict[str, Run]] = defaultdict(dict)
    for run, _ in rows:
        by_database[run.database]["corpus" if run.input == "corpus" else "generated"] = run
    for database, runs in by_database.items():
        if len(runs) == 2:
            growth = runs["generated"].peak_rss_mb / runs["corpus"].peak_rss_mb
            verdicts.append(
                {
                    "goal": f"peak memory flat (generated <= {MAX_MEMORY_GROWTH:g} x corpus)",
                    "what": database,
                    "value": round(growth, 2),
                    "pass": growth <= MAX_MEMORY_GROWTH,
                }
            )
    return verdicts


def environment(postgres: str, databases: list[str]) -> dict[str, Any]:
    info: dict[str, Any] = {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "lxml": ".".join(map(str, etree.LXML_VERSION)),
        "libxml2": ".".join(map(str, etree.LIBXML_VERSION)),
        "machine": platform.machine(),
        "load_average_after": round(os.getloadavg()[0], 2),
    }
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        info["commit"] = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    import sqlite3

    info["sqlite"] = sqlite3.sqlite_version
    if "postgres" in databases:
        import psycopg

        with psycopg.connect(f"{postgres}/postgres") as connection:
            info["postgresql"] = connection.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
    return info


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="the corpus tarball (.tar.xz)")
    parser.add_argument("--activities", type=int, default=200_000, help="size of the generated file")
    parser.add_argument("--seed", type=int, default=7, help="seed of the generated file")
    parser.add_argument("--limit", type=int, help="cut both inputs to about this many activities")
    parser.add_argument("--inputs", default="corpus,generated", help="corpus, generated, or both")
    parser.add_argument("--databases", default="sqlite,postgres", help="sqlite, postgres, or both")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="PostgreSQL server address")
    parser.add_argument("--work-dir", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument(
        "--importer",
        choices=["stocktake", "bare"],
        default="stocktake",
        help="bare: time the bare parse in place of the import, to check the harness",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--bare-runs", type=int, default=2, help="bare parses per input; the fastest counts")
    parser.add_argument(
        "--profile", action="store_true", help="profile each import (cProfile; .prof files in the work dir)"
    )
    parser.add_argument("--child", choices=["import", "import-bare", "bare"], help=argparse.SUPPRESS)
    parser.add_argument("--files", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--profile-to", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.files, args.root, args.result, args.profile_to)
        return

    databases = [name.strip() for name in args.databases.split(",") if name.strip()]
    wanted = [name.strip() for name in args.inputs.split(",") if name.strip()]
    if not set(databases) <= {"sqlite", "postgres"} or not databases:
        parser.error("--databases takes sqlite, postgres or both")
    if not set(wanted) <= {"corpus", "generated"} or not wanted:
        parser.error("--inputs takes corpus, generated or both")
    work_dir = args.work_dir.resolve()
    work_dir.mkdir(parents=True, exist_ok=True)

    inputs: list[Input] = []
    if "corpus" in wanted:
        inputs.append(corpus_input(unpack_corpus(args.corpus, work_dir), args.limit))
    if "generated" in wanted:
        size = min(args.activities, args.limit) if args.limit else args.activities
        inputs.append(generated_input(work_dir, size, args.seed))

    load = os.getloadavg()[0]
    if load > 0.5:
        print(f"note: load average {load:.1f} before the bench: the cores are shared, figures will suffer")
    # import-bare: Django set up against the fresh database as for an import, then only the bare parse.
    mode = "import" if args.importer == "stocktake" else "import-bare"
    rows: list[tuple[Run, Run]] = []
    for source in inputs:
        print(
            f"\n{source.name}: {len(source.files):,} files, {source.activities:,} activities in the files, "
            f"{source.bytes / 1e6:,.0f} MB",
            flush=True,
        )
        # The fastest of a few bare parses: the first also pays for reading the files from disk.
        bares = []
        for attempt in range(1, max(args.bare_runs, 1) + 1):
            print(f"  bare parse (lxml iterparse), run {attempt}", flush=True)
            bares.append(run_child("bare", source, "bare", dict(os.environ), work_dir))
            print(
                f"  bare parse: {bares[-1].activities:,} activities in {bares[-1].seconds:.1f}s "
                f"({bares[-1].rate:,.0f}/s)"
            )
        bare = min(bares, key=lambda run: run.seconds)
        bare.peak_rss_mb = max(run.peak_rss_mb for run in bares)
        for database in databases:
            env = fresh_database(database, work_dir, source.name.split()[0], args.postgres)
            print(
                f"  import into {database}{' (--importer bare)' if mode == 'import-bare' else ''}", flush=True
            )
            run = run_child(mode, source, database, env, work_dir, args.profile and mode == "import")
            print(f"  {database}: {run.activities:,} activities in {run.seconds:.1f}s ({run.rate:,.0f}/s)")
            rows.append((run, bare))

    print(
        f"\n{os.cpu_count()} cores, load average {load:.1f} before and {os.getloadavg()[0]:.1f} after; "
        "peak RSS is the whole child process (interpreter, Django, lxml)."
    )
    if mode == "import-bare":
        print("--importer bare: the import columns time the bare parse; this checks the harness only.")
    print(_table(rows))
    shown_bare: set[str] = set()
    for run, bare in rows:
        for who, problems in ((bare, bare.errors if bare.input not in shown_bare else []), (run, run.errors)):
            if problems:
                print(
                    f"\n{who.input} / {who.database}: "
                    "unreadable files and refused activities (the first of each)"
                )
                for text in problems:
                    print(f"  {text}")
        shown_bare.add(bare.input)
    verdicts = goals(rows)
    print("\ngoals")
    for verdict in verdicts:
        print(
            f"  {'PASS' if verdict['pass'] else 'FAIL'}  {verdict['goal']:50} {verdict['what']:26} "
            f"{verdict['value']}"
        )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "importer": args.importer,
                    "limit": args.limit,
                    "load_average_before": round(load, 2),
                    "environment": environment(args.postgres, databases),
                    "inputs": [
                        {"name": s.name, "files": len(s.files), "activities": s.activities, "bytes": s.bytes}
                        for s in inputs
                    ],
                    "runs": [
                        {
                            **asdict(run),
                            "rate": round(run.rate, 1),
                            "bare": {**asdict(bare), "rate": round(bare.rate, 1)},
                        }
                        for run, bare in rows
                    ],
                    "goals": verdicts,
                },
                indent=2,
            )
        )
        print(f"\nfigures written to {args.json}")


if __name__ == "__main__":
    main()
