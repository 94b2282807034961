"""The text page parser, against the seed page that demo.yaml's seed-002 initiatives were curated from."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

import stocktake
from stocktake.demo.tests.test_demo import SEED_002_CODES
from stocktake.interchange.pages import fields
from stocktake.interchange.pages.names import known_label
from stocktake.interchange.pages.parser import PageParse, PageWarning, label_of, parse_page

SEED_PAGE = Path(__file__).parent / "data" / "pages" / "002_5327d09e30cde131.txt"
DEMO_FILE = Path(stocktake.__file__).parent / "demo" / "data" / "demo.yaml"
SOURCE = "seed-002"
PAGE_CODES = SEED_002_CODES

# demo.yaml keys a parser cannot produce: the editor's reading of the prose, not fields of the page.
EDITORIAL_KEYS = {
    "participations": "organisations and their roles, matched by the editor to organisation records",
    "stakeholder_mentions": "stakeholder groups the editor picked out of the prose",
    "action_lines": "WSIS action lines, an editorial classification (basis: editorial)",
    "sdg_targets": "SDG targets, an editorial classification (basis: editorial)",
    "summary": "an excerpt of the main expectations chosen by the editor",
    "ict": "software and open standards the editor picked out of the accomplishments",
}
# Values demo.yaml holds that are not in the listing's fields; each is removed from the demo side, by name.
EDITORIAL_VALUES = {
    ("INT13001", "other_codes", "INT/001/13"): (
        "a code mentioned in the accomplishments text ('Updates on Colombia Project (INT/001/13)'), "
        "not the code of a listing"
    ),
    ("INT13001", "countries", "CO"): (
        "read from the narrative (the Colombian Government, the Government of Colombia); "
        "Focus Countries says Developing Countries"
    ),
    ("PAN15X01", "countries", "PA"): "from the title ('in Panama'); the listing has no Focus Countries field",
    ("QAT13X01", "countries", "QA"): "from the title ('for Qatar'); the listing has no Focus Countries field",
}
# Record keys the parser adds: the raw text of fields it reads, kept for the importer and for review.
PARSER_ONLY_KEYS = {"budget_text", "owning_unit_text", "partners_text", "focus_countries_text"}


def _split_session_titles(sections: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # demo.yaml: heading "Session 1: Social media ... development", text "Social Media in particular ...".
    # The page has nothing between a session's title and its text, so the parser's heading is "Session 1"
    # and the title opens the text.
    out = []
    for section in sections:
        heading = section.get("heading", "")
        if heading.startswith("Session ") and ": " in heading:
            head, title = heading.split(": ", 1)
            section = {**section, "heading": head, "text": f"{title} {section['text']}"}
        out.append(section)
    return out


def _drop_repeated_activity_label(sections: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # demo.yaml keeps the line "Activity 1.1: The ..." whole inside the section headed "Activity 1.1";
    # the parser takes "Activity 1.1" as the heading, so the label is not repeated in the text.
    return [
        {**section, "text": section["text"].replace("Activity 1.1: ", "", 1)}
        if section.get("heading") == "Activity 1.1"
        else section
        for section in sections
    ]


# Where demo.yaml's editor cut "other" sections differently from the page's labels.
EDITORIAL_SECTION_CUTS: dict[str, Callable[[list[dict[str, Any]]], list[dict[str, Any]]]] = {
    "INT14X26": _split_session_titles,
    "QAT13X01": _drop_repeated_activity_label,
}


def collapse(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def page() -> PageParse:
    return parse_page(SEED_PAGE.read_text(encoding="utf-8"), source=SOURCE)


@pytest.fixture(scope="module")
def demo() -> dict[str, dict[str, Any]]:
    data = yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))
    return {
        item["code"]: item
        for item in data["initiatives"]
        if any(source.startswith(f"{SOURCE}#") for source in item.get("sources", []))
    }


def test_the_seed_page_has_eleven_projects_in_page_order(page: PageParse) -> None:
    assert [record["code"] for record in page.records] == PAGE_CODES
    assert page.records[0]["other_codes"] == ["INT/13/001"]
    assert [listing["code"] for listing in page.listings] == [*PAGE_CODES[:7], "INT/13/001", *PAGE_CODES[7:]]
    assert page.warnings == []


def test_the_preamble_is_not_a_project(page: PageParse) -> None:
    assert page.preamble.startswith("Sorry, you need to enable JavaScript to visit this website.")
    assert (
        "UN DESA’s Division for Public Institutions and Digital Government (DPIDG) provides" in page.preamble
    )
    assert page.preamble.endswith("Past Projects")
    assert all("enable JavaScript" not in str(record) for record in page.records)


def test_demo_yaml_covers_the_same_projects(demo: dict[str, dict[str, Any]]) -> None:
    assert list(demo) == PAGE_CODES


def test_every_allowed_difference_is_still_in_demo_yaml(demo: dict[str, dict[str, Any]]) -> None:
    # An allowance demo.yaml no longer needs must go, or it would hide a real difference later.
    code_keys = {"countries": "country", "regions": "region", "country_groups": "group"}
    for code, key, value in EDITORIAL_VALUES:
        items = demo[code].get(key, [])
        assert value in (items if key == "other_codes" else _codes(items, code_keys[key])), (code, key, value)
    for code, cut in EDITORIAL_SECTION_CUTS.items():
        assert cut(demo[code]["sections"]) != demo[code]["sections"], code
    assert set(EDITORIAL_KEYS) <= {key for item in demo.values() for key in item}


def _codes(items: list[dict[str, Any]], key: str) -> set[str]:
    return {item[key] for item in items}


def _demo_minus_editorial(code: str, key: str, values: set[str]) -> set[str]:
    return {value for value in values if (code, key, value) not in EDITORIAL_VALUES}


def _sections(sections: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [
        (s["kind"], s.get("heading"), collapse(s["text"]), s["source"], tuple(s.get("sources", ())))
        for s in sections
    ]


@pytest.mark.parametrize("code", PAGE_CODES)
def test_each_record_matches_demo_yaml(page: PageParse, demo: dict[str, dict[str, Any]], code: str) -> None:
    record = next(record for record in page.records if record["code"] == code)
    expected = demo[code]

    scalars = ["code", "kind", "title", "title_translations", "language", "status", "outcome"]
    scalars += ["planned_start", "planned_end", "time_frame_text", "sources"]
    assert {key: record.get(key) for key in scalars} == {key: expected.get(key) for key in scalars}
    assert record.get("other_codes", []) == [
        value
        for value in expected.get("other_codes", [])
        if (code, "other_codes", value) not in EDITORIAL_VALUES
    ]
    assert (record.get("owning_unit_text") or "").casefold() == (expected.get("owning_unit") or "")

    for key, code_key in (("countries", "country"), ("regions", "region"), ("country_groups", "group")):
        demo_codes = _demo_minus_editorial(code, key, _codes(expected.get(key, []), code_key))
        assert _codes(record.get(key, []), code_key) == demo_codes, key

    budget_keys = ("amount", "currency", "period_start", "period_end", "type", "status", "label", "source")
    assert [tuple(b.get(k) for k in budget_keys) for b in record.get("budgets", [])] == [
        tuple(str(b.get(k)) if k == "amount" else b.get(k) for k in budget_keys)
        for b in expected.get("budgets", [])
    ]
    assert [(f.get("funding_source"), f["source"]) for f in record.get("funding", [])] == [
        (f["funding_source"], f["source"]) for f in expected.get("funding", [])
    ]

    parsed_sections = record.get("sections", [])
    demo_sections = EDITORIAL_SECTION_CUTS.get(code, list)(expected.get("sections", []))
    assert {s["kind"] for s in parsed_sections} == {s["kind"] for s in demo_sections}
    # Texts too, in any order (demo.yaml orders a merged record's sections by kind, the parser by listing).
    assert sorted(_sections(parsed_sections), key=str) == sorted(_sections(demo_sections), key=str)

    def conflicts(item: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
        return {
            c["field"]: [(collapse(v["value"]), v["source"]) for v in c["values"]]
            for c in item.get("conflicts", [])
        }

    assert conflicts(record) == conflicts(expected)

    compared = set(scalars) | {"other_codes", "owning_unit", "countries", "regions", "country_groups"}
    compared |= {"budgets", "funding", "sections", "conflicts"}
    assert set(expected) - compared - set(EDITORIAL_KEYS) == set()
    assert set(record) - compared - PARSER_ONLY_KEYS == set()


def test_int13001_conflicts_name_both_listings(page: PageParse) -> None:
    record = page.records[0]
    assert [c["field"] for c in record["conflicts"]] == ["objectives", "funding", "owning_unit"]
    assert record["conflicts"][2]["values"] == [
        {"value": "DPIDG", "source": "seed-002#INT13001"},
        {"value": "EGB", "source": "seed-002#INT/13/001"},
    ]
    assert "owning_unit_text" not in record
    assert all(section["kind"] != "objectives" for section in record["sections"])
    assert record["funding"] == [
        {
            "funding_source_text": "Development Account (DA)",
            "funding_source": "un-development-account",
            "source": "seed-002#INT13001",
        },
        {"funding_source_text": "XBTC", "funding_source": "xbtc", "source": "seed-002#INT/13/001"},
    ]
    # The time frames agree although one uses an en dash; the budgets although one has a space after US$.
    assert record["time_frame_text"] == "September 2013 - November 2015"
    assert record["budgets"][0]["sources"] == ["seed-002#INT13001", "seed-002#INT/13/001"]


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for key, item in value.items() for text in [key, *_strings(item)]]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []


def _listing_blocks(page_text: str, codes: list[str]) -> list[list[str]]:
    lines = [re.sub(r"br />", "", line) for line in page_text.splitlines()]
    starts: list[int] = []
    for code in codes:
        after = starts[-1] + 1 if starts else 0
        starts.append(next(n for n in range(after, len(lines)) if lines[n].startswith(f"{code}:")))
    ends = [*starts[1:], len(lines)]
    return [lines[start:end] for start, end in zip(starts, ends, strict=True)]


def test_nothing_on_the_seed_page_is_dropped(page: PageParse) -> None:
    codes = [listing["code"] for listing in page.listings]
    blocks = _listing_blocks(SEED_PAGE.read_text(encoding="utf-8"), codes)
    for listing, block in zip(page.listings, blocks, strict=True):
        haystack = collapse(" \n ".join(_strings(listing)))
        headings = {section.get("heading") for section in listing.get("sections", [])}
        for raw in block:
            line = collapse(raw)
            if not line or line in haystack:
                continue
            label, _colon, rest = line.partition(":")
            if label == listing["code"]:
                translations = [f" ({text})" for text in listing.get("title_translations", {}).values()]
                assert collapse(rest) == listing["title"] + "".join(translations)
                continue
            assert known_label(label) or label in headings, (listing["code"], line)
            assert collapse(rest) in haystack, (listing["code"], line)


def test_merging_keeps_every_listing_value_once(page: PageParse) -> None:
    record = page.records[0]
    texts = {collapse(s["text"]) for s in record["sections"]}
    texts |= {collapse(v["value"]) for c in record["conflicts"] for v in c["values"]}
    for listing in page.listings:
        if listing["code"] not in ("INT13001", "INT/13/001"):
            continue
        for section in listing["sections"]:
            # INT/13/001 numbers the main expectations 1.-3. where INT13001 has a.-c.: kept once, INT13001's.
            if section["kind"] == "main_expectations":
                continue
            assert collapse(section["text"]) in texts


ENGLISH_PAGE = """Projects

