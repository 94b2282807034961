"""``PostgresBackend``: the state, writes and rebuilds, searches, facets, snippets and organisations."""

# ruff: noqa: S608 - SQL is composed from this package's table names, never from values

from __future__ import annotations

import json
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction

from stocktake.initiatives.filtersets import InitiativeFilters
from stocktake.search.backends.base import (
    BUDGET_BANDS,
    FACET_SIZE,
    DocumentBatch,
    FacetBucket,
    Hit,
    IndexState,
    SearchBackend,
    SearchPage,
)
from stocktake.search.backends.postgres_backend.loader import Loader
from stocktake.search.backends.postgres_backend.queries import (
    RANK_NORMALISATION,
    RANK_WEIGHTS,
    Compiled,
    Where,
)
from stocktake.search.backends.postgres_backend.schema import (
    ALL_FACETS,
    BODIES,
    COUNTS,
    DICTIONARIES,
    FACET_NUMBER,
    FILTERS,
    INITIATIVES,
    LAYOUT,
    NEW,
    ORGANISATIONS,
    SHIFT,
    SIMPLE,
    STATE,
    SYNC_LOCK,
    TABLES,
    TOTAL,
    create_indexes,
    create_table,
    upsert,
)
from stocktake.search.backends.postgres_backend.similar import SimilarMixin
from stocktake.search.backends.postgres_backend.text import (
    HEADLINE_OPTIONS,
    SNIPPET_MAX_CHARS,
    headline_text,
    render,
)
from stocktake.search.documents import FACETS, InitiativeDocument, OrganisationDocument
from stocktake.search.query import ParsedQuery


