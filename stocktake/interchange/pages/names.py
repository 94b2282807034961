"""Name tables for the page parser: country and region names from the vocabulary data files.

The tables are read once, at import, from the files the vocabularies app loads
(stocktake/vocabularies/data/countries/hdx-python-country-4.2.5_CT_Taxonomy.csv and
stocktake/vocabularies/data/m49/codeforiati_RegionM49.csv), so the parser needs no database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.text import slugify

from stocktake.interchange.pages.constants import COUNTRY_GROUPS, FUNDING_SOURCES, LABELS, REGION_ALIASES
from stocktake.vocabularies.loaders import TAXONOMY_FILE, read_csv, region_rows

# English names first: a French short name never replaces an English one.
COUNTRY_NAME_COLUMNS = ("English Short", "English Formal", "Preferred Term", "French Short")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'"})
_SPACES = re.compile(r"\s+")
PARENTHETICAL = re.compile(r"\s*\([^()]*\)$")


def fold(text: str) -> str:
    """The form names and labels are compared in: case-folded, single spaces, straight apostrophes."""
    return _SPACES.sub(" ", text.translate(_APOSTROPHES)).strip().casefold()


def known_label(label: str) -> str | None:
    """The target of a label ("Key Accomplishments (to-date)" -> accomplishments), None if not known."""
    key = fold(label)
    return LABELS.get(key) or LABELS.get(PARENTHETICAL.sub("", key))


def _country_tables() -> tuple[dict[str, str], dict[str, str]]:
    codes: dict[str, str] = {}
    english: dict[str, str] = {}
    rows = read_csv(TAXONOMY_FILE)
    # Deprecated rows last, so that a current country keeps a name they share.
    for row in sorted(rows, key=lambda row: row["Deprecated"] == "Y"):
        code = row["ISO 3166-1 Alpha 2-Codes"].strip()
        if len(code) != 2:
            continue
        english.setdefault(code, row["English Short"].strip() or row["Preferred Term"].strip())
        for column in COUNTRY_NAME_COLUMNS:
            name = fold(row[column])
            for variant in (name, name.removeprefix("the ")):
                if variant:
                    codes.setdefault(variant, code)
    return codes, english


def _region_table() -> dict[str, str]:
    regions = {fold(str(row["name"])): str(row["code"]) for row in region_rows() if row["name"]}
    return {**regions, **REGION_ALIASES}


COUNTRY_CODES, COUNTRY_ENGLISH_NAMES = _country_tables()
REGION_CODES = _region_table()


@dataclass(frozen=True)
class Place:
    """A Focus Countries name resolved to a country (ISO alpha-2), a region (M49) or a country group."""

    kind: str  # "countries", "regions" or "country_groups": the record key it goes under
    code: str


def place_of(name: str) -> Place | None:
    key = fold(name).removeprefix("the ")
    if key in COUNTRY_GROUPS:
        return Place("country_groups", COUNTRY_GROUPS[key])
    if key in REGION_CODES:
        return Place("regions", REGION_CODES[key])
    if key in COUNTRY_CODES:
        return Place("countries", COUNTRY_CODES[key])
    return None


def funding_source_of(text: str) -> str | None:
    """The funding-source key for a funding text: a fund of the table, or a country (its name's slug)."""
    key = fold(text)
    if key in FUNDING_SOURCES:
        return FUNDING_SOURCES[key]
    code = COUNTRY_CODES.get(key.removeprefix("the "))
    return slugify(COUNTRY_ENGLISH_NAMES[code]) if code else None
