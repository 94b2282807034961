"""The IATI activity reader: real publishers' files, the standard's example, and hostile input.

Pure tests: no database. Real files are copied into data/iati (see its README); the whole shared
sample folder is read too when this machine has it.
"""

import json
import re
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from lxml import etree

from stocktake.interchange.iati.reader import (
    PARSER_OPTIONS,
    IatiFileError,
    ReadError,
    inspect,
    read_activities,
)
from stocktake.interchange.iati.records import (
    ActivityRecord,
    Description,
    PolicyMarker,
    RecipientCountry,
    RecipientRegion,
    RelatedActivity,
    Sector,
    Tag,
)
from stocktake.interchange.iati.values import parse_date, parse_number

DATA = Path(__file__).resolve().parent / "data" / "iati"
COUNTS = json.loads((DATA / "counts.json").read_text(encoding="utf-8"))
ANNOTATED = DATA / "activity-standard-example-annotated-203.xml"
SHARED = Path("/work/shared/iati/samples")
PASSWD_LINE = re.compile(r"root:[^:\n]*:0:0:")


def read_all(source: Path | str | BytesIO) -> tuple[list[ActivityRecord], list[ReadError]]:
    errors: list[ReadError] = []
    return list(read_activities(source, on_error=errors.append)), errors


def iati_file(
    *activities: str, version: str = "2.03", prolog: str = '<?xml version="1.0" encoding="UTF-8"?>\n'
) -> bytes:
    """A file whose activities start on lines 3, 4, ... when each activity is one line."""
    root = f'<iati-activities version="{version}" generated-datetime="2025-01-01T00:00:00Z">'
    body = "\n".join(activities)
    return f"{prolog}{root}\n{body}\n</iati-activities>\n".encode()


def activity(identifier: str | None = "XM-1", inner: str = "") -> str:
    ident = f"<iati-identifier>{identifier}</iati-identifier>" if identifier is not None else ""
    return f'<iati-activity xml:lang="en" default-currency="EUR">{ident}{inner}</iati-activity>'


def refused(tmp_path: Path, content: bytes) -> IatiFileError:
    path = tmp_path / "input.xml"
    path.write_bytes(content)
    with pytest.raises(IatiFileError) as caught:
        list(read_activities(path))
    return caught.value


# ---------------------------------------------------------------------------------------------
# Real files


@pytest.mark.parametrize("name", [name for name in COUNTS if not name.startswith("v1/")])
def test_publishers_files_read_with_their_published_counts(name: str) -> None:
    records, errors = read_all(DATA / name)
    assert errors == []
    assert len(records) == COUNTS[name]["activities"]
    assert sum(len(record.transactions) for record in records) == COUNTS[name]["transactions"]
    assert all(record.identifier and record.reporting_org for record in records)
    assert inspect(DATA / name).version == COUNTS[name]["version"]


def _shared_samples() -> list[str]:
    return (
        sorted(str(path.relative_to(SHARED)) for path in SHARED.glob("v2/*.xml")) if SHARED.is_dir() else []
    )


@pytest.mark.skipif(not SHARED.is_dir(), reason="the shared IATI sample folder is not on this machine")
@pytest.mark.parametrize("name", _shared_samples())
def test_every_shared_v2_sample_reads_with_the_counts_in_verify_json(name: str) -> None:
    verified = {entry["file"]: entry for entry in json.loads((SHARED / "verify.json").read_text())}
    records, errors = read_all(SHARED / name)
    # Publishers write result values such as "1,300.00": kept in the comment, reported, nothing skipped.
    assert [error for error in errors if not error.field.startswith("result/")] == []
    assert not any(error.activity_skipped for error in errors)
    if name in verified:  # the standard's three examples are not in verify.json
        assert len(records) == verified[name]["activities"]
        assert sum(len(record.transactions) for record in records) == verified[name]["transactions"]
    else:
        assert records


