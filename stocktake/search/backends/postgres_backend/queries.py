"""A ParsedQuery and the filters as SQL: the tsqueries of the words, the ids of the chosen facet
values, the conditions, the order and the score."""

# ruff: noqa: S608 - SQL is composed from this package's table names, never from values

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from stocktake.core.text import fold, normalise_code
from stocktake.initiatives.filtersets import InitiativeFilters
from stocktake.search.backends.postgres_backend.schema import (
    FILTERS,
    INITIATIVES,
    PHRASES,
    VALUES,
    SchemaMixin,
    _value,
)
from stocktake.search.backends.postgres_backend.text import quote
from stocktake.search.documents import FACETS
from stocktake.search.query import ParsedQuery, Term
from stocktake.search.text import CJK_RUN, cjk_bigrams

# ts_rank weights in PostgreSQL's order {D, C, B, A}: summary and sections, classifications,
# partners, code and titles.
RANK_WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"
RANK_NORMALISATION = 1  # divided by 1 + log(length): a long text does not win by its length alone
# ts_rank, not ts_rank_cd: the rank query is an OR of the clauses (a clause may match through the
# classifications alone), where cover density has no proximity to reward, and ts_rank costs less than
# half as much per match (ranking reads every match: it is most of a common word's search time).
CLASS_RANK = 0.03  # what a classification title matching adds (about one C-weighted word's rank)
QUERY_CACHE_SIZE = 4096


@dataclass
class Where:
    """Conditions over ``source``, the rows with tsvectors if words are looked for, else the narrow
    ones (named ``f`` either way)."""

    source: str
    sql: str
    params: list[Any]


@dataclass
class Compiled:
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


class QueryMixin(SchemaMixin):
    """``PostgresBackend``'s query compiling: the caches are set by its ``__init__``."""

    _lock: threading.Lock
    _forms: OrderedDict[str, tuple[str, ...] | None]
    _value_ids: dict[str, int]
    _value_names: dict[int, str]

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
                alternatives.append(quote(code))
            parts.append("(" + " | ".join(alternatives) + ")")
        for run in runs:
            if len(run) == 1:
                parts.append(quote(run))
            else:
                parts.append("(" + " <-> ".join(quote(pair) for pair in cjk_bigrams(run)) + ")")
        return " & ".join(parts) if parts else None

    def _compile(self, query: ParsedQuery) -> Compiled:
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
            return Compiled()
        # The classification titles each clause matches, looked up first: constants, not a subquery,
        # let the planner see that most words match no title (and leave that half of the test out).
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT array(SELECT id FROM {PHRASES} WHERE tsv @@ q::tsquery ORDER BY id) "
                "FROM unnest(%s::text[]) WITH ORDINALITY AS x(q, i) ORDER BY i",
                [[tsquery for tsquery, _negated in clauses]],
            )
            titles = [list(row[0]) for row in cursor.fetchall()]
        return Compiled(
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

    # Conditions, order and score

    def _where(self, filters: InitiativeFilters, compiled: Compiled, chosen: dict[str, list[int]]) -> Where:
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
        return Where(
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
    def _score(compiled: Compiled) -> tuple[str, list[Any]]:
        rank_query = compiled.rank_query
        if rank_query is None:
            return "0.0", []
        score = "ts_rank(%s::real[], f.tsv, %s::tsquery, %s)"
        params: list[Any] = [RANK_WEIGHTS, rank_query, RANK_NORMALISATION]
        if compiled.rank_titles:
            score += " + %s * (f.classes && %s::integer[])::integer"
            params.extend([CLASS_RANK, compiled.rank_titles])
        return score, params
