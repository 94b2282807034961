from datetime import UTC, datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext
from lxml import etree

from stocktake.core.history import Actor
from stocktake.core.partial_dates import PartialDate
from stocktake.initiatives import services
from stocktake.initiatives.models import Initiative
from stocktake.initiatives.selectors import initiative_list
from stocktake.initiatives.tests.factories import make_initiative
from stocktake.interchange.iati.writer import WriteReport, validate, write_activities
from stocktake.organisations.models import Organisation
from stocktake.organisations.tests.factories import make_organisation
from stocktake.vocabularies.models import ActionLine, Country, CountryGroup, Region, SdgTarget

pytestmark = pytest.mark.django_db

GENERATED = datetime(2025, 3, 1, 12, 30, tzinfo=UTC)
NS = "https://stocktake.example.org/ns/iati-extension/1"
ST = f"{{{NS}}}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

NO_DESCRIPTION = "no summary or section (IATI 2.03 requires a description)"
NO_PARTNER = "no partner (IATI 2.03 requires a participating organisation)"
NO_STATUS = "no status (IATI 2.03 requires an activity status)"
NO_DATE = "no date (IATI 2.03 requires an activity date)"


def write(queryset: QuerySet[Initiative] | None = None) -> tuple[WriteReport, bytes]:
    stream = BytesIO()
    if queryset is None:
        queryset = Initiative.objects.order_by("code_normalised")
    report = write_activities(queryset, stream, generated=GENERATED)
    return report, stream.getvalue()


def activities(content: bytes) -> dict[str, Any]:
    root = etree.fromstring(content)
    return {activity.findtext("iati-identifier"): activity for activity in root.iterfind("iati-activity")}


def writable(organisation: Organisation, role: str = "implementing", **fields: Any) -> Initiative:
    """An initiative with everything IATI 2.03 requires: a description, a partner, a status and a date."""
    fields.setdefault("summary", "What it does.")
    fields.setdefault("status", "2")
    fields.setdefault("planned_start", PartialDate.parse("2020-01"))
    initiative = make_initiative(**fields)
    services.participation_add(
        actor=Actor.system("test"), initiative=initiative, organisation=organisation, role=role
    )
    return initiative


def attributes(elements: list[Any], *names: str) -> list[tuple[str | None, ...]]:
    return [tuple(element.get(name) for name in names) for element in elements]


