"""The index's tables, made with raw DDL, the ids of facet values, and the server's text search
configurations."""

# ruff: noqa: S608 - SQL is composed from this package's table names, never from values

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from django.db import connection, transaction

from stocktake.core.text import fold
from stocktake.search.documents import FACETS, RANGE_FACETS
from stocktake.search.text import CJK_RUN, STEMMED_LANGUAGES, stem_language

INITIATIVES = "search_pg_initiative"
FILTERS = "search_pg_filter"
BODIES = "search_pg_body"
PHRASES = "search_pg_phrase"
VALUES = "search_pg_value"
COUNTS = "search_pg_count"
ORGANISATIONS = "search_pg_organisation"
STATE = "search_pg_state"
NEW = "_new"  # suffix of the tables a rebuild fills before they replace the live ones
VECTOR_FUNCTION = "search_pg_vector"
# Raised when these tables or what they hold change: an index of another layout is rebuilt.
LAYOUT = 6
# pg_advisory_lock keys ("STKSRCH1" and "STKSRCH0"): one syncing process, one creating the schema.
SYNC_LOCK = 0x53544B5352434831
SCHEMA_LOCK = 0x53544B5352434830
SIMPLE = "simple"
TOAST_TUPLE_TARGET = 8160  # the largest PostgreSQL accepts (8 kB pages)
ALL_FACETS = (*FACETS, *RANGE_FACETS)
# A value's id: its facet's number (from 1, in ALL_FACETS order) << SHIFT, plus its own number.
SHIFT = 24
FACET_NUMBER = {name: number for number, name in enumerate(ALL_FACETS, start=1)}
TOTAL = 0  # the id every initiative holds once in the counts: their number


def _value(name: str, value: object) -> str:
    return f"{name}:{value}"


# Tables: columns, then indexes by the suffix of their name (``<table>_<suffix>``, renamed on a swap).
TABLES: dict[str, tuple[str, dict[str, str]]] = {
    INITIATIVES: (
        "id bigint PRIMARY KEY, tsv tsvector NOT NULL, classes integer[] NOT NULL, "
        "code_normalised text NOT NULL, title_key text NOT NULL, facets integer[] NOT NULL, "
        "start date, start_year integer, budget numeric, updated timestamptz NOT NULL",
        {"tsv": "USING gin (tsv)", "classes": "USING gin (classes)", "facets": "USING gin (facets)"},
    ),
    FILTERS: (
        "id bigint PRIMARY KEY, code_normalised text NOT NULL, title_key text NOT NULL, "
        "facets integer[] NOT NULL, start date, start_year integer, budget numeric, "
        "updated timestamptz NOT NULL",
        {
            "facets": "USING gin (facets)",
            "code": "(code_normalised)",
            "title": "(title_key, code_normalised)",
            "start": "(start, code_normalised)",
            "updated": "(updated, code_normalised)",
            "start_year": "(start_year)",
            "budget": "(budget)",
        },
    ),
    BODIES: ("id bigint PRIMARY KEY, config text NOT NULL, body text NOT NULL", {}),
    PHRASES: ("id integer PRIMARY KEY, text text NOT NULL, tsv tsvector NOT NULL", {"text": "(text)"}),
    VALUES: ("id integer PRIMARY KEY, value text NOT NULL", {"value": "(value)"}),
    COUNTS: ("value integer PRIMARY KEY, n bigint NOT NULL", {}),
    ORGANISATIONS: (
        "id bigint PRIMARY KEY, name_key text NOT NULL, tsv tsvector NOT NULL, updated timestamptz NOT NULL",
        {"tsv": "USING gin (tsv)"},
    ),
}
DICTIONARIES = (PHRASES, VALUES)  # ids never reused: a rebuild starts from the live rows


def create_table(table: str, name: str, *, if_not_exists: bool) -> str:
    columns, _indexes = TABLES[table]
    exists = "IF NOT EXISTS " if if_not_exists else ""
    # Rows stay whole in their page unless they outgrow it: a tsvector compressed (the default past
    # 2 kB) costs more to read back than everything else a search does with it.
    return f"CREATE TABLE {exists}{name} ({columns}) WITH (toast_tuple_target = {TOAST_TUPLE_TARGET})"


def create_indexes(table: str, name: str, *, if_not_exists: bool) -> list[str]:
    _columns, indexes = TABLES[table]
    exists = "IF NOT EXISTS " if if_not_exists else ""
    return [
        f"CREATE INDEX {exists}{name}_{suffix} ON {name} {definition}"
        for suffix, definition in indexes.items()
    ]


# Concatenates the weighted tsvector of each (configuration, text, weight): no built-in aggregate
# joins tsvectors, and each text of a document has its own language.
VECTOR_FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {VECTOR_FUNCTION}(configs text[], texts text[], weights text[])
RETURNS tsvector LANGUAGE plpgsql STABLE PARALLEL SAFE AS $body$
DECLARE
    result tsvector := ''::tsvector;
