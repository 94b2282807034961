"""Normalising codes and names so that variants of one identity compare equal."""

import re
import unicodedata

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """Lower case without diacritics: "Médium" -> "medium"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def normalise_code(code: str) -> str:
    """The identity of a public code: case, spaces and punctuation do not count.

    ``INT13001`` and ``INT/13/001`` are the same code.
    """
    return _NOT_ALNUM.sub("", fold(code)).upper()


def normalise_name(name: str) -> str:
    """A name folded for matching: "UN-DESA" and "UN DESA" meet."""
    return " ".join(_NOT_ALNUM.sub(" ", fold(name)).split())
