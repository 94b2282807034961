"""Reading one cell of a tabular import into a value, or saying what the column expected instead.

Every function takes the cell's text (as read: CSV text, or an XLSX value turned into text) and raises
``CellError`` with a message of the form "expected ..., got '...'".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from django.db import models
from django.utils.translation import gettext as _

from stocktake.core.partial_dates import PartialDate
from stocktake.core.text import normalise_code
from stocktake.initiatives.models import FundingSource
from stocktake.interchange.tabular.tables import allowed_values
from stocktake.vocabularies import selectors as vocabularies
from stocktake.vocabularies.models import ActionLine, Country, CountryGroup, Region, SdgGoal, SdgTarget

T = TypeVar("T")

# Lists of codes may be separated by semicolons (as the export writes them) or commas; other codes of
# an initiative only by semicolons, since a code may hold a comma.
_CODE_SEPARATORS = re.compile(r"[;,]")
# Codelists this long are named in an error message; longer ones are pointed at.
_LISTED_CODES = 12


class CellError(ValueError):
    """A cell holds something its column does not take; the message says what was expected."""


def _got(text: str) -> str:
    return repr(text.strip())


def text_list(text: str) -> list[str]:
    """The other codes of an initiative: separated by semicolons, each once, in the order given."""
    return list(dict.fromkeys(part.strip() for part in text.split(";") if part.strip()))


def code_list(text: str) -> list[str]:
    return list(dict.fromkeys(part.strip() for part in _CODE_SEPARATORS.split(text) if part.strip()))


def parse_code(text: str) -> str:
    """An initiative's code: anything with at least one letter or digit."""
    if not normalise_code(text):
        raise CellError(
            _("expected the code of an initiative (letters or digits), got %(got)s") % {"got": _got(text)}
        )
    return text.strip()


def parse_date(text: str) -> PartialDate | None:
    if not text.strip():
        return None
    try:
        return PartialDate.parse(text)
    except ValueError:
        raise CellError(
            _("expected a date as YYYY, YYYY-MM or YYYY-MM-DD, got %(got)s") % {"got": _got(text)}
        ) from None


def parse_choice(text: str, choices: type[models.TextChoices], *, blank: bool) -> str:
    """A code of a choice list, or its label, in any case. ``blank``: an empty cell means none."""
    value = text.strip()
    if not value and blank:
        return ""
    for code, label in choices.choices:
        if code and value.casefold() in (str(code).casefold(), str(label).casefold()):
            return str(code)
    raise CellError(
        _("expected one of %(allowed)s, got %(got)s")
        % {"allowed": allowed_values(choices), "got": _got(text)}
    )


def parse_codelist(text: str, name: str, *, default: str = "") -> str:
    """A code of an IATI codelist; an empty cell gives ``default``."""
    value = text.strip()
    if not value:
        return default
    if vocabularies.is_code(name, value):
        return value
    codes = list(vocabularies.codelist(name))
    if len(codes) <= _LISTED_CODES:
        expected = _("expected an IATI %(list)s code (%(codes)s), got %(got)s") % {
            "list": name,
            "codes": ", ".join(codes),
            "got": _got(text),
        }
    else:
        expected = _("expected an IATI %(list)s code, got %(got)s") % {"list": name, "got": _got(text)}
    raise CellError(expected)


def parse_currency(text: str, *, blank: bool) -> str:
    value = text.strip().upper()
    if not value and blank:
        return ""
    if value and vocabularies.is_code("Currency", value):
        return value
    raise CellError(_("expected an ISO 4217 currency code such as USD, got %(got)s") % {"got": _got(text)})


def parse_decimal(text: str, *, blank: bool) -> Decimal | None:
    value = text.strip()
    if not value and blank:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise CellError(_("expected a number such as 1500 or 1500.50, got %(got)s") % {"got": _got(text)})
    return number


def _lookup(codes: Iterable[str], found: Callable[[str], T | None], expected: str, text: str) -> list[T]:
    values, unknown = [], []
    for code in codes:
        value = found(code)
        if value is None:
            unknown.append(code)
        else:
            values.append(value)
    if unknown:
        raise CellError(
            _("expected %(expected)s, separated by ;, got %(got)s (%(unknown)s unknown)")
            % {"expected": expected, "got": _got(text), "unknown": ", ".join(repr(code) for code in unknown)}
        )
    return values


class Codes:
    """The vocabularies a row's codes are looked up in, read once per import."""

    def __init__(self) -> None:
        self.countries = vocabularies.countries_by_code()
        self.regions = vocabularies.regions_by_code()
        self.country_groups = vocabularies.country_groups_by_code()
        self.action_lines = {line.code: line for line in vocabularies.action_lines()}
        self.sdg_targets = {target.code: target for target in vocabularies.sdg_targets_by_id().values()}
        self.sdg_goals = {str(goal.number): goal for goal in vocabularies.sdg_goals()}
        self.funding_sources = {source.key: source for source in FundingSource.objects.all()}

    def countries_in(self, text: str) -> list[Country]:
        return _lookup(
            code_list(text),
            lambda code: self.countries.get(code.upper()),
            _("ISO 3166-1 alpha-2 country codes such as KE"),
            text,
        )

    def regions_in(self, text: str) -> list[Region]:
        # Spreadsheets drop the leading zeros of "002".
        return _lookup(
            code_list(text),
            lambda code: self.regions.get(code.zfill(3) if code.isdigit() else code),
            _("UN M49 region codes such as 002"),
            text,
        )

    def country_groups_in(self, text: str) -> list[CountryGroup]:
        return _lookup(
            code_list(text),
            lambda code: self.country_groups.get(code.lower()),
            _("country group codes (%(codes)s)") % {"codes": ", ".join(self.country_groups)},
            text,
        )

    def action_line(self, code: str) -> ActionLine | None:
        return self.action_lines.get(code.strip().upper())

    def action_lines_in(self, text: str) -> list[ActionLine]:
        return _lookup(code_list(text), self.action_line, _("WSIS Action Line codes such as C7.1"), text)

    def sdg_target(self, code: str) -> SdgTarget | None:
        return self.sdg_targets.get(code.strip().lower())

    def sdg_targets_in(self, text: str) -> list[SdgTarget]:
        return _lookup(code_list(text), self.sdg_target, _("SDG target codes such as 16.6"), text)

    def sdg_goal(self, code: str) -> SdgGoal | None:
        return self.sdg_goals.get(code.strip().lstrip("0"))

    def funding_sources_in(self, text: str) -> list[FundingSource]:
        return _lookup(
            code_list(text),
            lambda key: self.funding_sources.get(key.lower()),
            _("funding source keys (%(keys)s)") % {"keys": ", ".join(self.funding_sources) or "-"},
            text,
        )