Current Projects

ABC/14/X01: Digital Skills for Rural Schools

Objective: Train 200 teachers in the use of open educational resources.
The workshop covered two themes: access and skills.
Funding:XBTC
Time Frame: Jan 2007 - Dec 2009
Proposed Budget: US$ 1,250,000.50
Key Accomplishments
Curricula adopted in 12 schools.
Teachers' network set up.

Risks: Connectivity in remote districts.
Focus Countries: Ghana, Kenya and Small Island Developing States, Atlantis
Division: DPIDG
"""


def test_label_variants_on_an_english_page() -> None:
    result = parse_page(ENGLISH_PAGE, source="page-x")
    (record,) = result.records
    ref = "page-x#ABC/14/X01"
    assert record["status"] == "2"
    assert record["planned_start"] == "2007-01"
    assert record["planned_end"] == "2009-12"
    assert record["funding"] == [{"funding_source_text": "XBTC", "funding_source": "xbtc", "source": ref}]
    assert record["budgets"] == [
        {
            "amount": "1250000.50",
            "currency": "USD",
            "period_start": "2007-01",
            "period_end": "2009-12",
            "type": "1",
            "status": "1",
            "label": "Proposed budget",
            "source": ref,
        }
    ]
    assert record["sections"] == [
        {
            "kind": "objectives",
            "text": "Train 200 teachers in the use of open educational resources.\n"
            "The workshop covered two themes: access and skills.",
            "source": ref,
        },
        {
            "kind": "accomplishments",
            "text": "Curricula adopted in 12 schools.\nTeachers' network set up.",
            "source": ref,
        },
        {"kind": "other", "heading": "Risks", "text": "Connectivity in remote districts.", "source": ref},
        {
            "kind": "other",
            "heading": "Focus Countries",
            "text": "Ghana, Kenya and Small Island Developing States, Atlantis",
            "source": ref,
        },
    ]
    assert record["countries"] == [{"country": "GH", "source": ref}, {"country": "KE", "source": ref}]
    assert record["country_groups"] == [{"group": "sids", "source": ref}]
    assert record["owning_unit_text"] == "DPIDG"
    assert record["language"] == "en"
    assert result.warnings == [PageWarning(17, "Focus countries not known: Atlantis.")]


FRENCH_PAGE = """Projets en cours

