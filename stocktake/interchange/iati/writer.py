"""Writing initiatives as an IATI 2.03 activity file, and checking files against the official schema.

The file is streamed: the root element is opened, then each activity is built, written and dropped,
so memory stays flat however many initiatives are written. An initiative that cannot make a
schema-valid activity (2.03 requires a description, a participating organisation, a status and a
date) is left out and named in the report with the reason; nothing invalid is written.

What Stocktake knows beyond IATI travels in attributes of its own namespace (``stocktake:``), which
the schema allows on most elements (``anyAttribute namespace="##other"``), so an importer can restore
it: the kind and outcome of an initiative, partner roles IATI lacks, date precision, section kinds.
"""

from __future__ import annotations

import os
import re
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cache
from io import BytesIO
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree

from stocktake.core.partial_dates import PartialDate
from stocktake.initiatives.choices import (
    IATI_ROLE_CODES,
    ROLE_ORDER,
    PartnerRole,
    RelationType,
    Scope,
    SectionKind,
)
from stocktake.initiatives.models import (
    Document,
    IatiActivity,
    Initiative,
    InitiativeCountry,
    InitiativeRegion,
    InitiativeRelation,
    Section,
    Transaction,
)
from stocktake.initiatives.rows import InitiativeRow
from stocktake.interchange.iati.values import STOCKTAKE_NAMESPACE
from stocktake.interchange.tabular.export import row_chunks
from stocktake.monitoring.models import Disaggregation, Indicator, IndicatorPeriod, Result

IATI_VERSION = "2.03"
SCHEMA_DIR = Path(__file__).resolve().parent / "schema" / IATI_VERSION
ACTIVITIES_SCHEMA = SCHEMA_DIR / "iati-activities-schema.xsd"

NAMESPACE = STOCKTAKE_NAMESPACE
NSMAP = {"stocktake": NAMESPACE}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
VOCABULARY_URIS = {
    "country-groups": "https://stocktake.example.org/vocabularies/country-groups",
    "action-lines": "https://stocktake.example.org/vocabularies/wsis-action-lines",
    "tags": "https://stocktake.example.org/vocabularies/tags",
}

DEFAULT_REPORTING_ORG_REF = "XI-STOCKTAKE"
DEFAULT_REPORTING_ORG_TYPE = "90"  # OrganisationType "Other"
DEFAULT_REPORTING_ORG_NAME = "Stocktake"

# OrganisationRole codes: the four IATI roles as they are, the partnership roles IATI lacks to the
# nearest one (stocktake:role keeps ours).
EXTRA_ROLE_CODES: dict[str, str] = {
    PartnerRole.LEAD: "2",
    PartnerRole.SPONSOR: "1",
    PartnerRole.ORGANISER: "4",
    PartnerRole.PUBLIC_PARTY: "2",
    PartnerRole.PRIVATE_PARTY: "4",
    PartnerRole.PARTNER: "4",
}
ROLE_CODES: dict[str, str] = {
    **{str(role): code for role, code in IATI_ROLE_CODES.items()},
    **EXTRA_ROLE_CODES,
}
# ActivityScope codes: 1 Global, 2 Regional, 4 National, 5 Sub-national: multi-first-level areas.
SCOPE_CODES: dict[str, str] = {
    Scope.INTERNATIONAL: "1",
    Scope.REGIONAL: "2",
    Scope.NATIONAL: "4",
    Scope.SUB_NATIONAL: "5",
}
# ActivityDateType codes of the initiative's date fields.
DATE_TYPES = (("planned_start", "1"), ("actual_start", "2"), ("planned_end", "3"), ("actual_end", "4"))
DESCRIPTION_GENERAL = "1"
DESCRIPTION_OBJECTIVES = "2"
DESCRIPTION_OTHER = "4"
OTHER_IDENTIFIER_INTERNAL = "A1"  # OtherIdentifierType: Reporting Organisation's internal activity identifier
REGION_VOCABULARY_UN_M49 = "2"
TAG_VOCABULARY_SDG_GOAL = "2"
TAG_VOCABULARY_SDG_TARGET = "3"
TAG_VOCABULARY_REPORTING_ORG = "99"
# FileFormat codes (IANA media types) by URL suffix; a page when the suffix says nothing.
FILE_FORMATS = {
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".ppt": "application/vnd.ms-powerpoint",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".csv": "text/csv",
    ".txt": "text/plain",
    ".json": "application/json",
    ".xml": "application/xml",
    ".zip": "application/zip",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
}
DEFAULT_FILE_FORMAT = "text/html"
# How several dimensions of one value are kept in one disaggregation (see iati/results.py).
GROUP_JOIN = "; "

