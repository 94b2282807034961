"""Reading IATI values: xsd:decimal numbers, xsd:date dates and multilingual narratives."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy

from stocktake.interchange.iati.records import Narratives

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# Stocktake's own attributes on the files it writes (see writer.py), read back on import.
STOCKTAKE_NAMESPACE = "https://stocktake.example.org/ns/iati-extension/1"


def st(name: str) -> str:
    """An attribute name in Stocktake's namespace, as lxml spells it."""
    return f"{{{STOCKTAKE_NAMESPACE}}}{name}"


# Lazy: translated into the active language when a message is built with them, not at import.
NUMBER_HINT = gettext_lazy("expected a number like 1234.56")
DATE_HINT = gettext_lazy("expected a date like 2013-09-01")

_NUMBER = re.compile(r"\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)\s*")


def parse_number(text: str | None) -> Decimal | None:
    """An xsd:decimal ("1000", " 1234.56 ", "-.5"); None for anything else ("1,000", "1e3", "NaN")."""
    if text is None or _NUMBER.fullmatch(text) is None:
        return None
    return Decimal(text.strip())


def parse_date(text: str | None) -> str | None:
    """The "YYYY-MM-DD" of an xsd:date; a time zone or time after it is dropped. None if unreadable."""
    if text is None:
        return None
    if len(text) != 10:
        text = text.strip()
        if len(text) > 10 and text[10] in "TZ+-":
            text = text[:10]
    if len(text) != 10 or text[4] != "-" or text[7] != "-":
        return None
    try:
        date.fromisoformat(text)
    except ValueError:
        return None
    return text


def mixed_text(element: Any) -> str:
    return "".join(element.itertext()).strip()


def narratives(element: Any, language: str) -> Narratives:
    """The element's narratives by language; its own text when it has no narrative (1.x style)."""
    language = element.get(XML_LANG) or language
    found: Narratives = {}
    for child in element:
        if child.tag != "narrative":
            continue
        text = mixed_text(child) if len(child) else child.text
        if text is None:
            continue
        text = text.strip()
        if not text:
            continue
        # keys() is cheaper than a namespaced get(), and most narratives have no attribute at all.
        lang = (child.get(XML_LANG) or language) if child.keys() else language
        if lang in found:
            found[lang] = f"{found[lang]}\n{text}"
        else:
            found[lang] = text
    if not found:
        own = element.text
        if own is not None and (own := own.strip()):
            found[language] = own
    return found
