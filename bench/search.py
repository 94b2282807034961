"""Search benchmark: latency of a fixed query mix, and the search page's throughput, on generated registries.

    .venv/bin/python bench/search.py [--rows 100000] [--database sqlite|postgres|both]
        [--backend tantivy|postgres] [--seconds 10] [--queries 40]

For each database: (a) makes sure the generated registry is there (SQLite var/bench/search-<rows>.sqlite3,
PostgreSQL database stocktake_bench_search_<rows>: migrated, vocabularies loaded, ROWS initiatives by
bench/generate_search_registry.py; kept, so it is built once); (b) rebuilds the search index
(``search.sync.rebuild``, timed); (c) runs, in a new process, a seeded query mix through
``search.selectors.search_initiatives`` (and ``search.similar`` for similar cases), each query drawn
once from a pool so no cache answers it twice, and prints p50 and p95 per category and overall;
(d) starts ``stocktake serve`` on the same database and loads the search page (``/initiatives/?q=...``
with facets, a different query each request) and the trivial view (``/health/live``) with wrk, and
prints requests per second and the ratio. Then the goals with PASS or FAIL.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WORK = ROOT / "var" / "bench"
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432"
SEED = 7

# The goals: p95 latency at the size named, and the search page's share of the trivial view's rate.
GOALS = {("sqlite", 100_000): 50.0, ("postgres", 1_000_000): 150.0}
MIN_THROUGHPUT_SHARE = 0.30
REPEATED_SEARCHES = 50  # the page cache's case, for comparison: these few asked again and again

CATEGORIES = [
    "text: common words",
    "text: medium words",
    "text: rare words",
    "text: phrases",
    "text: other languages",
    "text: Chinese 2-char word",
    "facets only (1-2)",
    "text + 3 facets",
    "deep pages (200+)",
    "similar cases",
    "experiences for a situation",
]
# Words in most documents (each is stemmed: "development" also finds "developing").
COMMON_WORDS = [
    "development", "digital", "sustainable", "access", "countries", "partners", "information",
    "technology", "services", "ensure", "national", "including", "increase", "support",
]  # fmt: skip
PHRASES = [
    "capacity building", "least developed countries", "small island developing States", "gender equality",
    "access to information", "rural development", "open source", "digital inclusion", "public services",
    "affordable access", "sustainable development", "civil society", "health care", "local languages",
]  # fmt: skip
# Two-character Chinese words; those found in the SDG wording are used.
CHINESE_WORDS = [
    "创新", "教育", "能源", "性别", "气候", "贫困", "饥饿", "健康", "清洁", "就业", "城市", "和平", "正义",
    "伙伴", "技术", "农业", "妇女", "海洋", "森林", "工业", "经济", "发展", "信息", "通信", "设施", "水资",
]  # fmt: skip
BROAD_FACETS: list[dict[str, Any]] = [
    {"kind": ["project"]}, {"status": ["4"]}, {"outcome": ["concluded"]}, {"region": ["002"]},
    {"start_year_min": 2010}, {"budget_min": 100_000},
]  # fmt: skip
STOP = {"the", "and", "for", "with", "from", "that", "this", "all", "are", "its", "into", "their", "which"}


# --- the parent: databases, registries, the server


def database_env(database: str, rows: int, backend: str, postgres: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "stocktake.settings",
        "STOCKTAKE_DATA_DIR": str(WORK / "search-data"),
        "STOCKTAKE_DEBUG": "0",
        "STOCKTAKE_SEARCH_BACKEND": backend,
        "STOCKTAKE_SEARCH_INDEX_DIR": str(WORK / "search-index" / f"{database}-{rows}"),
    }
    if database == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{WORK / f'search-{rows}.sqlite3'}"
    else:
        env["DATABASE_URL"] = f"{postgres}/stocktake_bench_search_{rows}"
    return env


def ensure_postgres_database(postgres: str, rows: int) -> None:
    import psycopg  # only when PostgreSQL is benchmarked

    name = f"stocktake_bench_search_{rows}"
    with psycopg.connect(f"{postgres}/postgres", autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f"CREATE DATABASE {name}")


def ensure_registry(database: str, rows: int, env: dict[str, str], postgres: str) -> None:
    """Migrates, loads the vocabularies and generates what is missing (nothing, the second time)."""
    WORK.mkdir(parents=True, exist_ok=True)
    if database == "postgres":
        ensure_postgres_database(postgres, rows)
    print(f"registry: {rows:,} generated initiatives in {database} ({env['DATABASE_URL']})", flush=True)
    started = time.monotonic()
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "generate_search_registry.py"), str(rows), "--prepare"],
        env=env,
        check=True,
    )
    print(f"  ready in {time.monotonic() - started:.1f}s", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wrk(base: str, path_or_script: str, seconds: int, connections: int) -> tuple[float, str, str]:
    command = ["wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds}s", "--latency", "--timeout", "30s"]
    if path_or_script.endswith(".lua"):
        command += ["-s", path_or_script, base]
    else:
        command.append(base + path_or_script)
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1)  # type: ignore[union-attr]
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1)  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        print(f"  warning: {errors.group(1)} responses were not 2xx or 3xx", flush=True)
    return rate, p50, p99


def python_load(base: str, paths: list[str], seconds: int) -> tuple[float, str, str]:
    """One connection, a request after the other: when wrk is not installed."""
    count, latencies, deadline = 0, [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.monotonic()
        with urllib.request.urlopen(base + paths[count % len(paths)]) as response:
            response.read()
        latencies.append(time.monotonic() - started)
        count += 1
    latencies.sort()
    p50, p99 = latencies[len(latencies) // 2], latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return count / seconds, f"{p50 * 1000:.1f}ms", f"{p99 * 1000:.1f}ms"


def lua_script(paths_file: Path, script: Path) -> None:
    """A wrk script that asks for each search URL of the file in turn (so no cache answers twice)."""
    script.write_text(
        f"""local paths = {{}}
