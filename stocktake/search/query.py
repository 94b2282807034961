"""The query syntax a person expects, parsed once for every backend.

    open data            both words (in any field)
    "open data"          the phrase
    -health              not this word (or -"a phrase")
    portal OR platform   either word; OR binds tighter than the implicit AND
    C7, 16.6, INT/13/001 codes are words too

Anything that is not understood is taken as words: a search never fails on its syntax.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORD = re.compile(r"\w+(?:[./-]\w+)*", re.UNICODE)
MAX_CLAUSES = 16


@dataclass(frozen=True)
class Term:
    """A word, or a phrase when it has several words. ``raw`` is what the person typed.

    Backends run ``text`` through each field's analyser: a word that becomes several tokens there
    ("e-government", "INT/13/001") is matched as the phrase of its tokens.
    """

    words: tuple[str, ...]
    raw: str

    @property
    def text(self) -> str:
        return " ".join(self.words)


@dataclass(frozen=True)
class Clause:
    """Any of ``alternatives`` must match (all of them when ``negated``: none may)."""

    alternatives: tuple[Term, ...]
    negated: bool = False


@dataclass(frozen=True)
class ParsedQuery:
    clauses: tuple[Clause, ...] = field(default_factory=tuple)
    text: str = ""

    def __bool__(self) -> bool:
        return any(not clause.negated for clause in self.clauses)

    @property
    def positive_terms(self) -> list[Term]:
        return [term for clause in self.clauses if not clause.negated for term in clause.alternatives]

    @classmethod
    def any_of(cls, words: list[str]) -> ParsedQuery:
        """A query matching any of the words (ranked by how many and how rare): similar cases use it."""
        terms = tuple(Term((word,), word) for word in words if word)
        return cls((Clause(terms),) if terms else (), " OR ".join(words))


def _words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(text))


def parse_query(text: str) -> ParsedQuery:
    """Parses a search box's text into clauses that must all hold."""
    text = (text or "").strip()
    clauses: list[Clause] = []
    pending_or = False
    for match in _TOKEN.finditer(text):
        negated, phrase, bare = match.group(1), match.group(2), match.group(3)
        if bare is not None and bare == "OR":
            pending_or = bool(clauses) and not clauses[-1].negated
            continue
        if phrase is not None:
            words, raw, is_negated = _words(phrase), phrase, bool(negated)
        else:
            is_negated = bare.startswith("-") and len(bare) > 1
            raw = bare[1:] if is_negated else bare
            words = _words(raw)
        if not words:
            continue
        term = Term(words, raw)
        if pending_or and not is_negated:
            last = clauses[-1]
            clauses[-1] = Clause((*last.alternatives, term))
        else:
            clauses.append(Clause((term,), is_negated))
        pending_or = False
    return ParsedQuery(tuple(clauses[:MAX_CLAUSES]), text)