class PostgresBackend(SimilarMixin, SearchBackend):
    name = "postgres"

    def __init__(self) -> None:
        if connection.vendor != "postgresql":
            raise ImproperlyConfigured(
                "STOCKTAKE_SEARCH_BACKEND=postgres keeps the index in the database and needs PostgreSQL "
                f"(DATABASE_URL points at {connection.vendor}); use the tantivy backend instead."
            )
        self._ready = False
        self._configs: dict[str, str] = {}
        self._lock = threading.Lock()
        self._forms: OrderedDict[str, tuple[str, ...] | None] = OrderedDict()
        # Facet values by id and ids by value, as read from the live table (ids are never reused).
        self._value_ids: dict[str, int] = {}
        self._value_names: dict[int, str] = {}
        self._statistics: tuple[float, dict[str, float], float] | None = None

    # State and writing

    def state(self) -> IndexState | None:
        self._prepare()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT data FROM {STATE} WHERE id = 1")
            row = cursor.fetchone()
        if row is None:
            return None
        data = row[0] if isinstance(row[0], dict) else json.loads(row[0])
        if data.get("layout") != LAYOUT:
            return None
        return IndexState(
            watermark=data["watermark"],
            gaps=[(int(a), int(b), float(c)) for a, b, c in data["gaps"]],
            schema_version=data["schema_version"],
        )

    @staticmethod
    def _store_state(cursor: Any, state: IndexState) -> None:
        data = {
            "watermark": state.watermark,
            "gaps": [list(gap) for gap in state.gaps],
            "schema_version": state.schema_version,
            "layout": LAYOUT,
        }
        cursor.execute(upsert(STATE, (("id", "1"), ("data", "%s::jsonb"))), [json.dumps(data)])

    @contextmanager
    def locked(self) -> Iterator[None]:
        # Session level: held across the sync's transactions, let go when the connection closes too.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [SYNC_LOCK])
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [SYNC_LOCK])

    def write(
        self,
        *,
        initiatives: list[InitiativeDocument],
        organisations: list[OrganisationDocument],
        deleted_initiatives: list[int],
        deleted_organisations: list[int],
        state: IndexState,
    ) -> None:
        self._prepare()
        written = [doc.pk for doc in initiatives]
        with transaction.atomic(), connection.cursor() as cursor:
            loader = Loader(self, cursor, suffix="")
            loader.count(written + deleted_initiatives, -1)
            if deleted_initiatives:
                for table in (INITIATIVES, FILTERS, BODIES):
                    cursor.execute(f"DELETE FROM {table} WHERE id = ANY(%s)", [deleted_initiatives])
            if deleted_organisations:
                cursor.execute(f"DELETE FROM {ORGANISATIONS} WHERE id = ANY(%s)", [deleted_organisations])
            loader.initiatives(initiatives)
            loader.organisations(organisations)
            loader.count(written, 1)
            cursor.execute(f"DELETE FROM {COUNTS} WHERE n = 0")
            self._store_state(cursor, state)

    def rebuild(self, batches: Iterable[DocumentBatch], state: IndexState) -> None:
        """Fills new tables and swaps them in, in one transaction: a failure changes nothing, and
        searches read the old tables until the commit."""
        self._prepare()
        with transaction.atomic(), connection.cursor() as cursor:
            for table in TABLES:
                cursor.execute(f"DROP TABLE IF EXISTS {table}{NEW}")
                cursor.execute(create_table(table, table + NEW, if_not_exists=False))
            for table in DICTIONARIES:  # indexed at once: every batch looks its titles and values up
                cursor.execute(f"INSERT INTO {table}{NEW} SELECT * FROM {table}")
                for statement in create_indexes(table, table + NEW, if_not_exists=False):
                    cursor.execute(statement)
            loader = Loader(self, cursor, suffix=NEW)
            for batch in batches:
                loader.initiatives(batch.initiatives)
                loader.organisations(batch.organisations)
            cursor.execute(
                f"INSERT INTO {COUNTS}{NEW} (value, n) SELECT v, count(*) "
                f"FROM {FILTERS}{NEW}, unnest(array_append(facets, %s)) AS v GROUP BY v",
                [TOTAL],
            )
            # Indexes are made once the rows are in: much faster than keeping them up row by row.
            for table in TABLES:
                if table not in DICTIONARIES:
                    for statement in create_indexes(table, table + NEW, if_not_exists=False):
                        cursor.execute(statement)
                cursor.execute(f"ANALYZE {table}{NEW}")
            for table, (_columns, indexes) in TABLES.items():
                cursor.execute(f"DROP TABLE IF EXISTS {table}")
                cursor.execute(f"ALTER TABLE {table}{NEW} RENAME TO {table}")
                for suffix in ("pkey", *indexes):
                    cursor.execute(f"ALTER INDEX {table}{NEW}_{suffix} RENAME TO {table}_{suffix}")
            self._store_state(cursor, state)

    def counts(self) -> dict[str, int]:
        self._prepare()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT (SELECT count(*) FROM {FILTERS}), (SELECT count(*) FROM {ORGANISATIONS})")
            initiatives, organisations = cursor.fetchone()
        return {"initiatives": initiatives, "organisations": organisations}

    # Reading

    def search(
        self,
        query: ParsedQuery,
        filters: InitiativeFilters,
        *,
        offset: int = 0,
        limit: int = 20,
        facets: bool = True,
        snippets: bool = True,
    ) -> SearchPage:
        self._prepare()
        compiled = self._compile(query)
        score, score_params = self._score(compiled)
        order = self._order(filters.effective_sort, compiled.ranked)
        with connection.cursor() as cursor:
            chosen = self._chosen_ids(cursor, filters)
            where = self._where(filters, compiled, chosen)
            columns = f"f.id, f.code_normalised, f.title_key, f.start, f.updated, {score} AS score"
            page = f"ORDER BY {order} LIMIT %s OFFSET %s"
            page_params = [max(limit, 0), max(offset, 0)]
            # Ranking scores every match anyway: counting them on the way is nearly free. The scores
            # are taken first (OFFSET 0), or the count would hold every row's tsvector meanwhile.
            counted = compiled.ranked and not facets
            matches = f"SELECT {columns} FROM {where.source} WHERE {where.sql}"
            if counted:
                matches = f"SELECT *, count(*) OVER () AS total FROM ({matches} OFFSET 0) AS matches"
            cursor.execute(
                f"SELECT * FROM ({matches}) AS page {page}", [*score_params, *where.params, *page_params]
            )
            rows = cursor.fetchall()
            hits = [Hit(pk=row[0], score=float(row[5])) for row in rows]
            # The facets are counted by a statement of their own: PostgreSQL runs each in parallel,
            # where one reading the matches once for both would run in one process.
            counts: list[Any] = []
            if facets:
                facet_sql, facet_params = self._facet_counts(filters, compiled, chosen)
                cursor.execute(facet_sql, facet_params)
                counts = cursor.fetchall()
            rank_query = compiled.rank_query
            if snippets and hits and rank_query is not None:
                for hit, snippet in zip(
                    hits, self._snippets(cursor, hits, rank_query, compiled.cjk), strict=True
                ):
                    hit.snippet = snippet
            if facets:
                total, buckets = self._facets(cursor, filters, chosen, counts)
                return SearchPage(total=total, hits=hits, facets=buckets)
            total = int(rows[0][6]) if counted and rows else self._count(cursor, where)
            return SearchPage(total=total, hits=hits)

    def _count(self, cursor: Any, where: Where) -> int:
        if where.sql == "TRUE":
            cursor.execute(f"SELECT n FROM {COUNTS} WHERE value = %s", [TOTAL])
        else:
            cursor.execute(f"SELECT count(*) FROM {where.source} WHERE {where.sql}", where.params)
        row = cursor.fetchone()
        return int(row[0]) if row else 0

    def matching_ids(self, query: ParsedQuery, filters: InitiativeFilters) -> list[int]:
        self._prepare()
        compiled = self._compile(query)
        score, score_params = self._score(compiled)
        with connection.cursor() as cursor:
            where = self._where(filters, compiled, self._chosen_ids(cursor, filters))
            cursor.execute(
                f"SELECT f.id, f.code_normalised, f.title_key, f.start, f.updated, {score} AS score "
                f"FROM {where.source} WHERE {where.sql} "
                f"ORDER BY {self._order(filters.effective_sort, compiled.ranked)}",
                [*score_params, *where.params],
            )
            return [row[0] for row in cursor.fetchall()]

    def _facet_counts(
        self, filters: InitiativeFilters, compiled: Compiled, chosen_ids: dict[str, list[int]]
    ) -> tuple[str, list[Any]]:
        """A statement of (value id, count) rows: the total (id 0) and every facet's counts.

        A chosen facet is counted over the rows matching every other filter (``filters.without``);
        the facets not chosen share the rows matching them all, read once. A group of rows without
        any condition is read from the counts the writes keep.
        """
        chosen = [name for name in ALL_FACETS if filters.without(name) != filters]
        groups: list[tuple[InitiativeFilters, str | None]] = [(filters, None)]
        groups.extend((filters.without(name), name) for name in chosen)
        parts: list[str] = []
        params: list[Any] = []
        for group_filters, only in groups:
            where = self._where(group_filters, compiled, chosen_ids)
            # The rows of all the filters count every facet but the chosen ones (left out once counted:
            # OFFSET 0 keeps the test from running on every value of every row); the rows of each of
            # the others count one chosen facet's values.
            if only is None:
                source_params: list[Any]
                if where.sql == "TRUE":
                    source, source_params = f"SELECT value AS v, n FROM {COUNTS}", []
                else:
                    source = (
                        f"SELECT v, count(*) AS n FROM {where.source}, "
                        f"unnest(array_append(f.facets, %s)) AS v WHERE {where.sql} GROUP BY v"
                    )
                    source_params = [TOTAL, *where.params]
                if chosen:
                    source = f"SELECT v, n FROM ({source} OFFSET 0) AS g WHERE NOT (v >> {SHIFT} = ANY(%s))"
                    source_params.append([FACET_NUMBER[name] for name in chosen])
            else:
                bounds = [FACET_NUMBER[only] << SHIFT, (FACET_NUMBER[only] + 1) << SHIFT]
                if where.sql == "TRUE":
                    source = f"SELECT value AS v, n FROM {COUNTS} WHERE value >= %s AND value < %s"
                    source_params = bounds
                else:
                    source = (
                        f"SELECT v, count(*) AS n FROM {where.source}, unnest(f.facets) AS v "
                        f"WHERE {where.sql} AND v >= %s AND v < %s GROUP BY v"
                    )
                    source_params = [*where.params, *bounds]
            parts.append(source)
            params.extend(source_params)
        selected = [pk for name in FACETS for pk in chosen_ids.get(name, [])]
        statement = (
            f"SELECT v, n FROM (SELECT v, n, "
            f"row_number() OVER (PARTITION BY v >> {SHIFT} ORDER BY n DESC, v) AS r "
            f"FROM ({' UNION ALL '.join(parts)}) AS counted) AS ranked "
            f"WHERE r <= %s OR NOT (v >> {SHIFT} = ANY(%s)) OR v = ANY(%s)"
        )
        return statement, [*params, FACET_SIZE, [FACET_NUMBER[name] for name in FACETS], selected]

    def _facets(
        self, cursor: Any, filters: InitiativeFilters, chosen_ids: dict[str, list[int]], rows: list[Any]
    ) -> tuple[int, dict[str, list[FacetBucket]]]:
        """The total and the buckets of every facet, from the (value id, count) rows of _facet_counts."""
        names = self._names(cursor, (pk for pk, _n in rows if pk != TOTAL))
        counts: dict[str, dict[str, int]] = defaultdict(dict)
        total = 0
        for pk, count in rows:
            if pk == TOTAL:
                total = int(count)
            elif pk in names:
                name, key = names[pk].split(":", 1)
                counts[name][key] = int(count)
        facets: dict[str, list[FacetBucket]] = {}
        for name in FACETS:
            found = counts[name]
            top = sorted(found.items(), key=lambda item: (-item[1], item[0]))[:FACET_SIZE]
            buckets = [FacetBucket(key, count) for key, count in top]
            listed = {key for key, _count in top}
            for value in self._filter_values(filters, name):
                if value not in listed:  # a chosen value stays listed, with its count
                    buckets.append(FacetBucket(value, found.get(value, 0)))
                    listed.add(value)
            facets[name] = buckets
        years = sorted(counts["start_year"].items(), key=lambda item: int(item[0]))
        facets["start_year"] = [FacetBucket(key, count) for key, count in years]
        facets["budget"] = [
            FacetBucket(key, counts["budget"].get(key, 0)) for key, _low, _high in BUDGET_BANDS
        ]
        return total, facets

    def _snippets(self, cursor: Any, hits: list[Hit], rank_query: str, cjk: list[str]) -> list[str]:
        """Each body's best passages, escaped, with the matched words in <mark>.

        ts_headline runs over the body folded character by character (so "cafe" marks "Café"), with
        private-use characters as its markers; the passages are then cut from the original text.
        """
        cursor.execute(
            f"SELECT id, config, body FROM {BODIES} WHERE id = ANY(%s)", [[hit.pk for hit in hits]]
        )
        found = {pk: (config, body[:SNIPPET_MAX_CHARS]) for pk, config, body in cursor.fetchall()}
        rows = [found.get(hit.pk, (SIMPLE, "")) for hit in hits]
        folded = [headline_text(body) for _config, body in rows]
        cursor.execute(
            "SELECT ts_headline(c::regconfig, b, %s::tsquery, %s) "
            "FROM unnest(%s::text[], %s::text[]) WITH ORDINALITY AS x(b, c, i) ORDER BY i",
            [rank_query, HEADLINE_OPTIONS, folded, [config for config, _body in rows]],
        )
        headlines = [row[0] or "" for row in cursor.fetchall()]
        return [
            render(body, plain, headline, cjk)
            for (_config, body), plain, headline in zip(rows, folded, headlines, strict=True)
        ]

    # Organisations and similar cases

    def search_organisations(self, query: ParsedQuery, *, offset: int = 0, limit: int = 10) -> SearchPage:
        self._prepare()
        compiled = self._compile(query)
        if not compiled.ranked:
            return SearchPage(total=0, hits=[])
        conditions = " AND ".join(
            f"{'NOT ' if negated else ''}(tsv @@ %s::tsquery)"
            for _tsquery, _titles, negated in compiled.clauses
        )
        condition_params = [tsquery for tsquery, _titles, _negated in compiled.clauses]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, ts_rank(%s::real[], tsv, %s::tsquery, %s) AS score, count(*) OVER () "
                f"FROM {ORGANISATIONS} WHERE {conditions} "
                "ORDER BY score DESC, name_key, id LIMIT %s OFFSET %s",
                [RANK_WEIGHTS, compiled.rank_query, RANK_NORMALISATION, *condition_params, limit, offset],
            )
            rows = cursor.fetchall()
            total = rows[0][2] if rows else 0
            if not rows and offset:
                cursor.execute(f"SELECT count(*) FROM {ORGANISATIONS} WHERE {conditions}", condition_params)
                total = cursor.fetchone()[0]
        return SearchPage(total=total, hits=[Hit(pk=row[0], score=float(row[1])) for row in rows])
