"""Merging the listings of one project that a page lists more than once (INT13001 and INT/13/001).

As in demo.yaml: a value given by one listing is kept; a value several listings agree on is kept once, with
every listing in its `sources`; a value they disagree on goes to `conflicts` with each listing's value and
source, and the field itself is left empty (funding excepted: every listing's funding is kept beside the
conflict, as the sources are alternatives a steward chooses among).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Hashable
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from stocktake.initiatives.choices import SectionKind
from stocktake.interchange.pages.constants import FOCUS, PARTNERS, RECORD_KEYS
from stocktake.interchange.pages.names import fold, known_label

CONFLICT_FIELD_LENGTH = 60  # Conflict.field's max_length
_LIST_MARKER = re.compile(r"(?:(?<=\s)|^)(?:[a-z]|\d{1,2}|[ivxlc]+)[.):](?=\s)|(?:(?<=\s)|^)[-–•*](?=\s)")
_DASHES = re.compile(r"\s*[-–—]\s*")

Listing = dict[str, Any]


def listing_key(code: str) -> str:
    """Spellings of one code compare equal: INT13001 == INT/13/001."""
    return re.sub(r"[^0-9A-Za-z]", "", code).upper()


def comparable_text(text: str) -> str:
    """Text as compared between listings: case, spacing, line breaks, list markers ("a.", "1.") ignored."""
    return " ".join(_LIST_MARKER.sub(" ", fold(text)).split())


def ordered(record: dict[str, Any]) -> dict[str, Any]:
    rank = {key: position for position, key in enumerate(RECORD_KEYS)}
    return dict(sorted(record.items(), key=lambda item: rank.get(item[0], len(rank))))


def _folded(key: str) -> Callable[[Listing], Hashable]:
    return lambda listing: fold(str(listing[key]))


def _ref(listing: Listing) -> str:
    return str(listing["sources"][0])


def _with_sources(item: dict[str, Any], refs: list[str]) -> dict[str, Any]:
    return {**item, "sources": refs} if len(refs) > 1 else dict(item)


def _conflict(field: str, values: list[tuple[str, str]], note: str) -> dict[str, Any]:
    return {
        "field": field[:CONFLICT_FIELD_LENGTH],
        "values": [{"value": value, "source": source} for value, source in values],
        "note": note,
    }


class _Merger:
    def __init__(self, listings: list[Listing]) -> None:
        self.listings = listings
        self.record: dict[str, Any] = {}
        self.conflicts: list[dict[str, Any]] = []

    def conflict(self, field: str, values: list[tuple[str, str]], note: str) -> None:
        if all(existing["field"] != field[:CONFLICT_FIELD_LENGTH] for existing in self.conflicts):
            self.conflicts.append(_conflict(field, values, note))

    def scalar(
        self,
        keys: tuple[str, ...],
        *,
        compare: Callable[[Listing], Hashable] | None = None,
        field: str | None,
        note: str = "",
    ) -> bool:
        """Keeps `keys` when the listings that have them agree; returns False when they disagree."""
        present = [listing for listing in self.listings if keys[0] in listing]
        if not present:
            return True
        if len({(compare or _folded(keys[0]))(listing) for listing in present}) == 1:
            self.record.update({key: present[0][key] for key in keys if key in present[0]})
            return True
        if field:
            self.conflict(field, [(str(listing[keys[0]]), _ref(listing)) for listing in present], note)
        return False

    def places(self, key: str, code_key: str) -> None:
        merged: dict[str, tuple[dict[str, Any], list[str]]] = {}
        for listing in self.listings:
            for item in listing.get(key, []):
                merged.setdefault(item[code_key], (item, []))[1].append(_ref(listing))
        if merged:
            self.record[key] = [_with_sources(item, refs) for item, refs in merged.values()]

    def funding(self) -> None:
        present = [listing for listing in self.listings if listing.get("funding")]
        merged: dict[str, tuple[dict[str, Any], list[str]]] = {}
        for listing in present:
            for item in listing["funding"]:
                key = item.get("funding_source") or fold(item["funding_source_text"])
                merged.setdefault(key, (item, []))[1].append(_ref(listing))
        if merged:
            self.record["funding"] = [_with_sources(item, refs) for item, refs in merged.values()]
        sets = {
            frozenset(
                item.get("funding_source") or fold(item["funding_source_text"]) for item in listing["funding"]
            )
            for listing in present
        }
        if len(sets) > 1:
            values = [
                ("; ".join(i["funding_source_text"] for i in listing["funding"]), _ref(listing))
                for listing in present
            ]
            self.conflict(
                "funding", values, _("The listings of this project disagree on the funding source.")
            )

    def budgets(self, dates_agree: bool) -> None:
        def amounts(listing: Listing) -> Hashable:
            found = tuple((Decimal(b["amount"]), b["currency"]) for b in listing.get("budgets", []))
            return found or fold(listing["budget_text"])

        note = _("The listings of this project give different proposed budgets; no budget recorded.")
        if not self.scalar(("budget_text",), compare=amounts, field="budgets", note=note):
            return
        present = [listing for listing in self.listings if listing.get("budgets")]
        if not present:
            return
        refs = [_ref(listing) for listing in present]
        budgets = [_with_sources(budget, refs) for budget in present[0]["budgets"]]
        if not dates_agree:
            for budget in budgets:
                budget.pop("period_start", None)
                budget.pop("period_end", None)
        self.record["budgets"] = budgets

    def sections(self) -> None:
        merged: dict[tuple[str, str, int], list[tuple[dict[str, Any], str]]] = {}
        for listing in self.listings:
            seen: dict[tuple[str, str], int] = {}
            for section in listing.get("sections", []):
                kind_heading = (section["kind"], fold(section.get("heading") or ""))
                seen[kind_heading] = seen.get(kind_heading, 0) + 1
                merged.setdefault((*kind_heading, seen[kind_heading]), []).append((section, _ref(listing)))
        sections = []
        for given in merged.values():
            if len({comparable_text(section["text"]) for section, _ref in given}) == 1:
                sections.append(_with_sources(given[0][0], [ref for _section, ref in given]))
                continue
            first = given[0][0]
            heading = first.get("heading") or ""
            note = _("The listings of this project give different “%(heading)s” texts; none recorded.") % {
                "heading": heading or first["kind"]
            }
            self.conflict(_section_field(first), [(section["text"], ref) for section, ref in given], note)
        if sections:
            self.record["sections"] = sections


def _section_field(section: dict[str, Any]) -> str:
    if section["kind"] != SectionKind.OTHER.value:
        return str(section["kind"])
    target = known_label(section.get("heading") or "")
    return {PARTNERS: "partners", FOCUS: "focus_countries"}.get(
        target or "", f"other:{section.get('heading')}"
    )


def _time_frame(listing: Listing) -> Hashable:
    if "planned_start" in listing:
        return (listing["planned_start"], listing["planned_end"])
    return _DASHES.sub("-", fold(listing["time_frame_text"]))


def merge_listings(listings: list[Listing]) -> dict[str, Any]:
    """One record from the listings of one project, the first listing's code leading."""
    first = listings[0]
    if len(listings) == 1:
        return ordered(copy.deepcopy(first))
    merger = _Merger(listings)
    record = merger.record
    record["code"] = first["code"]
    other_codes = list(
        dict.fromkeys(listing["code"] for listing in listings[1:] if listing["code"] != first["code"])
    )
    if other_codes:
        record["other_codes"] = other_codes
    record["kind"] = first["kind"]
    record["title"] = first["title"]
    merger.scalar(
        ("title",),
        field="title",
        note=_("The listings of this project give different titles; the first listing's title is kept."),
    )
    record["title"] = first["title"]
    # The language follows the title, which is the first listing's.
    for key in ("title_translations", "language"):
        if key in first:
            record[key] = first[key]
    disagree = _("The listings of this project disagree; no value recorded.")
    for key in ("status", "outcome"):
        merger.scalar((key,), field=key, note=disagree)
    dates_agree = merger.scalar(
        ("time_frame_text", "planned_start", "planned_end"),
        compare=_time_frame,
        field="time_frame",
        note=_("The listings of this project give different time frames; no dates recorded."),
    )
    merger.places("countries", "country")
    merger.places("regions", "region")
    merger.places("country_groups", "group")
    merger.sections()
    merger.budgets(dates_agree)
    merger.funding()
    merger.scalar(
        ("owning_unit_text",),
        field="owning_unit",
        note=_("The listings of this project name different divisions; no owning unit recorded."),
    )
    # Partners also come as a section, whose conflict is recorded there.
    merger.scalar(("partners_text",), field=None)
    merger.scalar(
        ("focus_countries_text",),
        field="focus_countries",
        note=_("The listings of this project give different focus countries; the places of all are kept."),
    )
    if merger.conflicts:
        record["conflicts"] = merger.conflicts
    record["sources"] = [_ref(listing) for listing in listings]
    return ordered(record)
