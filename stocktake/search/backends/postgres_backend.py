"""The PostgreSQL backend: the index lives in the database, so every web server shares it.

Its tables are made here with raw DDL, not Django models: tsvector, GIN and arrays are PostgreSQL's
own and the project also runs on SQLite, where this backend is refused.

    search_pg_initiative     one row per initiative: the weighted tsvector, the ids of its
                             classification titles and of its facet values, the sort keys
    search_pg_filter         the same without the tsvector and titles, for lists without words:
                             a tenth of the pages to read (a join instead would cost the searches
                             with words more than the copy costs the writes)
    search_pg_body           the summary and sections, read for the snippets of a page only
    search_pg_phrase         each distinct classification title (countries, regions, groups, Action
                             Lines, SDGs, in every language) with its own tsvector
    search_pg_value          each facet value ("country:KE", "start_year:2019", "budget:1m-10m") and
                             its id: the facet's number in the high bits, so SQL tells facets apart
    search_pg_count          how many initiatives hold each value (and id 0: all of them), kept up to
                             date by every write: the counts of an unfiltered list are read here
    search_pg_organisation   one row per organisation
    search_pg_state          one JSON row: ``IndexState``

Classification titles are most of a document's words but shared by thousands of documents: kept
apart, they leave the tsvectors small (ranking reads every match's tsvector), and a word is looked
up among a few thousand titles, then matched to the documents by GIN over their ids. Facet values
are counted as integers (unnest and GROUP BY over the matching rows), twice as fast as text. Ids of
titles and values are never reused, and a rebuild starts from the live ones, so a process may keep
what it learnt of them.

Text is folded in Python (``core.text.fold``: no dependency on the unaccent extension) and indexed
per language with that language's text search configuration when the server has it, 'simple'
otherwise. Weights: A code, identifiers and titles; B partner names; C classification titles;
D summary and sections. Chinese, Japanese and Korean runs are indexed as overlapping pairs and single
characters (``search.text``), codes as upper-case lexemes no parsed word can be (parsers lowercase);
both are written as tsvector literals built here.

A query's words never reach ``to_tsquery``: each term goes through ``phraseto_tsquery`` (plain text)
for every configuration, and the tsquery is assembled from those results and lexemes quoted here.
Table names in the SQL are this module's constants; every value is a parameter.
"""

# ruff: noqa: S608 - SQL is composed from this module's table names, never from values

from __future__ import annotations

import json
import re
import threading
import time
import unicodedata
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from markupsafe import escape

from stocktake.core.text import fold, normalise_code
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
    SimilarityProfile,
)
from stocktake.search.documents import FACETS, RANGE_FACETS, InitiativeDocument, OrganisationDocument
from stocktake.search.query import ParsedQuery, Term
from stocktake.search.text import CJK_RUN, STEMMED_LANGUAGES, cjk_bigrams, cjk_index_text, stem_language

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
LAYOUT = 5
# pg_advisory_lock keys ("STKSRCH1" and "STKSRCH0"): one syncing process, one creating the schema.
SYNC_LOCK = 0x53544B5352434831
SCHEMA_LOCK = 0x53544B5352434830
SIMPLE = "simple"
# ts_rank weights in PostgreSQL's order {D, C, B, A}: summary and sections, classifications,
# partners, code and titles.
RANK_WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"
RANK_NORMALISATION = 1  # divided by 1 + log(length): a long text does not win by its length alone
# ts_rank, not ts_rank_cd: the rank query is an OR of the clauses (a clause may match through the
# classifications alone), where cover density has no proximity to reward, and ts_rank costs less than
# half as much per match (ranking reads every match: it is most of a common word's search time).
CLASS_RANK = 0.03  # what a classification title matching adds (about one C-weighted word's rank)
SIMILAR_WEIGHTS = {
    "organisation": 3.0,
    "wsis": 2.0,
    "sdg": 2.0,
    "country": 1.5,
    "country_group": 1.5,
    "region": 1.0,
}
# ts_rank of a profile's many-word OR query is a few hundredths for a close text: x50, about a region.
SIMILAR_TEXT_WEIGHT = 50.0
SIMILAR_POOL = 10_000  # about how many candidates a similar search scores in full (an upper bound)
STATISTICS_SECONDS = 600.0  # how long the lexeme statistics a similar search reads are kept
TOAST_TUPLE_TARGET = 8160  # the largest PostgreSQL accepts (8 kB pages)
MAX_POSITION = 16383  # PostgreSQL's largest tsvector position
MAX_POSITIONS_PER_LEXEME = 256
SNIPPET_MAX_CHARS = 50_000  # of the body given to ts_headline
START_SEL, STOP_SEL, FRAGMENT_SEL = "\ue000", "\ue001", "\ue002"  # private use: never in a snippet
HEADLINE_OPTIONS = (
    f"StartSel={START_SEL}, StopSel={STOP_SEL}, FragmentDelimiter={FRAGMENT_SEL}, "
    "MaxFragments=2, MaxWords=24, MinWords=10, ShortWord=2"
)
FRAGMENT_JOIN = " … "
QUERY_CACHE_SIZE = 4096
_ALL_FACETS = (*FACETS, *RANGE_FACETS)
# A value's id: its facet's number (from 1, in _ALL_FACETS order) << _SHIFT, plus its own number.
_SHIFT = 24
_FACET_NUMBER = {name: number for number, name in enumerate(_ALL_FACETS, start=1)}
TOTAL = 0  # the id every initiative holds once in the counts: their number
_LEXEME = re.compile(r"'((?:[^']|'')*)'")  # a quoted lexeme of a tsquery's text


