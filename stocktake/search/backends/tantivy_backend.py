"""The embedded default: a Tantivy index (BM25, Rust, no server) in a directory beside the data.

Layout of ``SEARCH_INDEX_DIR``: ``CURRENT`` names the live index directory, which holds Tantivy's
files and ``state.json`` (how far it has followed the history). A rebuild fills a new directory and
then swaps ``CURRENT``, so searches keep answering meanwhile. ``.lock`` serialises writers across
processes (Tantivy allows one writer per index); readers never wait.

Ranking: each word is looked up in every text field and the best field counts (a disjunction max),
with the code and title weighted above partners, classifications and body text. Sorting by a field
uses u64 "sort keys" (fast fields); titles and codes sort on their first 12 characters, so two
titles alike in those are in index order among themselves.
"""

from __future__ import annotations

import fcntl
import heapq
import json
import os
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import tantivy
from markupsafe import escape

from stocktake.core.text import fold, normalise_code
from stocktake.initiatives.filtersets import InitiativeFilters
from stocktake.search.backends.base import (
    BUDGET_BANDS,
    FACET_SIZE,
    SIMILAR_WEIGHTS,
    DocumentBatch,
    FacetBucket,
    Hit,
    IndexState,
    SearchBackend,
    SearchPage,
    SimilarityProfile,
)
from stocktake.search.documents import FACETS, InitiativeDocument, OrganisationDocument
from stocktake.search.query import ParsedQuery, Term
from stocktake.search.text import (
    STEMMED_LANGUAGES,
    analyzer,
    cjk_bigrams,
    cjk_index_text,
    cjk_runs,
    stem_language,
)

U64_MAX = 2**64 - 1
INITIATIVE, ORGANISATION = "i", "o"
OTHER_STEMMED = [language for language in STEMMED_LANGUAGES if language != "en"]
# (field, weight): every word is looked for in each; the best field counts, the others a little.
TEXT_FIELDS: tuple[tuple[str, float], ...] = (
    ("title", 3.0),
    ("partners", 1.6),
    ("classes", 0.6),
    ("body", 1.0),
    *((f"text_{language}", 1.0) for language in OTHER_STEMMED),
)
CODE_WEIGHT = 8.0
CJK_WEIGHT = 1.0
SIMILAR_WORD_SHARE = 0.05  # words in more of the registry than this do not pick similar cases...
SIMILAR_WORD_MIN_DOCS = 1000  # ...unless in fewer documents than this (a small registry keeps them all)
SIMILAR_MIN_WORDS = 5
SNIPPET_CHARS = 240
EXACT_ORDER_LIMIT = 5000
FACET_CACHE_SIZE = 256
REBUILD_HEAP_BYTES = 1_000_000_000
BASE_CACHE_SIZE = 16


ANALYZERS: dict[str, tantivy.TextAnalyzer] = {
    "words": analyzer(),
    **{f"stem_{language}": analyzer(language) for language in STEMMED_LANGUAGES},
}
FIELD_ANALYZER = {
    "title": "stem_en",
    "partners": "stem_en",
    "classes": "stem_en",
    "body": "stem_en",
    # Title, partners, classifications and body again, in one field: counting the matches of a word
    # (for facets) reads one list of documents instead of the union of four. Values are kept apart by
    # Tantivy's position gap, so a phrase matches here exactly where it matches in one of the four.
    "all": "stem_en",
    **{f"text_{language}": f"stem_{language}" for language in OTHER_STEMMED},
}


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("type", tokenizer_name="raw")
    builder.add_unsigned_field("pk", stored=True, indexed=True, fast=True)
    builder.add_text_field("code", tokenizer_name="raw")
    for name, tokenizer in FIELD_ANALYZER.items():
        builder.add_text_field(name, stored=name == "body", tokenizer_name=tokenizer)
    builder.add_text_field("cjk2", tokenizer_name="whitespace")
    builder.add_text_field("cjk1", tokenizer_name="whitespace")
    for name in FACETS:
        builder.add_text_field(f"f_{name}", tokenizer_name="raw", fast=True)
    builder.add_integer_field("start_year", indexed=True, fast=True)
    builder.add_float_field("budget", indexed=True, fast=True)
    for key in ("code_key", "title_key", "start_asc", "start_desc", "updated_key"):
        builder.add_unsigned_field(key, fast=True, indexed=True)
    builder.add_text_field("code_sort", stored=True, tokenizer_name="raw", index_option="basic")
    builder.add_text_field("title_sort", stored=True, tokenizer_name="raw", index_option="basic")
    return builder.build()


def _sort_key(text: str, alphabet: str) -> int:
    """The first 12 characters of ``text`` as a number that sorts as the text does."""
    base = len(alphabet) + 2  # 0: padding, last: any other character
    value = 0
    for position in range(12):
        char = text[position] if position < len(text) else ""
        digit = 0 if not char else alphabet.find(char) + 1 or base - 1
        value = value * base + digit
    return value


