"""Text project pages -> initiative records in the format of stocktake/demo/data/demo.yaml.

A page (a web page saved as text) lists projects one after another: a line "CODE: Title", then labelled
fields ("Main Expectations:", "Time Frame:", "Funding:", ...; English or French, the text on the same line
or on the lines below). Each listing becomes a record; listings whose codes differ only in punctuation
(INT13001 and INT/13/001) are the same project and are merged (see `merge`), disagreements kept as
`conflicts`. Nothing is dropped: text under a label the parser does not know becomes an "other" section
under that heading, and names it cannot resolve are kept as text and reported as warnings.

Values are not mapped to database rows here: funding texts, division and partner names stay as text for
the importer (a `funding_source` key is added only when the text is in a small known table).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from stocktake.initiatives.choices import Outcome, SectionKind
from stocktake.interchange.pages import fields
from stocktake.interchange.pages.constants import (
    BUDGET,
    BUDGET_LABEL,
    BUDGET_STATUS,
    BUDGET_TYPE,
    CONCLUDED_WORDS,
    DIVISION,
    ENGLISH_LABELS,
    FOCUS,
    FRENCH_LABELS,
    FUNDING,
    KIND,
    MAX_HEADING_WORDS,
    PARTNERS,
    STATUS_HEADINGS,
    SUSTAINED_PREFIXES,
    TIME_FRAME,
)
from stocktake.interchange.pages.merge import listing_key, merge_listings, ordered
from stocktake.interchange.pages.names import PARENTHETICAL, fold, known_label

CODE_LINE = re.compile(r"^(?P<code>[A-Z]{2,4}(?=[/\d])[A-Z0-9/]*[A-Z0-9])\s*:\s*(?P<title>\S.*)$")
LABEL_LINE = re.compile(r"^(?P<label>[^:]{1,80}?)\s*:\s*(?P<rest>.*)$")
BR_ARTEFACT = re.compile(r"<?\bbr\s*/>")
TITLE_WITH_TRANSLATION = re.compile(r"(?P<main>.+?)\s*\((?P<other>[^()]+)\)")
_RUNS_OF_SPACE = re.compile(r"[^\S\n]+")
_NOT_HEADING = re.compile(r"[,;!?\"“”]|\.(?!\d)")
CONCLUDED = re.compile(r"\b(?:" + "|".join(CONCLUDED_WORDS) + r")\b")
SUSTAINED = re.compile(r"\b(?:" + "|".join(SUSTAINED_PREFIXES) + r")")
_SMALL_WORDS = frozenset(
    {"of", "and", "the", "for", "to", "in", "on", "a", "an", "de", "la", "le", "et", "du"}
)


@dataclass(frozen=True)
class PageWarning:
    """Something the parser kept as text because it could not read it; `line` is 1-based in the page."""

    line: int
    message: str


@dataclass(frozen=True)
class PageParse:
    """The records of a page (merged), the listings they came from (one per listing) and the warnings.

    `lines` holds, for each listing, the line of its "CODE: Title" (1-based), for reports that name places.
    """

    records: list[dict[str, Any]]
    warnings: list[PageWarning]
    preamble: str = ""
    listings: list[dict[str, Any]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)


@dataclass
class _Block:
    code: str
    title: str
    line: int
    status: str | None
    lines: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class _Part:
    heading: str | None  # the label as written, None for text before the first label
    target: str
    line: int
    lines: list[str] = field(default_factory=list)


def parse_page(text: str, *, source: str) -> PageParse:
    """Reads every listing of a page into records.

    `source` ("seed-002") prefixes each value's source, which names the listing: "seed-002#INT/13/001".
    """
    warnings: list[PageWarning] = []
    preamble, blocks = _blocks(text, warnings)
    if not blocks:
        warnings.append(PageWarning(1, _("No project listing (a line “CODE: Title”) found on the page.")))
    listings = [_ListingReader(block, source=source, warnings=warnings).result() for block in blocks]
    groups: dict[str, list[dict[str, Any]]] = {}
    for listing in listings:
        groups.setdefault(listing_key(listing["code"]), []).append(listing)
    records = [merge_listings(group) for group in groups.values()]
    return PageParse(
        records=records,
        warnings=warnings,
        preamble=preamble,
        listings=listings,
        lines=[block.line for block in blocks],
    )


def clean_line(line: str) -> str:
    """A page line without the stray "br />" of the HTML it came from, nor trailing space."""
    return BR_ARTEFACT.sub("", line).rstrip()


def normalise_text(lines: list[str]) -> str:
    """Lines stripped, spaces collapsed, blank lines kept as one paragraph break; nothing else changed."""
    out: list[str] = []
    for line in lines:
        line = _RUNS_OF_SPACE.sub(" ", line).strip()
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def _blocks(text: str, warnings: list[PageWarning]) -> tuple[str, list[_Block]]:
    # A listing starts at a "CODE: Title" line that opens a paragraph; one inside a paragraph is more likely
    # a reference in the text, so it stays text (with a warning, in case the page just lacks blank lines).
    preamble: list[str] = []
    blocks: list[_Block] = []
    status: str | None = None
    previous_blank = True
    for number, raw in enumerate(text.splitlines(), start=1):
        line = clean_line(raw)
        heading_status = STATUS_HEADINGS.get(fold(line))
        match = CODE_LINE.match(line.strip())
        if heading_status:
            status = heading_status
            if not blocks:
                preamble.append(line)
        elif match and _is_code(match["code"]) and previous_blank:
            blocks.append(_Block(match["code"], match["title"].strip(), number, status))
        elif blocks:
            if match and _is_code(match["code"]):
                message = _(
                    "“%(code)s:” does not open a paragraph: read as text of the listing above, not a listing."
                )
                warnings.append(PageWarning(number, message % {"code": match["code"]}))
            blocks[-1].lines.append((number, line))
        else:
            preamble.append(line)
        previous_blank = not line.strip() or bool(heading_status)
    return normalise_text(preamble), blocks


def _is_code(code: str) -> bool:
    return sum(ch.isdigit() for ch in code) >= 2 and len(code) <= 20


def _looks_like_heading(label: str) -> bool:
    # "Session 1", "Activity 1.1", "Risks": short, capitalised, no sentence punctuation.
    words = label.split()
    if not label[:1].isupper() or len(words) > MAX_HEADING_WORDS or _NOT_HEADING.search(label):
        return False
    significant = [word for word in words if word.isalpha() and word.casefold() not in _SMALL_WORDS]
    capitalised = [word for word in significant if word[:1].isupper()]
    return 2 * len(capitalised) >= len(significant)


def label_of(line: str) -> tuple[str, str, str] | None:
    """(heading as written, target, text after the label) when a line starts with a label."""
    stripped = line.strip()
    alone = stripped.rstrip(":").strip()
    if alone and (target := known_label(alone)):
        return alone, target, ""
    match = LABEL_LINE.match(stripped)
    if not match:
        return None
    heading = match["label"].strip()
    if target := known_label(heading):
        return heading, target, match["rest"]
    if _looks_like_heading(heading):
        return heading, SectionKind.OTHER.value, match["rest"]
    return None


def _parts(block: _Block) -> list[_Part]:
    # Text under the title before any label is the listing's free note ("Summary to be Added as a concluded
    # project. ..."): a comment, as demo.yaml files it.
    parts = [_Part(None, SectionKind.COMMENT.value, block.line)]
    for number, line in block.lines:
        label = label_of(line)
        if label:
            heading, target, rest = label
            part = _Part(heading, target, number, [rest] if rest.strip() else [])
            previous = parts[-1].lines
            # A lead-in paragraph ending in a comma ("In support of EA1,") introduces the labelled line below.
            if (
                previous
                and previous[-1].strip().endswith(",")
                and (len(previous) == 1 or not previous[-2].strip())
            ):
                part.lines.insert(0, previous.pop())
            parts.append(part)
        else:
            parts[-1].lines.append(line)
    return parts


PLACE_KEYS = {"countries": "country", "regions": "region", "country_groups": "group"}


class _ListingReader:
    """Reads one listing's parts into a record; everything it cannot read stays as text, with a warning."""

    def __init__(self, block: _Block, *, source: str, warnings: list[PageWarning]) -> None:
        self.ref = f"{source}#{block.code}"
        self.warnings = warnings
        self.record: dict[str, Any] = {"code": block.code, "kind": KIND}
        if block.status:
            self.record["status"] = block.status
        _title(self.record, block.title)
        self.lists: dict[str, list[dict[str, Any]]] = {
            key: [] for key in ("countries", "regions", "country_groups", "sections", "budgets", "funding")
        }
        self.headings: list[str] = []
        for part in _parts(block):
            self.read(part)

    def warn(self, line: int, message: str) -> None:
        self.warnings.append(PageWarning(line, message))

    def add_text(self, key: str, text: str) -> None:
        # A field given twice (two "Division:" lines) keeps both texts.
        self.record[key] = f"{self.record[key]}\n{text}" if key in self.record else text

    def add_section(self, kind: str, text: str, heading: str | None = None) -> None:
        section = {"kind": kind, "heading": heading, "text": text, "source": self.ref}
        self.lists["sections"].append({key: value for key, value in section.items() if value is not None})

    def read(self, part: _Part) -> None:
        text = normalise_text(part.lines)
        if part.heading is not None:
            self.headings.append(part.heading)
        if not text:
            if part.target == SectionKind.OTHER.value:
                self.add_section(part.target, "", part.heading)
            elif part.heading is not None:
                self.warn(part.line, _("“%(label)s” has no text.") % {"label": part.heading})
            return
        one_line = " ".join(text.split())
        if part.target == TIME_FRAME:
            self.time_frame(part.line, one_line)
        elif part.target == BUDGET:
            self.budget(part.line, one_line)
        elif part.target == FUNDING:
            for name, key in fields.funding_sources(one_line):
                entry = {"funding_source_text": name, "funding_source": key, "source": self.ref}
                self.lists["funding"].append({k: v for k, v in entry.items() if v is not None})
        elif part.target == DIVISION:
            self.add_text("owning_unit_text", one_line)
        elif part.target == FOCUS:
            self.focus(part, text, one_line)
        elif part.target == PARTNERS:
            self.add_text("partners_text", one_line)
            self.add_section(SectionKind.OTHER.value, text, part.heading)
        else:
            heading = part.heading if part.target == SectionKind.OTHER.value else None
            self.add_section(part.target, text, heading)

    def time_frame(self, line: int, text: str) -> None:
        self.add_text("time_frame_text", text)
        dates = fields.time_frame(text)
        if dates:
            self.record["planned_start"], self.record["planned_end"] = dates
        else:
            self.warn(line, _("Time frame not read: “%(text)s”.") % {"text": text})

    def budget(self, line: int, text: str) -> None:
        self.add_text("budget_text", text)
        amounts = fields.money(text)
        if len(amounts) == 1:
            amount, currency = amounts[0]
            self.lists["budgets"].append({"amount": amount, "currency": currency})
        else:
            self.warn(
                line,
                _("Budget not read (one amount with its currency expected): “%(text)s”.") % {"text": text},
            )

    def focus(self, part: _Part, text: str, one_line: str) -> None:
        self.add_text("focus_countries_text", one_line)
        known, unknown = fields.places(one_line)
        for _name, place in known:
            items, key = self.lists[place.kind], PLACE_KEYS[place.kind]
            if all(item[key] != place.code for item in items):
                items.append({key: place.code, "source": self.ref})
        if unknown:
            self.warn(part.line, _("Focus countries not known: %(names)s.") % {"names": ", ".join(unknown)})
            self.add_section(SectionKind.OTHER.value, text, part.heading)

    def result(self) -> dict[str, Any]:
        record = self.record
        for budget in self.lists["budgets"]:
            if "planned_start" in record:
                budget.update(period_start=record["planned_start"], period_end=record["planned_end"])
            budget.update(type=BUDGET_TYPE, status=BUDGET_STATUS, label=BUDGET_LABEL, source=self.ref)
        _language(record, self.headings)
        record.update({key: items for key, items in self.lists.items() if items})
        outcome = _outcome(self.lists["sections"])
        if outcome:
            record["outcome"] = outcome
        record["sources"] = [self.ref]
        return ordered(record)


