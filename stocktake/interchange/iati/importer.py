"""Importing IATI activity files (2.01 to 2.03) into the registry.

The reader streams the file into plain records; each record is checked and turned into an initiative
draft (the registry's fields and child rows, unsaved), and drafts are written a batch at a time by the
batch service, which records the history. What the registry has no field for is kept verbatim on the
initiative's IATI data, so an export gives it back.

Identity is the iati-identifier: an activity already imported from the same publisher is updated when
it changed and left alone when it did not (its digest is kept); one that another publisher reported, or
that appears twice in the file, is reported as a duplicate and not written. A file is imported in one
transaction: a file that breaks mid-way leaves nothing behind; activities with problems are refused and
the others imported, or nothing at all with ``all_or_nothing``; a dry run rolls everything back.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, models, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from lxml import etree

from stocktake.core.choices import Basis, ChangeAction
from stocktake.core.history import Actor, history_record_many, save_with_history, snapshot
from stocktake.core.partial_dates import DatePrecision, PartialDate
from stocktake.core.text import normalise_code
from stocktake.initiatives.batch import ChildRow, InitiativeDraft, initiatives_write_batch
from stocktake.initiatives.choices import (
    IATI_ROLE_CODES,
    Kind,
    Outcome,
    PartnerRole,
    RelationType,
    Scope,
    SectionKind,
)
from stocktake.initiatives.models import (
    Budget,
    Document,
    IatiActivity,
    Initiative,
    InitiativeActionLine,
    InitiativeCountry,
    InitiativeCountryGroup,
    InitiativeIdentifier,
    InitiativeRegion,
    InitiativeRelation,
    InitiativeSdgGoal,
    InitiativeSdgTarget,
    InitiativeSector,
    Participation,
    Section,
    Tag,
    Transaction,
)
from stocktake.interchange.iati.reader import IatiFileError, read_activities
from stocktake.interchange.iati.records import ActivityRecord, Narratives, OrgRef, ReadError
from stocktake.interchange.iati.records import Transaction as TransactionRecord
from stocktake.interchange.iati.results import ResultsReader, ResultTree, results_write_batch
from stocktake.interchange.iati.values import st
from stocktake.interchange.iati.writer import (
    DATE_TYPES,
    OTHER_IDENTIFIER_INTERNAL,
    REGION_VOCABULARY_UN_M49,
    TAG_VOCABULARY_REPORTING_ORG,
    TAG_VOCABULARY_SDG_GOAL,
    TAG_VOCABULARY_SDG_TARGET,
    VOCABULARY_URIS,
)
from stocktake.interchange.organisations import OrganisationMatcher
from stocktake.interchange.reports import ImportOptions, ImportReport, Problem, Progress, no_progress
from stocktake.vocabularies.models import ActionLine, Country, CountryGroup, Region, SdgGoal, SdgTarget
from stocktake.vocabularies.selectors import is_code

BATCH_SIZE = 500
TOO_LARGE = Decimal(10) ** 18  # Transaction.value holds 18 digits before the point
IATI_ROLES = {code: role for role, code in IATI_ROLE_CODES.items()}
# ActivityScope -> the registry's scope (the IATI code itself is kept too).
SCOPES = {"1": Scope.INTERNATIONAL, "2": Scope.REGIONAL, "3": Scope.INTERNATIONAL, "4": Scope.NATIONAL}
SCOPES |= {code: Scope.SUB_NATIONAL for code in ("5", "6", "7", "8")}
DATE_FIELDS = {code: name for name, code in DATE_TYPES}
SECTOR_SDG_GOAL, SECTOR_SDG_TARGET = "7", "8"
# Stocktake's own tag vocabularies, told by the last part of the vocabulary-uri the writer gives them.
OWN_VOCABULARIES = {uri.rsplit("/", 1)[-1]: name for name, uri in VOCABULARY_URIS.items()}
KINDS, OUTCOMES, SCOPE_VALUES = frozenset(Kind.values), frozenset(Outcome.values), frozenset(Scope.values)
SECTION_KINDS, PARTNER_ROLES = frozenset(SectionKind.values), frozenset(PartnerRole.values)
DESCRIPTION_HEADINGS = {"1": "Description", "3": "Target groups", "4": "Other"}
MAX_TITLE = Initiative._meta.get_field("title").max_length or 500


class Refused(Exception):
    """An activity that cannot be imported; the message says why, with the place."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


class Duplicate(Exception):
    """An activity the registry already holds under a spelling of its identifier; reported, not written."""


def _first(text: Narratives, language: str) -> str:
    """The text in the activity's language, else the first one given."""
    if language in text:
        return text[language]
    return next(iter(text.values()), "")


