"""Writing documents: their tsvectors, classification titles, facet values and counts."""

# ruff: noqa: S608 - SQL is composed from this package's table names, never from values

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from stocktake.core.text import fold, normalise_code
from stocktake.search.backends.base import BUDGET_BANDS
from stocktake.search.backends.postgres_backend.schema import (
    BODIES,
    BODY_COLUMNS,
    COUNTS,
    FACET_NUMBER,
    FILTER_COLUMNS,
    FILTERS,
    INITIATIVE_COLUMNS,
    INITIATIVES,
    ORGANISATION_COLUMNS,
    ORGANISATIONS,
    PHRASES,
    SHIFT,
    SIMPLE,
    TOTAL,
    VALUES,
    VECTOR,
    SchemaMixin,
    _value,
    upsert,
)
from stocktake.search.backends.postgres_backend.text import clean, quote
from stocktake.search.documents import FACETS, InitiativeDocument, OrganisationDocument
from stocktake.search.text import cjk_index_text

MAX_POSITION = 16383  # PostgreSQL's largest tsvector position
MAX_POSITIONS_PER_LEXEME = 256


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
    return " ".join(f"{quote(lexeme)}:{','.join(found)}" for lexeme, found in positions.items())


class Loader:
    """Writes documents into the live tables (``suffix`` "") or a rebuild's new ones (``_new``).

    It learns and hands out the ids of titles and values itself: those of a rebuild exist only in its
    transaction until the swap, so they never go into the backend's caches.
    """

    def __init__(self, backend: SchemaMixin, cursor: Any, *, suffix: str) -> None:
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
                f"SELECT id >> {SHIFT}, max(id) FROM {dictionary}{self.suffix} GROUP BY 1",
            )
            self.next_ids[dictionary] = {int(g): int(top) + 1 for g, top in self.cursor.fetchall()}
        pk = self.next_ids[dictionary].get(group, (group << SHIFT) + 1)
        if pk >= (group + 1) << SHIFT:
            raise OverflowError(f"More than {1 << SHIFT} values in one facet of the search index.")
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
                        f"INSERT INTO {table} (id, text, tsv) VALUES (%s, %s, {VECTOR})", rows
                    )
            elif new:
                for text in new:
                    known[text] = self._next_id(dictionary, FACET_NUMBER[text.split(":", 1)[0]])
                self.cursor.executemany(
                    f"INSERT INTO {table} (id, value) VALUES (%s, %s)", [[known[text], text] for text in new]
                )
        return known

    def initiatives(self, docs: list[InitiativeDocument]) -> None:
        if not docs:
            return
        backend = self.backend
        phrases = self._dictionary(
            PHRASES, {t for doc in docs for text in doc.classifications if (t := clean(text))}
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
            classes = sorted({phrases[t] for text in doc.classifications if (t := clean(text))})
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
        self.cursor.executemany(upsert(INITIATIVES + self.suffix, INITIATIVE_COLUMNS), rows)
        self.cursor.executemany(upsert(FILTERS + self.suffix, FILTER_COLUMNS), filter_rows)
        self.cursor.executemany(upsert(BODIES + self.suffix, BODY_COLUMNS), bodies)

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
        self.cursor.executemany(upsert(ORGANISATIONS + self.suffix, ORGANISATION_COLUMNS), rows)
