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
import json
import os
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import tantivy
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
SIMILAR_WEIGHTS = {
    "organisation": 3.0,
    "wsis": 2.0,
    "sdg": 2.0,
    "country": 1.5,
    "country_group": 1.5,
    "region": 1.0,
}
SNIPPET_CHARS = 240
EXACT_ORDER_LIMIT = 5000
FACET_CACHE_SIZE = 256


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
    pairs, singles = cjk_index_text([doc.title, *doc.other_titles, doc.body])
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
        # Facet counts, filters' base counts and "is this word common" answers, keyed by index state.
        self._facet_cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()

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
            writer = index.writer(heap_size=200_000_000, num_threads=min(2, os.cpu_count() or 1))
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
            page.facets = self._cached_facets(searcher, query, counting, filters)
        return page

    def _cached_facets(
        self, searcher: Any, query: ParsedQuery, text: Any | None, filters: InitiativeFilters
    ) -> dict[str, list[FacetBucket]]:
        """Facets depend on neither the page nor the order: the next page of a search reuses them,
        until the index changes (its state is part of the key)."""
        live = self._live
        key = (
            live.state if live else "",
            query.clauses,
            filters.model_dump_json(exclude={"sort"}),
        )
        with self._open_lock:
            cached = self._facet_cache.get(key)
            if cached is not None:
                self._facet_cache.move_to_end(key)
                return {name: list(buckets) for name, buckets in cached.items()}
        facets = self._facets(searcher, text, filters)
        with self._open_lock:
            self._facet_cache[key] = facets
            while len(self._facet_cache) > FACET_CACHE_SIZE:
                self._facet_cache.popitem(last=False)
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
        self, searcher: Any, text: Any | None, filters: InitiativeFilters
    ) -> dict[str, list[FacetBucket]]:
        """Counts by value; a chosen facet is counted without its own filter (see SearchPage)."""
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
        common = counting_text is not None and self._is_common(searcher, counting_text)
        for group_filters, names in groups:
            if not names:
                continue
            query = self._query(counting_text, group_filters)
            counted = self._by_complement(searcher, counting_text, group_filters, names) if common else None
            if not counted:
                raw = searcher.aggregate(query, {name: self._aggregation(name) for name in names})
                counted = {
                    name: self._ordered(name, self._buckets(name, raw.get(name, {}))) for name in names
                }
            facets.update(counted)
            for name in names:
                if name in FACETS:
                    self._add_chosen(searcher, query, name, getattr(filters, name), facets[name])
        return facets

    def _is_common(self, searcher: Any, text: Any) -> bool:
        """Whether the words match more than half the registry (then facets count what they leave out)."""
        live = self._live
        key = ("common", live.state if live else "", repr(text))  # a query's repr spells it out whole
        with self._open_lock:
            known = self._facet_cache.get(key)
        if known is None:
            every = self._type(INITIATIVE)
            matching = tantivy.Query.boolean_query([(tantivy.Occur.Must, every), (tantivy.Occur.Must, text)])
            known = {
                "common": (searcher.search(matching, 1).count or 0) * 2
                > (searcher.search(every, 1).count or 0)
            }
            with self._open_lock:
                self._facet_cache[key] = known
        return bool(known["common"])

    def _by_complement(
        self, searcher: Any, text: Any, filters: InitiativeFilters, names: list[str]
    ) -> dict[str, list[FacetBucket]]:
        """Counts of words that match most of the registry, as the filters' counts less those of what
        the words leave out: a common word then costs about what a rare one does.

        The filters' own counts are kept until the index changes. Partner organisations are too many to
        keep whole, so they are counted directly. Either way the counts are exact.
        """
        query = self._query(text, filters)
        base_filters = self._query(None, filters)
        base = self._base_counts(searcher, base_filters, filters, names)
        complement = tantivy.Query.boolean_query(
            [(tantivy.Occur.Must, base_filters), (tantivy.Occur.MustNot, text)]
        )
        subtractable = [name for name in names if name != "organisation"]
        raw = searcher.aggregate(complement, {n: self._aggregation(n, complete=True) for n in subtractable})
        counted: dict[str, list[FacetBucket]] = {}
        for name in subtractable:
            left_out = {bucket.key: bucket.count for bucket in self._buckets(name, raw.get(name, {}))}
            counts = [(key, total - left_out.get(key, 0)) for key, total in base[name].items()]
            buckets = [FacetBucket(key, count) for key, count in counts if count > 0 or name == "budget"]
            counted[name] = self._ordered(name, buckets)
        if "organisation" in names:
            raw = searcher.aggregate(query, {"organisation": self._aggregation("organisation")})
            counted["organisation"] = self._ordered(
                "organisation", self._buckets("organisation", raw["organisation"])
            )
        return counted

    def _base_counts(
        self, searcher: Any, base: Any, filters: InitiativeFilters, names: list[str]
    ) -> dict[str, dict[str, int]]:
        live = self._live
        key = ("base", live.state if live else "", filters.model_dump_json(exclude={"sort", "q"}), *names)
        with self._open_lock:
            cached = self._facet_cache.get(key)
        if cached is not None:
            return cached
        subtractable = [name for name in names if name != "organisation"]
        raw = searcher.aggregate(base, {n: self._aggregation(n, complete=True) for n in subtractable})
        counts = {
            name: {bucket.key: bucket.count for bucket in self._buckets(name, raw.get(name, {}))}
            for name in subtractable
        }
        with self._open_lock:
            self._facet_cache[key] = counts
        return counts

    @staticmethod
    def _ordered(name: str, buckets: list[FacetBucket]) -> list[FacetBucket]:
        if name == "start_year":
            return sorted(buckets, key=lambda bucket: int(bucket.key))
        if name == "budget":
            order = [key for key, _low, _high in BUDGET_BANDS]
            return sorted(buckets, key=lambda bucket: order.index(bucket.key))
        return sorted(buckets, key=lambda bucket: (-bucket.count, bucket.key))[:FACET_SIZE]

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
    def _buckets(name: str, raw: dict[str, Any]) -> list[FacetBucket]:
        buckets = raw.get("buckets", [])
        if name == "start_year":
            return [FacetBucket(str(int(b["key"])), b["doc_count"]) for b in buckets if b["doc_count"]]
        if name == "budget":
            # Tantivy adds buckets for what lies outside the bands (below 0): not a band, not listed.
            bands = {key for key, _low, _high in BUDGET_BANDS}
            return [FacetBucket(str(b["key"]), b["doc_count"]) for b in buckets if b["key"] in bands]
        return [FacetBucket(str(b["key"]), b["doc_count"]) for b in buckets]

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
        for word in profile.words:
            term = self._term_query(Term((word,), word))
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