def test_demo_data_makes_a_valid_file_and_says_what_it_left_out(demo: Any) -> None:
    report, content = write(initiative_list())

    assert validate(content) == []
    assert list(activities(content)) == [
        "GLO/11/X02",
        "GLO/12/X02",
        "GLO/13/X01",
        "INT13001",
        "INT14X26",
        "INT14X27",
        "QAT13X01",
        "RAF08X01",
        "TOG09002",
        "UAE13X01",
    ]
    assert report.written == 10
    assert report.skipped == [
        ("EGM-EGOV-PPP-2009", NO_STATUS),
        ("PAN15X01", NO_DATE),
        ("UNESCO-WSIS-MSP-2005", NO_STATUS),
        ("WSIS-POA-18A", f"{NO_PARTNER}; {NO_STATUS}; {NO_DATE}"),
        ("WSIS-POA-18B", f"{NO_PARTNER}; {NO_STATUS}"),
        ("WSIS-POA-18C", f"{NO_STATUS}; {NO_DATE}"),
        ("WSIS-POA-18C1", f"{NO_PARTNER}; {NO_STATUS}; {NO_DATE}"),
        ("WSIS-POA-18C2", NO_STATUS),
        ("WSIS-POA-18D", f"{NO_PARTNER}; {NO_STATUS}"),
        ("WSIS-POA-18E", f"{NO_PARTNER}; {NO_STATUS}"),
        ("WSIS-POA-18F", f"{NO_PARTNER}; {NO_STATUS}; {NO_DATE}"),
        ("WSIS-POA-18G", f"{NO_PARTNER}; {NO_STATUS}"),
        ("WSIS-POA-18G1", f"{NO_PARTNER}; {NO_STATUS}; {NO_DATE}"),
        ("WSIS-POA-18H", f"{NO_PARTNER}; {NO_STATUS}; {NO_DATE}"),
        ("WSIS-POA-18I", f"{NO_PARTNER}; {NO_STATUS}; {NO_DATE}"),
        ("WSIS-POA-C1", f"{NO_PARTNER}; {NO_STATUS}; {NO_DATE}"),
    ]
    assert report.notes == []

    activity = activities(content)["INT13001"]
    assert activity.get("default-currency") == "USD"
    assert activity.get(XML_LANG) == "en"
    assert (activity.get(f"{ST}kind"), activity.get(f"{ST}outcome")) == ("project", "sustained")
    assert activity.findtext("title/narrative") == "Centre for Innovation on e-Government Development"
    reporting = activity.find("reporting-org")
    assert (reporting.get("ref"), reporting.get("type"), reporting.findtext("narrative")) == (
        "XI-STOCKTAKE",
        "90",
        "Stocktake",
    )
    assert attributes(activity.findall("description"), "type", f"{ST}section", f"{ST}heading") == [
        ("1", None, None),
        ("4", "main_expectations", None),
        ("4", "accomplishments", None),
        ("4", "other", "Cooperation Partners"),
        ("4", "comment", None),
    ]
    assert [
        (org.get("role"), org.get(f"{ST}role"), org.get("type"), org.findtext("narrative"))
        for org in activity.findall("participating-org")
    ] == [
        ("4", None, "40", "DPADM"),
        ("4", None, "40", "United Nations Department of Economic and Social Affairs"),
        ("4", "partner", "10", "Colombian Ministry of Information Technologies and Communications"),
        ("4", "partner", "10", "Government of Colombia"),
        ("4", "partner", "40", "UNDP"),
        ("4", "partner", "40", "UNDP-Colombia"),
        ("4", "partner", "40", "United Nations Department of Economic and Social Affairs"),
    ]
    assert attributes(activity.findall("other-identifier"), "ref", "type") == [
        ("INT/13/001", "A1"),
        ("INT/001/13", "A1"),
    ]
    assert activity.find("activity-status").get("code") == "4"
    assert attributes(activity.findall("activity-date"), "type", "iso-date", f"{ST}precision") == [
        ("1", "2013-09-01", "month"),
        ("3", "2015-11-01", "month"),
    ]
    assert attributes(activity.findall("recipient-country"), "code", "percentage") == [("CO", None)]
    assert attributes(activity.findall("tag"), "vocabulary", "code") == [
        ("99", "developing"),
        ("99", "C7.1"),
        ("99", "C11"),
        ("2", "16"),
        ("2", "17"),
        ("3", "16.6"),
        ("3", "17.6"),
    ]
    c71 = activity.find("tag[@code='C7.1']")
    assert c71.get("vocabulary-uri") == "https://stocktake.example.org/vocabularies/wsis-action-lines"
    assert c71.findtext("narrative") == ActionLine.objects.get(code="C7.1").title
    budget = activity.find("budget")
    assert (budget.get("type"), budget.get("status"), budget.get(f"{ST}label")) == (
        "1",
        "1",
        "Proposed budget",
    )
    assert budget.find("period-start").get("iso-date") == "2013-09-01"
    assert budget.find("period-end").get("iso-date") == "2015-11-01"
    value = budget.find("value")
    assert (value.text, value.get("currency"), value.get("value-date")) == ("164189", "USD", "2013-09-01")
    assert activity.findall("related-activity") == []


def test_the_root_names_the_version_the_time_and_our_namespace() -> None:
    writable(make_organisation())
    _report, content = write()

    assert content.startswith(b"<?xml version='1.0' encoding='utf-8'?>\n<iati-activities ")
    root = etree.fromstring(content)
    assert root.tag == "iati-activities"
    assert (root.get("version"), root.get("generated-datetime")) == ("2.03", "2025-03-01T12:30:00+00:00")
    assert root.nsmap == {"stocktake": NS}


def test_an_initiative_without_dates_is_skipped_with_the_reason() -> None:
    organisation = make_organisation()
    writable(organisation, code="DATED")
    writable(organisation, code="UNDATED", planned_start=None)

    report, content = write()

    assert report == WriteReport(written=1, skipped=[("UNDATED", NO_DATE)], notes=[])
    assert list(activities(content)) == ["DATED"]
    assert validate(content) == []


def test_an_initiative_with_nothing_required_is_skipped_with_every_reason() -> None:
    make_initiative(code="BARE")

    report, _content = write()

    assert report.written == 0
    assert report.skipped == [("BARE", f"{NO_DESCRIPTION}; {NO_PARTNER}; {NO_STATUS}; {NO_DATE}")]
    assert report.notes == [
        ("", "no activity written: IATI 2.03 requires at least one, so the file is not valid")
    ]


