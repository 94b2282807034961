"""The tables of the tabular formats (CSV, XLSX): one row per initiative, partner role, budget or
classification, with columns named as in the API. Export writes them, import reads them and the
template documents them, all from these definitions, so the three never disagree."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stocktake.core.choices import Basis
from stocktake.initiatives.choices import Kind, Outcome, PartnerRole, Scope
from stocktake.initiatives.models import FundingSource, Initiative
from stocktake.initiatives.rows import InitiativeRow
from stocktake.vocabularies import selectors as vocabularies

LIST_SEPARATOR = "; "

# What a column asks of a row: the column must be there and filled; it must be filled to create an
# initiative; it may be left out or empty; or it is written by the export only and ignored on import.
REQUIRED = "required"
FOR_NEW = "for-new"
OPTIONAL = "optional"
EXPORT_ONLY = "export-only"

# The schemes of the classifications table. Sectors of IATI vocabularies other than 1 (DAC 5-digit)
# are written "vocabulary:code".
SCHEME_WSIS = "wsis"
SCHEME_SDG_TARGET = "sdg-target"
SCHEME_SDG_GOAL = "sdg-goal"
SCHEME_SECTOR = "sector"
SCHEMES = (SCHEME_WSIS, SCHEME_SDG_TARGET, SCHEME_SDG_GOAL, SCHEME_SECTOR)
DAC_SECTORS = "1"
SECTOR_VOCABULARY_SEPARATOR = ":"

DATE_FORM = gettext_lazy("YYYY, YYYY-MM or YYYY-MM-DD")


def allowed_values(choices: type[models.TextChoices]) -> str:
    """The codes of a choice list, each with its label where the label says more than the code."""
    parts = []
    for value, label in choices.choices:
        if value:
            parts.append(str(value) if str(label) == str(value) else f"{value} ({label})")
    return ", ".join(parts)


def codelist_values(name: str) -> str:
    """An IATI codelist's codes with their names: "1 Pipeline/identification, 2 Implementation, ..."."""
    return ", ".join(f"{code} {title}" for code, title in vocabularies.codelist(name).items())


def _regions() -> str:
    listed = ", ".join(f"{region.code} {region.name}" for region in vocabularies.regions_by_code().values())
    return _("UN M49 codes, separated by ;: %(codes)s") % {"codes": listed}


def _country_groups() -> str:
    listed = ", ".join(group.code for group in vocabularies.country_groups())
    return _("separated by ;: %(codes)s") % {"codes": listed}


def _action_lines() -> str:
    listed = ", ".join(line.code for line in vocabularies.action_lines())
    return _("separated by ;: %(codes)s") % {"codes": listed}


def _funding_sources() -> str:
    keys = ", ".join(FundingSource.objects.order_by("key").values_list("key", flat=True))
    return _("funding source keys, separated by ;: %(keys)s") % {"keys": keys or "-"}


def _classification_values() -> str:
    return _(
        "wsis: a WSIS Action Line (C1-C11, C7.1-C7.8); sdg-target: a target such as 16.6; "
        "sdg-goal: a goal number (1-17), for a goal served without a target; "
        "sector: a DAC 5-digit sector code, or vocabulary:code for another IATI SectorVocabulary"
    )


Allowed = str | Promise | Callable[[], str]


@dataclass(frozen=True)
class Column:
    name: str
    description: str | Promise
    value: Callable[[Any], Any]
    allowed: Allowed = ""  # the codes or form a value takes, for the documentation sheet
    need: str = OPTIONAL

    def allowed_text(self) -> str:
        """What the documentation sheet says a value may be (read now: vocabularies live in the database)."""
        return str(self.allowed()) if callable(self.allowed) else str(self.allowed)

    @property
    def imported(self) -> bool:
        return self.need != EXPORT_ONLY


def need_text(need: str) -> str:
    return {
        REQUIRED: _("required"),
        FOR_NEW: _("required for a new initiative"),
        OPTIONAL: _("optional"),
        EXPORT_ONLY: _("written by the export, ignored on import"),
    }[need]


def _iso(value: Any) -> str:
    return value.iso() if value else ""


def _joined(values: Iterable[Any]) -> str:
    # Each value once: the import reads these lists as sets.
    return LIST_SEPARATOR.join(dict.fromkeys(str(value) for value in values))


