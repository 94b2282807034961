"""Importing a text project page: its listings written into the registry as initiatives.

The page is parsed (`parser.parse_page`) and each record is written by the demo loader's `RecordWriter`,
through the same services as the web forms, so a page gives the rows demo.yaml gives for it. Names become
rows here: divisions and cooperation partners through the shared `OrganisationMatcher` (plus unique
acronyms: the page says "DPIDG" where the registry holds the division under its full name), funding texts
through the funding sources. Facts cite the page's source document ("seed-002#INT13001"): the document
registered with the file's name, or one registered for it on the first import.

An initiative whose code (normalised) is already in use is brought to what the page says, and only that:
- a field the page gives is set; a field it says nothing about, or that its listings disagree on (a
  conflict), is left as stored, so a steward's choice survives a re-import;
- sections, budgets, funding and conflicts that cite this page are replaced when they differ (whitespace
  and section order are not compared; a conflict the page still has keeps its status and resolution);
- other codes, places and partners are only added: an editor draws them from the narrative too, citing
  the same listing, so a place or partner the page does not list is kept (with a warning) rather than
  removed.
Importing the same page twice therefore writes nothing the second time.
"""

from __future__ import annotations

import codecs
from collections import Counter
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import DatabaseError, models, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from stocktake.core.choices import Basis
from stocktake.core.history import Actor
from stocktake.core.models import SourceDocument
from stocktake.core.partial_dates import PartialDate
from stocktake.core.services import source_document_upsert
from stocktake.core.text import normalise_code
from stocktake.demo.services import RecordWriter, citation
from stocktake.initiatives import services as initiatives
from stocktake.initiatives.choices import PartnerRole, SectionKind
from stocktake.initiatives.models import Budget, Initiative
from stocktake.interchange.pages.constants import BUDGET_LABEL, PARTNERS
from stocktake.interchange.pages.merge import _section_field, listing_key
from stocktake.interchange.pages.names import known_label
from stocktake.interchange.pages.parser import parse_page
from stocktake.interchange.pages.resolvers import (
    PageFundingSources,
    PageOrganisations,
    organisation_names,
    partner_names,
)
from stocktake.interchange.reports import ImportOptions, ImportReport, Problem, Progress, no_progress
from stocktake.organisations.models import Organisation

FORMAT = "page"
# Record keys holding a field's text as written; the importer reads them, RecordWriter does not.
TEXT_KEYS = ("budget_text", "owning_unit_text", "partners_text", "focus_countries_text")
# The fields a conflict of the page leaves to the steward.
CONFLICT_FIELDS = {
    "title": ("title",),
    "status": ("status",),
    "outcome": ("outcome",),
    "time_frame": ("time_frame_text", "planned_start", "planned_end"),
    "owning_unit": ("owning_unit",),
    "budgets": ("budgets",),
    "funding": ("funding",),
}
_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def import_page(
    path: Path,
    *,
    actor: Actor,
    options: ImportOptions,
    progress: Progress = no_progress,
    source: str,
) -> ImportReport:
    """Imports the projects of a text page; the report says what was created, updated, unchanged, refused."""
    report = ImportReport.begin(format=FORMAT, source=source, options=options)
    text = _read(path, report)
    if text is None:
        return report
    with transaction.atomic():
        key = _citation_key(actor, source)
        parsed = parse_page(text, source=key)
        report.warnings.extend(
            Problem(f"line {warning.line}", warning.message) for warning in parsed.warnings
        )
        lines: dict[str, list[tuple[str, int]]] = {}
        for listing, line in zip(parsed.listings, parsed.lines, strict=True):
            lines.setdefault(listing_key(listing["code"]), []).append((listing["code"], line))
        page = _PageImport(actor=actor, report=report, key=key)
        total = len(parsed.records)
        progress(0, total, _("records"))
        for done, record in enumerate(parsed.records, start=1):
            listings = lines[listing_key(record["code"])]
            _note_duplicates(report, record, listings)
            page.write(record, listings[0][1])
            progress(done, total, _("records"))
        if options.dry_run or (options.all_or_nothing and report.refused):
            report.rolled_back = True
            transaction.set_rollback(True)
    return report


