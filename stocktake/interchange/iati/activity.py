"""One <iati-activity> element into an ActivityRecord: one pass over its children, dispatched on the tag.

This is the reader's hot loop (tens of thousands of activities a file): each element is visited
once, no XPath, and a problem's message is built only when there is a problem.

What a problem costs (reported as ReadError, never raised):
- the activity is skipped when it has no iati-identifier, when a number is unreadable (a budget or
  transaction value, a percentage) or a value is missing, or when a transaction has no type:
  importing it would change totals or shares without anyone noticing;
- a result's baseline, target or actual whose value is not a number keeps the text in its comment
  (reported, the activity kept): publishers write "n/a" or "TBD" there;
- only the faulty part is left out, and the activity kept, when a date is unreadable (that date
  is left out, or None) or a code is missing (a date type, country, region, sector, tag, policy
  marker, related activity, document category or language: that entry is left out).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from decimal import Decimal
from typing import Any, NamedTuple

from django.utils.translation import gettext as _
from lxml import etree

from stocktake.interchange.iati.records import (
    ActivityRecord,
    Budget,
    Description,
    DocumentLink,
    Narratives,
    OrgRef,
    OtherIdentifier,
    ParticipatingOrg,
    PolicyMarker,
    ReadError,
    RecipientCountry,
    RecipientRegion,
    RelatedActivity,
    Result,
    ResultIndicator,
    ResultPeriod,
    ResultValue,
    Sector,
    Tag,
    Transaction,
)
from stocktake.interchange.iati.values import (
    DATE_HINT,
    NUMBER_HINT,
    XML_LANG,
    mixed_text,
    narratives,
    parse_date,
    parse_number,
    st,
)

_ST_SECTION, _ST_HEADING, _ST_ROLE, _ST_PRECISION = st("section"), st("heading"), st("role"), st("precision")
_ST_SCOPE, _ST_LABEL, _ST_INHERITED, _ST_SCHEME = st("scope"), st("label"), st("inherited"), st("scheme")
_ST_UNIT, _ST_CUMULATIVE = st("unit"), st("cumulative")
_ST_NUMERATOR, _ST_DENOMINATOR = st("numerator"), st("denominator")
# IndicatorMeasure codes whose values are words, not numbers: nominal and qualitative.
_WORD_MEASURES = frozenset({"3", "5"})

DEFAULT_VOCABULARY = "1"
DEFAULT_DESCRIPTION_TYPE = "1"

_CONTACT_NARRATIVES = frozenset({"organisation", "department", "person-name", "job-title", "mailing-address"})


class Problem(NamedTuple):
    line: int | None
    field: str
    message: str
    skips_activity: bool


Problems = list[Problem]
ErrorHandler = Callable[[ReadError], None]


def _org(element: Any, language: str, activity_id_attribute: str | None = None) -> OrgRef:
    return OrgRef(
        ref=element.get("ref"),
        type=element.get("type"),
        name=narratives(element, language),
        activity_id=element.get(activity_id_attribute) if activity_id_attribute else None,
    )


# The problems, each built (and its message translated) only when it happens: gettext stays off the
# path of a clean activity. Fields and attributes are IATI's names and stay as they are.


def _missing(problems: Problems, element: Any, field: str, attribute: str = "code") -> None:
    message = _("%(field)s has no %(attribute)s; it was left out") % {"field": field, "attribute": attribute}
    problems.append(Problem(element.sourceline, field, message, False))


def _bad_percentage(problems: Problems, element: Any, field: str, raw: str) -> None:
    message = _("percentage %(value)s is not a number: %(hint)s") % {"value": repr(raw), "hint": NUMBER_HINT}
    problems.append(Problem(element.sourceline, f"{field}/@percentage", message, True))


def _bad_date(problems: Problems, element: Any, field: str, raw: str | None) -> None:
    if raw is None:
        message = _("the date is missing: %(hint)s; it was left out") % {"hint": DATE_HINT}
    else:
        message = _("the date %(value)s is not a date: %(hint)s; it was left out") % {
            "value": repr(raw),
            "hint": DATE_HINT,
        }
    problems.append(Problem(element.sourceline, field, message, False))


def _money(problems: Problems, value: Any, owner: Any, field: str) -> Decimal | None:
    if value is None:
        problems.append(Problem(owner.sourceline, field, _("there is no value"), True))
        return None
    raw = value.text
    number = parse_number(raw)
    if number is None:
        if shown := (raw or "").strip():
            message = _("the value %(value)s is not a number: %(hint)s") % {
                "value": repr(shown),
                "hint": NUMBER_HINT,
            }
        else:
            message = _("the value is empty")
        problems.append(Problem(value.sourceline, field, message, True))
    return number


def _value_date(problems: Problems, value: Any, field: str) -> str | None:
    raw = value.get("value-date")
    if raw is None:
        return None
    parsed = parse_date(raw)
    if parsed is None:
        _bad_date(problems, value, f"{field}/@value-date", raw)
    return parsed


def _dated(problems: Problems, element: Any, field: str) -> str | None:
    raw = element.get("iso-date")
    parsed = parse_date(raw)
    if parsed is None:
        _bad_date(problems, element, f"{field}/@iso-date", raw)
    return parsed


def _coded_share(problems: Problems, element: Any, field: str) -> tuple[str, Decimal | None] | None:
    """The @code and @percentage of a sector, country or region; None (and a problem) without a code."""
    code = element.get("code")
    raw = element.get("percentage")
    percentage = None
    if raw is not None and (percentage := parse_number(raw)) is None:
        _bad_percentage(problems, element, field, raw)
    if not code or not (code := code.strip()):
        _missing(problems, element, field)
        return None
    return code, percentage


def _sector(problems: Problems, element: Any, field: str) -> Sector | None:
    share = _coded_share(problems, element, field)
    return Sector(element.get("vocabulary") or DEFAULT_VOCABULARY, *share) if share else None


def _country(problems: Problems, element: Any, field: str) -> RecipientCountry | None:
    share = _coded_share(problems, element, field)
    return RecipientCountry(*share) if share else None


def _region(problems: Problems, element: Any, field: str) -> RecipientRegion | None:
    share = _coded_share(problems, element, field)
    if share is None:
        return None
    code, percentage = share
    return RecipientRegion(code, element.get("vocabulary") or DEFAULT_VOCABULARY, percentage)


# ---------------------------------------------------------------------------------------------
# Children of <iati-activity>, one function each


def _identifier(element: Any, record: ActivityRecord, problems: Problems) -> None:
    if not record.identifier:
        text = mixed_text(element) if len(element) else element.text
        record.identifier = text.strip() if text else ""


def _reporting_org(element: Any, record: ActivityRecord, problems: Problems) -> None:
    record.reporting_org = _org(element, record.default_language)


def _title(element: Any, record: ActivityRecord, problems: Problems) -> None:
    titles = record.titles
    for lang, text in narratives(element, record.default_language).items():
        titles[lang] = f"{titles[lang]}\n{text}" if lang in titles else text


def _description(element: Any, record: ActivityRecord, problems: Problems) -> None:
    kind = element.get("type") or DEFAULT_DESCRIPTION_TYPE
    record.descriptions.append(
        Description(
            kind,
            narratives(element, record.default_language),
            element.get(_ST_SECTION),
            element.get(_ST_HEADING),
        )
    )


def _participating_org(element: Any, record: ActivityRecord, problems: Problems) -> None:
    record.participating_orgs.append(
        ParticipatingOrg(
            role=element.get("role"),
            ref=element.get("ref"),
            type=element.get("type"),
            name=narratives(element, record.default_language),
            activity_id=element.get("activity-id"),
            stocktake_role=element.get(_ST_ROLE),
            crs_channel_code=element.get("crs-channel-code"),
        )
    )


def _other_identifier(element: Any, record: ActivityRecord, problems: Problems) -> None:
    if len(element):
        # An owner-org the model cannot hold: kept whole, so an export gives it back as it was.
        record.unmapped_xml.append(etree.tostring(element, encoding="unicode", with_tail=False))
        return
    ref = element.get("ref")
    if not ref or not (ref := ref.strip()):
        _missing(problems, element, "other-identifier", "ref")
        return
    record.other_identifiers.append(OtherIdentifier(ref, element.get("type"), element.get(_ST_SCHEME)))


def _status(element: Any, record: ActivityRecord, problems: Problems) -> None:
    record.status = element.get("code")


def _scope(element: Any, record: ActivityRecord, problems: Problems) -> None:
    record.scope = element.get("code")
    record.stocktake_scope = element.get(_ST_SCOPE)


def _activity_date(element: Any, record: ActivityRecord, problems: Problems) -> None:
    kind = element.get("type")
    value = _dated(problems, element, "activity-date")
    if not kind:
        _missing(problems, element, "activity-date", "type")
    elif value is not None and kind not in record.dates:
        record.dates[kind] = value
        if precision := element.get(_ST_PRECISION):
            record.date_precisions[kind] = precision


def _recipient_country(element: Any, record: ActivityRecord, problems: Problems) -> None:
    country = _country(problems, element, "recipient-country")
    if country is not None:
        record.recipient_countries.append(country)


def _recipient_region(element: Any, record: ActivityRecord, problems: Problems) -> None:
    region = _region(problems, element, "recipient-region")
    if region is not None:
        record.recipient_regions.append(region)


def _activity_sector(element: Any, record: ActivityRecord, problems: Problems) -> None:
    sector = _sector(problems, element, "sector")
    if sector is not None:
        record.sectors.append(sector)


def _tag(element: Any, record: ActivityRecord, problems: Problems) -> None:
    code = element.get("code")
    if not code or not (code := code.strip()):
        _missing(problems, element, "tag")
        return
    record.tags.append(
        Tag(
            element.get("vocabulary"),
            code,
            narratives(element, record.default_language),
            element.get("vocabulary-uri"),
        )
    )


def _policy_marker(element: Any, record: ActivityRecord, problems: Problems) -> None:
    code = element.get("code")
    if not code or not (code := code.strip()):
        _missing(problems, element, "policy-marker")
        return
    vocabulary = element.get("vocabulary") or DEFAULT_VOCABULARY
    record.policy_markers.append(PolicyMarker(vocabulary, code, element.get("significance")))


def _related_activity(element: Any, record: ActivityRecord, problems: Problems) -> None:
    ref = element.get("ref")
    if not ref or not (ref := ref.strip()):
        _missing(problems, element, "related-activity", "ref")
        return
    record.related_activities.append(RelatedActivity(element.get("type"), ref))


def _budget(element: Any, record: ActivityRecord, problems: Problems) -> None:
    start = end = value = None
    ends: dict[str, Any] = {}
    for child in element:
        tag = child.tag
        if tag == "value":
            value = child
        elif tag == "period-start":
            start = _dated(problems, child, "budget/period-start")
            ends["start"] = child
        elif tag == "period-end":
            end = _dated(problems, child, "budget/period-end")
            ends["end"] = child
    amount = _money(problems, value, element, "budget/value")
    if amount is None or value is None:
        return
    record.budgets.append(
        Budget(
            type=element.get("type"),
            status=element.get("status"),
            period_start=start,
            period_end=end,
            value=amount,
            currency=value.get("currency") or record.default_currency,
            value_date=_value_date(problems, value, "budget/value"),
            label=element.get(_ST_LABEL) or "",
            start_precision=ends["start"].get(_ST_PRECISION) if "start" in ends else None,
            end_precision=ends["end"].get(_ST_PRECISION) if "end" in ends else None,
            start_inherited="start" in ends and ends["start"].get(_ST_INHERITED) == "true",
            end_inherited="end" in ends and ends["end"].get(_ST_INHERITED) == "true",
        )
    )


# The parts of a transaction read into fields, numbered for a cheap dispatch in the loop below.
_TYPE, _DATE, _VALUE, _SECTOR, _COUNTRY, _RECEIVER, _PROVIDER, _DESCRIPTION, _REGION = range(9)
_TRANSACTION_PARTS = {
    "transaction-type": _TYPE,
    "transaction-date": _DATE,
    "value": _VALUE,
    "sector": _SECTOR,
    "recipient-country": _COUNTRY,
    "receiver-org": _RECEIVER,
    "provider-org": _PROVIDER,
    "description": _DESCRIPTION,
    "recipient-region": _REGION,
}


def _transaction(element: Any, record: ActivityRecord, problems: Problems) -> None:
    language = record.default_language
    kind = when = provider = receiver = None
    value: Any = None
    description: Narratives = {}
    sectors: list[Sector] = []
    countries: list[RecipientCountry] = []
    regions: list[RecipientRegion] = []
    unmapped: list[str] = []
    parts = _TRANSACTION_PARTS
    for child in element:
        part = parts.get(child.tag)
        if part is None:
            unmapped.append(etree.tostring(child, encoding="unicode", with_tail=False))
        elif part == _TYPE:
            kind = child.get("code")
        elif part == _DATE:
            raw = child.get("iso-date")
            if (when := parse_date(raw)) is None:
                _bad_date(problems, child, "transaction/transaction-date/@iso-date", raw)
        elif part == _VALUE:
            value = child
        elif part == _SECTOR:
            if (sector := _sector(problems, child, "transaction/sector")) is not None:
                sectors.append(sector)
        elif part == _COUNTRY:
            if (country := _country(problems, child, "transaction/recipient-country")) is not None:
                countries.append(country)
        elif part == _RECEIVER:
            receiver = _org(child, language, "receiver-activity-id")
        elif part == _PROVIDER:
            provider = _org(child, language, "provider-activity-id")
        elif part == _DESCRIPTION:
            description = narratives(child, language)
        elif (region := _region(problems, child, "transaction/recipient-region")) is not None:  # _REGION
            regions.append(region)
    amount = _money(problems, value, element, "transaction/value")
    if not kind or not (kind := kind.strip()):
        problems.append(
            Problem(
                element.sourceline, "transaction/transaction-type", _("the transaction has no type"), True
            )
        )
        return
    if amount is None:
        return
    record.transactions.append(
        Transaction(
            type=kind,
            date=when,
            value=amount,
            currency=value.get("currency") or record.default_currency,
            value_date=_value_date(problems, value, "transaction/value"),
            description=description,
            provider_org=provider,
            receiver_org=receiver,
            sectors=sectors,
            recipient_countries=countries,
            recipient_regions=regions,
            ref=element.get("ref"),
            humanitarian=element.get("humanitarian"),
            unmapped_xml=unmapped,
        )
    )


def _document_link(element: Any, record: ActivityRecord, problems: Problems) -> None:
    language = record.default_language
    link = DocumentLink(url=element.get("url"), format=element.get("format"))
    for child in element:
        tag = child.tag
        if tag == "title":
            link.title = narratives(child, language)
        elif tag == "description":
            link.description = narratives(child, language)
        elif tag == "category" or tag == "language":
            code = child.get("code")
            if not code or not (code := code.strip()):
                _missing(problems, child, f"document-link/{tag}")
            else:
                (link.categories if tag == "category" else link.languages).append(code)
        elif tag == "document-date":
            link.document_date = _dated(problems, child, "document-link/document-date")
    record.document_links.append(link)


def _contact_info(element: Any, record: ActivityRecord, problems: Problems) -> None:
    contact: dict[str, str] = {}
    kind = element.get("type")
    if kind:
        contact["type"] = kind
    for child in element:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        if tag in _CONTACT_NARRATIVES:
            text = "\n".join(narratives(child, record.default_language).values())
        else:
            text = (mixed_text(child) if len(child) else (child.text or "")).strip()
        if text:
            contact[tag] = f"{contact[tag]}\n{text}" if tag in contact else text
    record.contact_info.append(contact)


def _result_value(
    problems: Problems, element: Any, language: str, field: str, measure: str | None
) -> ResultValue:
    """A baseline, target or actual; text where a number belongs goes to the comment, reported."""
    item = ResultValue(value=None, line=element.sourceline)
    for child in element:
        tag = child.tag
        if tag == "comment":
            item.comment = narratives(child, language)
        elif tag == "dimension":
            name, value = (child.get("name") or "").strip(), (child.get("value") or "").strip()
            if name or value:
                item.dimensions.append((name, value))
    raw = element.get("value")
    if raw is not None and (shown := raw.strip()):
        item.value = parse_number(shown)
        if item.value is None:
            if measure not in _WORD_MEASURES:
                message = _("the value %(value)s is not a number: %(hint)s; it was kept in the comment") % {
                    "value": repr(shown),
                    "hint": NUMBER_HINT,
                }
                problems.append(Problem(element.sourceline, f"{field}/@value", message, False))
            comment = item.comment
            comment[language] = f"{comment[language]}\n{shown}" if language in comment else shown
    for attribute, name in ((_ST_NUMERATOR, "numerator"), (_ST_DENOMINATOR, "denominator")):
        if (raw := element.get(attribute)) is not None:
            setattr(item, name, parse_number(raw))
    return item


def _result_period(problems: Problems, element: Any, language: str, measure: str | None) -> ResultPeriod:
    field = "result/indicator/period"
    period = ResultPeriod(start=None, end=None, line=element.sourceline)
    for child in element:
        tag = child.tag
        if tag == "period-start":
            period.start = _dated(problems, child, f"{field}/period-start")
        elif tag == "period-end":
            period.end = _dated(problems, child, f"{field}/period-end")
        elif tag == "target" or tag == "actual":
            values = period.targets if tag == "target" else period.actuals
            values.append(_result_value(problems, child, language, f"{field}/{tag}", measure))
    return period


def _indicator(problems: Problems, element: Any, language: str) -> ResultIndicator:
    measure = element.get("measure")
    indicator = ResultIndicator(
        measure=measure,
        ascending=element.get("ascending"),
        unit=element.get(_ST_UNIT),
        cumulative=element.get(_ST_CUMULATIVE),
        line=element.sourceline,
    )
    for child in element:
        tag = child.tag
        if tag == "title":
            indicator.title = narratives(child, language)
        elif tag == "description":
            indicator.description = narratives(child, language)
        elif tag == "baseline":
            baseline = _result_value(problems, child, language, "result/indicator/baseline", measure)
            baseline.year = child.get("year")
            baseline.iso_date = child.get("iso-date")
            indicator.baselines.append(baseline)
        elif tag == "period":
            indicator.periods.append(_result_period(problems, child, language, measure))
    return indicator


def _result(element: Any, record: ActivityRecord, problems: Problems) -> None:
    language = element.get(XML_LANG) or record.default_language
    result = Result(
        type=element.get("type"),
        aggregation_status=element.get("aggregation-status"),
        line=element.sourceline,
    )
    for child in element:
        tag = child.tag
        if tag == "title":
            result.title = narratives(child, language)
        elif tag == "description":
            result.description = narratives(child, language)
        elif tag == "indicator":
            result.indicators.append(_indicator(problems, child, language))
    record.results.append(result)


_HANDLERS: dict[str, Callable[[Any, ActivityRecord, Problems], None]] = {
    "iati-identifier": _identifier,
    "reporting-org": _reporting_org,
    "title": _title,
    "description": _description,
    "participating-org": _participating_org,
    "other-identifier": _other_identifier,
    "activity-status": _status,
    "activity-date": _activity_date,
    "activity-scope": _scope,
    "contact-info": _contact_info,
    "recipient-country": _recipient_country,
    "recipient-region": _recipient_region,
    "sector": _activity_sector,
    "tag": _tag,
    "policy-marker": _policy_marker,
    "budget": _budget,
    "transaction": _transaction,
    "document-link": _document_link,
    "related-activity": _related_activity,
    "result": _result,
}


def read_activity(element: Any, file_language: str, report: ErrorHandler) -> ActivityRecord | None:
    """The record of one complete <iati-activity>, or None when a problem skips it.

    Every problem found is passed to report, the identifier filled in when the activity has one.
    """
    attributes = dict(element.attrib)
    record = ActivityRecord(
        identifier="",
        line=element.sourceline or 0,
        default_language=attributes.get(XML_LANG) or file_language,
        default_currency=attributes.get("default-currency"),
        last_updated=attributes.get("last-updated-datetime"),
        attributes=attributes,
        digest=hashlib.sha256(etree.tostring(element, with_tail=False) + file_language.encode()).hexdigest(),
    )
    problems: Problems = []
    unmapped = record.unmapped_xml
    handlers = _HANDLERS
    for child in element:
        handler = handlers.get(child.tag)
        if handler is None:
            unmapped.append(etree.tostring(child, encoding="unicode", with_tail=False))
        else:
            handler(child, record, problems)
    if not record.identifier:
        problems.insert(
            0, Problem(record.line, "iati-identifier", _("the activity has no iati-identifier"), True)
        )
    if not problems:
        return record
    skipped = any(problem.skips_activity for problem in problems)
    identifier = record.identifier or None
    for problem in problems:
        message = (
            _("%(message)s; the activity was skipped") % {"message": problem.message}
            if problem.skips_activity
            else problem.message
        )
        report(ReadError(identifier, problem.line, problem.field, message, skipped))
    return None if skipped else record
