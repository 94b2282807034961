"""The tables of the tabular formats (CSV, XLSX): one row per initiative, partner role, budget or
classification, with columns named as in the API. Export writes them; the template documents them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import models

from stocktake.initiatives.choices import Kind, Outcome, PartnerRole, Scope
from stocktake.initiatives.rows import InitiativeRow

LIST_SEPARATOR = "; "


def allowed_values(choices: type[models.TextChoices]) -> str:
    return ", ".join(str(value) for value in choices.values if value)


@dataclass(frozen=True)
class Column:
    name: str
    description: str
    value: Callable[[Any], Any]
    allowed: str = ""  # the codes or form a value takes, for the template's documentation sheet


def _iso(value: Any) -> str:
    return value.iso() if value else ""


def _joined(values: Iterable[Any]) -> str:
    return LIST_SEPARATOR.join(str(value) for value in values)


INITIATIVE_COLUMNS = (
    Column("code", "Public code of the initiative", lambda r: r.code),
    Column(
        "other_codes", "Other codes it is known by", lambda r: _joined(i.value for i in r.identifiers.all())
    ),
    Column("title", "Title", lambda r: r.title),
    Column("kind", "Kind", lambda r: r.kind, allowed_values(Kind)),
    Column("status", "Lifecycle status", lambda r: r.status, "IATI ActivityStatus code: 1-6"),
    Column("outcome", "Outcome", lambda r: r.outcome, allowed_values(Outcome)),
    Column("scope", "Scope", lambda r: r.scope, allowed_values(Scope)),
    Column(
        "planned_start", "Planned start", lambda r: _iso(r.planned_start_date), "YYYY, YYYY-MM or YYYY-MM-DD"
    ),
    Column("planned_end", "Planned end", lambda r: _iso(r.planned_end_date), "YYYY, YYYY-MM or YYYY-MM-DD"),
    Column(
        "actual_start", "Actual start", lambda r: _iso(r.actual_start_date), "YYYY, YYYY-MM or YYYY-MM-DD"
    ),
    Column("actual_end", "Actual end", lambda r: _iso(r.actual_end_date), "YYYY, YYYY-MM or YYYY-MM-DD"),
    Column(
        "countries",
        "Countries",
        lambda r: _joined(c.code for c in r.countries),
        "ISO 3166-1 alpha-2, ; between",
    ),
    Column("regions", "Regions", lambda r: _joined(g.code for g in r.regions), "UN M49 codes, ; between"),
    Column(
        "country_groups",
        "Country groups",
        lambda r: _joined(g.code for g in r.country_groups),
        "ldc, lldc, sids, developing, all-member-states",
    ),
    Column(
        "wsis_action_lines",
        "WSIS Action Lines",
        lambda r: _joined(line.code for line in r.action_lines),
        "C1-C11, C7.1-C7.8",
    ),
    Column("sdg_targets", "SDG targets", lambda r: _joined(t.code for t in r.sdg_targets), "e.g. 16.6"),
    Column(
        "funding_sources",
        "Funding sources",
        lambda r: _joined(f.funding_source.key for f in r.fundings),
        "funding source keys",
    ),
    Column("url", "Page on this site", lambda r: r.get_absolute_url()),
)

PARTICIPATION_COLUMNS = (
    Column("code", "Initiative code", lambda p: p.initiative.code),
    Column("organisation", "Organisation identifier on this site", lambda p: p.organisation.slug),
    Column("organisation_name", "Organisation name", lambda p: p.organisation.name),
    Column(
        "role",
        "Role",
        lambda p: p.role,
        allowed_values(PartnerRole),
    ),
    Column("contribution_amount", "Contribution amount", lambda p: p.contribution_amount, "a number"),
    Column("contribution_currency", "Contribution currency", lambda p: p.contribution_currency, "ISO 4217"),
    Column("contribution_text", "In-kind contribution", lambda p: p.contribution_text),
)

BUDGET_COLUMNS = (
    Column("code", "Initiative code", lambda b: b.initiative.code),
    Column("amount", "Amount", lambda b: b.amount, "a number"),
    Column("currency", "Currency", lambda b: b.currency, "ISO 4217, e.g. USD"),
    Column(
        "period_start", "Period start", lambda b: _iso(b.period_start_date), "YYYY, YYYY-MM or YYYY-MM-DD"
    ),
    Column("period_end", "Period end", lambda b: _iso(b.period_end_date), "YYYY, YYYY-MM or YYYY-MM-DD"),
    Column("type", "Budget type", lambda b: b.type, "IATI BudgetType: 1 original, 2 revised"),
    Column("status", "Budget status", lambda b: b.status, "IATI BudgetStatus: 1 indicative, 2 committed"),
    Column("label", "Label", lambda b: b.label),
)

CLASSIFICATION_COLUMNS = (
    Column("code", "Initiative code", lambda c: c[0]),
    Column("scheme", "Scheme", lambda c: c[1], "wsis, sdg-target, sdg-goal, sector"),
    Column("value", "Code in the scheme", lambda c: c[2]),
    Column("basis", "Basis", lambda c: c[3], "stated, editorial, imported"),
)


def participation_items(rows: list[InitiativeRow]) -> Iterator[Any]:
    for row in rows:
        for participation in row.participations:
            participation.initiative = row.initiative
            yield participation


def budget_items(rows: list[InitiativeRow]) -> Iterator[Any]:
    for row in rows:
        for budget in row.budgets:
            budget.initiative = row.initiative
            yield budget


def classification_items(rows: list[InitiativeRow]) -> Iterator[tuple[str, str, str, str]]:
    for row in rows:
        initiative = row.initiative
        for line_link in initiative.action_line_links.all():
            yield (initiative.code, "wsis", line_link.action_line.code, line_link.basis)
        for target_link in initiative.sdg_target_links.all():
            yield (initiative.code, "sdg-target", target_link.target.code, target_link.basis)
        for sector in initiative.sectors.all():
            yield (initiative.code, "sector", sector.code, sector.basis)


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    items: Callable[[list[InitiativeRow]], Iterable[Any]]


TABLES = {
    "initiatives": Table("initiatives", INITIATIVE_COLUMNS, lambda rows: rows),
    "participations": Table("participations", PARTICIPATION_COLUMNS, participation_items),
    "budgets": Table("budgets", BUDGET_COLUMNS, budget_items),
    "classifications": Table("classifications", CLASSIFICATION_COLUMNS, classification_items),
}
