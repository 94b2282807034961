"""Readers for the values of a listing's labelled fields: time frames, budgets, funding, focus countries."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from stocktake.interchange.pages.constants import CURRENCIES, LANGUAGE_WORDS, MONTHS
from stocktake.interchange.pages.names import Place, fold, funding_source_of, place_of

T = TypeVar("T")

_DATE = r"(?:(?P<{0}month>[^\W\d_]+)\.?\s+)?(?P<{0}year>\d{{4}})"
TIME_FRAME_RE = re.compile(
    r"^(?:from|de|du)?\s*" + _DATE.format("start_") + r"\s*(?:-|–|—|to|until|à|au|jusqu'à)\s*"
    r"" + _DATE.format("end_") + r"\.?$",
    re.IGNORECASE,
)
_CURRENCY = r"US\$|\$US|USD|EUR|CHF|GBP|[$€£]"
MONEY_RE = re.compile(
    rf"(?P<before>{_CURRENCY})?\s*"
    r"(?P<number>\d{1,3}(?:[, \u00a0\u202f]\d{3})+(?:[.,]\d{1,2}(?!\d))?|\d+(?:[.,]\d+)?)"
    r"(?:\s*(?P<scale>million\b|M\b))?"
    rf"(?:\s*(?P<after>{_CURRENCY}))?",
    re.IGNORECASE,
)
_LIST_SEPARATORS = re.compile(r"\s*[,;/]\s*")
_CONJUNCTIONS = re.compile(r"\s+(?:and|et|&)\s+", re.IGNORECASE)
_LEADING_CONJUNCTION = re.compile(r"^(?:and|et|&)\s+", re.IGNORECASE)


def month_of(text: str | None, year: str) -> str | None:
    """ "September", "Sept." and "septembre" with 2013 -> "2013-09"; no month -> the year alone."""
    if not text:
        return year
    month = MONTHS.get(fold(text).rstrip("."))
    return f"{year}-{month:02d}" if month else None


def time_frame(text: str) -> tuple[str, str] | None:
    """ "September 2013 - November 2015" (any dash, "to", French months) -> ("2013-09", "2015-11")."""
    match = TIME_FRAME_RE.match(text.strip())
    if not match:
        return None
    start = month_of(match["start_month"], match["start_year"])
    end = month_of(match["end_month"], match["end_year"])
    if not start or not end or end < start:
        return None
    return start, end


def _amount(number: str, scale: str | None) -> str | None:
    digits = re.sub(r"[ \u00a0\u202f]", "", number)
    if ("," in digits and "." in digits) or re.fullmatch(r"\d{1,3}(?:,\d{3})+", digits):
        digits = digits.replace(",", "")
    else:
        digits = digits.replace(",", ".")
    try:
        value = Decimal(digits)
    except InvalidOperation:
        return None
    if not scale:
        return digits  # as written: "605153.00" stays so
    value *= 1_000_000
    return str(int(value)) if value == int(value) else format(value.normalize(), "f")


def money(text: str) -> list[tuple[str, str]]:
    """Every (amount, currency) in a budget text; a number with no currency by it (a year) is not money."""
    found = []
    for match in MONEY_RE.finditer(text):
        currency = match["before"] or match["after"]
        if not currency:
            continue
        amount = _amount(match["number"], match["scale"])
        if amount is not None:
            found.append((amount, CURRENCIES[currency.casefold()]))
    return found


def split_names(text: str, resolve: Callable[[str], T | None]) -> tuple[list[tuple[str, T]], list[str]]:
    """Names separated by commas, semicolons, slashes and "and"/"et", each resolved; returns (known, unknown).

    A name that itself holds "and" ("Trinidad and Tobago", "Latin America and the Caribbean") is tried whole
    before it is split.
    """
    whole = resolve(text.strip().rstrip("."))
    if whole is not None:
        return [(text.strip().rstrip("."), whole)], []
    known: list[tuple[str, T]] = []
    unknown: list[str] = []
    for part in _LIST_SEPARATORS.split(text):
        part = _LEADING_CONJUNCTION.sub("", part.strip()).rstrip(".").strip()
        if not part:
            continue
        value = resolve(part)
        if value is not None:
            known.append((part, value))
            continue
        pieces = [piece.strip() for piece in _CONJUNCTIONS.split(part)]
        resolved = [resolve(piece) for piece in pieces]
        if len(pieces) > 1 and all(item is not None for item in resolved):
            known.extend(
                (piece, item) for piece, item in zip(pieces, resolved, strict=True) if item is not None
            )
        else:
            unknown.append(part)
    return known, unknown


def places(text: str) -> tuple[list[tuple[str, Place]], list[str]]:
    return split_names(text, place_of)


def funding_sources(text: str) -> list[tuple[str, str | None]]:
    """(text, funding-source key or None) for a funding text, split into parts only if every part is known."""
    known, unknown = split_names(text, funding_source_of)
    if known and not unknown:
        return [(name, key) for name, key in known]
    return [(text, None)]


def language_of(text: str) -> str | None:
    """ "en" or "fr" when the text's function words clearly say so, else None."""
    words = re.findall(r"[^\W\d_]+", fold(text))
    counts = {
        language: sum(word in vocabulary for word in words) for language, vocabulary in LANGUAGE_WORDS.items()
    }
    best = max(counts, key=lambda language: counts[language])
    others = [count for language, count in counts.items() if language != best]
    return best if counts[best] >= 2 and all(counts[best] > count for count in others) else None
