"""CSV and XLSX import: real files written to tmp_path, every refusal with its exact place."""

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from stocktake.core.history import Actor
from stocktake.core.models import HistoryEntry
from stocktake.core.partial_dates import DatePrecision, PartialDate
from stocktake.initiatives import services
from stocktake.initiatives.filtersets import InitiativeFilters
from stocktake.initiatives.models import Budget, Initiative
from stocktake.initiatives.tests.factories import make_initiative
from stocktake.interchange.reports import ImportOptions, ImportReport, Problem
from stocktake.interchange.run import export_file, import_file
from stocktake.interchange.tabular.importer import import_tabular
from stocktake.organisations.models import Organisation
from stocktake.organisations.tests.factories import make_organisation
from stocktake.vocabularies.models import Country

pytestmark = pytest.mark.django_db

HEADER = ["code", "title", "kind", "status", "planned_start", "countries", "wsis_action_lines", "sdg_targets"]
GOOD = ["KE-1", "E-government in Kenya", "project", "2", "2013-09", "KE; UG", "C7.1", "16.6"]


def csv_file(folder: Path, name: str, rows: list[list[Any]], *, encoding: str = "utf-8-sig") -> Path:
    path = folder / name
    with path.open("w", encoding=encoding, newline="") as stream:
        csv.writer(stream, lineterminator="\r\n").writerows(rows)
    return path


def xlsx_file(folder: Path, name: str, sheets: dict[str, list[list[Any]]]) -> Path:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet_name, rows in sheets.items():
        sheet = workbook.create_sheet(sheet_name)
        for row in rows:
            sheet.append(row)  # text starting with "=" becomes a formula, as a user's would
    path = folder / name
    workbook.save(path)
    return path


def load(path: Path, actor: Actor, fmt: str = "", **options: bool) -> ImportReport:
    return import_tabular(
        path, format=fmt or path.suffix[1:], actor=actor, options=ImportOptions(**options), source=path.name
    )


def places(problems: list[Problem]) -> list[str]:
    return [problem.place for problem in problems]


def test_good_rows_create_initiatives_through_the_services(actor: Actor, tmp_path: Path) -> None:
    services.funding_source_create(actor=actor, key="xbtc", name="Extra-budgetary", kind="fund")
    path = csv_file(
        tmp_path,
        "initiatives.csv",
        [
            [*HEADER, "other_codes", "funding_sources", "regions", "url"],
            [*GOOD, "INT/13/001; KE-ALT", "xbtc", "2", "/ignored/"],
            ["FJ-1", "E-health in Fiji", "Partnership", "", "2014", "fj", "", "", "", "", "", ""],
        ],
    )
    report = load(path, actor)
    assert report.ok and report.created == ["KE-1", "FJ-1"]
    kenya = Initiative.objects.get(code="KE-1")
    assert (kenya.title, kenya.kind, kenya.status) == ("E-government in Kenya", "project", "2")
    assert kenya.planned_start_date == PartialDate(date(2013, 9, 1), DatePrecision.MONTH)
    assert sorted(kenya.countries.values_list("code", flat=True)) == ["KE", "UG"]
    assert list(kenya.action_lines.values_list("code", flat=True)) == ["C7.1"]
    assert list(kenya.sdg_targets.values_list("code", flat=True)) == ["16.6"]
    assert list(kenya.sdg_goals.values_list("number", flat=True)) == [16]  # a target brings its goal
    assert list(kenya.regions.values_list("code", flat=True)) == ["002"]  # the spreadsheet's 2 is 002
    assert sorted(kenya.identifiers.values_list("value", flat=True)) == ["INT/13/001", "KE-ALT"]
    assert list(kenya.funding_sources.values_list("key", flat=True)) == ["xbtc"]
    assert kenya.provenance == ["initiatives.csv"]
    fiji = Initiative.objects.get(code="FJ-1")
    assert (
        fiji.kind,
        fiji.planned_start_date.iso(),
        list(fiji.countries.values_list("code", flat=True)),
    ) == (
        "partnership",
        "2014",
        ["FJ"],
    )
    assert HistoryEntry.objects.filter(object_id=str(kenya.pk), action="create").exists()
    assert HistoryEntry.objects.filter(parent_object_id=str(kenya.pk)).count() == 9  # a row per link


