"""What every import says back: the same report for IATI, CSV, XLSX and text pages.

An importer fills an ``ImportReport`` as it goes; the command line prints its summary, a background job
stores ``as_dict()`` as the downloadable report. ``Problem.place`` always names where in the input the
problem is ("line 12", "row 4, column budget_amount", "activity US-1-234 (line 90)").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

# done, total (None when unknown), a short label of what is being done. Units are the importer's own
# (bytes of the file, rows of a sheet); only the ratio matters.
Progress = Callable[[int, int | None, str], None]


def no_progress(done: int, total: int | None, label: str) -> None:
    """The progress callback that shows nothing."""


@dataclass(frozen=True)
class ImportOptions:
    """dry_run: do everything, report it, keep nothing.

    all_or_nothing: keep nothing if anything is refused (otherwise refused records are skipped)."""

    dry_run: bool = False
    all_or_nothing: bool = False


@dataclass(frozen=True)
class Problem:
    place: str
    message: str
    identifier: str = ""  # the code or iati-identifier of the record concerned, when known


@dataclass(frozen=True)
class OrganisationMatch:
    """How a name in the input was matched: by "identifier", "name", "alias", or "created"."""

    given: str
    organisation: str  # the slug of the organisation matched or created
    how: str


@dataclass
class ImportReport:
    format: str
    source: str
    dry_run: bool = False
    all_or_nothing: bool = False
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    refused: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    duplicates: list[Problem] = field(default_factory=list)
    organisations: list[OrganisationMatch] = field(default_factory=list)
    file_error: Problem | None = None  # the input could not be read at all
    rolled_back: bool = False  # nothing was kept: a dry run, or all-or-nothing with a refusal

    @classmethod
    def begin(cls, *, format: str, source: str, options: ImportOptions) -> ImportReport:
        """The empty report of an import about to run with these options."""
        return cls(
            format=format, source=source, dry_run=options.dry_run, all_or_nothing=options.all_or_nothing
        )

    @property
    def ok(self) -> bool:
        """Nothing refused and the file readable: the command exits 0."""
        return self.file_error is None and not self.refused

    def counts(self) -> dict[str, int]:
        return {
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "refused": len(self.refused),
            "warnings": len(self.warnings),
            "duplicates": len(self.duplicates),
            "organisations_created": sum(1 for match in self.organisations if match.how == "created"),
            "organisations_matched": sum(1 for match in self.organisations if match.how != "created"),
        }

    def summary(self) -> str:
        counts = self.counts()
        text = (
            f"{counts['created']} created, {counts['updated']} updated, {counts['unchanged']} unchanged, "
            f"{counts['refused']} refused"
        )
        if counts["duplicates"]:
            text += f", {counts['duplicates']} duplicates"
        text += (
            f"; organisations: {counts['organisations_matched']} matched, "
            f"{counts['organisations_created']} created"
        )
        if self.dry_run:
            text += " (dry run: nothing was kept)"
        elif self.rolled_back:
            text += " (all or nothing: something was refused, so nothing was kept)"
        return text

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["counts"] = self.counts()
        data["ok"] = self.ok
        return data