def _read(path: Path, report: ImportReport) -> str | None:
    """The page as text, or None with `report.file_error` saying where it cannot be read."""
    try:
        data = path.read_bytes()
    except OSError as error:
        report.file_error = Problem(report.source, _("cannot read the file: %(error)s") % {"error": error})
        return None
    if not data:
        report.file_error = Problem(report.source, _("the file is empty (0 bytes)"))
        return None
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            message = _("the file is %(encoding)s text, not UTF-8: save the page as UTF-8") % {
                "encoding": encoding
            }
            report.file_error = Problem("line 1, byte 0", message)
            return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        message = _("byte 0x%(byte)02X is not UTF-8: save the page as UTF-8 text") % {
            "byte": data[error.start]
        }
        report.file_error = Problem(f"line {line}, byte {error.start}", message)
        return None
    if "\x00" in text:
        offset = data.index(b"\x00")
        line = data.count(b"\n", 0, offset) + 1
        report.file_error = Problem(
            f"line {line}, byte {offset}", _("the file holds NUL bytes: it is not a text page")
        )
        return None
    return text


def _citation_key(actor: Actor, source: str) -> str:
    """The key the page's facts cite: its source document's (found by key or file name), else a new one's."""
    name = Path(source).name or source
    document = (
        SourceDocument.objects.filter(key=source).first()
        or SourceDocument.objects.filter(file_name=name).order_by("key").first()
    )
    if document is not None:
        return document.key
    root = slugify(Path(name).stem)[:60] or "page"
    key, number = root, 2
    while SourceDocument.objects.filter(key=key).exists():
        key, number = f"{root}-{number}", number + 1
    source_document_upsert(actor=actor, key=key, title=name[:300], file_name=name[:200])
    return key


def _note_duplicates(report: ImportReport, record: dict[str, Any], listings: list[tuple[str, int]]) -> None:
    first_code, first_line = listings[0]
    count = len(record.get("conflicts", []))
    for code, line in listings[1:]:
        message = _("%(code)s lists %(first)s (line %(line)d) again: merged into one record.") % {
            "code": code,
            "first": first_code,
            "line": first_line,
        }
        if count:
            message += " " + ngettext(
                "%(count)d disagreement flagged as a conflict.",
                "%(count)d disagreements flagged as conflicts.",
                count,
            ) % {"count": count}
        report.duplicates.append(Problem(f"line {line}", message, record["code"]))


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _date(value: Any) -> PartialDate | None:
    return PartialDate.parse(str(value)) if value else None