def test_a_row_for_an_existing_code_updates_it_and_only_what_its_columns_say(
    actor: Actor, tmp_path: Path
) -> None:
    existing = make_initiative(code="INT13001", title="Old title", status="1", summary="kept")
    services.country_add(actor=actor, initiative=existing, country=Country.objects.get(code="KE"))
    other = make_initiative(code="GLO/11/X02", title="IGF")
    services.identifier_add(actor=actor, initiative=other, value="IGF-6")
    path = csv_file(
        tmp_path,
        "x.csv",
        [
            ["code", "title", "status"],
            ["int/13/001", "New title", "2"],
            ["IGF 6", "IGF", ""],
            ["igf-6", "IGF", ""],
        ],
    )
    report = load(path, actor)
    assert report.ok and report.updated == ["INT13001"] and report.unchanged == ["GLO/11/X02"]
    assert not report.created and places(report.duplicates) == ["row 4, column code"]
    existing.refresh_from_db()
    assert (existing.title, existing.status, existing.summary, existing.version) == (
        "New title",
        "2",
        "kept",
        2,
    )
    assert list(existing.countries.values_list("code", flat=True)) == ["KE"]  # no countries column
    other.refresh_from_db()
    assert other.status == "" and other.code == "GLO/11/X02"


def test_the_same_file_twice_changes_nothing_and_says_so(actor: Actor, tmp_path: Path) -> None:
    make_organisation(name="International Telecommunication Union", slug="itu")
    book = xlsx_file(
        tmp_path,
        "x.xlsx",
        {
            "initiatives": [HEADER, GOOD],
            "participations": [
                ["code", "organisation", "organisation_name", "role"],
                ["KE-1", "itu", "", "lead"],
            ],
            "budgets": [["code", "amount", "currency"], ["KE-1", 164189, "USD"], ["KE-1", 164189, "USD"]],
            "classifications": [["code", "scheme", "value", "basis"], ["KE-1", "wsis", "C7.1", "editorial"]],
        },
    )
    first = load(book, actor)
    assert first.ok and first.created == ["KE-1"]
    history = HistoryEntry.objects.count()
    second = load(book, actor)
    assert second.ok and second.unchanged == ["KE-1"] and not second.created and not second.updated
    assert HistoryEntry.objects.count() == history
    assert Budget.objects.count() == 2  # two equal budgets are two budgets
    assert "0 created, 0 updated, 1 unchanged, 0 refused" in second.summary()


def test_each_bad_cell_is_refused_with_its_row_and_column_and_the_good_rows_are_kept(
    actor: Actor, tmp_path: Path
) -> None:
    path = csv_file(
        tmp_path,
        "bad.csv",
        [
            HEADER,
            GOOD,
            ["B-1", "Bad date", "project", "", "31/02/2015", "", "", ""],
            ["B-2", "Bad country", "project", "", "", "KE; XX", "", ""],
            ["B-3", "Bad kind", "spaceship", "9", "", "", "C99", "99.9"],
            ["B-4", "", "", "", "", "", "", ""],
            ["", "No code", "project", "", "", "", "", ""],
        ],
    )
    report = load(path, actor)
    assert report.created == ["KE-1"] and not report.ok and not report.rolled_back
    assert list(Initiative.objects.values_list("code", flat=True)) == ["KE-1"]
    assert report.refused[0] == Problem(
        "row 3, column planned_start",
        "expected a date as YYYY, YYYY-MM or YYYY-MM-DD, got '31/02/2015'",
        "B-1",
    )
    assert places(report.refused) == [
        "row 3, column planned_start",
        "row 4, column countries",
        "row 5, column kind",
        "row 5, column status",
        "row 5, column wsis_action_lines",
        "row 5, column sdg_targets",
        "row 6, column kind",
        "row 6, column title",
        "row 7, column code",
    ]
    messages = [problem.message for problem in report.refused]
    assert messages[1] == (
        "expected ISO 3166-1 alpha-2 country codes such as KE, separated by ;, got 'KE; XX' ('XX' unknown)"
    )
    assert messages[2].startswith("expected one of project, partnership, ppp (public-private partnership),")
    assert messages[2].endswith("got 'spaceship'")
    assert messages[3] == "expected an IATI ActivityStatus code (1, 2, 3, 4, 5, 6), got '9'"
    assert messages[7] == "expected a value: a new initiative needs its title"
    assert [problem.identifier for problem in report.refused][-1] == ""