def _date(iso: str | None, precision: str | None = None) -> PartialDate | None:
    if not iso:
        return None
    day = date.fromisoformat(iso)
    if precision in (DatePrecision.YEAR, DatePrecision.MONTH):
        return PartialDate(day, precision)
    return PartialDate(day, DatePrecision.DAY)


def _org(org: OrgRef | None) -> dict[str, Any] | None:
    if org is None:
        return None
    return {"ref": org.ref, "type": org.type, "name": org.name, "activity_id": org.activity_id}


def _percentage(value: Decimal | None, what: str) -> Decimal | None:
    if value is not None and not 0 <= value <= 100:
        raise Refused(
            _("%(what)s percentage %(value)s is not between 0 and 100") % {"what": _(what), "value": value}
        )
    return value


def _check(list_name: str, value: str | None, what: str) -> None:
    if value and not is_code(list_name, value):
        raise Refused(
            _("%(what)s %(value)r is not an IATI %(list)s code")
            % {"what": _(what), "value": value, "list": list_name}
        )


def fingerprint(record: ActivityRecord) -> str:
    """What identifies the activity's content: the reader's digest of its XML."""
    return record.digest


class _Vocabularies:
    """The vocabularies an import checks against, read once."""

    def __init__(self) -> None:
        self.countries = set(Country.objects.values_list("code", flat=True))
        self.regions = dict(Region.objects.values_list("code", "pk"))
        self.groups = set(CountryGroup.objects.values_list("code", flat=True))
        self.action_lines = dict(ActionLine.objects.values_list("code", "pk"))
        self.goals = {str(number): pk for number, pk in SdgGoal.objects.values_list("number", "pk")}
        self.targets = {
            code: (pk, goal) for code, pk, goal in SdgTarget.objects.values_list("code", "pk", "goal_id")
        }
        self.tags = dict(Tag.objects.values_list("slug", "pk"))