def _title(record: dict[str, Any], title: str) -> None:
    # "Projet d'appui ... (Support to Public Sector Reform ...)": a title followed by its translation.
    record["title"] = title
    match = TITLE_WITH_TRANSLATION.fullmatch(title)
    if not match:
        return
    main, other = fields.language_of(match["main"]), fields.language_of(match["other"])
    if main and other and main != other:
        record["title"] = match["main"].strip()
        record["title_translations"] = {other: match["other"].strip()}
        record["language"] = main


def _language(record: dict[str, Any], headings: list[str]) -> None:
    if "language" in record:
        return
    language = fields.language_of(record["title"])
    if not language:
        keys = [PARENTHETICAL.sub("", fold(heading)) for heading in headings]
        french = sum(key in FRENCH_LABELS for key in keys)
        english = sum(key in ENGLISH_LABELS for key in keys)
        language = "fr" if french > english else "en" if english else None
    if language:
        record["language"] = language


def outcome_of(text: str) -> str | None:
    """ "concluded" when a comment says the project concluded; "sustained" when it also says it lasted."""
    folded = fold(text)
    if not CONCLUDED.search(folded):
        return None
    if SUSTAINED.search(folded):
        return Outcome.SUSTAINED.value
    return Outcome.CONCLUDED.value


def _outcome(sections: list[dict[str, Any]]) -> str | None:
    outcomes = [outcome_of(s["text"]) for s in sections if s["kind"] == SectionKind.COMMENT.value]
    if Outcome.SUSTAINED.value in outcomes:
        return Outcome.SUSTAINED.value
    return Outcome.CONCLUDED.value if Outcome.CONCLUDED.value in outcomes else None