def test_a_service_refusal_lands_on_the_column_it_concerns(actor: Actor, tmp_path: Path) -> None:
    make_initiative(code="TAKEN-1")
    initiatives = csv_file(
        tmp_path, "i.csv", [["code", "title", "kind", "other_codes"], ["KE-1", "Kenya", "project", "taken 1"]]
    )
    report = load(initiatives, actor)
    assert places(report.refused) == ["row 2, column other_codes"]
    assert "already the code of TAKEN-1" in report.refused[0].message
    assert not Initiative.objects.filter(code="KE-1").exists()  # the row's savepoint was rolled back
    make_initiative(code="KE-1")
    budgets = csv_file(
        tmp_path,
        "b.csv",
        [
            ["code", "amount", "currency", "period_start", "period_end"],
            ["KE-1", "100", "USD", "2015", "2016"],
            ["KE-1", "200", "usd", "2015-06", "2014"],
        ],
    )
    report = load(budgets, actor)
    assert report.refused == [
        Problem("row 3, column period_end", "The budget period ends before it starts.", "KE-1")
    ]
    assert places(report.warnings) == ["row 2"]  # the initiative's budgets were left as they were
    assert not Budget.objects.exists()


def test_child_rows_need_a_known_initiative(actor: Actor, tmp_path: Path) -> None:
    book = xlsx_file(
        tmp_path,
        "x.xlsx",
        {
            "initiatives": [["code", "title", "kind", "planned_end"], ["NEW-1", "New", "project", "2015-13"]],
            "budgets": [
                ["code", "amount", "currency"],
                ["NEW-1", "10", "USD"],
                ["NOPE", "10", "USD"],
                ["NOPE", "ten", "dollars"],
            ],
        },
    )
    report = load(book, actor)
    assert places(report.refused) == [
        "initiatives row 2, column planned_end",
        "budgets row 2, column code",
        "budgets row 3, column code",
        "budgets row 4, column code",
        "budgets row 4, column amount",
        "budgets row 4, column currency",
    ]
    assert report.refused[1].message == (
        "the initiatives row of NEW-1 (initiatives row 2) was refused, so there is no such initiative"
    )
    assert report.refused[2].message == (
        "expected the code of an initiative in the registry or in the initiatives table, got 'NOPE'"
    )
    assert report.refused[4].message == "expected a number such as 1500 or 1500.50, got 'ten'"
    assert report.refused[5].message == "expected an ISO 4217 currency code such as USD, got 'dollars'"


def test_a_formula_cell_is_refused_with_its_place_and_never_evaluated(actor: Actor, tmp_path: Path) -> None:
    book = xlsx_file(
        tmp_path,
        "x.xlsx",
        {
            "initiatives": [
                ["code", "title", "kind"],
                ["KE-1", "=1+2", "project"],
                ["FJ-1", "Fiji", "project"],
            ]
        },
    )
    report = load(book, actor)
    assert report.created == ["FJ-1"]
    assert report.refused == [
        Problem(
            "initiatives row 2, column title",
            "the cell holds a formula (=1+2), which is never evaluated: replace it with its value",
            "KE-1",
        )
    ]


def test_missing_required_column(actor: Actor, tmp_path: Path) -> None:
    report = load(
        csv_file(tmp_path, "b.csv", [["code", "amount", "period_start"], ["KE-1", "1", "2015"]]), actor
    )
    assert report.file_error == Problem(
        "line 1",
        "missing required columns currency; the budgets table's columns are "
        "code, amount, currency, period_start, period_end, type, status, label",
    )
    book = xlsx_file(
        tmp_path, "x.xlsx", {"budgets": [["code", "amount"]], "initiatives": [["code"], ["KE-1"]]}
    )
    report = load(book, actor)
    assert report.file_error is None
    assert places(report.refused) == [
        "budgets row 1",
        "initiatives row 2, column title",
        "initiatives row 2, column kind",
    ]