class IatiImport:
    def __init__(self, *, actor: Actor, options: ImportOptions, report: ImportReport, source: str) -> None:
        self.actor = actor
        self.options = options
        self.report = report
        self.source = source
        self.vocabularies = _Vocabularies()
        self.organisations = OrganisationMatcher(actor=actor, report=report, source=source, deferred=True)
        self.seen: dict[str, int] = {}  # identifier -> line of its first appearance in this file
        self.links: list[tuple[int, str, str, int]] = []  # initiative id, type, ref, line
        self.pending: list[tuple[InitiativeDraft, ActivityRecord]] = []
        # The results of pending drafts that have any, by id of the draft's initiative.
        self.results: dict[int, ResultTree] = {}
        self.taken: dict[str, str] = {}  # normalised codes of the batch already in use -> their code
        # Tags and places of vocabularies the registry does not hold, for the activity being drafted.
        self.extra_tags: list[Any] = []
        self.extra_places: list[Any] = []
        self.extra_participants: list[dict[str, Any]] = []
        self.here = ""

    # -- reading ------------------------------------------------------------------------------------

    def on_read_error(self, error: ReadError) -> None:
        place = _("line %(line)s") % {"line": error.line} if error.line else ""
        place = f"{place} ({error.field})" if place else error.field
        problem = Problem(place, error.message, error.identifier or "")
        if error.activity_skipped:
            self.report.refused.append(problem)
        else:
            self.report.warnings.append(problem)

    def place(self, record: ActivityRecord, line: int | None = None) -> str:
        return _("activity %(identifier)s (line %(line)s)") % {
            "identifier": record.identifier,
            "line": line or record.line,
        }

    def run(self, path: Path, progress: Progress) -> None:
        total = os.path.getsize(path)
        buffer: list[ActivityRecord] = []
        with path.open("rb") as stream:
            for record in read_activities(stream, on_error=self.on_read_error):
                buffer.append(record)
                if len(buffer) >= BATCH_SIZE:
                    self.process(buffer)
                    buffer = []
                    progress(stream.tell(), total, _("activities"))
        self.process(buffer)
        self.resolve_links()
        progress(total, total, _("activities"))

    def process(self, records: list[ActivityRecord]) -> None:
        """Drafts and writes a batch, looking up what is stored in one query per table."""
        identifiers = [record.identifier for record in records]
        stored = {
            data.identifier: data
            for data in IatiActivity.objects.filter(identifier__in=identifiers).select_related("initiative")
        }
        normalised = {normalise_code(identifier) for identifier in identifiers}
        self.taken = dict(
            Initiative.objects.filter(code_normalised__in=normalised).values_list("code_normalised", "code")
        )
        self.taken |= dict(
            InitiativeIdentifier.objects.filter(normalised__in=normalised).values_list(
                "normalised", "initiative__code"
            )
        )
        orgs = [
            org for record in records for org in (record.reporting_org, *record.participating_orgs) if org
        ]
        self.organisations.prefetch(
            refs=[org.ref for org in orgs], names=[name for org in orgs for name in org.name.values()]
        )
        for record in records:
            self.take(record, stored.get(record.identifier))
        self.flush()

    # -- one activity -------------------------------------------------------------------------------

    def take(self, record: ActivityRecord, stored: IatiActivity | None) -> None:
        identifier = record.identifier
        if len(identifier) > 200:
            self.report.refused.append(
                Problem(
                    self.place(record),
                    _("the iati-identifier is longer than 200 characters"),
                    identifier[:200],
                )
            )
            return
        if identifier in self.seen:
            self.report.duplicates.append(
                Problem(
                    self.place(record),
                    _(
                        "the identifier appears again in this file (first on line %(line)s); "
                        "not imported again"
                    )
                    % {"line": self.seen[identifier]},
                    identifier,
                )
            )
            return
        self.seen[identifier] = record.line
        digest = fingerprint(record)
        if stored is not None:
            publisher = (record.reporting_org.ref or "").strip() if record.reporting_org else ""
            if stored.reporting_org_ref and publisher and stored.reporting_org_ref != publisher:
                self.report.duplicates.append(
                    Problem(
                        self.place(record),
                        _(
                            "%(publisher)s reports an identifier already imported from %(other)s; "
                            "not overwritten"
                        )
                        % {"publisher": publisher, "other": stored.reporting_org_ref},
                        identifier,
                    )
                )
                return
            if stored.fingerprint == digest:
                self.report.unchanged.append(identifier)
                return
        try:
            draft = self.draft(record, digest, stored.initiative if stored else None)
        except Duplicate as duplicate:
            self.report.duplicates.append(Problem(self.place(record), str(duplicate), identifier))
            return
        except Refused as refusal:
            self.report.refused.append(Problem(self.place(record, refusal.line), str(refusal), identifier))
            return
        self.pending.append((draft, record))

    def draft(self, record: ActivityRecord, digest: str, initiative: Initiative | None) -> InitiativeDraft:
        self.extra_tags, self.extra_places, self.extra_participants = [], [], []
        self.here = self.place(record)  # where problems found while drafting are
        language = record.default_language or "en"
        code = record.identifier
        code_normalised = normalise_code(code)
        if not code_normalised:
            raise Refused(_("the iati-identifier has no letter or digit"))
        if initiative is None:
            taken = self.taken.get(code_normalised)
            if taken:
                raise Duplicate(
                    _(
                        "the identifier is the same as %(other)s but for case or punctuation, so it is "
                        "taken to be the same activity; not imported again"
                    )
                    % {"other": taken}
                )
            initiative = Initiative(code=code, code_normalised=code_normalised)
            self.taken[code_normalised] = code  # a later activity of the batch may not take it again
        children: list[Any] = []
        attributes = record.attributes
        kind = attributes.get(st("kind"), "")
        initiative.kind = kind if kind in KINDS else Kind.PROJECT
        outcome = attributes.get(st("outcome"), "")
        initiative.outcome = outcome if outcome in OUTCOMES else ""
        initiative.language = language[:8]

        title = _first(record.titles, language).strip()
        if not title:
            raise Refused(_("the activity has no title"))
        if len(title) > MAX_TITLE:
            children.append(
                ChildRow(Section, kind=SectionKind.OTHER, heading="Full title", text=title, language=language)
            )
            title = title[: MAX_TITLE - 1] + "…"
        initiative.title = title
        initiative.title_translations = {
            lang: text for lang, text in record.titles.items() if lang != language and len(text) <= MAX_TITLE
        }
        _check("ActivityStatus", record.status, gettext_noop("activity-status"))
        initiative.status = record.status or ""
        initiative.scope = (
            record.stocktake_scope
            if record.stocktake_scope in SCOPE_VALUES
            else SCOPES.get(record.scope or "", "")
        )
        for kind_code, name in DATE_FIELDS.items():
            value = _date(record.dates.get(kind_code), record.date_precisions.get(kind_code))
            setattr(initiative, name, value.value if value else None)
            setattr(initiative, f"{name}_precision", value.precision if value else DatePrecision.DAY)
        initiative.provenance = [self.source]

        self.descriptions(record, initiative, children, language)
        self.identifiers(record, children)
        self.participations(record, children)
        self.places(record, children)
        tag_ids = self.classifications(record, children)
        self.budgets(record, children)
        self.documents(record, children, language)
        children += [_transaction_row(position, item) for position, item in enumerate(record.transactions)]
        for item in record.transactions:
            _check("TransactionType", item.type, gettext_noop("transaction type"))
            _check("Currency", item.currency, gettext_noop("transaction currency"))
            if abs(item.value) >= TOO_LARGE:
                raise Refused(_("transaction value %(value)s is too large") % {"value": item.value})
        children.append(self.iati_data(record, digest))
        if record.results:
            self.results[id(initiative)] = self.results_tree(record, language)
        return InitiativeDraft(initiative=initiative, children=children, tag_ids=tag_ids)

    def results_tree(self, record: ActivityRecord, language: str) -> ResultTree:
        def warn(line: int | None, message: str) -> None:
            self.report.warnings.append(Problem(self.place(record, line), message, record.identifier))

        return ResultsReader(language, warn).tree(record.results)

    def descriptions(
        self, record: ActivityRecord, initiative: Initiative, children: list[Any], language: str
    ) -> None:
        summary_taken = False
        position = 0
        for description in record.descriptions:
            texts = dict(description.text)
            if description.type == "1" and not description.section and not summary_taken and texts:
                main = language if language in texts else next(iter(texts))
                initiative.summary = texts.pop(main)
                summary_taken = True
            for lang, text in texts.items():
                if not text.strip():
                    continue
                kind = description.section if description.section in SECTION_KINDS else None
                if kind is None:
                    kind = SectionKind.OBJECTIVES if description.type == "2" else SectionKind.OTHER
                heading = description.heading or ""
                if kind == SectionKind.OTHER and not heading:
                    heading = DESCRIPTION_HEADINGS.get(description.type, "Description")
                children.append(
                    ChildRow(
                        Section,
                        kind=kind,
                        heading=heading[:200],
                        text=text,
                        language=(lang if lang != language else "")[:8],
                        position=position,
                    )
                )
                position += 1
        if not summary_taken:
            initiative.summary = ""

    def identifiers(self, record: ActivityRecord, children: list[Any]) -> None:
        seen = set()
        for other in record.other_identifiers:
            normalised = normalise_code(other.ref)
            if not normalised or normalised in seen or other.ref == record.identifier:
                continue
            if other.type not in (None, OTHER_IDENTIFIER_INTERNAL) or len(other.ref) > 150:
                record.unmapped_xml.append(_other_identifier_xml(other.ref, other.type))
                continue
            seen.add(normalised)
            children.append(
                ChildRow(
                    InitiativeIdentifier,
                    value=other.ref,
                    normalised=normalised,
                    scheme=(other.scheme or "")[:40],
                )
            )

    def participations(self, record: ActivityRecord, children: list[Any]) -> None:
        seen = set()
        for org in record.participating_orgs:
            role = (
                org.stocktake_role if org.stocktake_role in PARTNER_ROLES else IATI_ROLES.get(org.role or "")
            )
            if role is None:
                raise Refused(
                    _("participating-org %(name)s has no valid role (1-4)")
                    % {"name": _first(org.name, "") or org.ref}
                )
            organisation = self.organisations.match(
                names=list(org.name.values()), ref=org.ref, iati_type=org.type, place=self.here
            )
            key = (id(organisation), role)
            if organisation is None or key in seen:
                continue
            seen.add(key)
            names = list(org.name.values())
            if org.activity_id or org.crs_channel_code or names not in ([], [organisation.name]):
                # Kept for export: the registry's organisation holds one name and no per-activity ids.
                self.extra_participants.append(
                    {
                        "organisation_id": organisation,
                        "role": role,
                        "activity_id": org.activity_id,
                        "crs_channel_code": org.crs_channel_code,
                        "name": org.name,
                    }
                )
            # The organisation may not be saved yet (see flush): the row holds it until then.
            children.append(
                ChildRow(Participation, organisation_id=organisation, role=role, basis=Basis.IMPORTED)
            )

    def places(self, record: ActivityRecord, children: list[Any]) -> None:
        vocabularies = self.vocabularies
        seen: set[str] = set()
        for country in record.recipient_countries:
            code = country.code.upper()
            if code in seen:
                continue
            percentage = _percentage(country.percentage, gettext_noop("recipient-country"))
            if code not in vocabularies.countries:
                self.report.warnings.append(
                    Problem(
                        self.place(record),
                        _("unknown country code %(code)s kept as given") % {"code": code},
                        record.identifier,
                    )
                )
                self.extra_places.append(
                    ["country", country.code, None if percentage is None else str(percentage)]
                )
                continue
            seen.add(code)
            children.append(
                ChildRow(InitiativeCountry, country_id=code, percentage=percentage, basis=Basis.IMPORTED)
            )
        for region in record.recipient_regions:
            percentage = _percentage(region.percentage, gettext_noop("recipient-region"))
            region_id = (
                vocabularies.regions.get(region.code)
                if region.vocabulary == REGION_VOCABULARY_UN_M49
                else None
            )
            if region_id is None or region.code in seen:
                self.extra_places.append(
                    [
                        "region",
                        region.code,
                        None if percentage is None else str(percentage),
                        region.vocabulary,
                    ]
                )
                continue
            seen.add(region.code)
            children.append(
                ChildRow(InitiativeRegion, region_id=region_id, percentage=percentage, basis=Basis.IMPORTED)
            )

    def classifications(self, record: ActivityRecord, children: list[Any]) -> list[int]:
        vocabularies = self.vocabularies
        goals: set[int] = set()
        targets: set[int] = set()
        sectors: set[tuple[str, str]] = set()

        def goal(code: str) -> bool:
            pk = vocabularies.goals.get(code)
            if pk is not None and pk not in goals:
                goals.add(pk)
                children.append(ChildRow(InitiativeSdgGoal, goal_id=pk, basis=Basis.IMPORTED))
            return pk is not None

        def target(code: str) -> bool:
            found = vocabularies.targets.get(code)
            if found is not None and found[0] not in targets:
                targets.add(found[0])
                children.append(ChildRow(InitiativeSdgTarget, target_id=found[0], basis=Basis.IMPORTED))
                if found[1] not in goals:
                    goals.add(found[1])
                    children.append(ChildRow(InitiativeSdgGoal, goal_id=found[1], basis=Basis.IMPORTED))
            return found is not None

        for sector in record.sectors:
            percentage = _percentage(sector.percentage, gettext_noop("sector"))
            if sector.vocabulary == SECTOR_SDG_GOAL and goal(sector.code):
                continue
            if sector.vocabulary == SECTOR_SDG_TARGET and target(sector.code):
                continue
            if sector.vocabulary == "1":
                _check("Sector", sector.code, gettext_noop("sector"))
            if (
                (sector.vocabulary, sector.code) in sectors
                or len(sector.code) > 20
                or len(sector.vocabulary) > 3
            ):
                continue
            sectors.add((sector.vocabulary, sector.code))
            children.append(
                ChildRow(
                    InitiativeSector,
                    vocabulary=sector.vocabulary,
                    code=sector.code,
                    percentage=percentage,
                    basis=Basis.IMPORTED,
                )
            )
        tag_ids: list[int] = []
        lines: set[int] = set()
        groups: set[str] = set()
        for tag in record.tags:
            own = None  # which of Stocktake's own vocabularies the tag is in, if any
            if tag.vocabulary == TAG_VOCABULARY_REPORTING_ORG:
                own = OWN_VOCABULARIES.get((tag.vocabulary_uri or "").rstrip("/").rsplit("/", 1)[-1])
            if tag.vocabulary == TAG_VOCABULARY_SDG_GOAL and goal(tag.code):
                continue
            if tag.vocabulary == TAG_VOCABULARY_SDG_TARGET and target(tag.code):
                continue
            if own == "country-groups" and tag.code in vocabularies.groups:
                if tag.code not in groups:
                    groups.add(tag.code)
                    children.append(ChildRow(InitiativeCountryGroup, group_id=tag.code, basis=Basis.IMPORTED))
                continue
            if own == "action-lines" and tag.code in vocabularies.action_lines:
                pk = vocabularies.action_lines[tag.code]
                if pk not in lines:
                    lines.add(pk)
                    children.append(ChildRow(InitiativeActionLine, action_line_id=pk, basis=Basis.IMPORTED))
                continue
            if own == "tags":
                tag_id = self.tag_id(tag.code, _first(tag.text, record.default_language) or tag.code)
                if tag_id not in tag_ids:
                    tag_ids.append(tag_id)
                continue
            self.extra_tags.append([tag.vocabulary, tag.code, tag.text, tag.vocabulary_uri])
        return tag_ids

    def tag_id(self, slug: str, name: str) -> int:
        slug = slugify(slug)[:60] or slugify(name)[:60]
        if slug not in self.vocabularies.tags:
            tag = save_with_history(Tag(slug=slug, name=name.strip()[:60]), actor=self.actor)
            self.vocabularies.tags[slug] = tag.pk
        return self.vocabularies.tags[slug]

    def budgets(self, record: ActivityRecord, children: list[Any]) -> None:
        for item in record.budgets:
            currency = item.currency or ""
            if not currency:
                raise Refused(_("a budget has no currency and the activity no default-currency"))
            _check("Currency", currency, gettext_noop("budget currency"))
            _check("BudgetType", item.type, gettext_noop("budget type"))
            _check("BudgetStatus", item.status, gettext_noop("budget status"))
            if item.value < 0:
                # IATI allows a negative budget (a revision); the registry's budgets cannot be, so it is
                # kept as the file gave it, for export, and not counted.
                self.report.warnings.append(
                    Problem(
                        self.place(record),
                        _("a budget of %(value)s is negative: kept as given, not counted")
                        % {"value": item.value},
                        record.identifier,
                    )
                )
                record.unmapped_xml.append(_budget_xml(item))
                continue
            if abs(item.value) >= Decimal(10) ** 16:
                raise Refused(_("budget value %(value)s is too large") % {"value": item.value})
            start = None if item.start_inherited else _date(item.period_start, item.start_precision)
            end = None if item.end_inherited else _date(item.period_end, item.end_precision)
            if start and end and end.value < start.value:
                raise Refused(_("a budget period ends before it starts"))
            budget = ChildRow(
                Budget,
                amount=item.value.quantize(Decimal("0.01")),
                currency=currency,
                type=item.type or "1",
                status=item.status or "1",
                label=item.label[:100],
            )
            for name, value in (("period_start", start), ("period_end", end)):
                budget.values[name] = value.value if value else None
                budget.values[f"{name}_precision"] = value.precision if value else DatePrecision.DAY
            children.append(budget)

    def documents(self, record: ActivityRecord, children: list[Any], language: str) -> None:
        for link in record.document_links:
            category = link.categories[0] if link.categories else ""
            _check("DocumentCategory", category, gettext_noop("document-link category"))
            url = link.url or ""
            if len(url) > 1000:
                raise Refused(_("a document-link URL is longer than 1000 characters"))
            title = (_first(link.title, language) or url or _("(untitled document)"))[:300]
            children.append(
                ChildRow(
                    Document,
                    title=title,
                    url=url,
                    category=category,
                    language=(link.languages[0] if link.languages else "")[:8],
                    date=date.fromisoformat(link.document_date) if link.document_date else None,
                )
            )

    def iati_data(self, record: ActivityRecord, digest: str) -> ChildRow:
        reporting = record.reporting_org
        organisation = None
        if reporting is not None:
            organisation = self.organisations.match(
                names=list(reporting.name.values()),
                ref=reporting.ref,
                iati_type=reporting.type,
                place=self.here,
            )
        data = ChildRow(
            IatiActivity,
            identifier=record.identifier,
            reporting_org_id=organisation,
            reporting_org_ref=((reporting.ref or "") if reporting else "")[:150],
            reporting_org_type=((reporting.type or "") if reporting else "")[:4],
            reporting_org_name=reporting.name if reporting else {},
            attributes=record.attributes,
            scope_code=(record.scope or "")[:2],
            policy_markers=[list(marker) for marker in record.policy_markers],
            contact_info=record.contact_info,
            tags=self.extra_tags,
            places=self.extra_places,
            participants=self.extra_participants,
            related=[[item.type, item.ref] for item in record.related_activities],
            unmapped_xml=record.unmapped_xml,
            fingerprint=digest,
            source=self.source[:300],
        )
        self.extra_tags, self.extra_places, self.extra_participants = [], [], []
        return data

    # -- writing ------------------------------------------------------------------------------------

    def flush(self) -> None:
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        drafts = self._drop_taken_identifiers(batch)
        # New organisations first, outside the batch's savepoint, so a retry below still finds them.
        self.organisations.save_pending()
        for draft, _record in drafts:
            for child in draft.children:
                if child.model is Participation:
                    child.values["organisation_id"] = child.values["organisation_id"].pk
                elif child.model is IatiActivity:
                    if child.values["reporting_org_id"] is not None:
                        child.values["reporting_org_id"] = child.values["reporting_org_id"].pk
                    for participant in child.values["participants"]:
                        participant["organisation_id"] = participant["organisation_id"].pk
        results, self.results = self.results, {}
        try:
            with transaction.atomic():
                self._write([draft for draft, _record in drafts], results)
        except (DatabaseError, ValidationError):
            # Something the checks did not foresee: write one at a time to find and refuse the culprit.
            for draft, record in drafts:
                self._reset(draft)
                try:
                    with transaction.atomic():
                        self._write([draft], results)
                except (DatabaseError, ValidationError) as error:
                    self._reset(draft)
                    self.report.refused.append(Problem(self.place(record), str(error), record.identifier))
                    continue
                self._written(draft, record)
            return
        for draft, record in drafts:
            self._written(draft, record)

    def _write(self, drafts: list[InitiativeDraft], results: dict[int, ResultTree]) -> None:
        """The drafts, then the results of those that have any (results need the initiatives' keys)."""
        initiatives_write_batch(actor=self.actor, drafts=drafts)
        results_write_batch(
            actor=self.actor,
            wanted=[
                (draft.initiative, results[id(draft.initiative)])
                for draft in drafts
                if id(draft.initiative) in results
            ],
        )

    def _reset(self, draft: InitiativeDraft) -> None:
        """Forgets the keys a rolled-back insert gave, so the draft can be written again."""
        if draft.initiative.pk is not None and not Initiative.objects.filter(pk=draft.initiative.pk).exists():
            draft.initiative.pk = None
            draft.initiative._state.adding = True

    def _drop_taken_identifiers(
        self, batch: list[tuple[InitiativeDraft, ActivityRecord]]
    ) -> list[tuple[InitiativeDraft, ActivityRecord]]:
        """Other identifiers another initiative already answers to are kept verbatim instead of linked."""
        wanted = {
            child.values["normalised"]
            for draft, _record in batch
            for child in draft.children
            if child.model is InitiativeIdentifier
        }
        if not wanted:
            return batch
        owners = dict(
            InitiativeIdentifier.objects.filter(normalised__in=wanted).values_list(
                "normalised", "initiative_id"
            )
        )
        codes = dict(
            Initiative.objects.filter(code_normalised__in=wanted).values_list("code_normalised", "pk")
        )
        claimed: set[str] = set()
        for draft, record in batch:
            kept = []
            for child in draft.children:
                if child.model is InitiativeIdentifier:
                    normalised, value = child.values["normalised"], child.values["value"]
                    owner = owners.get(normalised)
                    if (
                        codes.get(normalised, draft.initiative.pk) != draft.initiative.pk
                        or normalised in claimed
                        or (owner is not None and owner != draft.initiative.pk)
                    ):
                        self.report.warnings.append(
                            Problem(
                                self.place(record),
                                _(
                                    "other-identifier %(ref)s already belongs to another initiative; "
                                    "kept as given"
                                )
                                % {"ref": value},
                                record.identifier,
                            )
                        )
                        data = next(c for c in draft.children if c.model is IatiActivity)
                        data.values["unmapped_xml"].append(
                            _other_identifier_xml(value, OTHER_IDENTIFIER_INTERNAL)
                        )
                        continue
                    claimed.add(normalised)
                kept.append(child)
            draft.children = kept
        return batch

    def _written(self, draft: InitiativeDraft, record: ActivityRecord) -> None:
        target = self.report.updated if draft.initiative.version > 1 else self.report.created
        target.append(record.identifier)
        for kind, ref in ((item.type or "", item.ref) for item in record.related_activities):
            self.links.append((draft.initiative.pk, kind, ref, record.line))

    def resolve_links(self) -> None:
        """Parent and child links become the programme hierarchy, other links relations, once all
        activities of the file are in (a child may come before its parent). Read and written in chunks,
        so a file of any size keeps the queries small."""
        if not self.links:
            return
        refs = sorted({ref for _pk, _kind, ref, _line in self.links})
        known: dict[str, int] = {}
        for chunk in _chunks(refs):
            known |= dict(
                IatiActivity.objects.filter(identifier__in=chunk).values_list("identifier", "initiative_id")
            )
            known |= dict(Initiative.objects.filter(code__in=chunk).values_list("code", "pk"))
        parents: dict[int, int] = {}
        relations: set[tuple[int, int, str]] = set()
        for pk, kind, ref, _line in self.links:
            other = known.get(ref)
            if other is None or other == pk:
                continue
            if kind == RelationType.PARENT:
                parents.setdefault(pk, other)
            elif kind == RelationType.CHILD:
                parents.setdefault(other, pk)
            elif kind in (RelationType.SIBLING, RelationType.CO_FUNDED, RelationType.THIRD_PARTY):
                relations.add((pk, other, kind))
        self.links = []
        stored: dict[int, int | None] = {}  # parent of each initiative concerned, as stored
        for chunk in _chunks(sorted(set(parents) | set(parents.values()))):
            stored |= dict(Initiative.objects.filter(pk__in=chunk).values_list("pk", "parent_id"))
        changes: list[tuple[str, models.Model, dict | None, dict | None]]
        wanted: dict[int, int] = {}  # links accepted so far: a link that would close a loop is not
        for child_id, parent_id in sorted(parents.items()):
            if stored.get(child_id) != parent_id and not self._is_ancestor(
                child_id, parent_id, wanted, stored
            ):
                wanted[child_id] = parent_id
        for chunk in _chunks(sorted(wanted)):
            # Recorded chunk by chunk, so memory stays flat however many links there are; the change is
            # the parent alone, as for any one-field update.
            changes = [
                (
                    ChangeAction.UPDATE,
                    Initiative(pk=pk, code=code, title=title),
                    {"parent_id": parent_id},
                    {"parent_id": wanted[pk]},
                )
                for pk, code, title, parent_id in Initiative.objects.filter(pk__in=chunk).values_list(
                    "pk", "code", "title", "parent_id"
                )
            ]
            table = connection.ops.quote_name(Initiative._meta.db_table)
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"UPDATE {table} SET parent_id = %s WHERE id = %s",  # noqa: S608  (the model's table)
                    [(wanted[child_id], child_id) for child_id in chunk],
                )
            history_record_many(actor=self.actor, changes=changes)
        existing: set[tuple[int, int, str]] = set()
        for chunk in _chunks(sorted({relation[0] for relation in relations})):
            existing |= set(
                InitiativeRelation.objects.filter(from_initiative_id__in=chunk).values_list(
                    "from_initiative_id", "to_initiative_id", "type"
                )
            )
        new_relations = [
            InitiativeRelation(from_initiative_id=a, to_initiative_id=b, type=kind)
            for a, b, kind in sorted(relations - existing)
        ]
        for chunk in _chunks(new_relations):
            InitiativeRelation.objects.bulk_create(chunk)
            history_record_many(
                actor=self.actor,
                changes=[(ChangeAction.CREATE, relation, None, snapshot(relation)) for relation in chunk],
            )

    @staticmethod
    def _is_ancestor(
        child_id: int, parent_id: int, parents: dict[int, int], stored: dict[int, int | None]
    ) -> bool:
        """Whether child_id is already above parent_id (through the links accepted, else as stored)."""
        seen = set()
        current: int | None = parent_id
        while current is not None and current not in seen:
            if current == child_id:
                return True
            seen.add(current)
            if current in parents:
                current = parents[current]
                continue
            if current not in stored:
                stored[current] = (
                    Initiative.objects.filter(pk=current).values_list("parent_id", flat=True).first()
                )
            current = stored[current]
        return False


