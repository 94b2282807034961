"""Importing text project pages: the seed page gives demo.yaml's records, written through the services."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from stocktake.core.choices import ChangeSource
from stocktake.core.history import Actor
from stocktake.core.models import HistoryEntry, SourceDocument
from stocktake.core.partial_dates import PartialDate
from stocktake.core.services import source_document_upsert
from stocktake.core.text import normalise_name
from stocktake.demo.services import demo_load
from stocktake.initiatives import services as initiatives
from stocktake.initiatives.models import Budget, FundingSource, Initiative
from stocktake.interchange.pages.importer import import_page
from stocktake.interchange.pages.resolvers import organisation_names, partner_names
from stocktake.interchange.reports import ImportOptions, ImportReport, Problem
from stocktake.interchange.run import import_file
from stocktake.interchange.tests.test_text_pages import (
    EDITORIAL_SECTION_CUTS,
    EDITORIAL_VALUES,
    PAGE_CODES,
    SEED_PAGE,
    collapse,
)
from stocktake.organisations import services as organisations
from stocktake.organisations.models import Organisation

pytestmark = pytest.mark.django_db

SEED_KEY = "seed-002"
INT13001_LINES = (12, 169)  # the two listings of INT13001 on the seed page


def _import(path: Path = SEED_PAGE, *, source: str = SEED_PAGE.name, **options: bool) -> ImportReport:
    actor = Actor.system("page import", source=ChangeSource.IMPORT)
    return import_page(path, actor=actor, options=ImportOptions(**options), source=source)


@pytest.fixture
def seed_document(actor: Actor) -> SourceDocument:
    """The seed page registered as demo.yaml registers it, so the page's facts cite "seed-002"."""
    return source_document_upsert(actor=actor, key=SEED_KEY, title="DPIDG projects", file_name=SEED_PAGE.name)


def _stored_counts() -> tuple[int, ...]:
    models = (Initiative, Organisation, FundingSource, SourceDocument, HistoryEntry)
    return tuple(model.objects.count() for model in models)


def _names(organisation: Organisation | None) -> frozenset[str]:
    """Every name an organisation answers to, to compare partners across two registries by name."""
    if organisation is None:
        return frozenset()
    names = [organisation.name, organisation.acronym, *organisation.aliases.values_list("name", flat=True)]
    return frozenset(normalise_name(name) for name in names if name)


def _iso(value: PartialDate | None) -> str | None:
    return value.iso() if value else None


def _budget(budget: Budget) -> tuple[str | None, ...]:
    start, end = _iso(budget.period_start_date), _iso(budget.period_end_date)
    return (
        str(budget.amount),
        budget.currency,
        start,
        end,
        budget.type,
        budget.status,
        budget.label,
        budget.source,
    )


def canonical(code: str) -> dict[str, Any]:
    """A stored initiative as plain values: what a page import and the demo loader must agree on."""
    initiative = Initiative.objects.get(code=code)
    fields = ("code", "kind", "title", "title_translations", "language", "status", "outcome")
    return {
        "fields": {
            **{name: getattr(initiative, name) for name in (*fields, "time_frame_text", "provenance")},
            "planned_start": _iso(initiative.planned_start_date),
            "planned_end": _iso(initiative.planned_end_date),
        },
        "owning_unit": _names(initiative.owning_unit),
        "other_codes": {identifier.value for identifier in initiative.identifiers.all()},
        "countries": set(initiative.country_links.values_list("country", flat=True)),
        "regions": set(initiative.region_links.values_list("region__code", flat=True)),
        "country_groups": set(initiative.country_group_links.values_list("group", flat=True)),
        "sections": [
            {"kind": s.kind, "heading": s.heading, "text": collapse(s.text), "source": s.source}
            for s in initiative.sections.all()
        ],
        "budgets": sorted(_budget(budget) for budget in initiative.budgets.all()),
        "funding": sorted(initiative.fundings.values_list("funding_source__key", "source")),
        "conflicts": sorted(
            (c.field, tuple((collapse(v["value"]), v["source"]) for v in c.values), c.status)
            for c in initiative.conflicts.all()
        ),
        "partners": [
            (p.role, _names(p.organisation), p.source)
            for p in initiative.participations.select_related("organisation")
        ],
    }


