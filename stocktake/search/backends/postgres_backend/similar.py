"""Similar cases: candidates sharing the rarest of a profile's words and values, scored."""

# ruff: noqa: S608 - SQL is composed from this package's table names, never from values

from __future__ import annotations

import re
import time
from typing import Any

from django.db import connection

from stocktake.search.backends.base import SIMILAR_WEIGHTS, Hit, SimilarityProfile
from stocktake.search.backends.postgres_backend.queries import RANK_NORMALISATION, RANK_WEIGHTS, QueryMixin
from stocktake.search.backends.postgres_backend.schema import COUNTS, INITIATIVES, TOTAL, _value
from stocktake.search.query import Term

# ts_rank of a profile's many-word OR query is a few hundredths for a close text: x50, about a region.
SIMILAR_TEXT_WEIGHT = 50.0
# About how many candidates a similar search scores in full (an upper bound): ts_rank reads each one's
# tsvector (10,000 took 130 ms a search, 2,000 about 40).
SIMILAR_POOL = 2_000
STATISTICS_SECONDS = 600.0  # how long the lexeme statistics a similar search reads are kept
_LEXEME = re.compile(r"'((?:[^']|'')*)'")  # a quoted lexeme of a tsquery's text


class SimilarMixin(QueryMixin):
    """``PostgresBackend``'s similar cases: the statistics cache is set by its ``__init__``."""

    _statistics: tuple[float, dict[str, float], float] | None

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