def _quote(lexeme: str) -> str:
    """A lexeme as tsvector or tsquery input: quoted, so no operator or weight can hide in it."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def _value(name: str, value: object) -> str:
    return f"{name}:{value}"


def _budget_band(budget: Any) -> str | None:
    if budget is None:
        return None
    for key, low, high in BUDGET_BANDS:
        if budget >= low and (high is None or budget < high):
            return key
    return None


def _document_values(doc: InitiativeDocument) -> list[str]:
    values = [_value(name, value) for name in FACETS for value in doc.facets.get(name, [])]
    if doc.start_year is not None:
        values.append(_value("start_year", doc.start_year))
    band = _budget_band(doc.budget)
    if band is not None:
        values.append(_value("budget", band))
    return values


def _clean(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


# The markers cannot come from the text, and what PostgreSQL's parser takes for HTML tags or entities
# (which ts_headline leaves out) is hidden from it: its passages stay cut from the text as it is.
_HEADLINE_HIDDEN = {ord(char): " " for char in (START_SEL, STOP_SEL, FRAGMENT_SEL, "<", ">", "&")}


class _AlignedFold(dict[int, str]):
    """``str.translate`` table folding each character to one character (or leaving it), so offsets
    in the folded text are offsets in the original: snippets are cut from the original text."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        folded = fold(char)
        value = folded if len(folded) == 1 else char
        self[code] = value
        return value


_ALIGNED_FOLD = _AlignedFold(_HEADLINE_HIDDEN)


def _headline_text(text: str) -> str:
    """The text ts_headline reads: folded one character for one, markers and tags hidden."""
    return text.translate(_HEADLINE_HIDDEN if text.isascii() else _ALIGNED_FOLD)


def _extra_vector(codes: Iterable[str], cjk: Sequence[tuple[str, list[str]]]) -> str:
    """A tsvector literal: codes (weight A) and the CJK pairs and single characters of each weight.

    A position is skipped between two runs, so a phrase of pairs never spans them.
    """
    positions: dict[str, list[str]] = defaultdict(list)
    position = 1

    def add(lexeme: str, weight: str) -> None:
        found = positions[lexeme]
        if len(found) < MAX_POSITIONS_PER_LEXEME:
            found.append(f"{min(position, MAX_POSITION)}{weight}")

    for code in codes:
        if code:
            add(code, "A")
            position += 1
    for weight, texts in cjk:
        for stream in cjk_index_text(texts):
            for token in stream.split():
                if token != ".":  # noqa: S105 - the separator of runs, not a password
                    add(token, weight)
                position += 1
            position += 1
    return " ".join(f"{_quote(lexeme)}:{','.join(found)}" for lexeme, found in positions.items())


@dataclass
class _Where:
    """Conditions over ``source``, the rows with tsvectors if words are looked for, else the narrow
    ones (named ``f`` either way)."""

    source: str
    sql: str
    params: list[Any]


@dataclass
class _Compiled:
    """A query's clauses: each a tsquery, the classification titles it matches, and if negated."""

    clauses: list[tuple[str, list[int], bool]] = field(default_factory=list)
    cjk: list[str] = field(default_factory=list)  # the positive terms' CJK runs, marked in snippets

    @property
    def ranked(self) -> bool:
        return any(not negated for _tsquery, _titles, negated in self.clauses)

    @property
    def rank_query(self) -> str | None:
        """Any positive clause: a document matching some of them through its classifications still
        ranks by the words its own text holds."""
        positive = [tsquery for tsquery, _titles, negated in self.clauses if not negated]
        return " | ".join(f"({tsquery})" for tsquery in positive) if positive else None

    @property
    def rank_titles(self) -> list[int]:
        return sorted({pk for _tsquery, titles, negated in self.clauses if not negated for pk in titles})