class _PageImport:
    """Writes the records of one page, each in its own savepoint."""

    def __init__(self, *, actor: Actor, report: ImportReport, key: str) -> None:
        self.actor = actor
        self.report = report
        self.key = key
        self.code = ""  # the record being written, and its line, for what it reports
        self.place = ""
        self.organisations = PageOrganisations(actor=actor, report=report, source=key)
        self.funding = PageFundingSources(actor=actor, report=report, organisations=self.organisations)
        self.matched: dict[str, Organisation | None] = {}
        self.writer = RecordWriter(
            actor=actor,
            organisation=self.organisation,
            funding_source=lambda funding: self.funding.resolve(funding, self.place),
        )

    def organisation(self, name: str | None) -> Organisation | None:
        if not name:
            return None
        if name not in self.matched:
            self.matched[name] = self.organisations.match(names=organisation_names(name), place=self.place)
        return self.matched[name]

    def cites(self, source: str) -> bool:
        """Whether a stored value cites this page (alone or among the listings of a merged value)."""
        return any(part == self.key or part.startswith(f"{self.key}#") for part in source.split("; "))

    def warn(self, message: str) -> None:
        self.report.warnings.append(Problem(self.place, message))

    def write(self, record: dict[str, Any], line: int) -> None:
        code = self.code = record["code"]
        self.place = f"line {line}"
        marks = (self.organisations.mark(), self.funding.mark(), len(self.report.warnings))
        try:
            with transaction.atomic():
                existing = initiatives.code_in_use(code)
                item = self.item(record)
                if existing is None:
                    self.writer.create(item)
                    outcome = self.report.created
                else:
                    outcome = (
                        self.report.updated if self.update(existing, item, record) else self.report.unchanged
                    )
        except (ValidationError, ObjectDoesNotExist, DatabaseError) as error:
            self.organisations.forget_since(marks[0])
            self.funding.forget_since(marks[1])
            del self.report.warnings[marks[2] :]
            self.matched.clear()
            self.report.refused.append(Problem(f"line {line} ({code})", _message(error), code))
            return
        outcome.append(code)

    def item(self, record: dict[str, Any]) -> dict[str, Any]:
        """The record in demo.yaml's format, divisions and partners by name; a budget not read stays text."""
        item = {key: value for key, value in record.items() if key not in TEXT_KEYS}
        sources = record.get("sources", [])
        conflicts = list(record.get("conflicts", []))
        divisions = list(dict.fromkeys(record.get("owning_unit_text", "").splitlines()))
        if len(divisions) == 1:
            item["owning_unit"] = divisions[0]
        elif divisions and all(conflict["field"] != "owning_unit" for conflict in conflicts):
            note = _("The listing names several divisions; no owning unit recorded.")
            values = [{"value": division, "source": sources[0]} for division in divisions]
            conflicts.append({"field": "owning_unit", "values": values, "note": note})
        budget_unread = record.get("budget_text") and not record.get("budgets")
        if budget_unread and all(conflict["field"] != "budgets" for conflict in conflicts):
            section = {
                "kind": SectionKind.OTHER.value,
                "heading": BUDGET_LABEL,
                "text": record["budget_text"],
            }
            item["sections"] = [*item.get("sections", []), {**section, "source": sources[0]}]
        if conflicts:
            item["conflicts"] = conflicts
        item["participations"] = self.partners(item.get("sections", []))
        return item

    def partners(self, sections: list[dict[str, Any]]) -> list[dict[str, Any]]:
        parts: list[dict[str, Any]] = []
        seen: set[int] = set()
        for section in sections:
            if section["kind"] != SectionKind.OTHER or known_label(section.get("heading") or "") != PARTNERS:
                continue
            names = partner_names(section["text"])
            if names is None:
                message = _(
                    "%(code)s: “%(heading)s” is not a list of names: kept as text, no partner recorded."
                )
                self.warn(message % {"code": self.code, "heading": section["heading"]})
                continue
            for name in names:
                organisation = self.organisation(name)
                if organisation is None or organisation.pk in seen:
                    continue
                seen.add(organisation.pk)
                part = {"organisation": name, "role": PartnerRole.PARTNER.value, "basis": Basis.STATED.value}
                parts.append({**part, **{k: section[k] for k in ("source", "sources") if k in section}})
        return parts

    def update(self, initiative: Initiative, item: dict[str, Any], record: dict[str, Any]) -> bool:
        """Brings a stored initiative to what the page says (see the module docstring); True if it changed."""
        governed = {name for c in item.get("conflicts", []) for name in CONFLICT_FIELDS.get(c["field"], ())}
        sections_governed = {
            c["field"] for c in item.get("conflicts", []) if c["field"] not in CONFLICT_FIELDS
        }
        changed = self.update_fields(initiative, item, governed)
        sections = [
            section
            for section in initiative.sections.all()
            if self.cites(section.source)
            and _section_field({"kind": section.kind, "heading": section.heading}) not in sections_governed
        ]
        changed |= self.replace(
            initiative,
            "sections",
            [(row, (row.kind, row.heading, _collapse(row.text), row.source)) for row in sections],
            [
                (s["kind"], s.get("heading") or "", _collapse(s["text"]), citation(s))
                for s in item.get("sections", [])
            ],
            item.get("sections", []),
        )
        if "budgets" not in governed:
            budgets = [row for row in initiative.budgets.all() if self.cites(row.source)]
            changed |= self.replace(
                initiative,
                "budgets",
                [(row, _budget_row_key(row)) for row in budgets],
                [_budget_item_key(budget) for budget in item.get("budgets", [])],
                item.get("budgets", []),
            )
        if "funding" not in governed:
            fundings = [row for row in initiative.fundings.all() if self.cites(row.source)]
            changed |= self.replace(
                initiative,
                "funding",
                [(row, (row.funding_source_id, row.source)) for row in fundings],
                [(self.funding.resolve(f, self.place).pk, citation(f)) for f in item.get("funding", [])],
                item.get("funding", []),
            )
        changed |= self.update_conflicts(initiative, item.get("conflicts", []))
        return self.add_missing(initiative, item, record) or changed

    def update_fields(self, initiative: Initiative, item: dict[str, Any], governed: set[str]) -> bool:
        fields = self.writer.fields(item)
        wanted: dict[str, Any] = {"title": item["title"]}
        wanted["title_translations"] = {**initiative.title_translations, **fields["title_translations"]}
        given = {"language", "status", "outcome"} & set(item)
        if "time_frame_text" in item:
            given |= {"time_frame_text", "planned_start", "planned_end"}
        if "owning_unit" in item:
            given.add("owning_unit")
        wanted.update({name: fields[name] for name in given})
        others = [entry for entry in initiative.provenance if not self.cites(entry)]
        wanted["provenance"] = [*others, *fields["provenance"]]
        changes = {
            name: value
            for name, value in wanted.items()
            if name not in governed and _stored(initiative, name) != value
        }
        if changes:
            initiatives.initiative_update(actor=self.actor, initiative=initiative, **changes)
        return bool(changes)

    def replace(
        self,
        initiative: Initiative,
        key: str,
        stored: list[tuple[models.Model, Any]],
        wanted: list[Any],
        items: list[dict[str, Any]],
    ) -> bool:
        """Replaces the stored rows of a list that cite this page when they differ from the page's."""
        if Counter(row_key for _row, row_key in stored) == Counter(wanted):
            return False
        for row, _row_key in stored:
            initiatives.child_remove(actor=self.actor, obj=row)
        getattr(self.writer, f"add_{key}")(initiative, items)
        return True

    def update_conflicts(self, initiative: Initiative, conflicts: list[dict[str, Any]]) -> bool:
        wanted = {_conflict_key(c["field"], c["values"]): c for c in conflicts}
        stored = list(initiative.conflicts.all())
        stale = [
            row
            for row in stored
            if _conflict_key(row.field, row.values) not in wanted
            and all(self.cites(str(value.get("source", ""))) for value in row.values)
        ]
        for row in stale:
            initiatives.child_remove(actor=self.actor, obj=row)
        present = {_conflict_key(row.field, row.values) for row in stored}
        new = [conflict for key, conflict in wanted.items() if key not in present]
        self.writer.add_conflicts(initiative, new)
        return bool(stale or new)

    def add_missing(self, initiative: Initiative, item: dict[str, Any], record: dict[str, Any]) -> bool:
        """Adds the other codes, places and partners the initiative lacks; warns of those it has besides."""
        known = {initiative.code_normalised, *initiative.identifiers.values_list("normalised", flat=True)}
        codes = [code for code in item.get("other_codes", []) if normalise_code(code) not in known]
        self.writer.add_other_codes(initiative, codes, item)
        focus_given = "focus_countries_text" in record or any(
            conflict["field"] == "focus_countries" for conflict in item.get("conflicts", [])
        )
        links: list[tuple[str, str, Callable[[Any], str], Iterable[Any]]] = [
            ("countries", "country", lambda row: row.country_id, initiative.country_links.all()),
            (
                "regions",
                "region",
                lambda row: row.region.code,
                initiative.region_links.select_related("region"),
            ),
            ("country_groups", "group", lambda row: row.group_id, initiative.country_group_links.all()),
        ]
        added = bool(codes)
        for key, code_key, code_of, rows in links:
            stored = {code_of(row): row for row in rows}
            wanted = [link for link in item.get(key, []) if link[code_key] not in stored]
            getattr(self.writer, f"add_{key}")(initiative, wanted)
            added |= bool(wanted)
            on_page = {link[code_key] for link in item.get(key, [])}
            for code, row in stored.items():
                if focus_given and code not in on_page and self.cites(row.source):
                    message = _(
                        "%(code)s: %(place)s is on the record but not in the page's Focus Countries: kept."
                    )
                    self.warn(message % {"code": initiative.code, "place": code})
        return self.add_partners(initiative, item.get("participations", [])) or added

    def add_partners(self, initiative: Initiative, parts: list[dict[str, Any]]) -> bool:
        stored = {
            (row.organisation_id, row.role): row
            for row in initiative.participations.select_related("organisation")
        }
        wanted = []
        on_page: set[int] = set()
        for part in parts:
            organisation = self.organisation(part["organisation"])
            if organisation is None:
                continue
            on_page.add(organisation.pk)
            if (organisation.pk, part["role"]) not in stored:
                wanted.append(part)
        self.writer.add_participations(initiative, wanted)
        if parts:
            for (organisation_id, role), row in stored.items():
                if role == PartnerRole.PARTNER and organisation_id not in on_page and self.cites(row.source):
                    message = _(
                        "%(code)s: partner %(name)s is on the record but not among the page's partners: kept."
                    )
                    self.warn(message % {"code": initiative.code, "name": row.organisation.name})
        return bool(wanted)


def _stored(initiative: Initiative, name: str) -> Any:
    if name in ("planned_start", "planned_end"):
        return getattr(initiative, f"{name}_date")
    return getattr(initiative, name)


def _budget_row_key(row: Budget) -> tuple[Any, ...]:
    return (
        row.amount,
        row.currency,
        row.period_start_date,
        row.period_end_date,
        row.type,
        row.status,
        row.label,
        row.source,
    )


def _budget_item_key(budget: dict[str, Any]) -> tuple[Any, ...]:
    return (
        Decimal(str(budget["amount"])),
        budget["currency"],
        _date(budget.get("period_start")),
        _date(budget.get("period_end")),
        str(budget.get("type", "1")),
        str(budget.get("status", "1")),
        budget.get("label") or "",
        citation(budget),
    )


def _conflict_key(field: str, values: list[dict[str, Any]]) -> tuple[Any, ...]:
    return (field, tuple((_collapse(str(v.get("value", ""))), str(v.get("source", ""))) for v in values))


def _message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            return "; ".join(
                f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()
            )
        return " ".join(error.messages)
    return str(error)