BEGIN
    FOR i IN 1 .. coalesce(array_length(texts, 1), 0) LOOP
        IF i > 1 THEN
            -- A lexeme no query can spell keeps the fields a position apart: no phrase spans two.
            result := result || '§:1'::tsvector;
        END IF;
        result := result || setweight(to_tsvector(configs[i]::regconfig, texts[i]), weights[i]::"char");
    END LOOP;
    RETURN result;
END
$body$
"""
VECTOR = f"{VECTOR_FUNCTION}(%s::text[], %s::text[], %s::text[]) || %s::tsvector"


def upsert(table: str, columns: Sequence[tuple[str, str]], conflict: str = "id") -> str:
    """INSERT ... ON CONFLICT DO UPDATE of (column, value SQL) pairs."""
    names = ", ".join(column for column, _value in columns)
    values = ", ".join(value for _column, value in columns)
    updates = ", ".join(f"{column} = EXCLUDED.{column}" for column, _value in columns if column != conflict)
    return f"INSERT INTO {table} ({names}) VALUES ({values}) ON CONFLICT ({conflict}) DO UPDATE SET {updates}"


FILTER_COLUMNS = (
    ("id", "%s"),
    ("code_normalised", "%s"),
    ("title_key", "%s"),
    ("facets", "%s::integer[]"),
    ("start", "%s"),
    ("start_year", "%s"),
    ("budget", "%s"),
    ("updated", "%s"),
)
INITIATIVE_COLUMNS = (("tsv", VECTOR), ("classes", "%s::integer[]"), *FILTER_COLUMNS)
BODY_COLUMNS = (("id", "%s"), ("config", "%s"), ("body", "%s"))
ORGANISATION_COLUMNS = (("id", "%s"), ("name_key", "%s"), ("tsv", VECTOR), ("updated", "%s"))


class SchemaMixin:
    """``PostgresBackend``'s tables and configurations: the attributes are set by its ``__init__``."""

    _ready: bool
    _configs: dict[str, str]

    # Schema

    def _prepare(self) -> None:
        """Creates the tables if they are missing and learns the server's text search configurations."""
        if self._ready:
            return
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SCHEMA_LOCK])
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {STATE} "
                "(id integer PRIMARY KEY CHECK (id = 1), data jsonb NOT NULL)"
            )
            cursor.execute(f"SELECT data->>'layout' FROM {STATE} WHERE id = 1")
            row = cursor.fetchone()
            if row is not None and row[0] != str(LAYOUT):
                # Tables of another layout: gone, and without a state the next sync rebuilds them.
                cursor.execute(f"DROP TABLE IF EXISTS {', '.join(TABLES)}")
                cursor.execute(f"DELETE FROM {STATE}")
            cursor.execute(VECTOR_FUNCTION_SQL)
            for table in TABLES:
                cursor.execute(create_table(table, table, if_not_exists=True))
                for statement in create_indexes(table, table, if_not_exists=True):
                    cursor.execute(statement)
            cursor.execute(
                "SELECT cfgname FROM pg_ts_config WHERE cfgname = ANY(%s)", [list(STEMMED_LANGUAGES.values())]
            )
            available = {row[0] for row in cursor.fetchall()}
        self._configs = {code: name for code, name in STEMMED_LANGUAGES.items() if name in available}
        self._ready = True

    def _config(self, language: str) -> str:
        return self._configs.get(stem_language(language), SIMPLE)

    def _index_configs(self, config: str) -> list[str]:
        """The configurations a text of ``config`` is indexed with.

        Text in another stemmed language is indexed with the English rules too: Snowball stems some
        plurals apart from their singular ("gobiernos" -> "gobi", "gobierno" -> "gobiern"), and every
        query also looks for its English form, which drops the "s" alike; Russian and Arabic words
        are kept as they are written that way as well.
        """
        english = self._configs.get("en")
        return [config, english] if english and config not in (english, SIMPLE) else [config]

    def _all_configs(self) -> list[str]:
        return [*dict.fromkeys([*self._configs.values(), SIMPLE])]

    def _vector_parts(
        self, groups: list[tuple[str, list[str], list[str]]]
    ) -> tuple[list[str], list[str], list[str], list[tuple[str, list[str]]]]:
        """(configurations, folded texts, weights) for ``search_pg_vector``, and the CJK texts by
        weight, of (weight, configurations, texts) groups."""
        configs: list[str] = []
        texts: list[str] = []
        weights: list[str] = []
        cjk: dict[str, list[str]] = defaultdict(list)
        for weight, group_configs, group in groups:
            joined = "\n".join(text for text in group if text)
            if not joined.strip():
                continue
            plain = fold(CJK_RUN.sub(" ", joined))
            if plain.strip():
                for config in group_configs:
                    configs.append(config)
                    texts.append(plain)
                    weights.append(weight)
            if CJK_RUN.search(joined):
                cjk[weight].append(joined)
        return configs, texts, weights, [(weight, cjk[weight]) for weight in "ABCD" if cjk[weight]]
