"""Plain records read from IATI activity files (2.01 to 2.03): no Django models, no database.

Names follow the IATI elements they come from. Codes stay the strings the file holds (codelists are
checked by the importer, not here). Multilingual text is a dict from language to text: the
narrative's xml:lang, else the language of the element holding it, else the activity's default
language, else "" when the file states no language at all. Two narratives in one language are
joined by a newline. Dates are ISO strings "YYYY-MM-DD"; money and percentages are Decimal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

Narratives = dict[str, str]


class Description(NamedTuple):
    """One description; IATI's DescriptionType code, "1" (general) when the file gives none.

    section and heading are Stocktake's own (stocktake:section, stocktake:heading) on files it wrote.
    """

    type: str
    text: Narratives
    section: str | None = None
    heading: str | None = None


class RecipientCountry(NamedTuple):
    code: str
    percentage: Decimal | None


class RecipientRegion(NamedTuple):
    """A region; vocabulary "1" (OECD DAC) when the file gives none."""

    code: str
    vocabulary: str
    percentage: Decimal | None


class Sector(NamedTuple):
    """A sector; vocabulary "1" (OECD DAC 5-digit) when the file gives none."""

    vocabulary: str
    code: str
    percentage: Decimal | None


class Tag(NamedTuple):
    vocabulary: str | None
    code: str
    text: Narratives
    vocabulary_uri: str | None = None


class OtherIdentifier(NamedTuple):
    ref: str
    type: str | None
    scheme: str | None = None  # stocktake:scheme


class PolicyMarker(NamedTuple):
    """A policy marker; vocabulary "1" (OECD DAC CRS) when the file gives none."""

    vocabulary: str
    code: str
    significance: str | None


class RelatedActivity(NamedTuple):
    type: str | None
    ref: str


@dataclass(slots=True, kw_only=True)
class OrgRef:
    """An organisation as an activity names it: reporting, provider or receiver organisation.

    activity_id is provider-activity-id or receiver-activity-id on a transaction's organisations.
    """

    ref: str | None
    type: str | None
    name: Narratives
    activity_id: str | None = None


@dataclass(slots=True, kw_only=True)
class ParticipatingOrg(OrgRef):
    """A participating organisation: role is an OrganisationRole code; activity_id is @activity-id."""

    role: str | None
    stocktake_role: str | None = None
    crs_channel_code: str | None = None


@dataclass(slots=True, kw_only=True)
class Budget:
    type: str | None
    status: str | None
    period_start: str | None
    period_end: str | None
    value: Decimal
    currency: str | None
    value_date: str | None
    label: str = ""  # stocktake:label
    # stocktake:precision of each end, and stocktake:inherited (the end was the initiative's date)
    start_precision: str | None = None
    end_precision: str | None = None
    start_inherited: bool = False
    end_inherited: bool = False


@dataclass(slots=True, kw_only=True)
class Transaction:
    """A transaction; currency is value/@currency, else the activity's default currency.

    unmapped_xml keeps the children not read into fields (disbursement-channel, flow-type,
    finance-type, aid-type, tied-status, publishers' own elements) serialised, for export.
    """

    type: str
    date: str | None
    value: Decimal
    currency: str | None
    value_date: str | None
    description: Narratives = field(default_factory=dict)
    provider_org: OrgRef | None = None
    receiver_org: OrgRef | None = None
    sectors: list[Sector] = field(default_factory=list)
    recipient_countries: list[RecipientCountry] = field(default_factory=list)
    recipient_regions: list[RecipientRegion] = field(default_factory=list)
    ref: str | None = None
    humanitarian: str | None = None
    unmapped_xml: list[str] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class DocumentLink:
    url: str | None
    format: str | None
    title: Narratives = field(default_factory=dict)
    description: Narratives = field(default_factory=dict)
    categories: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    document_date: str | None = None


@dataclass(slots=True, kw_only=True)
class ResultValue:
    """A baseline, target or actual. value is None when absent or not a number (the text the file gave
    is then added to the comment, and the reader reports it); dimensions are (name, value) pairs.

    year and iso_date are a baseline's; numerator and denominator are stocktake:numerator and
    stocktake:denominator on a baseline Stocktake wrote.
    """

    value: Decimal | None
    comment: Narratives = field(default_factory=dict)
    dimensions: list[tuple[str, str]] = field(default_factory=list)
    line: int | None = None
    year: str | None = None
    iso_date: str | None = None
    numerator: Decimal | None = None
    denominator: Decimal | None = None


@dataclass(slots=True, kw_only=True)
class ResultPeriod:
    """An indicator's period; start or end is None when missing or unreadable (reported)."""

    start: str | None
    end: str | None
    targets: list[ResultValue] = field(default_factory=list)
    actuals: list[ResultValue] = field(default_factory=list)
    line: int | None = None


@dataclass(slots=True, kw_only=True)
class ResultIndicator:
    """An indicator; measure is the IndicatorMeasure code as given; unit and cumulative are
    stocktake:unit and stocktake:cumulative on files Stocktake wrote."""

    measure: str | None
    ascending: str | None
    title: Narratives = field(default_factory=dict)
    description: Narratives = field(default_factory=dict)
    baselines: list[ResultValue] = field(default_factory=list)
    periods: list[ResultPeriod] = field(default_factory=list)
    unit: str | None = None
    cumulative: str | None = None
    line: int | None = None


@dataclass(slots=True, kw_only=True)
class Result:
    """A result: type is the ResultType code as given, aggregation_status the xsd:boolean text."""

    type: str | None
    aggregation_status: str | None
    title: Narratives = field(default_factory=dict)
    description: Narratives = field(default_factory=dict)
    indicators: list[ResultIndicator] = field(default_factory=list)
    line: int | None = None


@dataclass(slots=True, kw_only=True)
class ActivityRecord:
    """One <iati-activity> as read from a file, before anything is stored.

    attributes holds every attribute of the activity element as the file has it (namespaced ones in
    "{namespace}name" form). unmapped_xml holds, serialised, every direct child element no field
    reads (location, planned-disbursement, crs-add, ...), so an export can give them back.
    contact_info has one dict per contact-info, keyed by the IATI element names ("type",
    "organisation", "person-name", "email", ...).
    """

    identifier: str
    line: int
    default_language: str = ""
    default_currency: str | None = None
    last_updated: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    reporting_org: OrgRef | None = None
    titles: Narratives = field(default_factory=dict)
    descriptions: list[Description] = field(default_factory=list)
    participating_orgs: list[ParticipatingOrg] = field(default_factory=list)
    status: str | None = None
    dates: dict[str, str] = field(default_factory=dict)
    date_precisions: dict[str, str] = field(default_factory=dict)  # stocktake:precision by date type
    scope: str | None = None
    stocktake_scope: str | None = None
    other_identifiers: list[OtherIdentifier] = field(default_factory=list)
    recipient_countries: list[RecipientCountry] = field(default_factory=list)
    recipient_regions: list[RecipientRegion] = field(default_factory=list)
    sectors: list[Sector] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)
    budgets: list[Budget] = field(default_factory=list)
    transactions: list[Transaction] = field(default_factory=list)
    document_links: list[DocumentLink] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
    related_activities: list[RelatedActivity] = field(default_factory=list)
    policy_markers: list[PolicyMarker] = field(default_factory=list)
    contact_info: list[dict[str, str]] = field(default_factory=list)
    unmapped_xml: list[str] = field(default_factory=list)
    # SHA-256 of the activity's XML as the file has it (and the file's language): an unchanged activity
    # has the same digest on the next import.
    digest: str = ""


@dataclass(slots=True, kw_only=True)
class FileInfo:
    """What a file says about itself on its root element."""

    root: str
    version: str | None
    generated_datetime: str | None
    default_language: str | None
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ReadError:
    """A problem in one activity that does not stop the file.

    line is the line of the element at fault; field names it IATI-style ("budget/value",
    "sector/@percentage"). activity_skipped says whether the whole activity was left out or only
    the faulty part of it.
    """

    identifier: str | None
    line: int | None
    field: str
    message: str
    activity_skipped: bool = True
