"""The one interface every search backend implements, and the results they return.

A backend holds documents (``search.documents``) and answers searches over them with the filters of
``InitiativeFilters``. It never decides what to index: ``search.sync`` reads the history since the
backend's state and hands it the documents to write, so the index follows every write of the services.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from stocktake.initiatives.filtersets import InitiativeFilters
from stocktake.search.documents import InitiativeDocument, OrganisationDocument
from stocktake.search.query import ParsedQuery

SCHEMA_VERSION = 4  # raise when documents or their indexing change: the index is then rebuilt

# Budget bands of the budget facet: (key, at least, below). Keys are stable; labels are the view's.
BUDGET_BANDS: tuple[tuple[str, Decimal, Decimal | None], ...] = (
    ("lt100k", Decimal(0), Decimal(100_000)),
    ("100k-1m", Decimal(100_000), Decimal(1_000_000)),
    ("1m-10m", Decimal(1_000_000), Decimal(10_000_000)),
    ("10m-100m", Decimal(10_000_000), Decimal(100_000_000)),
    ("100m+", Decimal(100_000_000), None),
)
# The most values a facet returns (partner organisations can be tens of thousands).
FACET_SIZE = 30
# What sharing a value of each facet adds to a candidate similar case's score, in every backend.
SIMILAR_WEIGHTS = {
    "organisation": 3.0,
    "wsis": 2.0,
    "sdg": 2.0,
    "country": 1.5,
    "country_group": 1.5,
    "region": 1.0,
}


@dataclass(frozen=True)
class FacetBucket:
    key: str
    count: int


@dataclass
class Hit:
    pk: int
    score: float = 0.0
    snippet: str = ""  # safe HTML: the text escaped, the matched words in <mark>


@dataclass
class SearchPage:
    total: int
    hits: list[Hit]
    # FACETS by value (FACET_SIZE most frequent, plus any selected value), "start_year" by year,
    # "budget" by BUDGET_BANDS key. Each count is what the list holds with that value chosen in place of
    # the facet's current choice, the other filters kept.
    facets: dict[str, list[FacetBucket]] = field(default_factory=dict)


@dataclass
class SimilarityProfile:
    """What a similar case should share: words of its text and classification values by facet."""

    words: list[str]
    facets: dict[str, list[str]] = field(default_factory=dict)
    exclude: int | None = None  # the initiative itself


@dataclass
class IndexState:
    """How far the index has followed the history: every entry up to ``watermark`` but the gaps.

    A gap is a range of history ids not seen yet when a later id was: a transaction still open
    (PostgreSQL hands out ids before commit) or one rolled back. Gaps are looked at again on every
    sync and forgotten after ``search.sync.GAP_PATIENCE``.
    """

    watermark: int = 0
    gaps: list[tuple[int, int, float]] = field(default_factory=list)  # (first id, last id, seen at)
    schema_version: int = SCHEMA_VERSION


@dataclass
class DocumentBatch:
    initiatives: list[InitiativeDocument]
    organisations: list[OrganisationDocument]


class SearchBackend(abc.ABC):
    name: str

    # Reading

    @abc.abstractmethod
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
        """Initiatives matching the words and the filters, in ``filters.effective_sort`` order."""

    @abc.abstractmethod
    def matching_ids(self, query: ParsedQuery, filters: InitiativeFilters) -> list[int]:
        """Every matching initiative's id, in result order (for exports)."""

    @abc.abstractmethod
    def search_organisations(self, query: ParsedQuery, *, offset: int = 0, limit: int = 10) -> SearchPage:
        """Organisations whose name, acronym, aliases, identifier or description match, best first."""

    @abc.abstractmethod
    def similar(self, profile: SimilarityProfile, *, limit: int = 50) -> list[Hit]:
        """Initiatives sharing most of the profile's words and values, best first (score: the backend's)."""

    # Writing (only ``search.sync`` calls these)

    @abc.abstractmethod
    def state(self) -> IndexState | None:
        """The stored state, or None if there is no index yet."""

    @abc.abstractmethod
    def write(
        self,
        *,
        initiatives: list[InitiativeDocument],
        organisations: list[OrganisationDocument],
        deleted_initiatives: list[int],
        deleted_organisations: list[int],
        state: IndexState,
    ) -> None:
        """Replaces or adds the documents, deletes the others, and stores ``state``, all as one change."""

    @abc.abstractmethod
    def rebuild(self, batches: Iterable[DocumentBatch], state: IndexState) -> None:
        """Indexes every batch into a new index that replaces the current one only when complete,
        so searches keep their answers during a rebuild and a failed rebuild changes nothing."""

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Held while a sync reads the state and writes: one writer at a time, across processes too."""
        yield

    @abc.abstractmethod
    def counts(self) -> dict[str, int]:
        """Documents held, by kind ("initiatives", "organisations")."""

    def close(self) -> None:  # noqa: B027 - optional
        """Lets go of files or connections (tests switch backends)."""