def _sections(sections: list[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    return sorted((s["kind"], s["heading"], collapse(s["text"]), s["source"]) for s in sections)


def _differences(code: str, imported: dict[str, Any], demo: dict[str, Any]) -> list[str]:
    """Where an imported initiative differs from the demo's, past the parser test's editorial allow-list."""
    differences = [
        f"{key}: {imported[key]!r} != {demo[key]!r}"
        for key in ("fields", "budgets", "funding", "conflicts")
        if imported[key] != demo[key]
    ]
    for key in ("other_codes", "countries", "regions", "country_groups"):
        expected = {value for value in demo[key] if (code, key, value) not in EDITORIAL_VALUES}
        if imported[key] != expected:
            differences.append(f"{key}: {imported[key]} != {expected}")
    demo_sections = EDITORIAL_SECTION_CUTS.get(code, list)(demo["sections"])
    if _sections(imported["sections"]) != _sections(demo_sections):
        differences.append(f"sections: {_sections(imported['sections'])} != {_sections(demo_sections)}")
    if bool(imported["owning_unit"]) != bool(demo["owning_unit"]) or (
        demo["owning_unit"] and not imported["owning_unit"] & demo["owning_unit"]
    ):
        differences.append(f"owning unit: {imported['owning_unit']} != {demo['owning_unit']}")
    # demo.yaml's partners go beyond the page's Cooperation Partners (editorial): the page's are among them.
    for role, names, source in imported["partners"]:
        if not any(r == role and s == source and names & n for r, n, s in demo["partners"]):
            differences.append(f"partner {sorted(names)} ({role}, {source}) is not in the demo data")
    return differences


def test_the_seed_page_gives_the_demo_records(seed_document: SourceDocument, actor: Actor) -> None:
    with transaction.atomic():
        demo_load(actor=actor)
        demo = {code: canonical(code) for code in PAGE_CODES}
        transaction.set_rollback(True)
    assert not Initiative.objects.exists() and not Organisation.objects.exists()

    report = _import()

    assert report.ok and not report.rolled_back
    assert (report.created, report.updated, report.unchanged) == (PAGE_CODES, [], [])
    differences = {code: _differences(code, canonical(code), demo[code]) for code in PAGE_CODES}
    assert {code: found for code, found in differences.items() if found} == {}
    # Partners only where the page lists names (INT/13/001, QAT13X01); the IGF's partners are prose.
    assert sum(len(canonical(code)["partners"]) for code in PAGE_CODES) == 4


def test_the_report_lists_every_organisation_created_in_an_empty_registry(
    seed_document: SourceDocument,
) -> None:
    report = _import()
    assert [(match.given, match.organisation, match.how) for match in report.organisations] == [
        ("UNDESA", "undesa", "created"),
        (
            "Colombian Ministry of Information Technologies and Communications",
            "colombian-ministry-of-information-technologies-and-communications",
            "created",
        ),
        ("UNDP-Colombia", "undp-colombia", "created"),
        ("DPIDG", "dpidg", "created"),
        (
            "Supreme Council of Information and Communication Technology",
            "supreme-council-of-information-and-communication-technology",
            "created",
        ),
        ("EGB", "egb", "created"),
        ("DMB", "dmb", "created"),
    ]
    assert Organisation.objects.count() == 7
    mintic = Organisation.objects.get(
        slug="colombian-ministry-of-information-technologies-and-communications"
    )
    assert list(mintic.aliases.values_list("name", flat=True)) == ["MINTIC"]
    assert mintic.provenance == [SEED_KEY]
    assert set(FundingSource.objects.values_list("key", "kind")) == {
        ("un-development-account", "fund"),
        ("xbtc", "fund"),
        ("colombia", "government"),
        ("united-arab-emirates", "government"),
    }
    # The IGF listings' "Cooperation Partners" is a sentence: kept as a section, with a warning each.
    assert [(w.place, w.message[:10]) for w in report.warnings] == [
        ("line 231", "GLO/13/X01"),
        ("line 245", "GLO/12/X02"),
        ("line 258", "GLO/11/X02"),
    ]


def test_the_two_listings_of_int13001_are_merged_with_their_conflicts_flagged(
    seed_document: SourceDocument,
) -> None:
    report = _import()
    record = initiatives.code_in_use("INT/13/001")
    assert record is not None and record.code == "INT13001"
    assert list(record.identifiers.values_list("value", "scheme")) == [("INT/13/001", "listing code")]
    conflicts = {conflict.field: conflict for conflict in record.conflicts.all()}
    assert set(conflicts) == {"objectives", "funding", "owning_unit"}
    assert {conflict.status for conflict in conflicts.values()} == {"open"}
    assert conflicts["owning_unit"].values == [
        {"value": "DPIDG", "source": "seed-002#INT13001"},
        {"value": "EGB", "source": "seed-002#INT/13/001"},
    ]
    assert record.owning_unit is None
    assert not record.sections.filter(kind="objectives").exists()
    assert sorted(record.fundings.values_list("funding_source__key", "source")) == [
        ("un-development-account", "seed-002#INT13001"),
        ("xbtc", "seed-002#INT/13/001"),
    ]
    assert list(record.budgets.values_list("amount", "source")) == [
        (164189, "seed-002#INT13001; seed-002#INT/13/001")
    ]
    first, second = INT13001_LINES
    assert report.duplicates == [
        Problem(
            f"line {second}",
            f"INT/13/001 lists INT13001 (line {first}) again: merged into one record. "
            "3 disagreements flagged as conflicts.",
            "INT13001",
        )
    ]


def test_a_second_import_changes_nothing_and_says_so(seed_document: SourceDocument) -> None:
    _import()
    before = _stored_counts()
    report = _import()
    assert (report.created, report.updated, report.unchanged, report.refused) == ([], [], PAGE_CODES, [])
    assert _stored_counts() == before
    assert report.counts()["organisations_created"] == 0
    assert {match.how for match in report.organisations} == {"name"}
    assert report.summary().startswith("0 created, 0 updated, 11 unchanged, 0 refused")


def test_a_dry_run_reports_everything_and_keeps_nothing(db: Any) -> None:
    before = _stored_counts()
    report = _import(dry_run=True)
    assert report.created == PAGE_CODES and report.rolled_back and report.dry_run
    assert report.counts()["organisations_created"] == 7
    assert _stored_counts() == before
    assert report.summary().endswith("(dry run: nothing was kept)")


def test_created_records_have_history_from_the_import(seed_document: SourceDocument) -> None:
    _import()
    initiative_type = ContentType.objects.get_for_model(Initiative)
    created = HistoryEntry.objects.filter(content_type=initiative_type, action="create")
    assert sorted(created.values_list("object_repr", flat=True)) == sorted(
        str(Initiative.objects.get(code=code)) for code in PAGE_CODES
    )
    assert set(created.values_list("source", "actor_label")) == {("import", "page import")}
    children = HistoryEntry.objects.filter(parent_content_type=initiative_type)
    assert children.filter(object_repr="Proposed budget").count() == 0  # every budget was read
    assert children.count() > 11 and set(children.values_list("source", flat=True)) == {"import"}


def test_importing_the_page_onto_the_demo_data(demo: Any) -> None:
    organisations = Organisation.objects.count()
    participations = {code: canonical(code)["partners"] for code in PAGE_CODES}
    initiative_type = ContentType.objects.get_for_model(Initiative)
    last_entry = HistoryEntry.objects.order_by("pk").last()

    report = _import()  # the file's name finds the demo's source document, "seed-002"

    # Only the two records whose "other" sections demo.yaml's editor cut differently from the page's
    # labels are updated (EDITORIAL_SECTION_CUTS); every other record already says what the page says.
    assert report.ok and report.updated == ["INT14X26", "QAT13X01"]
    assert report.unchanged == [code for code in PAGE_CODES if code not in report.updated]
    assert Organisation.objects.count() == organisations and report.counts()["organisations_created"] == 0
    assert {(m.given, m.organisation, m.how) for m in report.organisations} == {
        ("UNDESA", "undesa", "acronym"),
        ("Colombian Ministry of Information Technologies and Communications", "mintic", "name"),
        ("UNDP-Colombia", "undp-colombia", "name"),
        ("DPIDG", "dpidg", "acronym"),
        ("Supreme Council of Information and Communication Technology", "ictqatar", "name"),
        ("EGB", "egb", "name"),
        ("DMB", "dmb", "name"),
    }
    sessions = Initiative.objects.get(code="INT14X26").sections.filter(heading__startswith="Session ")
    assert list(sessions.values_list("heading", flat=True)) == ["Session 1", "Session 2", "Session 3"]
    changed = HistoryEntry.objects.filter(pk__gt=last_entry.pk if last_entry else 0)
    assert {entry.parent_object_id for entry in changed} == {
        str(Initiative.objects.get(code=code).pk) for code in report.updated
    }
    assert {(entry.action, entry.source) for entry in changed} == {("delete", "import"), ("create", "import")}
    assert not HistoryEntry.objects.filter(content_type=initiative_type, source="import").exists()
    # The demo's editorial values stay: partners and places the page does not list are kept, with a warning.
    assert {code: canonical(code)["partners"] for code in PAGE_CODES} == participations
    assert Initiative.objects.get(code="INT13001").country_links.filter(country="CO").exists()
    assert Initiative.objects.get(code="INT13001").identifiers.filter(value="INT/001/13").exists()
    kept = [w.message for w in report.warnings if w.message.startswith("INT13001")]
    assert kept == [
        "INT13001: CO is on the record but not in the page's Focus Countries: kept.",
        "INT13001: partner Government of Colombia is on the record but not among the page's partners: kept.",
        "INT13001: partner UNDP is on the record but not among the page's partners: kept.",
    ]
    again = _import()
    assert again.unchanged == PAGE_CODES and again.updated == []


BAD_PAGE = """Current Projects

ABC/14/X01: Digital Skills for Rural Schools

Objective: Train 200 teachers in the use of open educational resources.
Time Frame: Jan 2014 - Dec 2015
Funding: XBTC
Division: DPIDG

ABC/14/X02: {title}

Objective: A title longer than the registry takes.
Division: Brand New Unit
"""


@pytest.mark.parametrize("all_or_nothing", [False, True])
def test_a_refused_record_skipped_or_all_or_nothing(tmp_path: Path, all_or_nothing: bool) -> None:
    page = tmp_path / "projects.txt"
    page.write_text(BAD_PAGE.format(title="An overlong title " * 30), encoding="utf-8")
    before = _stored_counts()

    report = _import(page, source=page.name, all_or_nothing=all_or_nothing)

    assert report.created == ["ABC/14/X01"]
    assert [(problem.place, problem.identifier) for problem in report.refused] == [
        ("line 10 (ABC/14/X02)", "ABC/14/X02")
    ]
    assert report.refused[0].message.startswith("title: ")
    # The unit the refused record named was created in its savepoint, then rolled back with it.
    assert [match.given for match in report.organisations] == ["DPIDG"]
    assert not Organisation.objects.filter(name="Brand New Unit").exists()
    assert report.rolled_back is all_or_nothing and not report.ok
    if all_or_nothing:
        assert _stored_counts() == before
        assert report.summary().endswith("(all or nothing: something was refused, so nothing was kept)")
    else:
        assert list(Initiative.objects.values_list("code", flat=True)) == ["ABC/14/X01"]
        # No source document was registered for projects.txt: the import registers one and cites it.
        document = SourceDocument.objects.get(file_name="projects.txt")
        assert (document.key, Initiative.objects.get().provenance) == ("projects", ["projects#ABC/14/X01"])


PAGE_V1 = """Current Projects

ABC/14/X01: Digital Skills for Rural Schools

Objective: Train 200 teachers.
Time Frame: Jan 2014 - Dec 2015
Proposed Budget: US$ 1,000
Funding: Regular Programme of Technical Cooperation
Focus Countries: Ghana
"""
PAGE_V2 = """Current Projects

ABC/14/X01: Digital Skills for Rural Schools

Objective: Train 300 teachers.
Proposed Budget: US$ 2,000 (2014); US$ 500 (2015)
Funding: Regular Programme of Technical Cooperation
Focus Countries: Ghana, Kenya
"""


def test_a_changed_page_updates_what_it_says_and_keeps_the_rest(tmp_path: Path, actor: Actor) -> None:
    page = tmp_path / "projects.txt"
    page.write_text(PAGE_V1, encoding="utf-8")
    first = _import(page, source=page.name)
    assert first.created == ["ABC/14/X01"]
    assert [w.message for w in first.warnings] == [
        "Funding “Regular Programme of Technical Cooperation” is not a known funding source: "
        "recorded as a new fund; check it."
    ]
    record = Initiative.objects.get()
    initiatives.section_add(actor=actor, initiative=record, kind="challenges", text="Connectivity.")

    page.write_text(PAGE_V2, encoding="utf-8")
    second = _import(page, source=page.name)

    assert second.updated == ["ABC/14/X01"] and second.ok
    record.refresh_from_db()
    sections = list(record.sections.values_list("kind", "heading", "text"))
    assert Counter(sections) == Counter(
        [
            ("objectives", "", "Train 300 teachers."),
            ("challenges", "", "Connectivity."),  # a steward's, citing no page: kept
            ("other", "Proposed budget", "US$ 2,000 (2014); US$ 500 (2015)"),  # two amounts: kept as text
        ]
    )
    assert not record.budgets.exists()
    # The page no longer gives a time frame: what is stored stays; the new place is added.
    assert (record.time_frame_text, record.planned_start_date) == (
        "Jan 2014 - Dec 2015",
        PartialDate.parse("2014-01"),
    )
    assert set(record.country_links.values_list("country", flat=True)) == {"GH", "KE"}
    assert list(record.fundings.values_list("funding_source__name", flat=True)) == [
        "Regular Programme of Technical Cooperation"
    ]
    assert FundingSource.objects.count() == 1
    assert _import(page, source=page.name).unchanged == ["ABC/14/X01"]


DISAGREEING_PAGE = """Past Projects

XYZ13001: Open Data

Division: DPIDG

XYZ/13/001: Open Data

Division: EGB
"""


def test_a_conflict_a_steward_resolved_survives_a_reimport(tmp_path: Path, actor: Actor) -> None:
    page = tmp_path / "open-data.txt"
    page.write_text(DISAGREEING_PAGE, encoding="utf-8")
    _import(page, source=page.name)
    record = Initiative.objects.get()
    assert record.owning_unit is None and not Organisation.objects.exists()
    conflict = record.conflicts.get(field="owning_unit")
    initiatives.conflict_resolve(actor=actor, conflict=conflict, resolution="EGB ran it.")
    egb = organisations.organisation_create(actor=actor, name="EGB")
    initiatives.initiative_update(actor=actor, initiative=record, owning_unit=egb)

    report = _import(page, source=page.name)

    assert report.unchanged == ["XYZ13001"]
    record.refresh_from_db()
    assert record.owning_unit == egb
    assert list(record.conflicts.values_list("field", "status")) == [("owning_unit", "resolved")]


def test_unreadable_files_are_refused_with_the_place(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Projects\n\nABC12001: Réforme\n".encode("latin-1"))
    utf16 = tmp_path / "utf16.txt"
    utf16.write_bytes("ABC12001: Reform\n".encode("utf-16"))
    before = _stored_counts()
    reports = [_import(path, source=path.name) for path in (empty, latin, utf16)]
    assert [report.file_error for report in reports] == [
        Problem("empty.txt", "the file is empty (0 bytes)"),
        Problem("line 3, byte 21", "byte 0xE9 is not UTF-8: save the page as UTF-8 text"),
        Problem("line 1, byte 0", "the file is UTF-16 text, not UTF-8: save the page as UTF-8"),
    ]
    assert not any(report.ok for report in reports)
    assert _stored_counts() == before


def test_import_file_detects_a_page_and_reports_progress(seed_document: SourceDocument) -> None:
    progress: list[tuple[int, int | None, str]] = []
    report = import_file(
        SEED_PAGE,
        format=None,
        actor=Actor.system("page import", source=ChangeSource.IMPORT),
        options=ImportOptions(),
        progress=lambda done, total, label: progress.append((done, total, label)),
    )
    assert report.format == "page" and report.created == PAGE_CODES
    assert progress == [(done, 11, "records") for done in range(12)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "UNDESA / Colombian Ministry of ICT (MINTIC) / UNDP-Colombia",
            ["UNDESA", "Colombian Ministry of ICT (MINTIC)", "UNDP-Colombia"],
        ),
        ("PNUD / Ministère de la Fonction publique", ["PNUD", "Ministère de la Fonction publique"]),
        ("UNDP, UNESCO, ITU", ["UNDP", "UNESCO", "ITU"]),
        (
            "Ministry of Finance, Planning and Economic Development",
            ["Ministry of Finance, Planning and Economic Development"],
        ),
        ("- UNDP\n- UN DESA\n- UNDESA; UNDP.", ["UNDP", "UN DESA", "UNDESA"]),
        (
            "The IGF cooperates with all stakeholders with an interest in the Internet public policy.",
            None,
        ),
    ],
)
def test_partner_names(text: str, expected: list[str] | None) -> None:
    assert partner_names(text) == expected


def test_organisation_names_take_a_trailing_acronym_as_another_name() -> None:
    assert organisation_names("Colombian Ministry of ICT (MINTIC)") == ["Colombian Ministry of ICT", "MINTIC"]
    assert organisation_names("Ministry of Finance (Ghana) of the Republic") == [
        "Ministry of Finance (Ghana) of the Republic"
    ]