def test_a_header_matching_no_table_names_the_expected_ones(actor: Actor, tmp_path: Path) -> None:
    report = load(csv_file(tmp_path, "x.csv", [["Project ID", "Name"], ["1", "x"]]), actor)
    assert report.file_error is not None and report.file_error.place == "line 1"
    assert report.file_error.message.startswith(
        "the header row matches no table; expected the columns of one"
    )
    assert "initiatives: code, other_codes, title, summary, kind, status" in report.file_error.message
    assert "classifications: code, scheme, value, basis" in report.file_error.message
    make_initiative(code="KE-1")
    report = load(csv_file(tmp_path, "y.csv", [["code", "status"], ["KE-1", "4"]]), actor)
    assert report.ok and report.updated == ["KE-1"]  # initiatives and budgets have a status: the first


def test_other_encodings_and_empty_files_are_refused(actor: Actor, tmp_path: Path) -> None:
    rows = [["code", "title", "kind"], ["KE-1", "Kenya", "project"], ["CI-1", "Côte d'Ivoire", "project"]]
    report = load(csv_file(tmp_path, "latin.csv", rows, encoding="latin-1"), actor)
    assert report.file_error == Problem(
        "line 3", "the file is not UTF-8 (byte 0xf4 cannot be read); save it as CSV UTF-8"
    )
    report = load(csv_file(tmp_path, "utf16.csv", rows, encoding="utf-16"), actor)
    assert report.file_error == Problem("line 1", "the file is in UTF-16; save it as CSV UTF-8")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert load(empty, actor).file_error == Problem(
        "line 1", "the file is empty: expected a header row naming the columns"
    )
    not_a_workbook = tmp_path / "fake.xlsx"
    not_a_workbook.write_bytes(b"code,title\n")
    report = load(not_a_workbook, actor)
    assert report.file_error is not None and report.file_error.place == "fake.xlsx"
    assert not Initiative.objects.exists()