def sector_value(vocabulary: str, code: str) -> str:
    return code if vocabulary == DAC_SECTORS else f"{vocabulary}{SECTOR_VOCABULARY_SEPARATOR}{code}"


def initiative_classifications(initiative: Initiative) -> Iterator[tuple[str, str, str]]:
    """(scheme, value, basis) of each classification, as the classifications table writes them.

    A goal is written only when none of the initiative's targets brings it: a target implies its goal.
    """
    for line_link in initiative.action_line_links.all():
        yield (SCHEME_WSIS, line_link.action_line.code, line_link.basis)
    implied_goals = set()
    for target_link in initiative.sdg_target_links.all():
        implied_goals.add(target_link.target.goal_id)
        yield (SCHEME_SDG_TARGET, target_link.target.code, target_link.basis)
    for goal_link in initiative.sdg_goal_links.all():
        if goal_link.goal_id not in implied_goals:
            yield (SCHEME_SDG_GOAL, str(goal_link.goal.number), goal_link.basis)
    for sector in initiative.sectors.all():
        yield (SCHEME_SECTOR, sector_value(sector.vocabulary, sector.code), sector.basis)


INITIATIVE_COLUMNS = (
    Column("code", gettext_lazy("Public code of the initiative"), lambda r: r.code, need=REQUIRED),
    Column(
        "other_codes",
        gettext_lazy("Other codes it is known by"),
        lambda r: _joined(i.value for i in r.identifiers.all()),
        gettext_lazy("separated by ;"),
    ),
    Column("title", gettext_lazy("Title"), lambda r: r.title, need=FOR_NEW),
    Column("summary", gettext_lazy("Summary: what the initiative does, in a paragraph"), lambda r: r.summary),
    Column("kind", gettext_lazy("Kind"), lambda r: r.kind, lambda: allowed_values(Kind), need=FOR_NEW),
    Column(
        "status",
        gettext_lazy("Lifecycle status (IATI ActivityStatus)"),
        lambda r: r.status,
        lambda: codelist_values("ActivityStatus"),
    ),
    Column("outcome", gettext_lazy("Outcome"), lambda r: r.outcome, lambda: allowed_values(Outcome)),
    Column("scope", gettext_lazy("Scope"), lambda r: r.scope, lambda: allowed_values(Scope)),
    Column("planned_start", gettext_lazy("Planned start"), lambda r: _iso(r.planned_start_date), DATE_FORM),
    Column("planned_end", gettext_lazy("Planned end"), lambda r: _iso(r.planned_end_date), DATE_FORM),
    Column("actual_start", gettext_lazy("Actual start"), lambda r: _iso(r.actual_start_date), DATE_FORM),
    Column("actual_end", gettext_lazy("Actual end"), lambda r: _iso(r.actual_end_date), DATE_FORM),
    Column(
        "countries",
        gettext_lazy("Countries"),
        lambda r: _joined(c.code for c in r.countries),
        gettext_lazy("ISO 3166-1 alpha-2 codes such as KE or FJ, separated by ;"),
    ),
    Column("regions", gettext_lazy("Regions"), lambda r: _joined(g.code for g in r.regions), _regions),
    Column(
        "country_groups",
        gettext_lazy("Country groups"),
        lambda r: _joined(g.code for g in r.country_groups),
        _country_groups,
    ),
    Column(
        "wsis_action_lines",
        gettext_lazy("WSIS Action Lines (the classifications table, when imported too, takes precedence)"),
        lambda r: _joined(line.code for line in r.action_lines),
        _action_lines,
    ),
    Column(
        "sdg_targets",
        gettext_lazy("SDG targets (the classifications table, when imported too, takes precedence)"),
        lambda r: _joined(t.code for t in r.sdg_targets),
        gettext_lazy("SDG target codes such as 16.6 or 17.17, separated by ;"),
    ),
    Column(
        "funding_sources",
        gettext_lazy("Funding sources"),
        lambda r: _joined(f.funding_source.key for f in r.fundings),
        _funding_sources,
    ),
    Column("url", gettext_lazy("Page on this site"), lambda r: r.get_absolute_url(), need=EXPORT_ONLY),
)