@pytest.mark.skipif(not SHARED.is_dir(), reason="the shared IATI sample folder is not on this machine")
def test_the_undp_gabon_file_is_schema_invalid_but_well_formed_so_it_reads() -> None:
    # verify.json: its error at line 70077 is a <condition> without its required type attribute, a
    # schema error; the XML is well-formed, so the reader yields its one activity (line numbers past
    # 65535 included) and leaves schema validation to the validator.
    records, errors = read_all(SHARED / "v2/undp-gabon_error_at_70076_in_early_activity.xml")
    assert [record.identifier for record in records] == ["XM-DAC-41114-PROJECT-00042420"]
    assert errors == []
    conditions = etree.fromstring(
        next(xml for xml in records[0].unmapped_xml if xml.startswith("<conditions"))
    )
    assert None in [condition.get("type") for condition in conditions]


def test_the_standards_annotated_example_maps_to_the_record() -> None:
    [record], errors = read_all(ANNOTATED)
    assert errors == []
    assert record.identifier == "AA-AAA-123456789-ABC123"
    assert record.line == 8
    assert record.default_language == "en"
    assert record.default_currency == "USD"
    assert record.last_updated == "2014-09-10T07:15:37Z"
    assert record.attributes["hierarchy"] == "1"
    assert record.attributes["humanitarian"] == "1"
    assert record.attributes["budget-not-provided"] == "1"
    assert record.reporting_org is not None
    assert (record.reporting_org.ref, record.reporting_org.type) == ("AA-AAA-123456789", "40")
    assert record.reporting_org.name == {"en": "Organisation name", "fr": "Nom de l'organisme"}
    assert record.titles == {
        "en": "Activity title",
        "fr": "Titre de l'activité",
        "es": "Título de la actividad",
    }
    assert [description.type for description in record.descriptions] == ["1", "2", "3"]
    assert record.descriptions[1] == Description(
        "2",
        {
            "en": "Objectives for the activity, for example from a logical framework.",
            "fr": "Objectifs de l'activité, par exemple à partir d'un cadre logique.",
        },
    )
    assert [(org.role, org.ref, org.type, org.activity_id) for org in record.participating_orgs] == [
        ("1", "BB-BBB-123456789", "40", "BB-BBB-123456789-1234"),
        ("2", "CC-CCC-123456789", "10", "CC-CCC-123456789-1234"),
        ("3", "AA-AAA-123456789", "21", "AA-AAA-123456789-1234"),
    ]
    assert record.participating_orgs[2].name == {"en": "Name of Agency A", "fr": "Nom de l'agence A"}
    assert record.status == "2"
    assert record.dates == {"1": "2012-04-15", "2": "2012-04-28", "3": "2015-12-31"}
    assert record.scope == "3"
    assert record.recipient_countries == [
        RecipientCountry("AF", Decimal("25")),
        RecipientCountry("AG", Decimal("25")),
    ]
    assert record.recipient_regions == [
        RecipientRegion("489", "1", Decimal("25")),
        RecipientRegion("A1", "99", Decimal("25")),
    ]
    assert record.sectors == [
        Sector("1", "11110", Decimal("50")),
        Sector("1", "11120", Decimal("50")),
        Sector("98", "A1", Decimal("100")),
    ]
    assert record.tags == [
        Tag("1", "1", {"en": "A description of the tag"}),
        Tag("99", "T1", {"en": "A description of the tag"}, "http://example.com/vocab.html"),
    ]
    assert record.policy_markers == [
        PolicyMarker("1", "2", "3"),
        PolicyMarker("1", "9", "4"),
        PolicyMarker("99", "A1", "3"),
    ]
    [budget] = record.budgets
    assert (budget.type, budget.status, budget.period_start, budget.period_end) == (
        "1",
        "1",
        "2014-01-01",
        "2014-12-31",
    )
    assert (budget.value, budget.currency, budget.value_date) == (Decimal("1000"), "AUD", "1994-01-01")
    [transaction] = record.transactions
    assert (transaction.type, transaction.date, transaction.value, transaction.currency) == (
        "1",
        "1995-01-01",
        Decimal("1000"),
        "AUD",
    )
    assert (transaction.ref, transaction.humanitarian, transaction.value_date) == ("1234", "1", "1995-01-01")
    assert transaction.description == {"en": "Transaction description text"}
    assert transaction.provider_org is not None and transaction.receiver_org is not None
    assert (transaction.provider_org.ref, transaction.provider_org.activity_id) == (
        "BB-BBB-123456789",
        "BB-BBB-123456789-1234AA",
    )
    assert transaction.receiver_org.name == {"en": "Agency A"}
    assert transaction.recipient_countries == [RecipientCountry("TM", None)]
    assert transaction.recipient_regions == [RecipientRegion("88", "1", None)]
    assert [xml.split(" ")[0] for xml in transaction.unmapped_xml] == [
        "<disbursement-channel",
        "<finance-type",
        "<aid-type",
        "<aid-type",
        "<tied-status",
    ]
    [link] = record.document_links
    assert link.url == "http:www.example.org/docs/report_en.odt"
    assert link.format == "application/vnd.oasis.opendocument.text"
    assert link.title == {"en": "Project Report 2013", "fr": "Rapport de projet 2013"}
    assert (link.categories, link.languages, link.document_date) == (["A01"], ["en"], "2014-02-05")
    assert record.related_activities == [RelatedActivity("1", "AA-AAA-123456789-6789")]
    assert record.contact_info == [
        {
            "type": "1",
            "organisation": "Agency A",
            "department": "Department B",
            "person-name": "A. Example",
            "job-title": "Transparency Lead",
            "telephone": "0044111222333444",
            "email": "transparency@example.org",
            "website": "http://www.example.org",
            "mailing-address": "Transparency House, The Street, Town, City, Postcode",
        }
    ]
    unmapped = [xml[1:].split(" ")[0].split(">")[0] for xml in record.unmapped_xml]
    assert unmapped == [
        "other-identifier",
        "location",
        "location",
        "country-budget-items",
        "humanitarian-scope",
        "humanitarian-scope",
        "collaboration-type",
        "default-flow-type",
        "default-finance-type",
        "default-aid-type",
        "default-aid-type",
        "default-aid-type",
        "default-tied-status",
        "planned-disbursement",
        "planned-disbursement",
        "capital-spend",
        "legacy-data",
        "legacy-data",
        "conditions",
        "crs-add",
        "fss",
    ]
    # Results are read, down to the dimensions of a period's target.
    [result] = record.results
    assert (result.type, result.aggregation_status, result.title) == ("1", "1", {"en": "Result title"})
    [indicator] = result.indicators
    assert (indicator.measure, indicator.ascending, indicator.baselines[0].year) == ("1", "1", "2012")
    [period] = indicator.periods
    assert (period.start, period.end) == ("2013-01-01", "2013-03-31")
    assert period.targets[0].value == Decimal("10")
    assert period.targets[0].dimensions == [("sex", "female"), ("age", "adult")]
    assert period.actuals[0].comment == {"en": "Actual comment text"}