def _chunks(items: list[Any], size: int = 500) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _transaction_row(position: int, item: TransactionRecord) -> ChildRow:
    details: dict[str, Any] = {}
    if item.description:
        details["description"] = item.description
    if item.provider_org is not None:
        details["provider"] = _org(item.provider_org)
    if item.receiver_org is not None:
        details["receiver"] = _org(item.receiver_org)
    if item.sectors:
        details["sectors"] = [[sector.vocabulary, sector.code] for sector in item.sectors]
    if item.recipient_countries:
        details["countries"] = [[country.code] for country in item.recipient_countries]
    if item.recipient_regions:
        details["regions"] = [[region.code, region.vocabulary] for region in item.recipient_regions]
    if item.unmapped_xml:
        details["unmapped_xml"] = item.unmapped_xml
    return ChildRow(
        Transaction,
        position=position,
        type=item.type,
        date=date.fromisoformat(item.date) if item.date else None,
        value=item.value,
        currency=item.currency or "",
        value_date=date.fromisoformat(item.value_date) if item.value_date else None,
        ref=(item.ref or "")[:200],
        humanitarian=item.humanitarian or "",
        details=details,
    )


def _budget_xml(item: Any) -> str:
    element = etree.Element("budget")
    for name, value in (("type", item.type), ("status", item.status)):
        if value:
            element.set(name, value)
    for tag, value in (("period-start", item.period_start), ("period-end", item.period_end)):
        if value:
            etree.SubElement(element, tag, {"iso-date": value})
    amount = etree.SubElement(element, "value")
    for name, value in (("currency", item.currency), ("value-date", item.value_date)):
        if value:
            amount.set(name, value)
    amount.text = format(item.value, "f")
    return etree.tostring(element, encoding="unicode")


def _other_identifier_xml(ref: str, kind: str | None) -> str:
    element = etree.Element("other-identifier", ref=ref)
    if kind:
        element.set("type", kind)
    return etree.tostring(element, encoding="unicode")


def import_iati(
    path: Path,
    *,
    actor: Actor,
    options: ImportOptions,
    progress: Progress = no_progress,
    source: str = "",
) -> ImportReport:
    """Imports an IATI activity file; see the module's docstring for what is kept and refused."""
    source = source or path.name
    report = ImportReport.begin(format="iati", source=source, options=options)
    run = IatiImport(actor=actor, options=options, report=report, source=source)
    with transaction.atomic():
        try:
            run.run(path, progress)
        except IatiFileError as error:
            place = _("line %(line)s") % {"line": error.line} if error.line else source
            message = error.detail
            report.file_error = Problem(place, message)
        rollback = (
            options.dry_run
            or report.file_error is not None
            or (options.all_or_nothing and bool(report.refused))
        )
        if rollback:
            transaction.set_rollback(True)
            report.rolled_back = True
    return report