CODE_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
TITLE_ALPHABET = " 0123456789abcdefghijklmnopqrstuvwxyz"


def _initiative_doc(doc: InitiativeDocument) -> tantivy.Document:
    out = tantivy.Document()
    out.add_text("type", INITIATIVE)
    out.add_unsigned("pk", doc.pk)
    for code in {doc.code_normalised, *doc.identifiers}:
        if code:
            out.add_text("code", code)
    own_texts = {
        "title": " \n".join([doc.title, *doc.other_titles]),
        "partners": " \n".join(doc.partners),
        "classes": " \n".join(doc.classifications),
        "body": doc.body,
    }
    for name, text in own_texts.items():
        out.add_text(name, text)
        out.add_text("all", text)
    for language, texts in doc.texts_by_language().items():
        stemmed = stem_language(language)
        if stemmed and stemmed != "en":
            out.add_text(f"text_{stemmed}", "\n".join(texts))
    # Partners' and classifications' names too: "肯尼亚" finds the initiatives in Kenya, as "Kenya" does.
    pairs, singles = cjk_index_text(
        [doc.title, *doc.other_titles, doc.body, *doc.partners, *doc.classifications]
    )
    if pairs:
        out.add_text("cjk2", pairs)
        out.add_text("cjk1", singles)
    for name in FACETS:
        for value in doc.facets.get(name, []):
            out.add_text(f"f_{name}", value)
    if doc.start is not None:
        out.add_integer("start_year", doc.start.year)
    if doc.budget is not None:
        out.add_float("budget", float(doc.budget))
    out.add_unsigned("code_key", _sort_key(doc.code_normalised, CODE_ALPHABET))
    out.add_unsigned("title_key", _sort_key(fold(doc.title), TITLE_ALPHABET))
    out.add_text("code_sort", doc.code_normalised)
    out.add_text("title_sort", fold(doc.title))
    ordinal = doc.start.toordinal() if doc.start is not None else None
    out.add_unsigned("start_asc", ordinal if ordinal is not None else U64_MAX)
    out.add_unsigned("start_desc", ordinal if ordinal is not None else 0)
    out.add_unsigned("updated_key", int(doc.updated.timestamp() * 1_000_000))
    return out


def _organisation_doc(doc: OrganisationDocument) -> tantivy.Document:
    out = tantivy.Document()
    out.add_text("type", ORGANISATION)
    out.add_unsigned("pk", doc.pk)
    for code in {normalise_code(doc.identifier), normalise_code(doc.acronym)}:
        if code:
            out.add_text("code", code)
    for name, text in (
        ("title", " \n".join([doc.name, doc.acronym, *doc.aliases])),
        ("body", doc.description),
    ):
        out.add_text(name, text)
        out.add_text("all", text)
    pairs, singles = cjk_index_text([doc.name, *doc.aliases, doc.description])
    if pairs:
        out.add_text("cjk2", pairs)
        out.add_text("cjk1", singles)
    out.add_unsigned("title_key", _sort_key(fold(doc.name), TITLE_ALPHABET))
    out.add_unsigned("updated_key", int(doc.updated.timestamp() * 1_000_000))
    return out


# What counting a facet costs, relative to the others (measured on a million initiatives: partner
# organisations are tens of thousands of values, several per initiative; kinds are one of six).
AGGREGATION_COST = {
    "organisation": 45.0,
    "sdg": 14.0,
    "region": 14.0,
    "stakeholder_group": 11.0,
    "wsis": 10.0,
    "country": 9.0,
    "budget": 5.0,
    "country_group": 5.0,
    "outcome": 3.0,
    "start_year": 3.0,
}
AGGREGATION_BASE_COST = 6.0  # reading the matches, once per share
# A search keeping more than this share of what its filters match counts its facets by what it leaves
# out. Measured on a million initiatives, counting the matches against counting what is left out:
# 51% of them 86 ms against 111, 60% 96 against 104, 78% 123 against 80, 89% 138 against 63.
COMPLEMENT_SHARE = 0.65


def _shares(names: list[str], most: int) -> list[list[str]]:
    """The facets in at most ``most`` shares of about equal cost (costliest first, each to the
    cheapest share), none too cheap to be worth another read of the matches."""
    shares: list[tuple[float, list[str]]] = []
    for name in sorted(names, key=lambda name: -AGGREGATION_COST.get(name, 1.0)):
        cost = AGGREGATION_COST.get(name, 1.0)
        if len(shares) < most and (not shares or cost >= AGGREGATION_BASE_COST):
            shares.append((AGGREGATION_BASE_COST + cost, [name]))
            continue
        cheapest = min(range(len(shares)), key=lambda index: shares[index][0])
        total, members = shares[cheapest]
        shares[cheapest] = (total + cost, [*members, name])
    return [members for _cost, members in shares]