def test_unmapped_elements_keep_their_namespaces_and_serialise_back_to_the_same_xml() -> None:
    content = iati_file(
        activity(
            inner='<usg:treasury-account xmlns:usg="https://example.gov"><usg:code>72</usg:code></usg:treasury-account>'
        )
    )
    [record], _ = read_all(BytesIO(content))
    [xml] = record.unmapped_xml
    element = etree.fromstring(xml)
    assert element.tag == "{https://example.gov}treasury-account"
    assert element.findtext("{https://example.gov}code") == "72"


@pytest.mark.parametrize("name", [name for name in COUNTS if name.startswith("v1/")])
def test_version_1_files_are_refused(name: str) -> None:
    with pytest.raises(IatiFileError) as caught:
        list(read_activities(DATA / name))
    assert "not supported" in caught.value.message
    assert "convert them to 2.03 first" in caught.value.message
    assert caught.value.line == 2
    assert caught.value.message.startswith("line 2: ")
    if COUNTS[name]["version"]:
        assert f"IATI version {COUNTS[name]['version']} files are not supported" in caught.value.message


@pytest.mark.skipif(not SHARED.is_dir(), reason="the shared IATI sample folder is not on this machine")
@pytest.mark.parametrize("path", sorted(SHARED.glob("v1-legacy/*.xml")) if SHARED.is_dir() else [])
def test_every_shared_version_1_file_is_refused(path: Path) -> None:
    with pytest.raises(IatiFileError, match=r"not supported: convert them to 2\.03 first"):
        list(read_activities(path))