# Tables: columns, then indexes by the suffix of their name (``<table>_<suffix>``, renamed on a swap).
_TABLES: dict[str, tuple[str, dict[str, str]]] = {
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
_DICTIONARIES = (PHRASES, VALUES)  # ids never reused: a rebuild starts from the live rows


def _create_table(table: str, name: str, *, if_not_exists: bool) -> str:
    columns, _indexes = _TABLES[table]
    exists = "IF NOT EXISTS " if if_not_exists else ""
    # Rows stay whole in their page unless they outgrow it: a tsvector compressed (the default past
    # 2 kB) costs more to read back than everything else a search does with it.
    return f"CREATE TABLE {exists}{name} ({columns}) WITH (toast_tuple_target = {TOAST_TUPLE_TARGET})"


def _create_indexes(table: str, name: str, *, if_not_exists: bool) -> list[str]:
    _columns, indexes = _TABLES[table]
    exists = "IF NOT EXISTS " if if_not_exists else ""
    return [
        f"CREATE INDEX {exists}{name}_{suffix} ON {name} {definition}"
        for suffix, definition in indexes.items()
    ]


# Concatenates the weighted tsvector of each (configuration, text, weight): no built-in aggregate
# joins tsvectors, and each text of a document has its own language.
_VECTOR_FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {VECTOR_FUNCTION}(configs text[], texts text[], weights text[])
RETURNS tsvector LANGUAGE plpgsql STABLE PARALLEL SAFE AS $body$
DECLARE
    result tsvector := ''::tsvector;
BEGIN
    FOR i IN 1 .. coalesce(array_length(texts, 1), 0) LOOP
        result := result || setweight(to_tsvector(configs[i]::regconfig, texts[i]), weights[i]::"char");
    END LOOP;
    RETURN result;
END
$body$
"""
_VECTOR = f"{VECTOR_FUNCTION}(%s::text[], %s::text[], %s::text[]) || %s::tsvector"


def _upsert(table: str, columns: Sequence[tuple[str, str]], conflict: str = "id") -> str:
    """INSERT ... ON CONFLICT DO UPDATE of (column, value SQL) pairs."""
    names = ", ".join(column for column, _value in columns)
    values = ", ".join(value for _column, value in columns)
    updates = ", ".join(f"{column} = EXCLUDED.{column}" for column, _value in columns if column != conflict)
    return f"INSERT INTO {table} ({names}) VALUES ({values}) ON CONFLICT ({conflict}) DO UPDATE SET {updates}"


_FILTER_COLUMNS = (
    ("id", "%s"),
    ("code_normalised", "%s"),
    ("title_key", "%s"),
    ("facets", "%s::integer[]"),
    ("start", "%s"),
    ("start_year", "%s"),
    ("budget", "%s"),
    ("updated", "%s"),
)
_INITIATIVE_COLUMNS = (("tsv", _VECTOR), ("classes", "%s::integer[]"), *_FILTER_COLUMNS)
_BODY_COLUMNS = (("id", "%s"), ("config", "%s"), ("body", "%s"))
_ORGANISATION_COLUMNS = (("id", "%s"), ("name_key", "%s"), ("tsv", _VECTOR), ("updated", "%s"))


class PostgresBackend(SearchBackend):
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
                cursor.execute(f"DROP TABLE IF EXISTS {', '.join(_TABLES)}")
                cursor.execute(f"DELETE FROM {STATE}")
            cursor.execute(_VECTOR_FUNCTION_SQL)
            for table in _TABLES:
                cursor.execute(_create_table(table, table, if_not_exists=True))
                for statement in _create_indexes(table, table, if_not_exists=True):
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
        cursor.execute(_upsert(STATE, (("id", "1"), ("data", "%s::jsonb"))), [json.dumps(data)])

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
            loader = _Loader(self, cursor, suffix="")
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
            for table in _TABLES:
                cursor.execute(f"DROP TABLE IF EXISTS {table}{NEW}")
                cursor.execute(_create_table(table, table + NEW, if_not_exists=False))
            for table in _DICTIONARIES:  # indexed at once: every batch looks its titles and values up
                cursor.execute(f"INSERT INTO {table}{NEW} SELECT * FROM {table}")
                for statement in _create_indexes(table, table + NEW, if_not_exists=False):
                    cursor.execute(statement)
            loader = _Loader(self, cursor, suffix=NEW)
            for batch in batches:
                loader.initiatives(batch.initiatives)
                loader.organisations(batch.organisations)
            cursor.execute(
                f"INSERT INTO {COUNTS}{NEW} (value, n) SELECT v, count(*) "
                f"FROM {FILTERS}{NEW}, unnest(array_append(facets, %s)) AS v GROUP BY v",
                [TOTAL],
            )
            # Indexes are made once the rows are in: much faster than keeping them up row by row.
            for table in _TABLES:
                if table not in _DICTIONARIES:
                    for statement in _create_indexes(table, table + NEW, if_not_exists=False):
                        cursor.execute(statement)
                cursor.execute(f"ANALYZE {table}{NEW}")
            for table, (_columns, indexes) in _TABLES.items():
                cursor.execute(f"DROP TABLE IF EXISTS {table}")
                cursor.execute(f"ALTER TABLE {table}{NEW} RENAME TO {table}")
                for suffix in ("pkey", *indexes):
                    cursor.execute(f"ALTER INDEX {table}{NEW}_{suffix} RENAME TO {table}_{suffix}")
            self._store_state(cursor, state)

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

    def counts(self) -> dict[str, int]:
        self._prepare()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT (SELECT count(*) FROM {FILTERS}), (SELECT count(*) FROM {ORGANISATIONS})")
            initiatives, organisations = cursor.fetchone()
        return {"initiatives": initiatives, "organisations": organisations}

    # Words

    def _forms_of(self, texts: Iterable[str]) -> dict[str, tuple[str, ...] | None]:
        """Each text's phrase tsquery in every configuration (None: a stop word), learnt in one round
        trip for those not in the cache."""
        wanted = set(texts)
        with self._lock:
            forms = {text: self._forms[text] for text in wanted if text in self._forms}
        missing = sorted(wanted - set(forms))
        if not missing:
            return forms
        configs = self._all_configs()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT t, c, phraseto_tsquery(c::regconfig, t)::text "
                "FROM unnest(%s::text[]) AS t, unnest(%s::text[]) AS c",
                [missing, configs],
            )
            found: dict[str, dict[str, str]] = defaultdict(dict)
            for text, config, tsquery in cursor.fetchall():
                found[text][config] = tsquery
        with self._lock:
            for text in missing:
                by_config = found[text]
                # A stop word in any language (or nothing a parser keeps) is not looked for: "the"
                # would otherwise demand a word the English texts never index.
                if any(not by_config.get(config) for config in configs):
                    forms[text] = self._forms[text] = None
                else:
                    forms[text] = self._forms[text] = tuple(dict.fromkeys(by_config[c] for c in configs))
            while len(self._forms) > QUERY_CACHE_SIZE:
                self._forms.popitem(last=False)
        return forms

    @staticmethod
    def _split(term: Term) -> tuple[str, list[str]]:
        """(the folded non-CJK words, the CJK runs) of a term."""
        runs: list[str] = []
        plain: list[str] = []
        for word in term.words:
            runs.extend(CJK_RUN.findall(word))
            plain.extend(piece for piece in CJK_RUN.split(word) if piece)
        return fold(" ".join(plain)).strip(), runs

    def _term(
        self, term: Term, forms_of: dict[str, tuple[str, ...] | None], *, codes: bool = True
    ) -> str | None:
        """A term's tsquery: its phrase in any configuration (or its code), and each CJK run."""
        plain, runs = self._split(term)
        parts: list[str] = []
        forms = forms_of.get(plain) if plain else None
        if forms:
            alternatives = [f"({form})" for form in forms]
            code = normalise_code(term.raw) if codes and len(term.words) == 1 and not runs else ""
            if code:
                alternatives.append(_quote(code))
            parts.append("(" + " | ".join(alternatives) + ")")
        for run in runs:
            if len(run) == 1:
                parts.append(_quote(run))
            else:
                parts.append("(" + " <-> ".join(_quote(pair) for pair in cjk_bigrams(run)) + ")")
        return " & ".join(parts) if parts else None

    def _compile(self, query: ParsedQuery) -> _Compiled:
        terms = [term for clause in query.clauses for term in clause.alternatives]
        forms = self._forms_of(plain for plain, _runs in map(self._split, terms) if plain)
        clauses: list[tuple[str, bool]] = []
        cjk: list[str] = []
        for clause in query.clauses:
            alternatives = [text for term in clause.alternatives if (text := self._term(term, forms))]
            if not alternatives:
                continue  # stop words only
            clauses.append((" | ".join(f"({text})" for text in alternatives), clause.negated))
            if not clause.negated:
                cjk.extend(run for term in clause.alternatives for run in self._split(term)[1])
        if not clauses:
            return _Compiled()
        # The classification titles each clause matches, looked up first: constants, not a subquery,
        # let the planner see that most words match no title (and leave that half of the test out).
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT array(SELECT id FROM {PHRASES} WHERE tsv @@ q::tsquery ORDER BY id) "
                "FROM unnest(%s::text[]) WITH ORDINALITY AS x(q, i) ORDER BY i",
                [[tsquery for tsquery, _negated in clauses]],
            )
            titles = [list(row[0]) for row in cursor.fetchall()]
        return _Compiled(
            [(tsquery, ids, negated) for (tsquery, negated), ids in zip(clauses, titles, strict=True)], cjk
        )

    # Facet values

    def _ids(self, cursor: Any, values: Iterable[str]) -> dict[str, int]:
        """The ids of the values the index holds (the others hold no initiative)."""
        wanted = set(values)
        with self._lock:
            ids = {value: self._value_ids[value] for value in wanted if value in self._value_ids}
        missing = sorted(wanted - set(ids))
        if missing:
            cursor.execute(f"SELECT value, id FROM {VALUES} WHERE value = ANY(%s)", [missing])
            found = dict(cursor.fetchall())
            with self._lock:
                for value, pk in found.items():
                    self._value_ids[value], self._value_names[pk] = pk, value
            ids.update(found)
        return ids

    def _names(self, cursor: Any, ids: Iterable[int]) -> dict[int, str]:
        wanted = set(ids)
        with self._lock:
            names = {pk: self._value_names[pk] for pk in wanted if pk in self._value_names}
        missing = sorted(wanted - set(names))
        if missing:
            cursor.execute(f"SELECT id, value FROM {VALUES} WHERE id = ANY(%s)", [missing])
            found = dict(cursor.fetchall())
            with self._lock:
                for pk, value in found.items():
                    self._value_ids[value], self._value_names[pk] = pk, value
            names.update(found)
        return names

    @staticmethod
    def _filter_values(filters: InitiativeFilters, name: str) -> list[str]:
        values = [str(getattr(value, "value", value)) for value in getattr(filters, name)]
        if name == "country":
            return [value.upper() for value in values]
        if name == "sdg":  # goals are matched by number, so "07" is goal 7 as in initiatives_filter
            return [str(int(value)) if value.isdigit() else value for value in values]
        return values

    def _chosen_ids(self, cursor: Any, filters: InitiativeFilters) -> dict[str, list[int]]:
        """The ids of the values each facet filter chooses (a list, empty if none is held)."""
        chosen = {name: self._filter_values(filters, name) for name in FACETS}
        ids = self._ids(cursor, (_value(name, value) for name, values in chosen.items() for value in values))
        return {
            name: [ids[_value(name, value)] for value in values if _value(name, value) in ids]
            for name, values in chosen.items()
            if values
        }

    # Reading

    def _where(self, filters: InitiativeFilters, compiled: _Compiled, chosen: dict[str, list[int]]) -> _Where:
        """The conditions of the words and the filters (all must hold). ``chosen``: ``_chosen_ids``."""
        conditions: list[str] = []
        params: list[Any] = []
        for tsquery, titles, negated in compiled.clauses:
            # The words are in the document's own text, or in the title of one of its classifications.
            condition = "f.tsv @@ %s::tsquery"
            condition_params: list[Any] = [tsquery]
            if titles:
                condition, condition_params = (
                    f"({condition} OR f.classes && %s::integer[])",
                    [tsquery, titles],
                )
            conditions.append(f"NOT {condition}" if negated else condition)
            params.extend(condition_params)
        for name in FACETS:
            if getattr(filters, name):
                conditions.append("f.facets && %s::integer[]")
                params.append(chosen.get(name, []))
        for column, operator, value in (
            ("start_year", ">=", filters.start_year_min),
            ("start_year", "<=", filters.start_year_max),
            ("budget", ">=", filters.budget_min),
            ("budget", "<=", filters.budget_max),
        ):
            if value is not None:
                conditions.append(f"f.{column} {operator} %s")
                params.append(value)
        return _Where(
            f"{INITIATIVES if compiled.clauses else FILTERS} AS f", " AND ".join(conditions) or "TRUE", params
        )

    @staticmethod
    def _order(sort: str, ranked: bool) -> str:
        if sort == "relevance":
            return "score DESC, code_normalised" if ranked else "code_normalised"
        descending = sort.startswith("-")
        column = {
            "code": "code_normalised",
            "title": "title_key",
            "start": "start",
            "updated": "updated",
        }.get(sort.lstrip("-"), "code_normalised")
        return f"{column} {'DESC' if descending else 'ASC'} NULLS LAST, code_normalised"

    @staticmethod
    def _score(compiled: _Compiled) -> tuple[str, list[Any]]:
        rank_query = compiled.rank_query
        if rank_query is None:
            return "0.0", []
        score = "ts_rank(%s::real[], f.tsv, %s::tsquery, %s)"
        params: list[Any] = [RANK_WEIGHTS, rank_query, RANK_NORMALISATION]
        if compiled.rank_titles:
            score += " + %s * (f.classes && %s::integer[])::integer"
            params.extend([CLASS_RANK, compiled.rank_titles])
        return score, params

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

    def _count(self, cursor: Any, where: _Where) -> int:
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
        self, filters: InitiativeFilters, compiled: _Compiled, chosen_ids: dict[str, list[int]]
    ) -> tuple[str, list[Any]]:
        """A statement of (value id, count) rows: the total (id 0) and every facet's counts.

        A chosen facet is counted over the rows matching every other filter (``filters.without``);
        the facets not chosen share the rows matching them all, read once. A group of rows without
        any condition is read from the counts the writes keep.
        """
        chosen = [name for name in _ALL_FACETS if filters.without(name) != filters]
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
                    source = f"SELECT v, n FROM ({source} OFFSET 0) AS g WHERE NOT (v >> {_SHIFT} = ANY(%s))"
                    source_params.append([_FACET_NUMBER[name] for name in chosen])
            else:
                bounds = [_FACET_NUMBER[only] << _SHIFT, (_FACET_NUMBER[only] + 1) << _SHIFT]
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
            f"row_number() OVER (PARTITION BY v >> {_SHIFT} ORDER BY n DESC, v) AS r "
            f"FROM ({' UNION ALL '.join(parts)}) AS counted) AS ranked "
            f"WHERE r <= %s OR NOT (v >> {_SHIFT} = ANY(%s)) OR v = ANY(%s)"
        )
        return statement, [*params, FACET_SIZE, [_FACET_NUMBER[name] for name in FACETS], selected]

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
        folded = [_headline_text(body) for _config, body in rows]
        cursor.execute(
            "SELECT ts_headline(c::regconfig, b, %s::tsquery, %s) "
            "FROM unnest(%s::text[], %s::text[]) WITH ORDINALITY AS x(b, c, i) ORDER BY i",
            [rank_query, HEADLINE_OPTIONS, folded, [config for config, _body in rows]],
        )
        headlines = [row[0] or "" for row in cursor.fetchall()]
        return [
            _render(body, plain, headline, cjk)
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

    def similar(self, profile: SimilarityProfile, *, limit: int = 50) -> list[Hit]:
        """Scored: ``SIMILAR_TEXT_WEIGHT`` x ts_rank of the words, plus each shared value's weight.

        Most initiatives share a common word or a wide region with any other, and scoring reads each
        candidate's tsvector: the candidates are those sharing the rarest of the words and values, as
        many of them as keep the candidates near ``SIMILAR_POOL`` (all of them in a small registry).
        """
        self._prepare()
        words = [Term((word,), word) for word in dict.fromkeys(profile.words) if word]
        forms = self._forms_of(plain for plain, _runs in map(self._split, words) if plain)
        word_queries = [text for term in words if (text := self._term(term, forms, codes=False))]
        with connection.cursor() as cursor:
            ids = self._ids(
                cursor,
                (_value(name, value) for name in SIMILAR_WEIGHTS for value in profile.facets.get(name, [])),
            )
            held = {
                name: sorted(
                    {ids[v] for value in profile.facets.get(name, []) if (v := _value(name, value)) in ids}
                )
                for name in SIMILAR_WEIGHTS
            }
            every_value = [pk for pks in held.values() for pk in pks]
            if not word_queries and not every_value:
                return []
            chosen_words, chosen_values = self._rarest(cursor, word_queries, every_value)
            shares: list[str] = []
            params: list[Any] = []
            cases: list[str] = []
            for name, pks in held.items():
                if pks:
                    cases.append("WHEN v = ANY(%s::integer[]) THEN %s")
                    params.extend([pks, SIMILAR_WEIGHTS[name]])
            if cases:
                shares.append(
                    f"coalesce((SELECT sum(CASE {' '.join(cases)} ELSE 0 END) FROM unnest(f.facets) AS v), 0)"
                )
            if word_queries:
                shares.append("%s * ts_rank(%s::real[], f.tsv, %s::tsquery, %s)")
                params.extend(
                    [SIMILAR_TEXT_WEIGHT, RANK_WEIGHTS, " | ".join(word_queries), RANK_NORMALISATION]
                )
            candidates: list[str] = []
            if chosen_values:
                candidates.append("f.facets && %s::integer[]")
                params.append(chosen_values)
            if chosen_words:
                candidates.append("f.tsv @@ %s::tsquery")
                params.append(" | ".join(chosen_words))
            exclude = ""
            if profile.exclude is not None:
                exclude = "AND f.id <> %s"
                params.append(profile.exclude)
            cursor.execute(
                f"SELECT f.id, {' + '.join(shares)} AS score "
                f"FROM {INITIATIVES} AS f "
                f"WHERE ({' OR '.join(candidates)}) {exclude} "
                "ORDER BY score DESC, f.code_normalised LIMIT %s",
                [*params, limit],
            )
            return [Hit(pk=row[0], score=float(row[1])) for row in cursor.fetchall()]

    def _rarest(self, cursor: Any, word_queries: list[str], values: list[int]) -> tuple[list[str], list[int]]:
        """(word tsqueries, value ids) a similar candidate must share one of: the rarest first, while
        the initiatives holding them add up to ``SIMILAR_POOL`` at most (always the rarest one).

        How many hold a value is counted exactly (``search_pg_count``); a word's share is PostgreSQL's
        own statistics of the tsvector column (its most common lexemes), read once in a while.
        """
        cursor.execute(f"SELECT value, n FROM {COUNTS} WHERE value = ANY(%s)", [[TOTAL, *values]])
        held = {int(value): int(n) for value, n in cursor.fetchall()}
        total = held.get(TOTAL, 0)
        frequencies, floor = self._lexeme_frequencies(cursor)
        items: list[tuple[float, int, str | int]] = []
        for order, query in enumerate(word_queries):
            lexemes = [match.replace("''", "'") for match in _LEXEME.findall(query)]
            share = max((frequencies.get(lexeme, floor) for lexeme in lexemes), default=floor)
            items.append((share * total, order, query))
        items.extend(
            (float(held.get(value, 0)), len(word_queries) + order, value)
            for order, value in enumerate(values)
        )
        items.sort(key=lambda item: (item[0], item[1]))
        words: list[str] = []
        chosen_values: list[int] = []
        pooled = 0.0
        for estimate, _order, item in items:
            if (words or chosen_values) and pooled + estimate > SIMILAR_POOL:
                break
            if isinstance(item, str):
                words.append(item)
            else:
                chosen_values.append(item)
            pooled += estimate
        return words, chosen_values

    def _lexeme_frequencies(self, cursor: Any) -> tuple[dict[str, float], float]:
        """{lexeme: share of the initiatives holding it} for the most common ones, and the smallest
        share listed (what any other lexeme holds at most)."""
        now = time.monotonic()
        cached = self._statistics
        if cached is not None and now - cached[0] < STATISTICS_SECONDS:
            return cached[1], cached[2]
        cursor.execute(
            "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
            "WHERE schemaname = current_schema() AND tablename = %s AND attname = 'tsv'",
            [INITIATIVES],
        )
        row = cursor.fetchone()
        frequencies: dict[str, float] = {}
        if row is not None and row[0]:
            # The frequencies are followed by their minimum, maximum and the share of nulls.
            frequencies = dict(zip(row[0], (float(f) for f in row[1][: len(row[0])]), strict=True))
        floor = min(frequencies.values(), default=0.0)
        self._statistics = (now, frequencies, floor)
        return frequencies, floor


class _Loader:
    """Writes documents into the live tables (``suffix`` "") or a rebuild's new ones (``_new``).

    It learns and hands out the ids of titles and values itself: those of a rebuild exist only in its
    transaction until the swap, so they never go into the backend's caches.
    """

    def __init__(self, backend: PostgresBackend, cursor: Any, *, suffix: str) -> None:
        self.backend = backend
        self.cursor = cursor
        self.suffix = suffix
        self.ids: dict[str, dict[str, int]] = {PHRASES: {}, VALUES: {}}
        self.next_ids: dict[str, dict[int, int]] = {}

    def count(self, ids: list[int], sign: int) -> None:
        """Adds (1) or takes away (-1) the values these initiatives hold now from the counts."""
        if not ids:
            return
        self.cursor.execute(
            f"INSERT INTO {COUNTS}{self.suffix} (value, n) SELECT v, %s * count(*) "
            f"FROM {FILTERS}{self.suffix}, unnest(array_append(facets, %s)) AS v WHERE id = ANY(%s) "
            f"GROUP BY v ON CONFLICT (value) DO UPDATE SET n = {COUNTS}{self.suffix}.n + EXCLUDED.n",
            [sign, TOTAL, ids],
        )

    def _next_id(self, dictionary: str, group: int) -> int:
        """A new id in ``group`` (the facet's number; 0 for titles), after every one given before."""
        if dictionary not in self.next_ids:
            self.cursor.execute(
                f"SELECT id >> {_SHIFT}, max(id) FROM {dictionary}{self.suffix} GROUP BY 1",
            )
            self.next_ids[dictionary] = {int(g): int(top) + 1 for g, top in self.cursor.fetchall()}
        pk = self.next_ids[dictionary].get(group, (group << _SHIFT) + 1)
        if pk >= (group + 1) << _SHIFT:
            raise OverflowError(f"More than {1 << _SHIFT} values in one facet of the search index.")
        self.next_ids[dictionary][group] = pk + 1
        return pk

    def _dictionary(self, dictionary: str, texts: set[str]) -> dict[str, int]:
        """Ids of the titles or values, adding those the table does not hold yet."""
        known = self.ids[dictionary]
        missing = sorted(texts - set(known))
        if missing:
            column = "text" if dictionary == PHRASES else "value"
            table = dictionary + self.suffix
            self.cursor.execute(f"SELECT {column}, id FROM {table} WHERE {column} = ANY(%s)", [missing])
            known.update(self.cursor.fetchall())
            new = [text for text in missing if text not in known]
            if dictionary == PHRASES:
                configs = self.backend._all_configs()
                rows = []
                for text in new:
                    known[text] = self._next_id(dictionary, 0)
                    parts, folded, weights, cjk = self.backend._vector_parts([("C", configs, [text])])
                    rows.append([known[text], text, parts, folded, weights, _extra_vector((), cjk)])
                if rows:
                    self.cursor.executemany(
                        f"INSERT INTO {table} (id, text, tsv) VALUES (%s, %s, {_VECTOR})", rows
                    )
            elif new:
                for text in new:
                    known[text] = self._next_id(dictionary, _FACET_NUMBER[text.split(":", 1)[0]])
                self.cursor.executemany(
                    f"INSERT INTO {table} (id, value) VALUES (%s, %s)", [[known[text], text] for text in new]
                )
        return known

    def initiatives(self, docs: list[InitiativeDocument]) -> None:
        if not docs:
            return
        backend = self.backend
        phrases = self._dictionary(
            PHRASES, {t for doc in docs for text in doc.classifications if (t := _clean(text))}
        )
        values = self._dictionary(VALUES, {value for doc in docs for value in _document_values(doc)})
        rows: list[list[Any]] = []
        filter_rows: list[list[Any]] = []
        bodies: list[list[Any]] = []
        for doc in docs:
            config = backend._config(doc.language)
            groups: list[tuple[str, list[str], list[str]]] = [
                ("A", [SIMPLE], [doc.code]),
                ("A", backend._index_configs(config), [doc.title]),
                ("A", [SIMPLE], doc.other_titles),
                ("B", [SIMPLE], doc.partners),
            ]
            groups.extend(
                ("D", backend._index_configs(backend._config(language)), texts)
                for language, texts in doc.texts_by_language().items()
            )
            configs, texts, weights, cjk = backend._vector_parts(groups)
            codes = dict.fromkeys(normalise_code(code) for code in [doc.code_normalised, *doc.identifiers])
            classes = sorted({phrases[t] for text in doc.classifications if (t := _clean(text))})
            filter_row = [
                doc.pk,
                doc.code_normalised,
                fold(doc.title),
                sorted({values[value] for value in _document_values(doc)}),
                doc.start,
                doc.start_year,
                doc.budget,
                doc.updated,
            ]
            rows.append([configs, texts, weights, _extra_vector(codes, cjk), classes, *filter_row])
            filter_rows.append(filter_row)
            bodies.append([doc.pk, config, unicodedata.normalize("NFC", doc.body)])
        self.cursor.executemany(_upsert(INITIATIVES + self.suffix, _INITIATIVE_COLUMNS), rows)
        self.cursor.executemany(_upsert(FILTERS + self.suffix, _FILTER_COLUMNS), filter_rows)
        self.cursor.executemany(_upsert(BODIES + self.suffix, _BODY_COLUMNS), bodies)

    def organisations(self, docs: list[OrganisationDocument]) -> None:
        if not docs:
            return
        rows: list[list[Any]] = []
        for doc in docs:
            configs, texts, weights, cjk = self.backend._vector_parts(
                [
                    ("A", [SIMPLE], [doc.name, doc.acronym, doc.identifier]),
                    ("B", [SIMPLE], doc.aliases),
                    ("D", [SIMPLE], [doc.description]),
                ]
            )
            codes = dict.fromkeys(normalise_code(code) for code in (doc.identifier, doc.acronym))
            rows.append(
                [doc.pk, fold(doc.name), configs, texts, weights, _extra_vector(codes, cjk), doc.updated]
            )
        self.cursor.executemany(_upsert(ORGANISATIONS + self.suffix, _ORGANISATION_COLUMNS), rows)


def _render(body: str, folded: str, headline: str, cjk: list[str]) -> str:
    """The headline's passages taken from the original body, escaped, the marked words in <mark>."""
    marks: list[tuple[int, int]] = []
    spans: list[tuple[int, int]] = []
    cursor = 0
    for fragment in headline.split(FRAGMENT_SEL):
        plain = fragment.replace(START_SEL, "").replace(STOP_SEL, "")
        if not plain.strip():
            continue
        start = folded.find(plain, cursor)
        if start < 0:
            start = folded.find(plain)
        if start < 0:
            continue
        spans.append((start, start + len(plain)))
        cursor = start + len(plain)
        position = start
        opened = -1
        for char in fragment:
            if char == START_SEL:
                opened = position
            elif char == STOP_SEL:
                if opened >= 0:
                    marks.append((opened, position))
                opened = -1
            else:
                position += 1
    if cjk:
        # ts_headline does not know the pairs Chinese text is found by: the runs are marked here, and
        # a body whose passages do not show one is cut around the first instead.
        found = [(body.find(run), run) for run in cjk]
        found = [(start, run) for start, run in found if start >= 0]
        shown = any(start <= index < end for index, _run in found for start, end in spans)
        if found and not shown:
            index = min(start for start, _run in found)
            spans = [(max(0, index - 60), min(len(body), index + 120))]
        for run in set(cjk):
            index = body.find(run)
            while index >= 0:
                marks.append((index, index + len(run)))
                index = body.find(run, index + len(run))
    if not spans:
        return ""
    marks.sort()
    rendered: list[str] = []
    for start, end in spans:
        pieces: list[str] = []
        position = start
        for mark_start, mark_end in marks:
            mark_start, mark_end = max(mark_start, position), min(mark_end, end)
            if mark_start >= mark_end:
                continue
            pieces.append(str(escape(body[position:mark_start])))
            pieces.append(f"<mark>{escape(body[mark_start:mark_end])}</mark>")
            position = mark_end
        pieces.append(str(escape(body[position:end])))
        rendered.append("".join(pieces).strip())
    return FRAGMENT_JOIN.join(rendered)  # every piece above is escaped