for line in io.lines("{paths_file}") do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
"""
    )


def measure_server(
    env: dict[str, str], label: str, paths: list[str], args: argparse.Namespace
) -> dict[str, Any]:
    port = free_port()
    log = WORK / f"search-serve-{label}.log"
    command = [str(BIN / "stocktake"), "serve", "--port", str(port), "--workers", str(args.workers)]
    command += ["--threads", str(args.threads), "--no-demo", "--no-worker"]
    with log.open("w") as output:
        server = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        # serve prepares first (migrations, vocabularies, the index if it is outdated): give it time.
        deadline = time.monotonic() + 3600
        while True:
            if server.poll() is not None:
                raise SystemExit(f"stocktake serve stopped (exit {server.returncode}); see {log}")
            try:
                urllib.request.urlopen(base + "/health/live", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"stocktake serve did not answer within an hour; see {log}") from None
                time.sleep(0.5)
        with urllib.request.urlopen(base + paths[0], timeout=60) as response:
            if response.status != 200:
                raise SystemExit(f"{paths[0]} answered {response.status}")
        have_wrk = shutil.which("wrk") is not None
        paths_file = WORK / f"search-urls-{label}.txt"
        paths_file.write_text("".join(path + "\n" for path in paths[1:]))
        script = WORK / f"search-urls-{label}.lua"
        lua_script(paths_file, script)
        # For comparison only: a few searches asked again and again, as popular ones are, which the
        # page cache answers once each process has rendered them.
        repeated_file = WORK / f"search-urls-{label}-repeated.txt"
        repeated_file.write_text("".join(path + "\n" for path in paths[1 : 1 + REPEATED_SEARCHES]))
        repeated_script = WORK / f"search-urls-{label}-repeated.lua"
        lua_script(repeated_file, repeated_script)
        print(
            f"\nserver: {args.workers} gunicorn workers x {args.threads} threads, {os.cpu_count()} cores; "
            f"{'wrk, ' + str(args.connections) + ' connections' if have_wrk else 'Python, 1 connection'}, "
            f"{args.seconds}s per page",
            flush=True,
        )
        print(f"{'page':44} {'req/s':>8} {'p50':>9} {'p99':>9}", flush=True)
        figures: dict[str, Any] = {}
        for key, name, target, python_paths in (
            ("trivial", "trivial view (/health/live)", "/health/live", ["/health/live"]),
            ("search", "search page (q + facets, varied)", str(script), paths[1:]),
            (
                "repeated",
                f"search page ({REPEATED_SEARCHES} searches repeated)",
                str(repeated_script),
                paths[1 : 1 + REPEATED_SEARCHES],
            ),
        ):
            if key == "repeated":
                # Every process renders each search once first (not timed): then the cache answers.
                for path in python_paths * 2 * args.workers:
                    urllib.request.urlopen(base + path, timeout=60).read()
            if have_wrk:
                rate, p50, p99 = wrk(base, target, args.seconds, args.connections)
            else:
                rate, p50, p99 = python_load(base, python_paths, args.seconds)
            print(f"{name:44} {rate:8.1f} {p50:>9} {p99:>9}", flush=True)
            figures[key] = rate
        share = figures["search"] / figures["trivial"] if figures["trivial"] else 0.0
        repeated_share = figures["repeated"] / figures["trivial"] if figures["trivial"] else 0.0
        asked_twice = len(paths) - 1 < figures["search"] * args.seconds
        print(
            f"search page / trivial view: {share:.0%} (goal >= {MIN_THROUGHPUT_SHARE:.0%})"
            f"{' (some URLs were asked twice)' if asked_twice else ''}; "
            f"repeated searches: {repeated_share:.0%}",
            flush=True,
        )
        return {**figures, "share": share, "repeated_share": repeated_share}
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def run_database(database: str, args: argparse.Namespace) -> dict[str, Any]:
    label = f"{database}-{args.rows}"
    print(f"\n=== {database}, {args.rows:,} initiatives, backend {args.backend} ===", flush=True)
    env = database_env(database, args.rows, args.backend, args.postgres)
    ensure_registry(database, args.rows, env, args.postgres)
    result_file = WORK / f"search-result-{label}.json"
    result_file.unlink(missing_ok=True)
    command = [sys.executable, str(Path(__file__).resolve()), "--child", "--result", str(result_file)]
    command += ["--queries", str(args.queries), "--urls", str(args.urls), "--rows", str(args.rows)]
    rebuild_seconds = None
    if not args.no_rebuild:
        # The rebuild has a process of its own: the query mix then runs in a process that only searches,
        # as a web worker does (measured in the rebuilding process, it was several times slower).
        subprocess.run([*command, "--rebuild-only"], env=env, check=True)
        rebuild_seconds = json.loads(result_file.read_text())["rebuild_seconds"]
    command.append("--no-rebuild")
    if args.verbose:
        command.append("--verbose")
    if args.profile:
        command += ["--profile", args.profile]
    subprocess.run(command, env=env, check=True)
    result: dict[str, Any] = json.loads(result_file.read_text())
    result["rebuild_seconds"] = rebuild_seconds
    if not args.no_server:
        result["server"] = measure_server(env, label, result.pop("urls"), args)
    result["database"] = database
    return result


def print_goals(results: list[dict[str, Any]], rows: int) -> None:
    print("\ngoals:", flush=True)
    for result in results:
        database = result["database"]
        p95 = result["overall"]["p95"]
        for (goal_database, goal_rows), limit in GOALS.items():
            if goal_database != database:
                continue
            if goal_rows == rows:
                verdict, note = ("PASS" if p95 <= limit else "FAIL"), ""
            else:  # another size: the figure for comparison, no verdict
                verdict, note = "", f"(the goal is set for {goal_rows:,}; measured at {rows:,})"
            print(
                f"  p95 <= {limit:.0f} ms at {goal_rows:,} on {database}: {p95:.1f} ms  {verdict}{note}",
                flush=True,
            )
        server = result.get("server")
        if server:
            verdict = "PASS" if server["share"] >= MIN_THROUGHPUT_SHARE else "FAIL"
            print(
                f"  search page >= {MIN_THROUGHPUT_SHARE:.0%} of the trivial view ({database}): "
                f"{server['search']:.1f} / {server['trivial']:.1f} req/s = {server['share']:.0%}  {verdict}",
                flush=True,
            )


# --- the child: the index and the in-process query mix


class Pools:
    """What queries are drawn from, read from the registry and its vocabularies (seeded)."""

    def __init__(self, rng: random.Random) -> None:
        from django.db.models import Count

        from stocktake.initiatives.models import Initiative, InitiativeCountry, Participation
        from stocktake.organisations.models import Organisation
        from stocktake.vocabularies.models import ActionLine, Code, Country, SdgGoal, SdgTarget

        self.rng = rng
        self.keywords = sorted(
            {k.strip() for line in ActionLine.objects.all() for k in line.keywords.split(";") if k.strip()}
        )
        self.sector_words = sorted(
            {
                word
                for name in Code.objects.filter(codelist__name="Sector").values_list("name", flat=True)
                for word in re.findall(r"[A-Za-z]{6,}", name)
                if word.lower() not in STOP
            }
        )
        self.country_names = sorted(Country.objects.values_list("title", flat=True))
        self.line_codes = sorted(ActionLine.objects.values_list("code", flat=True))
        self.goals = [str(n) for n in SdgGoal.objects.values_list("number", flat=True)]
        self.targets = sorted(SdgTarget.objects.values_list("code", flat=True))
        self.target_titles = list(SdgTarget.objects.values_list("title", flat=True))
        translations = [t for goal in SdgGoal.objects.all() for t in (goal.short_translations or {}).items()]
        translations += [t for target in SdgTarget.objects.all() for t in (target.translations or {}).items()]
        self.foreign_words = sorted(
            {
                word
                for language, text in translations
                if language in ("fr", "es", "ar", "ru")
                for word in re.findall(r"\w{6,}", text)
            }
        )
        chinese = " ".join(text for language, text in translations if language == "zh")
        self.chinese = [word for word in CHINESE_WORDS if word in chinese]
        # Countries and partners as often as they are used: big ones come up more, as in real searches.
        self.countries = list(
            InitiativeCountry.objects.values("country_id")
            .annotate(n=Count("id"))
            .order_by("-n")
            .values_list("country_id", flat=True)
        )
        self.organisations = list(
            Participation.objects.values("organisation__slug")
            .annotate(n=Count("id"))
            .order_by("-n")
            .values_list("organisation__slug", flat=True)[:500]
        )
        self.all_organisations = Organisation.objects.count()
        # Rare words: the invented project names of titles ("Laelbo: ...") and of small partners.
        bench = Initiative.objects.filter(code__startswith="BENCH-")
        self.total = bench.count()
        sample = sorted(rng.sample(range(self.total), min(self.total, 4000)))
        codes = [f"BENCH-{n:07d}" for n in sample]
        titles = Initiative.objects.filter(code__in=codes).values_list("title", flat=True)
        self.rare = sorted({m.group(1) for t in titles if (m := re.match(r"^([A-Z][a-z]{4,}): ", t))})
        self.sample_codes = codes

    def common(self) -> str:
        if self.rng.random() < 0.6:
            return self.rng.choice(COMMON_WORDS)
        return " ".join(self.rng.sample(COMMON_WORDS, 2))

    def medium(self) -> str:
        pool = self.rng.choice([self.keywords, self.sector_words, self.country_names])
        return self.rng.choice(pool)

    def rare_word(self) -> str:
        return self.rng.choice(self.rare) if self.rare else self.medium()

    def phrase(self) -> str:
        if self.rng.random() < 0.5:
            return f'"{self.rng.choice(PHRASES)}"'
        words = [w for w in re.findall(r"[a-z]{4,}", self.rng.choice(self.target_titles)) if w not in STOP]
        start = self.rng.randrange(max(1, len(words) - 1))
        return f'"{" ".join(words[start : start + 2])}"'

    def foreign(self) -> str:
        return self.rng.choice(self.foreign_words)

    def facet(self) -> dict[str, Any]:
        rng = self.rng
        name = rng.choice(
            ["kind", "status", "outcome", "country", "country", "region", "country_group", "wsis", "wsis",
             "sdg", "sdg", "stakeholder_group", "organisation", "start_year", "budget"]
        )  # fmt: skip
        if name == "kind":
            return {
                "kind": [rng.choice(["project", "partnership", "programme", "ppp", "commitment", "event"])]
            }
        if name == "status":
            return {"status": [rng.choice("123456")]}
        if name == "outcome":
            return {
                "outcome": [rng.choice(["ongoing", "concluded", "sustained", "handed-over", "ended-early"])]
            }
        if name == "country":
            # Half from the 20 most used countries, half from all of them.
            pool = self.countries[:20] if rng.random() < 0.5 else self.countries
            return {"country": [rng.choice(pool)]}
        if name == "region":
            return {
                "region": [rng.choice(["002", "019", "142", "150", "009", "202", "419", "014", "145", "035"])]
            }
        if name == "country_group":
            return {"country_group": [rng.choice(["ldc", "lldc", "sids", "developing"])]}
        if name == "wsis":
            return {"wsis": [rng.choice(self.line_codes)]}
        if name == "sdg":
            return {"sdg": [rng.choice(self.goals if rng.random() < 0.6 else self.targets)]}
        if name == "stakeholder_group":
            return {
                "stakeholder_group": [
                    rng.choice(["government", "civil-society", "private-sector", "academic-research"])
                ]
            }
        if name == "organisation":
            pool = self.organisations[:30] if rng.random() < 0.5 else self.organisations
            return {"organisation": [rng.choice(pool)]}
        if name == "start_year":
            first = rng.randint(1995, 2022)
            return {"start_year_min": first, "start_year_max": first + rng.randint(0, 8)}
        low = rng.choice([0, 10_000, 100_000, 1_000_000])
        return {"budget_min": low, "budget_max": low * rng.choice([10, 100]) or 50_000}

    def facets(self, count: int) -> dict[str, Any]:
        chosen: dict[str, Any] = {}
        while len(chosen) < count:
            facet = self.facet()
            if not set(facet) & set(chosen):
                chosen.update(facet)
        return chosen

    def url(self) -> str:
        """A search page URL: words (most often) and one or two facets."""
        params: dict[str, Any] = {}
        draw = self.rng.random()
        params["q"] = self.common() if draw < 0.35 else self.medium() if draw < 0.8 else self.phrase()
        params.update(self.facets(self.rng.choice([1, 1, 2])))
        return "/initiatives/?" + urllib.parse.urlencode(params, doseq=True)


def child(args: argparse.Namespace) -> None:
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.db import connection, reset_queries

    from stocktake.initiatives.filtersets import InitiativeFilters
    from stocktake.initiatives.models import Initiative
    from stocktake.search.backends import get_backend
    from stocktake.search.selectors import MAX_OFFSET, PER_PAGE, search_initiatives
    from stocktake.search.sync import ensure_fresh, rebuild

    try:
        from stocktake.search import similar
    except ImportError:
        similar = None  # type: ignore[assignment]

    backend = get_backend()
    if args.no_rebuild:
        started = time.perf_counter()
        ensure_fresh(backend)
        print(f"index: brought up to date in {time.perf_counter() - started:.1f}s", flush=True)
        rebuild_seconds = None
    else:
        started = time.perf_counter()
        shown = [started]

        def progress(done: int, total: int) -> None:
            now = time.perf_counter()
            if now - shown[0] >= 15 or done == total:
                shown[0] = now
                print(
                    f"  {done:>10,} / {total:,} documents, {done / (now - started):,.0f}/s",
                    flush=True,
                )

        print(f"index: rebuilding ({backend.name}) ...", flush=True)
        rebuild(backend, progress=progress)
        rebuild_seconds = time.perf_counter() - started
        counts = backend.counts()
        print(
            f"  rebuilt in {rebuild_seconds:.1f}s: {counts['initiatives']:,} initiatives, "
            f"{counts['organisations']:,} organisations",
            flush=True,
        )
        if args.rebuild_only:
            Path(args.result).write_text(json.dumps({"rebuild_seconds": rebuild_seconds}))
            return

    rng = random.Random(SEED)
    started = time.perf_counter()
    pools = Pools(rng)
    print(
        f"query pools read in {time.perf_counter() - started:.1f}s: {pools.total:,} generated initiatives, "
        f"{len(pools.rare)} rare words, Chinese words {' '.join(pools.chinese)}",
        flush=True,
    )
    # What the search page asks for: a page of PER_PAGE rows (without partners: the table shows none),
    # with every facet counted.
    per_page = PER_PAGE

    def text_query(q: str, page: int = 1, **facets: Any) -> Any:
        filters = InitiativeFilters(q=q, **facets)
        return lambda: search_initiatives(filters, page=page, per_page=per_page, facets=True, partners=False)

    def draw(category: str) -> tuple[str, Any]:
        """(what it asks, the call) of one query of the category."""
        if category == "text: common words":
            q = pools.common()
            return q, text_query(q)
        if category == "text: medium words":
            q = pools.medium()
            return q, text_query(q)
        if category == "text: rare words":
            q = pools.rare_word()
            return q, text_query(q)
        if category == "text: phrases":
            q = pools.phrase()
            return q, text_query(q)
        if category == "text: other languages":
            q = pools.foreign()
            return q, text_query(q)
        if category == "text: Chinese 2-char word":
            q = rng.choice(pools.chinese)
            return q, text_query(q)
        if category == "facets only (1-2)":
            facets = pools.facets(rng.choice([1, 2]))
            return json.dumps(facets), text_query("", **facets)
        if category == "text + 3 facets":
            q = pools.common() if rng.random() < 0.5 else pools.medium()
            facets = pools.facets(3)
            return f"{q} {json.dumps(facets)}", text_query(q, **facets)
        if category == "deep pages (200+)":
            # A broad search: a common word, or a facet most initiatives have.
            q = rng.choice(COMMON_WORDS) if rng.random() < 0.7 else ""
            facets = {} if q else rng.choice(BROAD_FACETS)
            count = search_initiatives(InitiativeFilters(q=q, **facets), per_page=1, facets=False).total
            last = min(MAX_OFFSET // per_page, -(-count // per_page))  # the deepest page served
            page = rng.randint(200, last) if last > 200 else max(1, last)
            return f"{q or json.dumps(facets)} page {page}", text_query(q, page, **facets)
        code = rng.choice(pools.sample_codes)
        if category == "similar cases":
            initiative = Initiative.objects.get(code=code)
            return code, lambda: similar.similar_initiatives(initiative, limit=5)  # type: ignore[union-attr]
        situation = similar.Situation(  # type: ignore[union-attr]
            country=rng.choice(pools.countries),
            wsis=[rng.choice(pools.line_codes)],
            sdg=[rng.choice(pools.goals)],
            q=pools.medium() if rng.random() < 0.7 else "",
        )
        return situation.model_dump_json(), lambda: similar.experiences_for(situation, limit=20)  # type: ignore[union-attr]

    categories = [
        c
        for c in CATEGORIES
        if similar is not None or c not in ("similar cases", "experiences for a situation")
    ]
    if similar is None:
        print("note: stocktake.search.similar is not there: similar cases are left out", flush=True)

    seen: set[str] = set()

    def draw_new(category: str) -> tuple[str, Any] | None:
        """A query not asked before in this run (so no cache answers it), or None when the pool is spent."""
        for _ in range(100):
            asked, call = draw(category)
            if asked not in seen:
                seen.add(asked)
                return asked, call
        return None

    # Warm-up: the index opened, the vocabularies cached, a query of each kind (not timed, not reused).
    for category in categories:
        for _ in range(2):
            drawn = draw_new(category)
            if drawn:
                drawn[1]()

    print(
        f"\n{len(categories)} categories x {args.queries} queries (fewer if a pool runs out), "
        f"none asked twice; {per_page} per page"
    )
    print(f"{'category':30} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'median hits':>12}  example")
    results: dict[str, Any] = {"categories": {}, "rebuild_seconds": rebuild_seconds, "rows": args.rows}
    everything: list[float] = []
    profiler = cProfile.Profile() if args.profile else None
    if profiler:
        profiler.enable()
    for category in categories:
        latencies: list[float] = []
        hits: list[int] = []
        example = ""
        for _ in range(args.queries):
            drawn = draw_new(category)
            if drawn is None:
                break
            asked, call = drawn
            example = example or asked
            reset_queries()
            started = time.perf_counter()
            answer = call()
            latencies.append((time.perf_counter() - started) * 1000)
            hits.append(answer.total if hasattr(answer, "total") else len(answer))
            if args.verbose:
                print(f"    {latencies[-1]:8.1f} ms  {hits[-1]:>8}  {asked}", flush=True)
        latencies.sort()
        figures = {
            "n": len(latencies),
            "p50": statistics.median(latencies),
            "p95": percentile(latencies, 95),
            "max": latencies[-1],
            "median_hits": statistics.median(hits),
        }
        results["categories"][category] = figures
        everything += latencies
        print(
            f"{category:30} {figures['n']:>4} {figures['p50']:8.1f} {figures['p95']:8.1f} "
            f"{figures['max']:8.1f} {figures['median_hits']:>12,.0f}  {example[:60]}",
            flush=True,
        )
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
        print(f"\nprofile of the query mix written to {args.profile}; the costliest calls, time included:")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    everything.sort()
    results["overall"] = {
        "n": len(everything),
        "p50": statistics.median(everything),
        "p95": percentile(everything, 95),
        "max": everything[-1],
    }
    overall = results["overall"]
    print(
        f"{'overall':30} {overall['n']:>4} {overall['p50']:8.1f} {overall['p95']:8.1f} {overall['max']:8.1f}"
    )
    print(
        f"({connection.vendor}; {pools.total:,} generated initiatives, "
        f"{pools.all_organisations:,} organisations)"
    )
    url_rng = random.Random(SEED + 1)
    pools.rng = url_rng
    results["urls"] = [pools.url() for _ in range(args.urls)]
    Path(args.result).write_text(json.dumps(results))


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of sorted values."""
    rank = max(0, min(len(values) - 1, -(-len(values) * share // 100) - 1))
    return values[int(rank)]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--rows", type=int, default=100_000, help="generated initiatives (10000, 100000, 1000000)"
    )
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--backend", choices=["tantivy", "postgres"], default="tantivy")
    parser.add_argument("--seconds", type=int, default=10, help="wrk's duration per page")
    parser.add_argument("--queries", type=int, default=40, help="queries per category")
    parser.add_argument("--urls", type=int, default=4000, help="distinct search URLs the server is asked")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="PostgreSQL server (no database name)")
    parser.add_argument("--no-rebuild", action="store_true", help="keep the index (brought up to date)")
    parser.add_argument("--no-server", action="store_true", help="only the in-process query mix")
    parser.add_argument("--verbose", action="store_true", help="every query with its latency and hits")
    parser.add_argument(
        "--profile", metavar="FILE", help="run the query mix under cProfile (slower: not the figures)"
    )
    parser.add_argument("--json", metavar="FILE", help="write the figures as JSON")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    parser.add_argument("--rebuild-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    if args.backend == "postgres" and args.database in ("sqlite", "both"):
        parser.error("the postgres search backend needs --database postgres")
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    load = os.getloadavg()[0]
    if load > 0.5 * (os.cpu_count() or 1):
        print(f"note: load average {load:.2f} on {os.cpu_count()} cores: figures may be slower", flush=True)
    results = [run_database(database, args) for database in databases]
    print_goals(results, args.rows)
    print(f"load average now {os.getloadavg()[0]:.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