def test_sections_alone_make_the_description() -> None:
    initiative = writable(make_organisation(), summary="")
    services.section_add(
        actor=Actor.system("test"), initiative=initiative, kind="objectives", text="Aims.", language="fr"
    )

    report, content = write()

    assert report.skipped == []
    description = activities(content)[initiative.code].find("description")
    assert (description.get("type"), description.get(f"{ST}section")) == ("2", "objectives")
    assert (description.findtext("narrative"), description.find("narrative").get(XML_LANG)) == ("Aims.", "fr")
    assert validate(content) == []


def test_markup_characters_and_emoji_survive() -> None:
    title = 'Fish & chips <at> "the pier" > 🐟 café'
    initiative = writable(
        make_organisation(name="Smith & Sons <Ltd>"),
        title=title,
        title_translations={"fr": "Poisson & frites « 🐟 »", "en": "ignored: the main title is English"},
        summary="a < b && c > d; 'quoted' \"too\" 👍🏽",
    )

    report, content = write()

    assert report.notes == []
    assert validate(content) == []
    activity = activities(content)[initiative.code]
    narratives = activity.findall("title/narrative")
    assert [(n.text, n.get(XML_LANG)) for n in narratives] == [
        (title, None),
        ("Poisson & frites « 🐟 »", "fr"),
    ]
    assert activity.findtext("description/narrative") == "a < b && c > d; 'quoted' \"too\" 👍🏽"
    assert activity.findtext("participating-org/narrative") == "Smith & Sons <Ltd>"
    assert "🐟".encode() in content  # written as UTF-8, not as character references


def test_characters_xml_cannot_hold_are_removed_and_noted() -> None:
    initiative = writable(make_organisation(), summary="Bell\x07 and form feed\x0c gone")

    report, content = write()

    assert report.notes == [(initiative.code, "characters XML cannot hold were removed from its text")]
    assert activities(content)[initiative.code].findtext("description/narrative") == "Bell and form feed gone"
    assert validate(content) == []