PARTICIPATION_COLUMNS = (
    Column("code", gettext_lazy("Initiative code"), lambda p: p.initiative.code, need=REQUIRED),
    Column(
        "organisation",
        gettext_lazy("Organisation identifier on this site, or its IATI organisation identifier"),
        lambda p: p.organisation.slug,
        gettext_lazy("give this or organisation_name"),
    ),
    Column(
        "organisation_name",
        gettext_lazy("Organisation name: matched to a known organisation, which is created if none matches"),
        lambda p: p.organisation.name,
        gettext_lazy("give this or organisation"),
    ),
    Column("role", gettext_lazy("Role"), lambda p: p.role, lambda: allowed_values(PartnerRole), REQUIRED),
    Column(
        "contribution_amount",
        gettext_lazy("Contribution amount"),
        lambda p: p.contribution_amount,
        gettext_lazy("a number such as 1500 or 1500.50"),
    ),
    Column(
        "contribution_currency",
        gettext_lazy("Contribution currency (needed with an amount)"),
        lambda p: p.contribution_currency,
        gettext_lazy("ISO 4217 code such as USD"),
    ),
    Column("contribution_text", gettext_lazy("In-kind contribution"), lambda p: p.contribution_text),
)

BUDGET_COLUMNS = (
    Column("code", gettext_lazy("Initiative code"), lambda b: b.initiative.code, need=REQUIRED),
    Column(
        "amount",
        gettext_lazy("Amount"),
        lambda b: b.amount,
        gettext_lazy("a number such as 1500 or 1500.50"),
        REQUIRED,
    ),
    Column(
        "currency",
        gettext_lazy("Currency"),
        lambda b: b.currency,
        gettext_lazy("ISO 4217 code such as USD"),
        REQUIRED,
    ),
    Column("period_start", gettext_lazy("Period start"), lambda b: _iso(b.period_start_date), DATE_FORM),
    Column("period_end", gettext_lazy("Period end"), lambda b: _iso(b.period_end_date), DATE_FORM),
    Column(
        "type",
        gettext_lazy("Budget type (IATI BudgetType; 1 when empty)"),
        lambda b: b.type,
        lambda: codelist_values("BudgetType"),
    ),
    Column(
        "status",
        gettext_lazy("Budget status (IATI BudgetStatus; 1 when empty)"),
        lambda b: b.status,
        lambda: codelist_values("BudgetStatus"),
    ),
    Column("label", gettext_lazy("Label"), lambda b: b.label),
)

CLASSIFICATION_COLUMNS = (
    Column("code", gettext_lazy("Initiative code"), lambda c: c[0], need=REQUIRED),
    Column("scheme", gettext_lazy("Scheme"), lambda c: c[1], ", ".join(SCHEMES), REQUIRED),
    Column("value", gettext_lazy("Code in the scheme"), lambda c: c[2], _classification_values, REQUIRED),
    Column(
        "basis",
        gettext_lazy("Why the initiative is classified so (imported when empty)"),
        lambda c: c[3],
        lambda: allowed_values(Basis),
    ),
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
        for scheme, value, basis in initiative_classifications(row.initiative):
            yield (row.initiative.code, scheme, value, basis)


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    items: Callable[[list[InitiativeRow]], Iterable[Any]]

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    def column(self, name: str) -> Column:
        return next(column for column in self.columns if column.name == name)


TABLES = {
    "initiatives": Table("initiatives", INITIATIVE_COLUMNS, lambda rows: rows),
    "participations": Table("participations", PARTICIPATION_COLUMNS, participation_items),
    "budgets": Table("budgets", BUDGET_COLUMNS, budget_items),
    "classifications": Table("classifications", CLASSIFICATION_COLUMNS, classification_items),
}
# The XLSX sheet documenting the columns; the import ignores it.
DOCUMENTATION_SHEET = "columns"


def documentation_rows() -> list[list[str]]:
    """The documentation sheet of the export and the template: a header, then a row per column."""
    rows = [[_("table"), _("column"), _("meaning"), _("allowed values"), _("required")]]
    for name, table in TABLES.items():
        for column in table.columns:
            rows.append(
                [name, column.name, str(column.description), column.allowed_text(), need_text(column.need)]
            )
    return rows