FRA/15/X02 : Gouvernement électronique pour les collectivités locales

Objectif : Renforcer les capacités des administrations locales.
Résultats attendus :
- Un portail national des services en ligne
- Des agents formés
Principales réalisations (à ce jour) : Trois ateliers nationaux organisés.
Partenaires : PNUD / Ministère de la Fonction publique
Calendrier : janvier 2014 - décembre 2015
Financement : Compte pour le développement
Budget proposé : 1 250 000 $US
Pays cibles : Sénégal, Côte d’Ivoire et Bénin
Commentaire : projet achevé
"""


def test_a_french_page() -> None:
    result = parse_page(FRENCH_PAGE, source="page-fr")
    (record,) = result.records
    ref = "page-fr#FRA/15/X02"
    assert result.warnings == []
    assert record["title"] == "Gouvernement électronique pour les collectivités locales"
    assert record["language"] == "fr"
    assert (record["status"], record["outcome"]) == ("2", "concluded")
    assert (record["planned_start"], record["planned_end"]) == ("2014-01", "2015-12")
    assert [(s["kind"], s.get("heading"), s["text"]) for s in record["sections"]] == [
        ("objectives", None, "Renforcer les capacités des administrations locales."),
        ("main_expectations", None, "- Un portail national des services en ligne\n- Des agents formés"),
        ("accomplishments", None, "Trois ateliers nationaux organisés."),
        ("other", "Partenaires", "PNUD / Ministère de la Fonction publique"),
        ("comment", None, "projet achevé"),
    ]
    assert record["partners_text"] == "PNUD / Ministère de la Fonction publique"
    assert record["funding"] == [
        {
            "funding_source_text": "Compte pour le développement",
            "funding_source": "un-development-account",
            "source": ref,
        }
    ]
    assert [(b["amount"], b["currency"]) for b in record["budgets"]] == [("1250000", "USD")]
    assert [c["country"] for c in record["countries"]] == ["SN", "CI", "BJ"]


def test_listings_that_disagree_on_dates_keep_neither() -> None:
    text = (
        "XYZ13001: Open Data\n\nTime Frame: May 2013 - June 2014\nProposed Budget: US$ 1,000\n"
        "Funding: United Arab Emirates\n\n"
        "XYZ/13/001: Open Data\n\nTime Frame: May 2013 - June 2015\nProposed Budget: US$1,000\nFunding: UAE\n"
    )
    (record,) = parse_page(text, source="p").records
    assert record["other_codes"] == ["XYZ/13/001"]
    assert "planned_start" not in record
    assert "time_frame_text" not in record
    assert record["budgets"] == [
        {
            "amount": "1000",
            "currency": "USD",
            "type": "1",
            "status": "1",
            "label": "Proposed budget",
            "source": "p#XYZ13001",
            "sources": ["p#XYZ13001", "p#XYZ/13/001"],
        }
    ]
    assert [(c["field"], [v["value"] for v in c["values"]]) for c in record["conflicts"]] == [
        ("time_frame", ["May 2013 - June 2014", "May 2013 - June 2015"]),
        ("funding", ["United Arab Emirates", "UAE"]),
    ]
    assert record["funding"][0]["funding_source"] == "united-arab-emirates"
    assert "funding_source" not in record["funding"][1]


def test_a_code_line_inside_a_paragraph_stays_text() -> None:
    text = "ABC12001: First\n\nComment: see below\nSDG16: peace and institutions\n"
    result = parse_page(text, source="p")
    assert [record["code"] for record in result.records] == ["ABC12001"]
    assert result.records[0]["sections"][-1]["heading"] == "SDG16"
    assert [warning.line for warning in result.warnings] == [4]


def test_a_page_without_listings_warns() -> None:
    result = parse_page("Projects\n\nNothing to list yet.\n", source="p")
    assert result.records == []
    assert result.preamble == "Projects\n\nNothing to list yet."
    assert [warning.line for warning in result.warnings] == [1]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Funding:Development Account (DA)", ("Funding", "funding", "Development Account (DA)")),
        ("Key Accomplishments (to-date):", ("Key Accomplishments (to-date)", "accomplishments", "")),
        ("Key Accomplishments (to date)", ("Key Accomplishments (to date)", "accomplishments", "")),
        ("Feedback", ("Feedback", "other", "")),
        ("Indicators of achievement (IA):", ("Indicators of achievement (IA)", "other", "")),
        ("Objectif(s) : Renforcer", ("Objectif(s)", "objectives", "Renforcer")),
        ("Durée: 2013 - 2015", ("Durée", "time_frame", "2013 - 2015")),
        ("Session 1: Social media as a tool", ("Session 1", "other", "Social media as a tool")),
        ("Activity 1.1: The “Government ICT", ("Activity 1.1", "other", "The “Government ICT")),
        ("Crowd sourcing as a tool for financing development: • use of social media", None),
        ('7. According to Colombia Vice-Minister Mejía: "The contributions', None),
        ("- Two books to be published: enhancing capacity", None),
        ("The mandate of the Forum includes, among others:", None),
        ("Objective to be achieved through set of advisory activities", None),
        ("Summary to be Added as a concluded project.", None),
    ],
)
def test_label_of(line: str, expected: tuple[str, str, str] | None) -> None:
    assert label_of(line) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("September 2013 - November 2015", ("2013-09", "2015-11")),
        ("September 2013 – September 2014", ("2013-09", "2014-09")),
        ("Jan 2007 - Dec 2009", ("2007-01", "2009-12")),
        ("October 2011 – October 2012", ("2011-10", "2012-10")),
        ("May 2005 - June 2013", ("2005-05", "2013-06")),
        ("Sept. 2013 to Nov. 2015", ("2013-09", "2015-11")),
        ("janvier 2014 - décembre 2015", ("2014-01", "2015-12")),
        ("de janvier 2014 à décembre 2015", ("2014-01", "2015-12")),
        ("2013 - 2015", ("2013", "2015")),
        ("November 2015 - September 2013", None),
        ("ongoing", None),
    ],
)
def test_time_frame(text: str, expected: tuple[str, str] | None) -> None:
    assert fields.time_frame(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("US$164,189", [("164189", "USD")]),
        ("US$ 164,189", [("164189", "USD")]),
        ("US$ 605,153.00", [("605153.00", "USD")]),
        ("US$6,144,831", [("6144831", "USD")]),
        ("US$ 175,000", [("175000", "USD")]),
        ("1 250 000 $US", [("1250000", "USD")]),
        ("EUR 12 500,50", [("12500.50", "EUR")]),
        ("US$ 3.5 M", [("3500000", "USD")]),
        ("US$ 10,000 (2013)", [("10000", "USD")]),
        ("US$ 100 (2013); US$ 50 (2014)", [("100", "USD"), ("50", "USD")]),
        ("to be confirmed", []),
    ],
)
def test_money(text: str, expected: list[tuple[str, str]]) -> None:
    assert fields.money(text) == expected
