"""Dates known to the day, the month or only the year ("September 2013", "by 2005").

Stored as two columns: the first day of the period and its precision.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from babel.dates import format_date
from django.db import models
from django.utils.translation import gettext_lazy as _


class DatePrecision(models.TextChoices):
    DAY = "day", _("day")
    MONTH = "month", _("month")
    YEAR = "year", _("year")


_PATTERN = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass(frozen=True)
class PartialDate:
    value: date
    precision: str = DatePrecision.DAY

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Reads "2013", "2013-09" or "2013-09-18"; raises ValueError naming the text otherwise."""
        match = _PATTERN.match(text.strip())
        if not match:
            raise ValueError(f"{text!r} is not a date (expected YYYY, YYYY-MM or YYYY-MM-DD)")
        year, month, day = match.groups()
        try:
            if day:
                return cls(date(int(year), int(month), int(day)), DatePrecision.DAY)
            if month:
                return cls(date(int(year), int(month), 1), DatePrecision.MONTH)
        except ValueError as error:
            raise ValueError(f"{text!r} is not a date: {error}") from error
        return cls(date(int(year), 1, 1), DatePrecision.YEAR)

    def iso(self) -> str:
        """The ISO 8601 form at its precision: "2013", "2013-09" or "2013-09-18"."""
        if self.precision == DatePrecision.YEAR:
            return f"{self.value.year:04d}"
        if self.precision == DatePrecision.MONTH:
            return f"{self.value.year:04d}-{self.value.month:02d}"
        return self.value.isoformat()

    def display(self, locale: str = "en") -> str:
        """Human form in a language: "September 2013", "septembre 2013", "2005"."""
        if self.precision == DatePrecision.YEAR:
            return str(self.value.year)
        if self.precision == DatePrecision.MONTH:
            return format_date(self.value, "LLLL y", locale=locale)
        return format_date(self.value, "long", locale=locale)

    def __str__(self) -> str:
        return self.iso()


def partial_date(value: date | None, precision: str) -> PartialDate | None:
    return PartialDate(value, precision or DatePrecision.DAY) if value else None