def test_everything_the_model_carries_is_mapped(actor: Actor) -> None:
    lead = make_organisation(name="Lead agency", iati_identifier="XM-DAC-41114", iati_type="40")
    parent = writable(lead, code="PARENT", role="lead")
    initiative = writable(
        lead,
        code="FULL",
        role="lead",
        language="fr",
        title="Projet complet",
        outcome="ongoing",
        scope="regional",
        planned_start=PartialDate.parse("2021"),
        actual_start=PartialDate.parse("2021-03-15"),
        planned_end=PartialDate.parse("2023-06"),
        parent=parent,
    )
    child = writable(lead, code="CHILD", parent=initiative)
    sibling = writable(lead, code="SIBLING")
    funder = make_organisation(name="Funder")
    services.participation_add(actor=actor, initiative=initiative, organisation=funder, role="funding")
    services.participation_add(actor=actor, initiative=initiative, organisation=funder, role="sponsor")
    services.section_add(actor=actor, initiative=initiative, kind="other", heading="Contexte", text="Texte.")
    services.identifier_add(actor=actor, initiative=initiative, value="OLD-1")
    services.country_add(
        actor=actor, initiative=initiative, country=Country.objects.get(code="KE"), percentage=Decimal("60")
    )
    services.region_add(
        actor=actor, initiative=initiative, region=Region.objects.get(code="002"), percentage=Decimal("40.50")
    )
    services.country_group_add(
        actor=actor, initiative=initiative, group=CountryGroup.objects.get(code="developing")
    )
    services.sdg_target_add(actor=actor, initiative=initiative, target=SdgTarget.objects.get(code="9.c"))
    services.sector_add(actor=actor, initiative=initiative, code="22040", percentage=Decimal("100"))
    services.tag_add(actor=actor, initiative=initiative, name="Open data")
    services.budget_add(actor=actor, initiative=initiative, amount=Decimal("1000.50"), currency="EUR")
    services.budget_add(
        actor=actor,
        initiative=initiative,
        amount=Decimal("2500"),
        currency="USD",
        period_start=PartialDate.parse("2022-01-01"),
    )
    services.document_add(
        actor=actor,
        initiative=initiative,
        title="Rapport",
        url="https://example.org/rapport.PDF?v=2",
        category="A07",
        language="fr",
    )
    services.document_add(actor=actor, initiative=initiative, title="Page", url="https://example.org/page")
    services.relation_add(actor=actor, initiative=initiative, related=sibling, type="3")

    report, content = write()

    assert validate(content) == []
    assert report.skipped == []
    assert report.notes == [
        ("FULL", "document “Page” left out: it has no category (IATI 2.03 requires them)"),
    ]
    activity = activities(content)["FULL"]
    assert (activity.get(XML_LANG), activity.get("default-currency")) == ("fr", "USD")
    assert (activity.get(f"{ST}kind"), activity.get(f"{ST}outcome")) == ("project", "ongoing")
    assert attributes(activity.findall("participating-org"), "ref", "type", "role", f"{ST}role") == [
        (None, None, "1", None),
        ("XM-DAC-41114", "40", "2", "lead"),
        (None, None, "1", "sponsor"),
    ]
    assert attributes(activity.findall("description"), "type", f"{ST}section", f"{ST}heading") == [
        ("1", None, None),
        ("4", "other", "Contexte"),
    ]
    assert attributes(activity.findall("other-identifier"), "ref", "type") == [("OLD-1", "A1")]
    assert attributes(activity.findall("activity-date"), "type", "iso-date", f"{ST}precision") == [
        ("1", "2021-01-01", "year"),
        ("2", "2021-03-15", "day"),
        ("3", "2023-06-01", "month"),
    ]
    assert attributes(activity.findall("activity-scope"), "code", f"{ST}scope") == [("2", "regional")]
    assert attributes(activity.findall("recipient-country"), "code", "percentage") == [("KE", "60")]
    assert attributes(activity.findall("recipient-region"), "code", "vocabulary", "percentage") == [
        ("002", "2", "40.5")
    ]
    assert attributes(activity.findall("sector"), "vocabulary", "code", "percentage") == [
        ("1", "22040", "100")
    ]
    tags = activity.findall("tag")
    assert attributes(tags, "vocabulary", "code", "vocabulary-uri") == [
        ("99", "developing", "https://stocktake.example.org/vocabularies/country-groups"),
        ("2", "9", None),
        ("3", "9.c", None),
        ("99", "open-data", "https://stocktake.example.org/vocabularies/tags"),
    ]
    # A group name exists in English only, so it says so in a French activity.
    assert (tags[0].findtext("narrative"), tags[0].find("narrative").get(XML_LANG)) == (
        "Developing countries",
        "en",
    )
    assert tags[3].findtext("narrative") == "Open data"
    budgets = activity.findall("budget")
    # The budget without a period takes the initiative's (actual start, planned end) and says so.
    assert [
        (
            budget.find("period-start").get("iso-date"),
            budget.find("period-start").get(f"{ST}inherited"),
            budget.find("period-end").get("iso-date"),
            budget.find("period-end").get(f"{ST}inherited"),
            budget.findtext("value"),
            budget.find("value").get("currency"),
            budget.find("value").get("value-date"),
        )
        for budget in budgets
    ] == [
        ("2022-01-01", None, "2023-06-01", "true", "2500", "USD", "2022-01-01"),
        ("2021-03-15", "true", "2023-06-01", "true", "1000.5", "EUR", "2021-03-15"),
    ]
    links = activity.findall("document-link")
    assert attributes(links, "url", "format") == [("https://example.org/rapport.PDF?v=2", "application/pdf")]
    assert links[0].findtext("title/narrative") == "Rapport"
    assert links[0].find("category").get("code") == "A07"
    assert links[0].find("language").get("code") == "fr"
    assert attributes(activity.findall("related-activity"), "type", "ref") == [
        ("1", "PARENT"),
        ("2", "CHILD"),
        ("3", "SIBLING"),
    ]
    assert attributes(activities(content)["CHILD"].findall("related-activity"), "type", "ref") == [
        ("1", "FULL")
    ]
    assert child.code == "CHILD"


def test_a_budget_with_no_dates_anywhere_is_left_out_with_a_note(actor: Actor) -> None:
    initiative = writable(make_organisation(), code="OPEN-ENDED")  # a planned start, no end
    services.budget_add(actor=actor, initiative=initiative, amount=Decimal("10"), currency="USD")

    report, content = write()

    assert report.written == 1
    assert report.notes == [
        ("OPEN-ENDED", "budget of USD 10 left out: neither it nor the initiative has dates"),
    ]
    activity = activities(content)["OPEN-ENDED"]
    assert activity.findall("budget") == []
    assert activity.get("default-currency") == "USD"  # the value of an omitted budget still says USD
    assert validate(content) == []