def test_utf8_without_bom_and_semicolons_as_excel_writes_them(actor: Actor, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text('code;title;kind\nCI-1;"Côte d\'Ivoire; e-services";project\n', encoding="utf-8")
    report = load(path, actor)
    assert report.ok and Initiative.objects.get(code="CI-1").title == "Côte d'Ivoire; e-services"


def test_all_or_nothing_keeps_nothing_when_a_row_is_refused(actor: Actor, tmp_path: Path) -> None:
    rows = [HEADER, GOOD, ["B-1", "Bad", "project", "", "2015-02-31", "", "", ""]]
    path = csv_file(tmp_path, "x.csv", rows)
    report = load(path, actor, all_or_nothing=True)
    assert (
        report.rolled_back
        and report.created == ["KE-1"]
        and places(report.refused) == ["row 3, column planned_start"]
    )
    assert "nothing was kept" in report.summary()
    assert not Initiative.objects.exists() and not HistoryEntry.objects.filter(source=actor.source).exists()
    good = load(csv_file(tmp_path, "good.csv", rows[:2]), actor, all_or_nothing=True)
    assert good.ok and not good.rolled_back and Initiative.objects.filter(code="KE-1").exists()


def test_a_dry_run_stores_nothing_and_reports_what_a_real_import_does(actor: Actor, tmp_path: Path) -> None:
    make_initiative(code="FJ-1", title="Fiji")
    book = xlsx_file(
        tmp_path,
        "x.xlsx",
        {
            "initiatives": [
                HEADER,
                GOOD,
                ["FJ-1", "Fiji", "project", "", "", "FJ", "", ""],
                ["B-1", "", "", "", "", "", "", ""],
            ],
            "participations": [
                ["code", "organisation_name", "role"],
                ["KE-1", "Kenya ICT Authority", "implementing"],
            ],
        },
    )
    history = HistoryEntry.objects.count()
    dry = load(book, actor, dry_run=True)
    assert dry.rolled_back and dry.dry_run and "dry run" in dry.summary()
    assert list(Initiative.objects.values_list("code", flat=True)) == ["FJ-1"]
    assert not Organisation.objects.exists() and HistoryEntry.objects.count() == history
    real = load(book, actor)
    assert not real.rolled_back
    assert (
        dry.counts()
        == real.counts()
        == {
            "created": 1,
            "updated": 1,
            "unchanged": 0,
            "refused": 2,
            "warnings": 0,
            "duplicates": 0,
            "organisations_created": 1,
            "organisations_matched": 0,
        }
    )
    assert (dry.created, dry.updated, dry.refused) == (real.created, real.updated, real.refused)


def test_formula_looking_text_survives_the_csv_and_xlsx_round_trip(actor: Actor, tmp_path: Path) -> None:
    titles = ['=HYPERLINK("http://evil.example")', "'=already quoted", "-5 dollars", "'plain quote", "@home"]
    for number, title in enumerate(titles):
        make_initiative(code=f"T-{number}", title=title)
    export_file(tmp_path / "x.csv", format="csv", filters=InitiativeFilters())
    export_file(tmp_path / "x.xlsx", format="xlsx", filters=InitiativeFilters())
    written = {
        row["code"]: row["title"] for row in csv.DictReader((tmp_path / "x.csv").open(encoding="utf-8-sig"))
    }
    assert written["T-0"] == '\'=HYPERLINK("http://evil.example")'  # a spreadsheet shows it as text
    assert written["T-1"] == "''=already quoted"
    assert written["T-3"] == "'plain quote"
    for fmt in ("csv", "xlsx"):
        for initiative in Initiative.objects.all():
            services.initiative_delete(actor=actor, initiative=initiative)
        report = load(tmp_path / f"x.{fmt}", actor)
        assert report.ok and len(report.created) == len(titles)
        assert [Initiative.objects.get(code=f"T-{n}").title for n in range(len(titles))] == titles


def test_participations_find_organisations_by_identifier_name_or_create_them(
    actor: Actor, tmp_path: Path
) -> None:
    make_initiative(code="KE-1")
    itu = make_organisation(name="International Telecommunication Union", slug="itu")
    desa = make_organisation(name="UN DESA")
    path = csv_file(
        tmp_path,
        "p.csv",
        [
            [
                "code",
                "organisation",
                "organisation_name",
                "role",
                "contribution_amount",
                "contribution_currency",
            ],
            ["KE-1", "itu", "whatever it is called", "lead", "", ""],
            ["KE-1", "", "UN-DESA", "partner", "1500.50", "usd"],
            ["KE-1", "XM-DAC-41114", "United Nations Development Programme", "funding", "", ""],
            ["KE-1", "unknown-slug", "Kenya ICT Authority", "implementing", "", ""],
            ["KE-1", "itu", "", "lead", "", ""],
        ],
    )
    report = load(path, actor)
    assert report.ok and report.updated == ["KE-1"]
    assert [(match.organisation, match.how) for match in report.organisations] == [
        ("itu", "identifier"),
        (desa.slug, "name"),
        (Organisation.objects.get(iati_identifier="XM-DAC-41114").slug, "created"),
        (Organisation.objects.get(name="Kenya ICT Authority").slug, "created"),
    ]
    assert places(report.duplicates) == ["row 6"]
    kenya = Initiative.objects.get(code="KE-1")
    partners = {
        (p.organisation.name, p.role, p.contribution_amount, p.contribution_currency)
        for p in kenya.participations.all()
    }
    assert partners == {
        (itu.name, "lead", None, ""),
        ("UN DESA", "partner", Decimal("1500.50"), "USD"),
        ("United Nations Development Programme", "funding", None, ""),
        ("Kenya ICT Authority", "implementing", None, ""),
    }
    again = load(path, actor)
    assert again.unchanged == ["KE-1"] and Organisation.objects.count() == 4
    bad = csv_file(
        tmp_path,
        "bad.csv",
        [["code", "organisation", "role"], ["KE-1", "nobody", "lead"], ["KE-1", "itu", "boss"]],
    )
    report = load(bad, actor)
    assert places(report.refused) == ["row 2, column organisation", "row 3, column role"]
    assert kenya.participations.count() == 4


def test_a_child_table_replaces_only_the_rows_that_differ(actor: Actor, tmp_path: Path) -> None:
    kenya = make_initiative(code="KE-1")
    header = ["code", "amount", "currency", "period_start", "label"]
    load(
        csv_file(
            tmp_path,
            "a.csv",
            [header, ["KE-1", "100", "USD", "2015", "a"], ["KE-1", "200", "USD", "2016", "b"]],
        ),
        actor,
    )
    kept = kenya.budgets.get(label="a")
    report = load(
        csv_file(
            tmp_path,
            "b.csv",
            [header, ["KE-1", "100.00", "USD", "2015", "a"], ["KE-1", "250", "EUR", "2016-06", "b"]],
        ),
        actor,
    )
    assert report.updated == ["KE-1"]
    assert [
        (b.pk == kept.pk, b.amount, b.currency, b.period_start_date.iso()) for b in kenya.budgets.all()
    ] == [
        (True, Decimal("100.00"), "USD", "2015"),
        (False, Decimal("250.00"), "EUR", "2016-06"),
    ]
    removed = HistoryEntry.objects.filter(parent_object_id=str(kenya.pk), action="delete")
    assert removed.count() == 1  # only the budget that changed


def test_classifications_carry_their_basis_and_targets_bring_their_goals(
    actor: Actor, tmp_path: Path
) -> None:
    kenya = make_initiative(code="KE-1")
    header = ["code", "scheme", "value", "basis"]
    rows = [
        header,
        ["KE-1", "wsis", "c7.1", "editorial"],
        ["KE-1", "sdg-target", "16.6", "stated"],
        ["KE-1", "sdg-goal", "5", ""],
        ["KE-1", "sdg-goal", "16", "stated"],
        ["KE-1", "sector", "15110", "stated"],
        ["KE-1", "sector", "99:ICT-1", "stated"],
    ]
    report = load(csv_file(tmp_path, "c.csv", rows), actor)
    assert report.ok and places(report.duplicates) == ["row 5"]  # goal 16 comes with target 16.6
    export_file(tmp_path / "out.csv", format="csv", filters=InitiativeFilters(), table="classifications")
    written = list(csv.reader((tmp_path / "out.csv").open(encoding="utf-8-sig")))
    assert written[1:] == [
        ["KE-1", "wsis", "C7.1", "editorial"],
        ["KE-1", "sdg-target", "16.6", "stated"],
        ["KE-1", "sdg-goal", "5", "imported"],
        ["KE-1", "sector", "15110", "stated"],
        ["KE-1", "sector", "99:ICT-1", "stated"],
    ]
    assert sorted(kenya.sdg_goals.values_list("number", flat=True)) == [5, 16]
    report = load(csv_file(tmp_path, "d.csv", [header, ["KE-1", "wsis", "C7.1", "stated"]]), actor)
    assert report.updated == ["KE-1"]
    assert (
        not kenya.sdg_goal_links.exists()
        and not kenya.sdg_target_links.exists()
        and not kenya.sectors.exists()
    )
    assert list(kenya.action_line_links.values_list("basis", flat=True)) == ["stated"]
    bad = [
        header,
        ["KE-1", "sdg", "16.6", ""],
        ["KE-1", "sector", "1511", ""],
        ["KE-1", "wsis", "C7.1", "maybe"],
    ]
    report = load(csv_file(tmp_path, "e.csv", bad), actor)
    assert places(report.refused) == ["row 2, column scheme", "row 3, column value", "row 4, column basis"]


def test_a_workbook_may_hold_any_of_the_tables(actor: Actor, tmp_path: Path) -> None:
    make_initiative(code="KE-1")
    book = xlsx_file(
        tmp_path,
        "x.xlsx",
        {
            "Notes": [["anything"]],
            "budgets": [["code", "amount", "currency"], ["KE-1", 1500.5, "USD"], [], ["KE-1", 10, "USD"]],
        },
    )
    report = load(book, actor)
    assert report.ok and report.updated == ["KE-1"]
    assert places(report.warnings) == ["Notes"]
    assert sorted(Budget.objects.values_list("amount", flat=True)) == [Decimal("10.00"), Decimal("1500.50")]


def test_duplicate_codes_in_one_table_are_left_out(actor: Actor, tmp_path: Path) -> None:
    path = csv_file(tmp_path, "x.csv", [HEADER, GOOD, ["ke 1", "Again", "project", "", "", "", "", ""]])
    report = load(path, actor)
    assert report.created == ["KE-1"] and report.duplicates == [
        Problem("row 3, column code", "the code ke 1 is already in row 2; this row was left out", "ke 1")
    ]


def test_the_classifications_table_takes_precedence_over_the_initiatives_columns(
    actor: Actor, tmp_path: Path
) -> None:
    book = xlsx_file(
        tmp_path,
        "x.xlsx",
        {
            "initiatives": [HEADER, GOOD],
            "classifications": [["code", "scheme", "value", "basis"], ["KE-1", "wsis", "C1", "editorial"]],
        },
    )
    report = load(book, actor)
    assert report.ok and places(report.warnings) == [
        "initiatives row 2, column wsis_action_lines",
        "initiatives row 2, column sdg_targets",
    ]
    kenya = Initiative.objects.get(code="KE-1")
    assert list(kenya.action_line_links.values_list("action_line__code", "basis")) == [("C1", "editorial")]
    assert not kenya.sdg_target_links.exists()


def test_progress_is_told_in_rows(actor: Actor, tmp_path: Path) -> None:
    rows = [["code", "title", "kind"]] + [[f"N-{n}", f"Number {n}", "project"] for n in range(120)]
    told: list[tuple[int, int | None, str]] = []
    report = import_tabular(
        csv_file(tmp_path, "x.csv", rows),
        format="csv",
        actor=actor,
        options=ImportOptions(),
        progress=lambda done, total, label: told.append((done, total, label)),
        source="x.csv",
    )
    assert len(report.created) == 120
    assert told[0] == (0, 120, "rows") and told[-1] == (120, 120, "rows")
    assert [done for done, _total, _label in told] == [0, 50, 100, 120]


def test_the_import_door_reaches_the_tabular_importer(actor: Actor, tmp_path: Path) -> None:
    path = csv_file(tmp_path, "upload.tmp", [HEADER, GOOD])
    report = import_file(path, format=None, actor=actor, options=ImportOptions(), name="mine.csv")
    assert report.format == "csv" and report.source == "mine.csv" and report.created == ["KE-1"]


def test_a_refused_row_leaves_its_initiative_as_it_was_for_the_rows_after_it(
    actor: Actor, tmp_path: Path
) -> None:
    kenya = make_initiative(code="KE-1", title="Old title")
    services.identifier_add(actor=actor, initiative=kenya, value="KE-ALT")
    make_initiative(code="TAKEN-1")
    path = csv_file(
        tmp_path,
        "x.csv",
        [
            ["code", "title", "status", "other_codes"],
            ["KE-1", "New title", "2", "taken 1"],
            ["KE ALT", "Old title", "3", "KE-ALT"],
        ],
    )
    report = load(path, actor)
    assert places(report.refused) == ["row 2, column other_codes"] and report.updated == ["KE-1"]
    kenya.refresh_from_db()
    assert (kenya.title, kenya.status, kenya.version) == ("Old title", "3", 2)


def test_workbook_sheets_that_cannot_be_read_are_refused_and_the_others_imported(
    actor: Actor, tmp_path: Path
) -> None:
    book = xlsx_file(
        tmp_path,
        "x.xlsx",
        {
            "initiatives": [["code", "title", "kind"], ["KE-1", "Kenya", "project"]],
            "Initiatives ": [["code", "title", "kind"], ["FJ-1", "Fiji", "project"]],
            "budgets": [[], ["KE-1", "10", "USD"]],
            "participations": [["code", "organisation", "role", "remarks"]],
            "classifications": [],
            "columns": [["table", "column"], ["anything", "at all"]],
        },
    )
    report = load(book, actor)
    assert report.created == ["KE-1"]
    assert report.refused == [
        Problem("Initiatives ", "the table initiatives is in two sheets; only the first was read"),
        Problem("budgets row 1", "expected a header row naming the columns"),
        Problem(
            "participations row 1",
            "unknown columns remarks; the participations table's columns are code, organisation, "
            "organisation_name, role, contribution_amount, contribution_currency, contribution_text",
        ),
    ]
    assert not report.warnings  # the documentation sheet is skipped without a word
    report = load(book, actor, fmt="ods")
    assert report.file_error == Problem("x.xlsx", "unknown format ods")