# Characters XML 1.0 cannot hold at all (most C0 controls, lone surrogates, U+FFFE/U+FFFF).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _st(name: str) -> str:
    """An attribute name in Stocktake's namespace."""
    return f"{{{NAMESPACE}}}{name}"


@dataclass
class WriteReport:
    """What a write did: activities written, initiatives left out and why, and smaller losses."""

    written: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class ReportingOrg:
    ref: str
    type: str
    name: str

    @classmethod
    def from_settings(cls) -> ReportingOrg:
        return cls(
            ref=getattr(settings, "STOCKTAKE_IATI_REPORTING_ORG_REF", DEFAULT_REPORTING_ORG_REF),
            type=getattr(settings, "STOCKTAKE_IATI_REPORTING_ORG_TYPE", DEFAULT_REPORTING_ORG_TYPE),
            name=getattr(settings, "STOCKTAKE_IATI_REPORTING_ORG_NAME", DEFAULT_REPORTING_ORG_NAME),
        )


@dataclass
class _Extras:
    """What rows do not carry, read for a whole chunk in a fixed number of queries."""

    sections: dict[int, list[Section]] = field(default_factory=lambda: defaultdict(list))
    documents: dict[int, list[Document]] = field(default_factory=lambda: defaultdict(list))
    country_percentages: dict[tuple[int, str], Decimal | None] = field(default_factory=dict)
    region_percentages: dict[tuple[int, int], Decimal | None] = field(default_factory=dict)
    tags: dict[int, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    codes: dict[int, str] = field(default_factory=dict)  # parents' codes by id
    children: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    relations: dict[int, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    iati: dict[int, IatiActivity] = field(default_factory=dict)
    transactions: dict[int, list[Transaction]] = field(default_factory=lambda: defaultdict(list))
    results: dict[int, list[Result]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def read(cls, rows: list[InitiativeRow]) -> _Extras:
        extras = cls()
        ids = [row.initiative.pk for row in rows]
        for section in Section.objects.filter(initiative_id__in=ids):
            extras.sections[section.initiative_id].append(section)
        for document in Document.objects.filter(initiative_id__in=ids):
            extras.documents[document.initiative_id].append(document)
        country_links = InitiativeCountry.objects.filter(initiative_id__in=ids).order_by()
        for pk, country, percentage in country_links.values_list("initiative_id", "country_id", "percentage"):
            extras.country_percentages[pk, country] = percentage
        region_links = InitiativeRegion.objects.filter(initiative_id__in=ids).order_by()
        for pk, region, percentage in region_links.values_list("initiative_id", "region_id", "percentage"):
            extras.region_percentages[pk, region] = percentage
        tag_links = Initiative.tags.through.objects.filter(initiative_id__in=ids).order_by("tag__name")
        for pk, slug, name in tag_links.values_list("initiative_id", "tag__slug", "tag__name"):
            extras.tags[pk].append((slug, name))
        parent_ids = {row.initiative.parent_id for row in rows if row.initiative.parent_id}
        extras.codes = dict(Initiative.objects.filter(pk__in=parent_ids).values_list("pk", "code"))
        children = Initiative.objects.filter(parent_id__in=ids).order_by("code_normalised")
        for parent_id, code in children.values_list("parent_id", "code"):
            extras.children[parent_id].append(code)
        relations = InitiativeRelation.objects.filter(from_initiative_id__in=ids).order_by("type", "pk")
        for pk, type, code in relations.values_list("from_initiative_id", "type", "to_initiative__code"):
            extras.relations[pk].append((type, code))
        extras.iati = {
            data.initiative_id: data for data in IatiActivity.objects.filter(initiative_id__in=ids)
        }
        for item in Transaction.objects.filter(initiative_id__in=ids).order_by(
            "initiative_id", "position", "pk"
        ):
            extras.transactions[item.initiative_id].append(item)
        results = Result.objects.filter(initiative_id__in=ids).prefetch_related(
            "indicators__periods__disaggregations"
        )
        for result in results:
            extras.results[result.initiative_id].append(result)
        return extras


# contact-info's children in the schema's order; those holding narratives.
CONTACT_ORDER = (
    "organisation",
    "department",
    "person-name",
    "job-title",
    "telephone",
    "email",
    "website",
    "mailing-address",
)
CONTACT_NARRATIVES = frozenset({"organisation", "department", "person-name", "job-title", "mailing-address"})


def _verbatim_by_tag(fragments: list[str]) -> dict[str, list[Any]]:
    """Elements kept verbatim on import, parsed back (safely) and grouped by tag, in file order."""
    grouped: dict[str, list[Any]] = defaultdict(list)
    for fragment in fragments:
        element = etree.fromstring(fragment, _safe_parser())
        grouped[element.tag].append(element)
    return grouped


def _iso(value: PartialDate) -> str:
    """The stored day (the first of its month or year when less precise): xsd:date needs a whole date."""
    return value.value.isoformat()


def _decimal(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _number(value: Decimal | None) -> str | None:
    return None if value is None else _decimal(value)


def _file_format(url: str) -> str:
    suffix = PurePosixPath(urlsplit(url).path).suffix.lower()
    return FILE_FORMATS.get(suffix, DEFAULT_FILE_FORMAT)


def _skip_reasons(row: InitiativeRow, extras: _Extras) -> list[str]:
    """Why the initiative cannot make a schema-valid 2.03 activity; empty when it can."""
    initiative = row.initiative
    reasons = []
    if not initiative.summary.strip() and not extras.sections[initiative.pk]:
        reasons.append(_("no summary or section (IATI 2.03 requires a description)"))
    if not row.participations:
        reasons.append(_("no partner (IATI 2.03 requires a participating organisation)"))
    if not initiative.status:
        reasons.append(_("no status (IATI 2.03 requires an activity status)"))
    if not any(getattr(initiative, name) for name, _code in DATE_TYPES):
        reasons.append(_("no date (IATI 2.03 requires an activity date)"))
    return reasons


class _ActivityBuilder:
    """Builds one activity element from a row; records what it had to leave out or change."""

    def __init__(self, row: InitiativeRow, extras: _Extras, reporting_org: ReportingOrg) -> None:
        self.row = row
        self.initiative: Initiative = row.initiative
        self.extras = extras
        self.reporting_org = reporting_org
        self.language = self.initiative.language
        self.notes: list[str] = []
        self._cleaned = False

    def clean(self, value: str) -> str:
        cleaned = _NOT_XML.sub("", value)
        if cleaned != value:
            self._cleaned = True
        return cleaned

    def add(
        self, parent: Any, tag: str, attributes: dict[str, str | None] | None = None, text: str = ""
    ) -> Any:
        """A child element; attributes without a value are left out."""
        element = etree.SubElement(parent, tag)
        for name, value in (attributes or {}).items():
            if value:
                element.set(name, self.clean(value))
        if text:
            element.text = self.clean(text)
        return element

    def narrative(self, parent: Any, text: str, language: str | None = None) -> Any:
        return self.add(parent, "narrative", {XML_LANG: language}, text)

    def vocabulary_narrative(self, parent: Any, item: Any) -> None:
        """The title of a vocabulary item in the activity's language if the item has it, else English."""
        language = self.language if (item.translations or {}).get(self.language) else "en"
        self.narrative(parent, item.title_in(language), None if language == self.language else language)

    def build(self) -> Any:
        initiative = self.initiative
        data = self.extras.iati.get(initiative.pk)
        self.data = data
        self.verbatim_left = _verbatim_by_tag(data.unmapped_xml if data else [])
        activity = etree.Element("iati-activity", nsmap=NSMAP)
        stored = dict(data.attributes) if data else {}
        if initiative.updated:
            activity.set("last-updated-datetime", initiative.updated.isoformat(timespec="seconds"))
        if self.language:
            activity.set(XML_LANG, self.clean(self.language))
        currency = stored.pop("default-currency", None) or (
            self.row.budgets[0].currency if self.row.budgets else None
        )
        if currency:
            activity.set("default-currency", self.clean(currency))
        # The other attributes the publisher gave, in a fixed order (PostgreSQL's jsonb keeps no order).
        for name, value in sorted(stored.items()):
            if name not in ("last-updated-datetime", XML_LANG) and not name.startswith(f"{{{NAMESPACE}}}"):
                activity.set(name, self.clean(value))
        activity.set(_st("kind"), initiative.kind)
        if initiative.outcome:
            activity.set(_st("outcome"), initiative.outcome)

        self.add(activity, "iati-identifier", text=initiative.code)
        self.reporting(activity)
        self.title(activity)
        self.descriptions(activity)
        self.participating_orgs(activity)
        for identifier in sorted(initiative.identifiers.all(), key=lambda identifier: identifier.pk):
            self.add(
                activity,
                "other-identifier",
                {
                    "ref": identifier.value,
                    "type": OTHER_IDENTIFIER_INTERNAL,
                    _st("scheme"): identifier.scheme,
                },
            )
        self.verbatim(activity, "other-identifier")
        self.add(activity, "activity-status", {"code": initiative.status})
        self.dates(activity)
        self.contacts(activity)
        scope_code = data.scope_code if data and data.scope_code else SCOPE_CODES.get(initiative.scope)
        if scope_code:
            self.add(activity, "activity-scope", {"code": scope_code, _st("scope"): initiative.scope})
        self.places(activity)
        self.verbatim(activity, "location")
        for sector in sorted(initiative.sectors.all(), key=lambda sector: sector.pk):
            self.add(
                activity,
                "sector",
                {
                    "vocabulary": sector.vocabulary,
                    "code": sector.code,
                    "percentage": None if sector.percentage is None else _decimal(sector.percentage),
                },
            )
        self.tags(activity)
        self.verbatim(activity, "country-budget-items", "humanitarian-scope")
        for vocabulary, code, significance in data.policy_markers if data else []:
            self.add(
                activity,
                "policy-marker",
                {"vocabulary": vocabulary, "code": code, "significance": significance},
            )
        self.verbatim(
            activity,
            "collaboration-type",
            "default-flow-type",
            "default-finance-type",
            "default-aid-type",
            "default-tied-status",
        )
        self.budgets(activity)
        self.verbatim(activity, "budget", "planned-disbursement", "capital-spend")
        self.transactions(activity)
        self.document_links(activity)
        self.related_activities(activity)
        self.verbatim(activity, "legacy-data", "conditions")
        # Results are written from the results framework; any kept verbatim by an older import are not.
        self.verbatim_left.pop("result", None)
        self.results(activity)
        self.verbatim(activity, "crs-add", "fss")
        for elements in self.verbatim_left.values():  # publishers' own elements go last, as the schema wants
            activity.extend(elements)
        if self._cleaned:
            self.notes.append(_("characters XML cannot hold were removed from its text"))
        return activity

    def results(self, activity: Any) -> None:
        """The results framework, in the order IATI 2.03's schema wants; a result needs an indicator."""
        for result in self.extras.results[self.initiative.pk]:
            indicators = list(result.indicators.all())
            if not indicators:
                self.notes.append(
                    _("result “%(title)s” left out: it has no indicator (IATI 2.03 requires one)")
                    % {"title": result.title}
                )
                continue
            element = self.add(
                activity,
                "result",
                {"type": result.type, "aggregation-status": "1" if result.aggregation_status else "0"},
            )
            self.narrative(self.add(element, "title"), result.title)
            if result.description:
                self.narrative(self.add(element, "description"), result.description)
            for indicator in indicators:
                self.indicator(element, indicator)

    def indicator(self, result: Any, indicator: Indicator) -> None:
        element = self.add(
            result,
            "indicator",
            {
                "measure": indicator.measure,
                "ascending": "1" if indicator.ascending else "0",
                _st("unit"): indicator.unit,
                _st("cumulative"): "1" if indicator.cumulative else None,
            },
        )
        self.narrative(self.add(element, "title"), indicator.title)
        if indicator.description:
            self.narrative(self.add(element, "description"), indicator.description)
        has_baseline = indicator.baseline_value is not None or indicator.baseline_comment
        if has_baseline and indicator.baseline_year is None:
            self.notes.append(
                _("the baseline of indicator “%(title)s” left out: it has no year (IATI 2.03 requires one)")
                % {"title": indicator.title}
            )
        elif has_baseline:
            baseline = self.add(
                element,
                "baseline",
                {
                    "year": str(indicator.baseline_year),
                    "value": _number(indicator.baseline_value),
                    _st("numerator"): _number(indicator.baseline_numerator),
                    _st("denominator"): _number(indicator.baseline_denominator),
                },
            )
            self.comment(baseline, indicator.baseline_comment)
        for period in indicator.periods.all():
            self.period(element, period)

    def period(self, indicator: Any, period: IndicatorPeriod) -> None:
        element = self.add(indicator, "period")
        self.add(element, "period-start", {"iso-date": period.period_start.isoformat()})
        self.add(element, "period-end", {"iso-date": period.period_end.isoformat()})
        groups = list(period.disaggregations.all())
        for kind in ("target", "actual"):
            value: Decimal | None = getattr(period, f"{kind}_value")
            comment: str = getattr(period, f"{kind}_comment")
            if value is not None or comment:
                self.comment(self.add(element, kind, {"value": _number(value)}), comment)
            for group in groups:
                if group.kind == kind:
                    self.group(element, kind, group)

    def group(self, period: Any, kind: str, group: Disaggregation) -> None:
        """A value for a group: one dimension, or several when the group names them ("sex; age")."""
        element = self.add(period, kind, {"value": _number(group.amount)})
        names, values = group.name.split(GROUP_JOIN), group.value.split(GROUP_JOIN)
        if len(names) != len(values):
            names, values = [group.name], [group.value]
        for name, value in zip(names, values, strict=True):
            self.add(element, "dimension", {"name": name, "value": value})

    def comment(self, parent: Any, text: str) -> None:
        if text:
            self.narrative(self.add(parent, "comment"), text)

    def verbatim(self, parent: Any, *tags: str) -> None:
        """The elements kept as imported, at their place in the schema's order."""
        for tag in tags:
            parent.extend(self.verbatim_left.pop(tag, []))

    def narratives(self, parent: Any, texts: dict[str, str]) -> None:
        for language, text in texts.items():
            self.narrative(parent, text, None if language in ("", self.language) else language)

    def reporting(self, activity: Any) -> None:
        data = self.data
        if data is None or not (data.reporting_org_ref or data.reporting_org_name):
            reporting = self.add(
                activity, "reporting-org", {"ref": self.reporting_org.ref, "type": self.reporting_org.type}
            )
            self.narrative(reporting, self.reporting_org.name)
            return
        reporting = self.add(
            activity,
            "reporting-org",
            {
                "ref": data.reporting_org_ref or self.reporting_org.ref,
                "type": data.reporting_org_type or self.reporting_org.type,
            },
        )
        self.narratives(reporting, data.reporting_org_name)

    def contacts(self, activity: Any) -> None:
        for contact in self.data.contact_info if self.data else []:
            element = self.add(activity, "contact-info", {"type": contact.get("type")})
            for tag in CONTACT_ORDER:
                if tag not in contact:
                    continue
                for text in contact[tag].split("\n") if tag in CONTACT_NARRATIVES else [contact[tag]]:
                    if tag in CONTACT_NARRATIVES:
                        self.narrative(self.add(element, tag), text)
                    else:
                        self.add(element, tag, text=text)

    def org(self, parent: Any, tag: str, org: dict[str, Any] | None) -> None:
        if not org:
            return
        id_attribute = "provider-activity-id" if tag == "provider-org" else "receiver-activity-id"
        element = self.add(
            parent,
            tag,
            {"ref": org.get("ref"), "type": org.get("type"), id_attribute: org.get("activity_id")},
        )
        self.narratives(element, org.get("name") or {})

    def transactions(self, activity: Any) -> None:
        for item in self.extras.transactions[self.initiative.pk]:
            details = item.details or {}
            element = self.add(activity, "transaction", {"ref": item.ref, "humanitarian": item.humanitarian})
            self.add(element, "transaction-type", {"code": item.type})
            if item.date:
                self.add(element, "transaction-date", {"iso-date": item.date.isoformat()})
            self.add(
                element,
                "value",
                {
                    "currency": item.currency,
                    "value-date": (item.value_date or item.date or self.initiative.updated).isoformat()[:10],
                },
                _decimal(item.value),
            )
            if details.get("description"):
                self.narratives(self.add(element, "description"), details["description"])
            self.org(element, "provider-org", details.get("provider"))
            self.org(element, "receiver-org", details.get("receiver"))
            fragments = _verbatim_by_tag(details.get("unmapped_xml", []))
            element.extend(fragments.pop("disbursement-channel", []))
            for vocabulary, code, *_rest in details.get("sectors", []):
                self.add(element, "sector", {"vocabulary": vocabulary, "code": code})
            for code, *_rest in details.get("countries", []):
                self.add(element, "recipient-country", {"code": code})
            for code, vocabulary, *_rest in details.get("regions", []):
                self.add(element, "recipient-region", {"code": code, "vocabulary": vocabulary})
            for tag in ("flow-type", "finance-type", "aid-type", "tied-status"):
                element.extend(fragments.pop(tag, []))
            for elements in fragments.values():
                element.extend(elements)

    def title(self, activity: Any) -> None:
        title = self.add(activity, "title")
        self.narrative(title, self.initiative.title)
        for language, text in sorted((self.initiative.title_translations or {}).items()):
            if text and language != self.language:
                self.narrative(title, text, language)

    def descriptions(self, activity: Any) -> None:
        if self.initiative.summary.strip():
            description = self.add(activity, "description", {"type": DESCRIPTION_GENERAL})
            self.narrative(description, self.initiative.summary)
        for section in self.extras.sections[self.initiative.pk]:
            kind = DESCRIPTION_OBJECTIVES if section.kind == SectionKind.OBJECTIVES else DESCRIPTION_OTHER
            description = self.add(
                activity,
                "description",
                {"type": kind, _st("section"): section.kind, _st("heading"): section.heading},
            )
            self.narrative(description, section.text, section.language or None)

    def participating_orgs(self, activity: Any) -> None:
        participations = sorted(
            self.row.participations,
            key=lambda part: (ROLE_ORDER[part.role], part.organisation.name, part.pk),
        )
        said = {
            (participant["organisation_id"], participant["role"]): participant
            for participant in (self.data.participants if self.data else [])
        }
        for participation in participations:
            organisation = participation.organisation
            extra = said.get((organisation.pk, participation.role), {})
            element = self.add(
                activity,
                "participating-org",
                {
                    "ref": organisation.iati_identifier,
                    "type": organisation.iati_type,
                    "role": ROLE_CODES[participation.role],
                    "activity-id": extra.get("activity_id"),
                    "crs-channel-code": extra.get("crs_channel_code"),
                    _st("role"): participation.role if participation.role in EXTRA_ROLE_CODES else None,
                },
            )
            if extra.get("name"):
                self.narratives(element, extra["name"])
            else:
                self.narrative(element, organisation.name)

    def dates(self, activity: Any) -> None:
        for name, code in DATE_TYPES:
            value: PartialDate | None = getattr(self.initiative, f"{name}_date")
            if value is not None:
                self.add(
                    activity,
                    "activity-date",
                    {"type": code, "iso-date": _iso(value), _st("precision"): value.precision},
                )

    def places(self, activity: Any) -> None:
        pk = self.initiative.pk
        extra = self.data.places if self.data else []
        for country in self.row.countries:
            percentage = self.extras.country_percentages.get((pk, country.code))
            self.add(
                activity,
                "recipient-country",
                {"code": country.code, "percentage": None if percentage is None else _decimal(percentage)},
            )
        for kind, code, percentage, *_vocabulary in extra:
            if kind == "country":
                self.add(activity, "recipient-country", {"code": code, "percentage": percentage})
        for region in self.row.regions:
            percentage = self.extras.region_percentages.get((pk, region.pk))
            self.add(
                activity,
                "recipient-region",
                {
                    "code": region.code,
                    "vocabulary": REGION_VOCABULARY_UN_M49,
                    "percentage": None if percentage is None else _decimal(percentage),
                },
            )
        for kind, code, percentage, *vocabulary in extra:
            if kind == "region":
                self.add(
                    activity,
                    "recipient-region",
                    {
                        "code": code,
                        "vocabulary": vocabulary[0] if vocabulary else None,
                        "percentage": percentage,
                    },
                )

    def tag(self, activity: Any, vocabulary: str, code: str, uri: str | None = None) -> Any:
        return self.add(activity, "tag", {"vocabulary": vocabulary, "vocabulary-uri": uri, "code": code})

    def tags(self, activity: Any) -> None:
        english = None if self.language == "en" else "en"
        for group in self.row.country_groups:
            element = self.tag(
                activity, TAG_VOCABULARY_REPORTING_ORG, group.code, VOCABULARY_URIS["country-groups"]
            )
            self.narrative(element, group.name, english)
        for line in self.row.action_lines:
            element = self.tag(
                activity, TAG_VOCABULARY_REPORTING_ORG, line.code, VOCABULARY_URIS["action-lines"]
            )
            self.vocabulary_narrative(element, line)
        for goal in self.row.sdg_goals:
            self.tag(activity, TAG_VOCABULARY_SDG_GOAL, goal.code)
        for target in self.row.sdg_targets:
            self.tag(activity, TAG_VOCABULARY_SDG_TARGET, target.code)
        for slug, name in self.extras.tags[self.initiative.pk]:
            element = self.tag(activity, TAG_VOCABULARY_REPORTING_ORG, slug, VOCABULARY_URIS["tags"])
            self.narrative(element, name)
        for vocabulary, code, texts, uri in self.data.tags if self.data else []:
            element = self.add(
                activity, "tag", {"vocabulary": vocabulary, "vocabulary-uri": uri, "code": code}
            )
            self.narratives(element, texts)

    def budgets(self, activity: Any) -> None:
        for budget in self.row.budgets:
            # 2.03 requires both ends of the period; the initiative's own dates stand in when missing.
            start = budget.period_start_date or self.initiative.start
            end = budget.period_end_date or self.initiative.end
            if start is None or end is None:
                self.notes.append(
                    _("budget of %(currency)s %(amount)s left out: neither it nor the initiative has dates")
                    % {"currency": budget.currency, "amount": _decimal(budget.amount)}
                )
                continue
            element = self.add(
                activity, "budget", {"type": budget.type, "status": budget.status, _st("label"): budget.label}
            )
            for tag, value, own in (
                ("period-start", start, budget.period_start_date),
                ("period-end", end, budget.period_end_date),
            ):
                self.add(
                    element,
                    tag,
                    {
                        "iso-date": _iso(value),
                        _st("precision"): value.precision,
                        _st("inherited"): None if own else "true",
                    },
                )
            self.add(
                element,
                "value",
                {"currency": budget.currency, "value-date": _iso(start)},
                _decimal(budget.amount),
            )

    def document_links(self, activity: Any) -> None:
        for document in self.extras.documents[self.initiative.pk]:
            missing = [
                label
                for label, value in ((_("URL"), document.url), (_("category"), document.category))
                if not value
            ]
            if missing:
                self.notes.append(
                    _("document “%(title)s” left out: it has no %(missing)s (IATI 2.03 requires them)")
                    % {"title": document.title, "missing": _(" or ").join(missing)}
                )
                continue
            link = self.add(
                activity, "document-link", {"url": document.url, "format": _file_format(document.url)}
            )
            self.narrative(self.add(link, "title"), document.title, document.language or None)
            self.add(link, "category", {"code": document.category})
            if document.language:
                self.add(link, "language", {"code": document.language})
            if document.date:
                self.add(link, "document-date", {"iso-date": document.date.isoformat()})

    def related_activities(self, activity: Any) -> None:
        # related-activity takes no attributes from other namespaces, so nothing of ours goes on it.
        pk = self.initiative.pk
        if self.initiative.parent_id:
            self.add(
                activity,
                "related-activity",
                {"ref": self.extras.codes[self.initiative.parent_id], "type": RelationType.PARENT},
            )
        for code in self.extras.children[pk]:
            self.add(activity, "related-activity", {"ref": code, "type": RelationType.CHILD})
        for type, code in self.extras.relations[pk]:
            self.add(activity, "related-activity", {"ref": code, "type": type})
        written = {(element.get("type"), element.get("ref")) for element in activity.iter("related-activity")}
        for type, ref in self.data.related if self.data else []:
            if (type, ref) not in written:
                written.add((type, ref))
                self.add(activity, "related-activity", {"ref": ref, "type": type})


def write_activities(
    queryset: QuerySet[Initiative], stream: BinaryIO, *, generated: datetime | None = None
) -> WriteReport:
    """Writes the initiatives, in the queryset's order, as an IATI 2.03 activity file to ``stream``.

    Initiatives that cannot make a schema-valid activity are left out and listed in the report. A file
    with no activity at all does not validate (2.03 requires one); the report notes it.
    """
    report = WriteReport()
    reporting_org = ReportingOrg.from_settings()
    generated = generated or timezone.now()
    root_attributes = {"version": IATI_VERSION, "generated-datetime": generated.isoformat(timespec="seconds")}
    with etree.xmlfile(stream, encoding="utf-8") as xml:
        xml.write_declaration()
        with xml.element("iati-activities", root_attributes, nsmap=NSMAP):
            xml.write("\n")
            for rows in row_chunks(queryset):
                extras = _Extras.read(rows)
                for row in rows:
                    code = row.initiative.code
                    reasons = _skip_reasons(row, extras)
                    if reasons:
                        report.skipped.append((code, "; ".join(reasons)))
                        continue
                    builder = _ActivityBuilder(row, extras, reporting_org)
                    xml.write(builder.build(), pretty_print=True)
                    report.written += 1
                    report.notes.extend((code, note) for note in builder.notes)
                xml.flush()
    stream.write(b"\n")
    if not report.written:
        report.notes.append(
            ("", _("no activity written: IATI 2.03 requires at least one, so the file is not valid"))
        )
    return report


def _safe_parser() -> Any:
    """A parser that fetches nothing and expands no entities: files may come from anyone."""
    return etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False, huge_tree=True)


@cache
def _schema() -> Any:
    return etree.XMLSchema(etree.parse(str(ACTIVITIES_SCHEMA), _safe_parser()))


_schema_lock = threading.Lock()


def validate(path_or_bytes: str | os.PathLike[str] | bytes) -> list[str]:
    """The IATI 2.03 schema's complaints about an activity file ("line 12: ..."); empty when it is valid."""
    source: Any = BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else os.fspath(path_or_bytes)
    try:
        document = etree.parse(source, _safe_parser())
    except etree.XMLSyntaxError as error:
        return [_("not well-formed XML: %(error)s") % {"error": error.msg}]
    if document.docinfo.internalDTD is not None:
        # Entities stay unexpanded (they could read local files), and the validator cannot judge them.
        return [_("a document type declaration is not allowed in an IATI file")]
    schema = _schema()
    # The error log belongs to the shared schema object, so one validation at a time reads it.
    with _schema_lock:
        if schema.validate(document):
            return []
        return [
            _("line %(line)s: %(message)s") % {"line": error.line, "message": error.message}
            for error in schema.error_log
        ]