def test_the_reporting_organisation_comes_from_the_settings(settings: Any) -> None:
    settings.STOCKTAKE_IATI_REPORTING_ORG_REF = "XM-EXAMPLE-1"
    settings.STOCKTAKE_IATI_REPORTING_ORG_TYPE = "40"
    settings.STOCKTAKE_IATI_REPORTING_ORG_NAME = "Example & Co"
    initiative = writable(make_organisation())

    _report, content = write()

    reporting = activities(content)[initiative.code].find("reporting-org")
    assert (reporting.get("ref"), reporting.get("type"), reporting.findtext("narrative")) == (
        "XM-EXAMPLE-1",
        "40",
        "Example & Co",
    )


def test_a_few_hundred_initiatives_write_and_validate() -> None:
    organisation = make_organisation()
    for number in range(300):
        writable(organisation, code=f"BULK-{number:03d}")

    report, content = write()

    assert (report.written, report.skipped, report.notes) == (300, [], [])
    assert len(activities(content)) == 300
    assert validate(content) == []


def test_queries_do_not_grow_with_the_number_of_initiatives(actor: Actor) -> None:
    organisation = make_organisation()

    def add(count: int) -> int:
        for _number in range(count):
            initiative = writable(organisation)
            services.section_add(actor=actor, initiative=initiative, kind="comment", text="Note.")
            services.tag_add(actor=actor, initiative=initiative, name="Tagged")
            services.country_add(actor=actor, initiative=initiative, country=Country.objects.get(code="FJ"))
            services.document_add(
                actor=actor, initiative=initiative, title="Page", url="https://example.org", category="A12"
            )
            services.budget_add(actor=actor, initiative=initiative, amount=Decimal("5"), currency="USD")
        write()  # the vocabularies are cached from the first write on
        with CaptureQueriesContext(connection) as queries:
            write()
        return len(queries)

    assert add(2) == add(8)


def test_validate_reads_paths_and_bytes_and_names_the_problem(tmp_path: Path) -> None:
    writable(make_organisation())
    _report, content = write()
    path = tmp_path / "activities.xml"
    path.write_bytes(content)

    assert validate(path) == []
    assert validate(str(path)) == []
    errors = validate(content.replace(b"<activity-status", b"<activity-state"))
    assert len(errors) == 1
    assert errors[0].startswith("line ")
    assert "activity-state" in errors[0]
    assert validate(b"<iati-activities") == [
        "not well-formed XML: Couldn't find end of Start Tag iati-activities line 1, line 1, column 17"
    ]


def test_validate_fetches_nothing_and_expands_no_entities() -> None:
    hostile = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b'<iati-activities version="2.03">&e;</iati-activities>'
    )

    assert validate(hostile) == ["a document type declaration is not allowed in an IATI file"]


def test_a_results_framework_made_here_writes_valid_results() -> None:
    from stocktake.monitoring.services import results

    system = Actor.system("test")
    initiative = writable(make_organisation(name="Ministry"), code="WITH-RESULTS")
    result = results.result_create(actor=system, initiative=initiative, title="Girls in school", type="2")
    rate = results.indicator_create(
        actor=system,
        result=result,
        title="Enrolment",
        measure="2",
        unit="girls enrolled",
        cumulative=True,
        baseline_year=2019,
        baseline_numerator="40",
        baseline_denominator="80",
    )
    period = results.period_create(
        actor=system,
        indicator=rate,
        period_start="2020-01-01",
        period_end="2020-12-31",
        target_numerator="3",
        target_denominator="4",
        actual_value="62.5",
    )
    results.disaggregation_create(
        actor=system, period=period, kind="actual", name="region", value="north", amount="70"
    )
    results.result_create(actor=system, initiative=initiative, title="No indicator yet")
    report, content = write()
    assert validate(content) == []
    assert report.notes == [
        ("WITH-RESULTS", "result “No indicator yet” left out: it has no indicator (IATI 2.03 requires one)")
    ]
    [element] = activities(content)["WITH-RESULTS"].findall("result")
    indicator = element.find("indicator")
    assert (indicator.get(f"{ST}unit"), indicator.get(f"{ST}cumulative")) == ("girls enrolled", "1")
    baseline = indicator.find("baseline")
    assert (baseline.get("value"), baseline.get(f"{ST}numerator"), baseline.get(f"{ST}denominator")) == (
        "50",
        "40",
        "80",
    )
    # A percentage is written as its value (75, from 3 of 4), a group's value as a dimension.
    assert attributes(indicator.findall("period/target"), "value") == [("75",)]
    assert attributes(indicator.findall("period/actual"), "value") == [("62.5",), ("70",)]
    assert attributes(indicator.findall("period/actual/dimension"), "name", "value") == [("region", "north")]