def _spare_cores() -> int:
    return min(3, (os.cpu_count() or 1) - 1)


_pool: tuple[int, ThreadPoolExecutor] | None = None
_pool_lock = threading.Lock()


def _aggregation_pool() -> ThreadPoolExecutor:
    """Threads for counting beside the request's own, made in the process that uses them (a forked web
    worker does not inherit its parent's threads)."""
    global _pool
    with _pool_lock:
        if _pool is None or _pool[0] != os.getpid():
            _pool = (os.getpid(), ThreadPoolExecutor(_spare_cores(), thread_name_prefix="facets"))
        return _pool[1]


class _Live:
    """One opened index directory and what was read of its state."""

    def __init__(self, path: Path, index: tantivy.Index, state: str) -> None:
        self.path = path
        self.index = index
        self.state = state


class TantivyBackend(SearchBackend):
    name = "tantivy"

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)
        self.schema = _schema()
        self._live: _Live | None = None
        self._open_lock = threading.Lock()
        # Facet counts and filters' totals, and apart (they are larger) filters' base counts: see _kept.
        self._facet_cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._base_cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()

    # Files

    def _current_path(self) -> Path | None:
        try:
            name = (self.directory / "CURRENT").read_text().strip()
        except FileNotFoundError:
            return None
        path = self.directory / name
        return path if (path / "state.json").exists() else None

    def _open(self, path: Path) -> tantivy.Index:
        index = tantivy.Index(self.schema, path=str(path))
        for name, words in ANALYZERS.items():
            index.register_tokenizer(name, words)
        return index

    def _live_index(self) -> _Live | None:
        """The live index, reopened when a rebuild swapped it, its reader reloaded after any write."""
        path = self._current_path()
        if path is None:
            return None
        # The state changes with every commit (its watermark): a cheaper sign than Tantivy's own watch,
        # and one that holds at once, so a process sees its own writes and others' on the next search.
        state = (path / "state.json").read_text()
        with self._open_lock:
            live = self._live
            if live is None or live.path != path:
                live = self._live = _Live(path, self._open(path), state)
                live.index.reload()
            elif live.state != state:
                live.index.reload()
                live.state = state
            return live

    def _searcher(self) -> tuple[tantivy.Index, Any]:
        live = self._live_index()
        if live is None:
            raise LookupError("The search index has not been built yet.")
        return live.index, live.index.searcher()

    @contextmanager
    def locked(self) -> Iterator[None]:
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / ".lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def state(self) -> IndexState | None:
        path = self._current_path()
        if path is None:
            return None
        data = json.loads((path / "state.json").read_text())
        return IndexState(
            watermark=data["watermark"],
            gaps=[(int(first), int(last), float(seen)) for first, last, seen in data["gaps"]],
            schema_version=data["schema_version"],
        )

    @staticmethod
    def _write_state(path: Path, state: IndexState) -> None:
        temporary = path / "state.json.tmp"
        temporary.write_text(
            json.dumps(
                {"watermark": state.watermark, "gaps": state.gaps, "schema_version": state.schema_version}
            )
        )
        os.replace(temporary, path / "state.json")

    # Writing

    def write(
        self,
        *,
        initiatives: list[InitiativeDocument],
        organisations: list[OrganisationDocument],
        deleted_initiatives: list[int],
        deleted_organisations: list[int],
        state: IndexState,
    ) -> None:
        live = self._live_index()
        if live is None:
            raise LookupError("The search index has not been built yet.")
        writer = live.index.writer(heap_size=50_000_000, num_threads=1)
        pks = [
            *(doc.pk for doc in initiatives),
            *deleted_initiatives,
        ]
        for kind, ids in (
            (INITIATIVE, pks),
            (ORGANISATION, [*(d.pk for d in organisations), *deleted_organisations]),
        ):
            for pk in ids:
                writer.delete_documents_by_query(self._identity(kind, pk))
        for doc in initiatives:
            writer.add_document(_initiative_doc(doc))
        for organisation in organisations:
            writer.add_document(_organisation_doc(organisation))
        writer.commit()
        writer.wait_merging_threads()
        self._write_state(live.path, state)

    def _identity(self, kind: str, pk: int) -> Any:
        return tantivy.Query.boolean_query(
            [
                (tantivy.Occur.Must, tantivy.Query.term_query(self.schema, "type", kind)),
                (tantivy.Occur.Must, self._pk(pk)),
            ]
        )

    def _pk(self, pk: int) -> Any:
        # A term query would take the number as signed and miss the unsigned field: a range does not.
        return tantivy.Query.range_query(self.schema, "pk", tantivy.FieldType.Unsigned, pk, pk)

    def rebuild(self, batches: Iterable[DocumentBatch], state: IndexState) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"index-{time.time_ns()}"
        path.mkdir()
        try:
            index = self._open(path)
            # One indexing thread with a large budget: the index comes out in few, large segments, and
            # counting facets costs per segment (a million initiatives: 12 segments with two threads of
            # 100 MB, 3 with this; their partners counted for half the registry in 92 ms, then 50 ms).
            # Memory is taken as documents come, up to the budget.
            writer = index.writer(heap_size=REBUILD_HEAP_BYTES, num_threads=1)
            for batch in batches:
                for doc in batch.initiatives:
                    writer.add_document(_initiative_doc(doc))
                for organisation in batch.organisations:
                    writer.add_document(_organisation_doc(organisation))
            writer.commit()
            writer.wait_merging_threads()
            self._write_state(path, state)
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)
            raise
        previous = self._current_path()
        temporary = self.directory / "CURRENT.tmp"
        temporary.write_text(path.name)
        os.replace(temporary, self.directory / "CURRENT")
        if previous is not None and previous != path:
            # Open readers in other processes keep their files (POSIX) until they reopen.
            shutil.rmtree(previous, ignore_errors=True)

    def counts(self) -> dict[str, int]:
        try:
            _index, searcher = self._searcher()
        except LookupError:
            return {"initiatives": 0, "organisations": 0}
        return {
            "initiatives": searcher.search(self._type(INITIATIVE), 1).count,
            "organisations": searcher.search(self._type(ORGANISATION), 1).count,
        }

    # Queries

    def _type(self, kind: str) -> Any:
        return tantivy.Query.term_query(self.schema, "type", kind)

    def _term_query(self, term: Term, *, counting: bool = False) -> Any | None:
        """One word or phrase, looked for in every text field; the best field counts.

        ``counting``: the same matches unranked, reading the ``all`` field for the four it repeats.
        """
        queries: list[Any] = []
        fields = (
            TEXT_FIELDS
            if not counting
            else (("all", 1.0), *((n, 1.0) for n, _w in TEXT_FIELDS if n.startswith("text_")))
        )
        for name, weight in fields:
            tokens = ANALYZERS[FIELD_ANALYZER[name]].analyze(term.text)
            if not tokens:
                continue
            if len(tokens) == 1:
                query = tantivy.Query.term_query(self.schema, name, tokens[0])
            else:
                query = tantivy.Query.phrase_query(self.schema, name, list[str | tuple[int, str]](tokens))
            queries.append(tantivy.Query.boost_query(query, weight) if weight != 1.0 else query)
        code = normalise_code(term.raw)
        if code:
            queries.append(
                tantivy.Query.boost_query(tantivy.Query.term_query(self.schema, "code", code), CODE_WEIGHT)
            )
        runs = cjk_runs(term.text)
        if runs:
            parts = [self._cjk_query(run) for run in runs]
            cjk = (
                parts[0]
                if len(parts) == 1
                else tantivy.Query.boolean_query([(tantivy.Occur.Must, part) for part in parts])
            )
            queries.append(cjk)
        if not queries:
            return None
        if len(queries) == 1:
            return queries[0]
        if counting:
            return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in queries])
        return tantivy.Query.disjunction_max_query(queries, 0.1)

    def _cjk_query(self, run: str) -> Any:
        if len(run) == 1:
            return tantivy.Query.term_query(self.schema, "cjk1", run)
        pairs = cjk_bigrams(run)
        if len(pairs) == 1:
            return tantivy.Query.term_query(self.schema, "cjk2", pairs[0])
        return tantivy.Query.phrase_query(self.schema, "cjk2", list[str | tuple[int, str]](pairs))

    def _text_query(self, query: ParsedQuery, *, counting: bool = False) -> Any | None:
        """All clauses must hold; a clause's alternatives any of them; a negated clause none.

        ``counting``: the same documents, found faster and unranked (for facets and exports).
        """
        parts: list[tuple[Any, Any]] = []
        for clause in query.clauses:
            terms = (self._term_query(term, counting=counting) for term in clause.alternatives)
            alternatives = [q for q in terms if q]
            if not alternatives:
                if not clause.negated:
                    return tantivy.Query.boolean_query([])  # a word no field can hold: nothing matches
                continue
            combined = (
                alternatives[0]
                if len(alternatives) == 1
                else tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in alternatives])
            )
            parts.append((tantivy.Occur.MustNot if clause.negated else tantivy.Occur.Must, combined))
        if not parts:
            return None
        if all(occur == tantivy.Occur.MustNot for occur, _q in parts):
            parts.append((tantivy.Occur.Must, tantivy.Query.all_query()))
        combined = tantivy.Query.boolean_query(parts)
        return tantivy.Query.const_score_query(combined, 1.0) if counting else combined

    def _filter_queries(self, filters: InitiativeFilters) -> list[Any]:
        queries: list[Any] = [self._type(INITIATIVE)]
        for name in FACETS:
            values = getattr(filters, name)
            if not values:
                continue
            values = [str(v) for v in values]
            if name == "country":
                values = [value.upper() for value in values]
            queries.append(tantivy.Query.term_set_query(self.schema, f"f_{name}", values))
        if filters.start_year_min is not None or filters.start_year_max is not None:
            queries.append(
                tantivy.Query.range_query(
                    self.schema,
                    "start_year",
                    tantivy.FieldType.Integer,
                    filters.start_year_min if filters.start_year_min is not None else -(2**62),
                    filters.start_year_max if filters.start_year_max is not None else 2**62,
                )
            )
        if filters.budget_min is not None or filters.budget_max is not None:
            queries.append(
                tantivy.Query.range_query(
                    self.schema,
                    "budget",
                    tantivy.FieldType.Float,
                    float(filters.budget_min) if filters.budget_min is not None else -1.0,
                    float(filters.budget_max) if filters.budget_max is not None else float("inf"),
                )
            )
        return queries

    def _query(self, text: Any | None, filters: InitiativeFilters) -> Any:
        parts = [(tantivy.Occur.Must, q) for q in self._filter_queries(filters)]
        if text is not None:
            parts.append((tantivy.Occur.Must, text))
            return tantivy.Query.boolean_query(parts)
        # Without words every match scores alike: a constant score skips the ranking work.
        return tantivy.Query.const_score_query(tantivy.Query.boolean_query(parts), 1.0)

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
        _index, searcher = self._searcher()
        text = self._text_query(query)
        full = self._query(text, filters)
        sort = filters.effective_sort
        if sort == "relevance" and text is None:
            sort = "code"
        top, total = self._top(searcher, full, sort, offset, limit)
        docs = [searcher.doc(address) for _value, address in top]
        hits = [
            Hit(pk=doc["pk"][0], score=float(value)) for (value, _address), doc in zip(top, docs, strict=True)
        ]
        if snippets and text is not None and hits:
            generator = tantivy.SnippetGenerator.create(searcher, text, self.schema, "body")
            generator.set_max_num_chars(SNIPPET_CHARS)
            for hit, doc in zip(hits, docs, strict=False):
                hit.snippet = _snippet_html(generator.snippet_from_doc(doc))
        page = SearchPage(total=total, hits=hits)
        if facets:
            counting = self._text_query(query, counting=True) if text is not None else None
            page.facets = self._cached_facets(searcher, query, counting, filters, total)
        return page

    def _cached_facets(
        self, searcher: Any, query: ParsedQuery, text: Any | None, filters: InitiativeFilters, total: int
    ) -> dict[str, list[FacetBucket]]:
        """Facets depend on neither the page nor the order: the next page of a search reuses them,
        until the index changes."""
        facets = self._kept(
            ("facets", query.clauses, filters.model_dump_json(exclude={"sort"})),
            lambda: self._facets(searcher, text, filters, total),
        )
        return {name: list(buckets) for name, buckets in facets.items()}

    def _top(
        self, searcher: Any, query: Any, sort: str, offset: int, limit: int
    ) -> tuple[list[tuple[float, Any]], int]:
        """(hits as (score or sort value, address), total) of one page in the given order."""
        if sort == "relevance":
            result = searcher.search(query, max(limit, 1), offset=offset)
            return result.hits, result.count or 0
        descending = sort.startswith("-")
        key = sort.lstrip("-")
        name = {
            "code": "code_key",
            "title": "title_key",
            "updated": "updated_key",
            "start": "start_desc" if descending else "start_asc",  # undated last either way
        }[key]
        order = tantivy.Order.Desc if descending else tantivy.Order.Asc
        result = searcher.search(query, max(limit, 1), order_by_field=name, offset=offset, order=order)
        hits, total = result.hits, result.count or 0
        if key == "updated" or not hits:
            return hits, total
        return self._exact_order(searcher, query, name, key, descending, hits, offset, limit), total

    def _exact_order(
        self,
        searcher: Any,
        query: Any,
        name: str,
        key: str,
        descending: bool,
        hits: list[tuple[float, Any]],
        offset: int,
        limit: int,
    ) -> list[tuple[float, Any]]:
        """The page in exact order: sort keys hold 12 characters and ties come in index order, so the
        documents sharing the page's first or last key are read and ordered by the whole text, then code
        (as the database orders), and the page is cut from them."""

        def value(raw: float) -> int:
            # Tantivy hands back the key itself in descending order, its complement in ascending.
            return int(raw) if descending else U64_MAX - int(raw)

        first, last = value(hits[0][0]), value(hits[-1][0])
        low, high = min(first, last), max(first, last)

        def count(lower: int, upper: int) -> int:
            if lower > upper:
                return 0
            ranged = tantivy.Query.range_query(self.schema, name, tantivy.FieldType.Unsigned, lower, upper)
            both = tantivy.Query.boolean_query([(tantivy.Occur.Must, query), (tantivy.Occur.Must, ranged)])
            return searcher.search(both, 1).count or 0

        before = count(high + 1, U64_MAX) if descending else count(0, low - 1)
        in_range = count(low, high)
        if in_range > EXACT_ORDER_LIMIT:
            return hits  # thousands alike in their first 12 characters: index order among them
        ranged = tantivy.Query.range_query(self.schema, name, tantivy.FieldType.Unsigned, low, high)
        group = searcher.search(
            tantivy.Query.boolean_query([(tantivy.Occur.Must, query), (tantivy.Occur.Must, ranged)]),
            max(in_range, 1),
            order_by_field=name,
            order=tantivy.Order.Desc,
        ).hits
        exact_field = {"code": "code_sort", "title": "title_sort"}.get(key)
        rows = []
        for raw, address in group:
            doc = searcher.doc(address)
            text = doc[exact_field][0] if exact_field else ""
            rows.append((int(raw), text, doc["code_sort"][0], raw, address))
        rows.sort(key=lambda row: row[2])  # code ascending breaks every tie, both ways
        rows.sort(key=lambda row: (row[0], row[1]), reverse=descending)
        start = offset - before
        return [
            (row[3] if descending else float(U64_MAX - row[0]), row[4]) for row in rows[start : start + limit]
        ]

    def matching_ids(self, query: ParsedQuery, filters: InitiativeFilters) -> list[int]:
        _index, searcher = self._searcher()
        full = self._query(self._text_query(query, counting=True), filters)
        total = searcher.search(full, 1).count or 0
        if not total:
            return []
        # Ordered by pk (descending returns the values themselves): no stored document is read.
        result = searcher.search(full, total, order_by_field="pk", order=tantivy.Order.Desc)
        return sorted(int(value) for value, _address in result.hits)

    # Facets

    def _facets(
        self, searcher: Any, text: Any | None, filters: InitiativeFilters, total: int
    ) -> dict[str, list[FacetBucket]]:
        """Counts by value; a chosen facet is counted without its own filter (see SearchPage).

        ``total`` is how many initiatives the words and filters match (the search has counted them).
        """
        chosen = {name for name in FACETS if getattr(filters, name)}
        if filters.start_year_min is not None or filters.start_year_max is not None:
            chosen.add("start_year")
        if filters.budget_min is not None or filters.budget_max is not None:
            chosen.add("budget")
        all_names = [*FACETS, "start_year", "budget"]
        groups: list[tuple[InitiativeFilters, list[str]]] = [
            (filters, [name for name in all_names if name not in chosen])
        ]
        groups.extend((filters.without(name), [name]) for name in all_names if name in chosen)
        facets: dict[str, list[FacetBucket]] = {}
        counting_text = text  # built for counting (see _text_query)
        for group_filters, names in groups:
            if not names:
                continue
            query = self._query(counting_text, group_filters)
            counted = None
            if counting_text is not None and group_filters is filters:
                counted = self._by_complement(searcher, counting_text, filters, names, total)
            if not counted:
                raw = self._aggregate(searcher, query, {name: self._aggregation(name) for name in names})
                counted = {name: self._ordered(name, self._counts(name, raw.get(name, {}))) for name in names}
            facets.update(counted)
            for name in names:
                if name in FACETS:
                    self._add_chosen(searcher, query, name, getattr(filters, name), facets[name])
        return facets

    def _aggregate(self, searcher: Any, query: Any, aggregations: dict[str, Any]) -> dict[str, Any]:
        """``searcher.aggregate``, the facets shared out between the request's thread and spare cores'
        (Tantivy lets go of the interpreter while it counts): each share reads the matches again, but
        a common word's facets come in about half the time on two cores."""
        shares = _shares(list(aggregations), 1 + _spare_cores())
        if len(shares) == 1:
            return dict(searcher.aggregate(query, aggregations))
        pending = [
            _aggregation_pool().submit(
                searcher.aggregate, query, {name: aggregations[name] for name in share}
            )
            for share in shares[1:]
        ]
        raw = dict(searcher.aggregate(query, {name: aggregations[name] for name in shares[0]}))
        for future in pending:
            raw.update(future.result())
        return raw

    def _by_complement(
        self, searcher: Any, text: Any, filters: InitiativeFilters, names: list[str], total: int
    ) -> dict[str, list[FacetBucket]] | None:
        """Counts of words that keep most of what the filters match, as the filters' counts less those
        of what the words leave out: a common word then costs about what a rare one does. None when the
        words leave out more than they keep (counting what they match is then the cheaper way).

        The filters' own counts are kept until the index changes. Either way the counts are exact.
        """
        base_filters = self._query(None, filters)
        base_total = self._kept(("total", filters), lambda: searcher.search(base_filters, 1).count or 0)
        if total <= COMPLEMENT_SHARE * base_total:
            return None
        base = self._base_counts(searcher, base_filters, filters, names)
        complement = tantivy.Query.boolean_query(
            [(tantivy.Occur.Must, base_filters), (tantivy.Occur.MustNot, text)]
        )
        # Partner organisations too, when the filters' counts hold every one of them.
        subtractable = [name for name in names if name in base]
        raw = self._aggregate(
            searcher, complement, {n: self._aggregation(n, complete=True) for n in subtractable}
        )
        counted: dict[str, list[FacetBucket]] = {}
        for name in subtractable:
            left_out = self._counts(name, raw.get(name, {}))
            counts = {key: count - left_out.get(key, 0) for key, count in base[name].items()}
            if name != "budget":  # every band is listed, even empty
                counts = {key: count for key, count in counts.items() if count > 0}
            counted[name] = self._ordered(name, counts)
        rest = [name for name in names if name not in counted]
        if rest:
            query = self._query(text, filters)
            raw = self._aggregate(searcher, query, {name: self._aggregation(name) for name in rest})
            for name in rest:
                counted[name] = self._ordered(name, self._counts(name, raw.get(name, {})))
        return counted

    def _base_counts(
        self, searcher: Any, base: Any, filters: InitiativeFilters, names: list[str]
    ) -> dict[str, dict[str, int]]:
        """Every value's count among what the filters alone match (facets whose counts had to leave
        values out are not there: they cannot be subtracted from)."""

        def count() -> dict[str, dict[str, int]]:
            raw = self._aggregate(searcher, base, {n: self._aggregation(n, complete=True) for n in names})
            return {
                name: self._counts(name, raw.get(name, {}))
                for name in names
                if not raw.get(name, {}).get("sum_other_doc_count")
            }

        return cast(dict[str, dict[str, int]], self._kept(("base", filters, *names), count))

    def _kept(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """``compute()``, kept until the index changes. Filters in the key stand for what they match
        (their order and the words left out). Base counts go to a smaller cache: with every partner
        organisation counted, one can hold tens of thousands of values."""
        live = self._live
        parts = [
            part.model_dump_json(exclude={"sort", "q"}) if isinstance(part, InitiativeFilters) else part
            for part in key
        ]
        full_key = (live.state if live else "", *parts)
        cache, size = (
            (self._base_cache, BASE_CACHE_SIZE) if key[0] == "base" else (self._facet_cache, FACET_CACHE_SIZE)
        )
        with self._open_lock:
            if full_key in cache:
                cache.move_to_end(full_key)
                return cache[full_key]
        value = compute()
        with self._open_lock:
            cache[full_key] = value
            while len(cache) > size:
                cache.popitem(last=False)
        return value

    @staticmethod
    def _ordered(name: str, counts: dict[str, int]) -> list[FacetBucket]:
        """Years in order, budget bands in order, other values the FACET_SIZE most frequent (then by
        value). Partner organisations can be tens of thousands: the few are picked, not all sorted."""
        if name == "start_year":
            return [FacetBucket(key, counts[key]) for key in sorted(counts, key=int)]
        if name == "budget":
            return [FacetBucket(key, counts[key]) for key, _low, _high in BUDGET_BANDS if key in counts]
        top = heapq.nsmallest(FACET_SIZE, counts.items(), key=lambda item: (-item[1], item[0]))
        return [FacetBucket(key, count) for key, count in top]

    @staticmethod
    def _aggregation(name: str, *, complete: bool = False) -> dict[str, Any]:
        """The aggregation counting one facet: its FACET_SIZE most frequent values, or all of them."""
        if name == "start_year":
            return {"histogram": {"field": "start_year", "interval": 1, "min_doc_count": 1}}
        if name == "budget":
            ranges = []
            for key, low, high in BUDGET_BANDS:
                band: dict[str, Any] = {"key": key, "from": float(low)}
                if high is not None:
                    band["to"] = float(high)
                ranges.append(band)
            return {"range": {"field": "budget", "ranges": ranges}}
        # Enough for every value a segment holds, so each count is exact (Tantivy merges segments' tops).
        segment = 131_072 if name == "organisation" else 4096
        size = 65_536 if complete else FACET_SIZE
        return {"terms": {"field": f"f_{name}", "size": size, "segment_size": max(segment, size)}}

    @staticmethod
    def _counts(name: str, raw: dict[str, Any]) -> dict[str, int]:
        """{value: count} of one facet's aggregation result."""
        buckets = raw.get("buckets", [])
        if name == "start_year":
            return {str(int(b["key"])): b["doc_count"] for b in buckets if b["doc_count"]}
        if name == "budget":
            # Tantivy adds buckets for what lies outside the bands (below 0): not a band, not listed.
            bands = {key for key, _low, _high in BUDGET_BANDS}
            return {str(b["key"]): b["doc_count"] for b in buckets if b["key"] in bands}
        return {str(b["key"]): b["doc_count"] for b in buckets}

    def _add_chosen(
        self, searcher: Any, query: Any, name: str, chosen: list[Any], buckets: list[FacetBucket]
    ) -> None:
        """A chosen value stays listed, with its count, even when it is not among the most frequent."""
        listed = {bucket.key for bucket in buckets}
        for value in chosen:
            value = str(value).upper() if name == "country" else str(value)
            if value in listed:
                continue
            term = tantivy.Query.term_query(self.schema, f"f_{name}", value)
            restricted = tantivy.Query.boolean_query(
                [(tantivy.Occur.Must, query), (tantivy.Occur.Must, term)]
            )
            buckets.append(FacetBucket(value, searcher.search(restricted, 1).count or 0))

    # Organisations and similar cases

    def search_organisations(self, query: ParsedQuery, *, offset: int = 0, limit: int = 10) -> SearchPage:
        _index, searcher = self._searcher()
        text = self._text_query(query)
        if text is None:
            return SearchPage(total=0, hits=[])
        full = tantivy.Query.boolean_query(
            [(tantivy.Occur.Must, self._type(ORGANISATION)), (tantivy.Occur.Must, text)]
        )
        result = searcher.search(full, limit, offset=offset)
        hits = [Hit(pk=searcher.doc(address)["pk"][0], score=float(score)) for score, address in result.hits]
        return SearchPage(total=result.count or 0, hits=hits)

    def similar(self, profile: SimilarityProfile, *, limit: int = 50) -> list[Hit]:
        _index, searcher = self._searcher()
        should: list[tuple[Any, Any]] = []
        for word in self._telling_words(searcher, profile.words):
            # The fields of counting (``all`` for the four it repeats): half the work of ranking each
            # word's best field, and the re-ranking (``search.similar``) weighs titles itself.
            term = self._term_query(Term((word,), word), counting=True)
            if term is not None:
                should.append((tantivy.Occur.Should, term))
        for name, values in profile.facets.items():
            weight = SIMILAR_WEIGHTS.get(name, 1.0)
            for value in values:
                term = tantivy.Query.term_query(self.schema, f"f_{name}", str(value))
                should.append(
                    (
                        tantivy.Occur.Should,
                        tantivy.Query.boost_query(tantivy.Query.const_score_query(term, 1.0), weight),
                    )
                )
        if not should:
            return []
        parts = [
            (tantivy.Occur.Must, self._type(INITIATIVE)),
            (tantivy.Occur.Must, tantivy.Query.boolean_query(should)),
        ]
        if profile.exclude is not None:
            parts.append((tantivy.Occur.MustNot, self._pk(profile.exclude)))
        result = searcher.search(tantivy.Query.boolean_query(parts), limit)
        return [Hit(pk=searcher.doc(address)["pk"][0], score=float(score)) for score, address in result.hits]

    def _telling_words(self, searcher: Any, words: list[str]) -> list[str]:
        """The words that set a few documents apart: in a large registry, words held by more than
        SIMILAR_WORD_SHARE of it are left out (as Lucene's MoreLikeThis leaves out frequent terms),
        keeping the rarest few if all are frequent. They tell little and are most of the work."""
        limit = max(SIMILAR_WORD_MIN_DOCS, SIMILAR_WORD_SHARE * searcher.num_docs)
        analyze = ANALYZERS[FIELD_ANALYZER["all"]].analyze
        frequency: dict[str, int] = {}
        for word in words:
            tokens = analyze(word)
            frequency[word] = max((searcher.doc_freq("all", token) for token in tokens), default=0)
        telling = [word for word in words if frequency[word] <= limit]
        if len(telling) < SIMILAR_MIN_WORDS:
            rarest = sorted(words, key=lambda word: frequency[word])[:SIMILAR_MIN_WORDS]
            telling = [word for word in words if word in rarest]
        return telling

    def close(self) -> None:
        self._live = None


def _snippet_html(snippet: Any) -> str:
    """The snippet's text escaped, with the matched words in <mark> (never the data's own HTML)."""
    fragment = snippet.fragment().encode()  # highlights are byte offsets
    if not fragment:
        return ""
    parts: list[str] = []
    position = 0
    for highlight in snippet.highlighted():
        start, end = highlight.start, highlight.end
        parts.append(str(escape(fragment[position:start].decode(errors="replace"))))
        parts.append(f"<mark>{escape(fragment[start:end].decode(errors='replace'))}</mark>")
        position = end
    parts.append(str(escape(fragment[position:].decode(errors="replace"))))
    return "".join(parts)  # every part above is escaped