def test_sources_can_be_a_path_a_string_or_a_binary_stream() -> None:
    expected = [record.identifier for record in read_activities(ANNOTATED)]
    assert [record.identifier for record in read_activities(str(ANNOTATED))] == expected
    with ANNOTATED.open("rb") as stream:
        assert [record.identifier for record in read_activities(stream)] == expected


def test_inspect_tells_what_a_file_says_about_itself_even_when_it_cannot_be_read() -> None:
    info = inspect(ANNOTATED)
    assert (info.root, info.version, info.generated_datetime) == (
        "iati-activities",
        "2.03",
        "2014-09-10T07:15:37Z",
    )
    assert info.attributes["linked-data-default"] == "http://data.example.org/"
    old = inspect(DATA / "v1/schemas-testdata_IATIfromGF.xml")
    assert (old.root, old.version, old.generated_datetime) == ("iati-activities", "1.0", None)
    organisations = inspect(BytesIO(b'<iati-organisations version="2.03"/>'))
    assert (organisations.root, organisations.version) == ("iati-organisations", "2.03")


# ---------------------------------------------------------------------------------------------
# Whole-file problems


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    error = refused(tmp_path, b"")
    assert (error.message, error.line) == ("the file is empty (0 bytes)", None)


def test_text_that_is_not_xml_is_refused(tmp_path: Path) -> None:
    error = refused(tmp_path, b"not xml at all")
    assert error.line == 1
    assert error.message.startswith("line 1: the file is not XML")


def test_a_file_of_blanks_is_refused_as_not_xml(tmp_path: Path) -> None:
    assert "the file is not XML" in refused(tmp_path, b"  \n\n ").message


def test_a_truncated_file_yields_what_it_has_then_says_it_was_cut_off(tmp_path: Path) -> None:
    content = iati_file(activity("XM-1"), activity("XM-2"))[:-40]
    path = tmp_path / "cut.xml"
    path.write_bytes(content)
    reader = read_activities(path)
    assert next(reader).identifier == "XM-1"
    with pytest.raises(IatiFileError) as caught:
        next(reader)
    assert caught.value.line == 4
    assert (
        "line 4: the file ends before its XML is complete (it may have been cut off)" in caught.value.message
    )


def test_malformed_xml_mid_file_comes_after_every_good_activity_before_it(tmp_path: Path) -> None:
    good = [activity(f"XM-{number}") for number in range(1, 2001)]
    path = tmp_path / "broken.xml"
    path.write_bytes(
        iati_file(*good, "<iati-activity><iati-identifier>XM-BAD</iati-identifer></iati-activity>", *good)
    )
    seen: list[str] = []
    with pytest.raises(IatiFileError) as caught:
        seen.extend(record.identifier for record in read_activities(path))
    assert seen == [f"XM-{number}" for number in range(1, 2001)]
    assert caught.value.line == 2003
    assert caught.value.message.startswith("line 2003: the XML is malformed: Opening and ending tag mismatch")


def test_an_undefined_entity_is_reported_at_its_line(tmp_path: Path) -> None:
    content = iati_file(activity("XM-1"), activity("XM-2", "<title><narrative>A&nbsp;B</narrative></title>"))
    path = tmp_path / "entity.xml"
    path.write_bytes(content)
    seen: list[str] = []
    with pytest.raises(IatiFileError) as caught:
        seen.extend(record.identifier for record in read_activities(path))
    assert seen == ["XM-1"]
    assert caught.value.line == 4
    assert "&nbsp;" in caught.value.message


def test_a_file_with_another_root_is_refused(tmp_path: Path) -> None:
    error = refused(tmp_path, b'<?xml version="1.0"?>\n<foo/>')
    assert error.line == 2
    assert error.message == (
        "line 2: the file starts with <foo>, expected <iati-activities>: this is not an IATI activity file"
    )


def test_activities_under_another_root_are_refused(tmp_path: Path) -> None:
    error = refused(tmp_path, b"<foo>\n" + activity("XM-1").encode() + b"\n</foo>")
    assert error.message.startswith("line 1: the file starts with <foo>, expected <iati-activities>")


