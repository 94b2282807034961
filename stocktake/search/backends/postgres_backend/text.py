"""Quoting lexemes, folding a body for ts_headline, and rendering its passages as snippets."""

from __future__ import annotations

import unicodedata

from markupsafe import escape

from stocktake.core.text import fold

SNIPPET_MAX_CHARS = 50_000  # of the body given to ts_headline
START_SEL, STOP_SEL, FRAGMENT_SEL = "\ue000", "\ue001", "\ue002"  # private use: never in a snippet
HEADLINE_OPTIONS = (
    f"StartSel={START_SEL}, StopSel={STOP_SEL}, FragmentDelimiter={FRAGMENT_SEL}, "
    "MaxFragments=2, MaxWords=24, MinWords=10, ShortWord=2"
)
FRAGMENT_JOIN = " … "


def quote(lexeme: str) -> str:
    """A lexeme as tsvector or tsquery input: quoted, so no operator or weight can hide in it."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def clean(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


# The markers cannot come from the text, and what PostgreSQL's parser takes for HTML tags or entities
# (which ts_headline leaves out) is hidden from it: its passages stay cut from the text as it is.
_HEADLINE_HIDDEN = {ord(char): " " for char in (START_SEL, STOP_SEL, FRAGMENT_SEL, "<", ">", "&")}


class _AlignedFold(dict[int, str]):
    """``str.translate`` table folding each character to one character (or leaving it), so offsets
    in the folded text are offsets in the original: snippets are cut from the original text."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        folded = fold(char)
        value = folded if len(folded) == 1 else char
        self[code] = value
        return value


_ALIGNED_FOLD = _AlignedFold(_HEADLINE_HIDDEN)


def headline_text(text: str) -> str:
    """The text ts_headline reads: folded one character for one, markers and tags hidden."""
    return text.translate(_HEADLINE_HIDDEN if text.isascii() else _ALIGNED_FOLD)


def render(body: str, folded: str, headline: str, cjk: list[str]) -> str:
    """The headline's passages taken from the original body, escaped, the marked words in <mark>."""
    marks: list[tuple[int, int]] = []
    spans: list[tuple[int, int]] = []
    cursor = 0
    for fragment in headline.split(FRAGMENT_SEL):
        plain = fragment.replace(START_SEL, "").replace(STOP_SEL, "")
        if not plain.strip():
            continue
        start = folded.find(plain, cursor)
        if start < 0:
            start = folded.find(plain)
        if start < 0:
            continue
        spans.append((start, start + len(plain)))
        cursor = start + len(plain)
        position = start
        opened = -1
        for char in fragment:
            if char == START_SEL:
                opened = position
            elif char == STOP_SEL:
                if opened >= 0:
                    marks.append((opened, position))
                opened = -1
            else:
                position += 1
    if cjk:
        # ts_headline does not know the pairs Chinese text is found by: the runs are marked here, and
        # a body whose passages do not show one is cut around the first instead.
        found = [(body.find(run), run) for run in cjk]
        found = [(start, run) for start, run in found if start >= 0]
        shown = any(start <= index < end for index, _run in found for start, end in spans)
        if found and not shown:
            index = min(start for start, _run in found)
            spans = [(max(0, index - 60), min(len(body), index + 120))]
        for run in set(cjk):
            index = body.find(run)
            while index >= 0:
                marks.append((index, index + len(run)))
                index = body.find(run, index + len(run))
    if not spans:
        return ""
    marks.sort()
    rendered: list[str] = []
    for start, end in spans:
        pieces: list[str] = []
        position = start
        for mark_start, mark_end in marks:
            mark_start, mark_end = max(mark_start, position), min(mark_end, end)
            if mark_start >= mark_end:
                continue
            pieces.append(str(escape(body[position:mark_start])))
            pieces.append(f"<mark>{escape(body[mark_start:mark_end])}</mark>")
            position = mark_end
        pieces.append(str(escape(body[position:end])))
        rendered.append("".join(pieces).strip())
    return FRAGMENT_JOIN.join(rendered)  # every piece above is escaped