def test_an_organisation_file_has_its_own_message(tmp_path: Path) -> None:
    error = refused(
        tmp_path, b'<iati-organisations version="2.03">\n<iati-organisation/>\n</iati-organisations>'
    )
    assert error.line == 1
    assert "this is an IATI organisation file (<iati-organisations>), not an activity file" in error.message


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("1.05", "IATI version 1.05 files are not supported: convert them to 2.03 first"),
        ("1.01", "IATI version 1.01 files are not supported: convert them to 2.03 first"),
        ("2.04", "IATI version 2.04 files are not supported: this reader handles versions 2.01 to 2.03"),
        ("", "does not say its IATI version"),
    ],
)
def test_versions_other_than_2_01_to_2_03_are_refused(tmp_path: Path, version: str, expected: str) -> None:
    error = refused(tmp_path, iati_file(activity(), version=version))
    assert error.line == 2
    assert expected in error.message
    assert "not supported" in error.message


def test_a_file_without_a_version_attribute_is_refused(tmp_path: Path) -> None:
    error = refused(tmp_path, b"<iati-activities>\n" + activity().encode() + b"\n</iati-activities>")
    assert error.message.startswith("line 1: the file does not say its IATI version")


@pytest.mark.parametrize("version", ["2.01", "2.02", "2.03", " 2.03 "])
def test_versions_2_01_to_2_03_are_read(version: str) -> None:
    [record], _ = read_all(BytesIO(iati_file(activity(), version=version)))
    assert record.identifier == "XM-1"


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<iati-activities version="2.03">
<iati-activity><iati-identifier>&lol9;</iati-identifier><title><narrative>&lol9;</narrative></title></iati-activity>
</iati-activities>
"""
XXE = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE iati-activities [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<iati-activities version="2.03">
<iati-activity><iati-identifier>XM-1</iati-identifier><title><narrative>&secret;</narrative></title></iati-activity>
</iati-activities>
"""
EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE iati-activities SYSTEM "http://example.invalid/x.dtd">
<iati-activities version="2.03">
<iati-activity><iati-identifier>XM-1</iati-identifier></iati-activity>
</iati-activities>
"""


@pytest.mark.parametrize(
    "content", [BILLION_LAUGHS, XXE, EXTERNAL_DTD], ids=["billion-laughs", "xxe", "external-dtd"]
)
def test_document_type_declarations_are_refused_before_parsing(tmp_path: Path, content: bytes) -> None:
    error = refused(tmp_path, content)
    assert error.line == 2
    assert "entity declarations are not allowed" in error.message
    assert not PASSWD_LINE.search(error.message)


def test_a_doctype_hidden_behind_a_long_comment_is_still_refused_by_the_parser(tmp_path: Path) -> None:
    # The first bytes are one comment longer than the look-ahead, so only the parser can see the DOCTYPE.
    padding = b"<!--" + b"x" * 70_000 + b"-->\n"
    content = XXE.replace(b"<!DOCTYPE", padding + b"<!DOCTYPE", 1)
    error = refused(tmp_path, content)
    assert "entity declarations are not allowed" in error.message
    assert not PASSWD_LINE.search(error.message)
    error = refused(tmp_path, BILLION_LAUGHS.replace(b"<!DOCTYPE", padding + b"<!DOCTYPE", 1))
    assert "entity declarations are not allowed" in error.message


def test_a_doctype_in_a_utf16_file_is_refused(tmp_path: Path) -> None:
    content = XXE.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    assert "entity declarations are not allowed" in refused(tmp_path, content).message


def test_the_parser_itself_never_expands_entities_or_reads_files() -> None:
    # Defence in depth, were the DOCTYPE checks ever bypassed: with these options the parser keeps
    # /etc/passwd out, and libxml2 stops the laughs at its amplification limit instead of expanding them.
    parser = etree.XMLPullParser(**PARSER_OPTIONS)
    parser.feed(XXE)
    text = etree.tostring(parser.close(), encoding="unicode")
    assert "&secret;" in text
    assert not PASSWD_LINE.search(text)
    parser = etree.XMLPullParser(**PARSER_OPTIONS)
    with pytest.raises(etree.XMLSyntaxError, match="amplification"):
        parser.feed(BILLION_LAUGHS)


def test_latin1_bytes_in_a_file_declared_utf8_are_refused(tmp_path: Path) -> None:
    content = iati_file(
        activity("XM-1"), activity("XM-2", "<title><narrative>Activité</narrative></title>")
    ).decode()
    error = refused(tmp_path, content.encode("latin-1"))
    assert error.line == 4
    assert "the file's bytes do not match its character encoding" in error.message


def test_a_control_character_is_refused_with_its_line(tmp_path: Path) -> None:
    # As in two files of the US Government's published data.
    error = refused(tmp_path, iati_file(activity("XM-1", "<title><narrative>A\x02B</narrative></title>")))
    assert error.line == 3
    assert "a character XML does not allow" in error.message


def test_a_file_declared_and_encoded_as_latin1_reads(tmp_path: Path) -> None:
    content = iati_file(
        activity("XM-1", "<title><narrative>Activité</narrative></title>"),
        prolog='<?xml version="1.0" encoding="ISO-8859-1"?>\n',
    )
    [record], _ = read_all(BytesIO(content.decode().encode("latin-1")))
    assert record.titles == {"en": "Activité"}


def test_a_utf16_file_reads() -> None:
    content = iati_file(activity("XM-1", "<title><narrative>Activité</narrative></title>"), prolog="")
    [record], _ = read_all(BytesIO(content.decode().encode("utf-16")))
    assert record.titles == {"en": "Activité"}


def test_memory_stays_flat_on_a_large_file(tmp_path: Path) -> None:
    statm = Path("/proc/self/statm")
    if not statm.exists():
        pytest.skip("needs /proc to measure memory")
    description = "<description><narrative>" + "word " * 2_000 + "</narrative></description>"
    path = tmp_path / "large.xml"
    with path.open("wb") as handle:
        handle.write(b'<iati-activities version="2.03">\n')
        for number in range(4_000):  # 40 MB of text: the whole tree would take well over 40 MB
            handle.write(activity(f"XM-{number}", description).encode() + b"\n")
        handle.write(b"</iati-activities>\n")
    page = 4096

    def resident() -> int:
        return int(statm.read_text().split()[1]) * page

    before = resident()
    peak = before
    count = 0
    for count, _record in enumerate(read_activities(path), start=1):
        if count % 500 == 0:
            peak = max(peak, resident())
    assert count == 4_000
    assert peak - before < 25_000_000


# ---------------------------------------------------------------------------------------------
# Problems inside one activity


def test_activities_with_problems_are_reported_and_the_others_read() -> None:
    content = iati_file(
        activity("XM-1"),
        activity(None, "<title><narrative>No identifier</narrative></title>"),
        activity("XM-3", '<budget><value currency="USD">1,000</value></budget>'),
        activity("XM-4", '<sector code="11110" percentage="half"/>'),
        activity("XM-5", '<transaction><transaction-type code="3"/><value>12 000</value></transaction>'),
        activity("XM-6", "<transaction><value>12</value></transaction>"),
        activity("XM-7", '<budget><period-start iso-date="2014-01-01"/></budget>'),
        activity("XM-8"),
    )
    records, errors = read_all(BytesIO(content))
    assert [record.identifier for record in records] == ["XM-1", "XM-8"]
    assert errors == [
        ReadError(
            None, 4, "iati-identifier", "the activity has no iati-identifier; the activity was skipped"
        ),
        ReadError(
            "XM-3",
            5,
            "budget/value",
            "the value '1,000' is not a number: expected a number like 1234.56; the activity was skipped",
        ),
        ReadError(
            "XM-4",
            6,
            "sector/@percentage",
            "percentage 'half' is not a number: expected a number like 1234.56; the activity was skipped",
        ),
        ReadError(
            "XM-5",
            7,
            "transaction/value",
            "the value '12 000' is not a number: expected a number like 1234.56; the activity was skipped",
        ),
        ReadError(
            "XM-6", 8, "transaction/transaction-type", "the transaction has no type; the activity was skipped"
        ),
        ReadError("XM-7", 9, "budget/value", "there is no value; the activity was skipped"),
    ]


def test_harmless_problems_leave_out_only_the_faulty_part() -> None:
    content = iati_file(
        activity(
            "XM-1",
            '<activity-date type="1" iso-date="2013-02-30"/><activity-date type="2" iso-date="2013-03-01"/>'
            '<sector percentage="50"/><sector code="11110" percentage="50"/>'
            '<budget><period-start iso-date="soon"/><period-end iso-date="2014-12-31"/>'
            '<value value-date="2014-01-01Z">1000.50</value></budget>',
        )
    )
    [record], errors = read_all(BytesIO(content))
    assert record.dates == {"2": "2013-03-01"}
    assert record.sectors == [Sector("1", "11110", Decimal("50"))]
    [budget] = record.budgets
    assert (budget.period_start, budget.period_end, budget.value, budget.currency, budget.value_date) == (
        None,
        "2014-12-31",
        Decimal("1000.50"),
        "EUR",
        "2014-01-01",
    )
    assert errors == [
        ReadError(
            "XM-1",
            3,
            "activity-date/@iso-date",
            "the date '2013-02-30' is not a date: expected a date like 2013-09-01; it was left out",
            False,
        ),
        ReadError("XM-1", 3, "sector", "sector has no code; it was left out", False),
        ReadError(
            "XM-1",
            3,
            "budget/period-start/@iso-date",
            "the date 'soon' is not a date: expected a date like 2013-09-01; it was left out",
            False,
        ),
    ]


def test_without_an_error_handler_problems_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    records = list(read_activities(BytesIO(iati_file(activity(None), activity("XM-2")))))
    assert [record.identifier for record in records] == ["XM-2"]
    assert "line 3, iati-identifier: the activity has no iati-identifier" in caplog.text


def test_languages_come_from_the_narrative_then_the_activity_then_the_file() -> None:
    content = (
        b'<iati-activities version="2.03" xml:lang="fr">\n'
        b"<iati-activity><iati-identifier>XM-1</iati-identifier>"
        b"<title><narrative>Titre</narrative>"
        b'<narrative xml:lang="en">Title</narrative></title></iati-activity>\n'
        b'<iati-activity xml:lang="es"><iati-identifier>XM-2</iati-identifier>'
        b"<title><narrative>Titulo</narrative><narrative>Segunda linea</narrative></title></iati-activity>\n"
        b"</iati-activities>"
    )
    first, second = read_activities(BytesIO(content))
    assert (first.default_language, first.titles) == ("fr", {"fr": "Titre", "en": "Title"})
    assert (second.default_language, second.titles) == ("es", {"es": "Titulo\nSegunda linea"})
    [third], _ = read_all(
        BytesIO(
            iati_file(
                "<iati-activity><iati-identifier>X</iati-identifier><title><narrative>T</narrative></title></iati-activity>"
            )
        )
    )
    assert (third.default_language, third.titles) == ("", {"": "T"})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1000", Decimal("1000")),
        ("1000.00", Decimal("1000.00")),
        ("\n  -12.5 \n", Decimal("-12.5")),
        (".5", Decimal("0.5")),
        ("1,000", None),
        ("1 000", None),
        ("1e3", None),
        ("NaN", None),
        ("Infinity", None),
        ("1_000", None),
        ("", None),
        ("USD 5", None),
    ],
)
def test_numbers_are_xsd_decimals(text: str, expected: Decimal | None) -> None:
    assert parse_number(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2013-09-01", "2013-09-01"),
        (" 2013-09-01 ", "2013-09-01"),
        ("2013-09-01Z", "2013-09-01"),
        ("2013-09-01+02:00", "2013-09-01"),
        ("2013-09-01T00:00:00", "2013-09-01"),
        ("2013-02-30", None),
        ("2013-9-1", None),
        ("01/09/2013", None),
        ("20130901", None),
        ("", None),
    ],
)
def test_dates_are_xsd_dates(text: str, expected: str | None) -> None:
    assert parse_date(text) == expected
