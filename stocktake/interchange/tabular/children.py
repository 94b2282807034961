"""The child tables of a tabular import: participations, budgets and classifications.

The rows of a child table for one initiative stand for all its rows of that table: they replace what
the initiative has when they differ, and leave it alone when they say the same. Only the difference
is written (rows to remove, rows to add), through the services, so unchanged rows keep what the table
does not show (their source, a sector's percentage) and the history records only real changes.
Columns a file leaves out are not compared; rows added get their defaults.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Generic, TypeVar

from django.db import models
from django.utils.translation import gettext as _

from stocktake.core.choices import Basis
from stocktake.core.history import Actor
from stocktake.core.partial_dates import PartialDate
from stocktake.initiatives import services
from stocktake.initiatives.choices import PartnerRole
from stocktake.initiatives.models import Initiative
from stocktake.interchange.organisations import MATCHED_BY_IDENTIFIER, OrganisationMatcher
from stocktake.interchange.reports import ImportReport, OrganisationMatch, Problem
from stocktake.interchange.tabular.errors import RowError, service_errors
from stocktake.interchange.tabular.reading import Row, Sheet
from stocktake.interchange.tabular.values import (
    CellError,
    Codes,
    parse_choice,
    parse_codelist,
    parse_currency,
    parse_date,
    parse_decimal,
)
from stocktake.organisations.models import Organisation

I = TypeVar("I")  # noqa: E741 - an item parsed from a row
M = TypeVar("M", bound=models.Model)

# Organisation identifiers on this site are slugs; anything else names an IATI organisation identifier.
_SLUG = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
_SECTOR_VOCABULARY = re.compile(r"^[0-9]{1,3}$")


@dataclass
class Entry(Generic[I]):
    row: Row
    item: I


@dataclass
class Context:
    """What every table's rows need while they are applied; one per import run."""

    actor: Actor
    source: str
    report: ImportReport
    codes: Codes
    _matcher: OrganisationMatcher | None = None
    _noted: set[tuple[str, int]] = field(default_factory=set)
    _slugs: dict[str, Organisation | None] = field(default_factory=dict)

    @property
    def matcher(self) -> OrganisationMatcher:
        if self._matcher is None:
            self._matcher = OrganisationMatcher(actor=self.actor, report=self.report, source=self.source)
        return self._matcher

    def organisation_by_slug(self, slug: str) -> Organisation | None:
        if slug not in self._slugs:
            self._slugs[slug] = Organisation.objects.filter(slug=slug).first()
        return self._slugs[slug]

    def note_slug(self, given: str, organisation: Organisation) -> None:
        if (given, organisation.pk) not in self._noted:
            self._noted.add((given, organisation.pk))
            self.report.organisations.append(
                OrganisationMatch(given, organisation.slug, MATCHED_BY_IDENTIFIER)
            )


def cell(row: Row, column: str) -> str:
    return row.values.get(column, "")


def parse_cell(row: Row, problems: list[tuple[str, str]], column: str, parser: Callable[[str], Any]) -> Any:
    try:
        return parser(cell(row, column))
    except CellError as error:
        problems.append((column, str(error)))
        return None


def replace(
    existing: Iterable[M],
    have: Callable[[M], Hashable],
    entries: list[Entry[I]],
    want: Callable[[I], Hashable],
    remove: Callable[[M], None],
    add: Callable[[Entry[I]], None],
) -> bool:
    """Makes the stored rows those the entries give, removing and adding only the difference.

    Keys are compared as multisets (two equal budgets are two budgets). False: nothing to change.
    """
    stored = list(existing)
    wanted = Counter(want(entry.item) for entry in entries)
    if Counter(have(obj) for obj in stored) == wanted:
        return False
    kept: Counter[Hashable] = Counter()
    for obj in stored:
        key = have(obj)
        if kept[key] < wanted[key]:
            kept[key] += 1
        else:
            remove(obj)
    for entry in entries:
        key = want(entry.item)
        if kept[key]:
            kept[key] -= 1
        else:
            add(entry)
    return True


class ChildTable(Generic[I]):
    """How one child table's rows are read, checked together and applied to an initiative."""

    name = ""

    def __init__(self, context: Context, sheet: Sheet) -> None:
        self.context = context
        self.sheet = sheet
        self.compared = set(sheet.columns)

    def parse(self, row: Row, problems: list[tuple[str, str]]) -> I:
        raise NotImplementedError

    def prepare(self, entries: list[Entry[I]]) -> list[Entry[I]]:
        """The entries to apply, once every row of the initiative was read without a problem."""
        return entries

    def apply(self, initiative: Initiative, entries: list[Entry[I]]) -> bool:
        """Runs in the unit's savepoint; True when something changed."""
        raise NotImplementedError

    def remove(self, obj: models.Model) -> None:
        services.child_remove(actor=self.context.actor, obj=obj)

    def duplicate(self, entry: Entry[I], first: Entry[I], code: str) -> None:
        self.context.report.duplicates.append(
            Problem(
                self.sheet.place(entry.row.number),
                _("the same as row %(row)d; left out") % {"row": first.row.number},
                code,
            )
        )


@dataclass
class Partner:
    organisation: str
    organisation_name: str
    role: str
    amount: Decimal | None
    currency: str
    text: str
    found: Organisation | None = None  # by its identifier on this site, or matched when applied


class Participations(ChildTable[Partner]):
    name = "participations"

    def parse(self, row: Row, problems: list[tuple[str, str]]) -> Partner:
        partner = Partner(
            organisation=cell(row, "organisation").strip(),
            organisation_name=cell(row, "organisation_name").strip(),
            role=parse_cell(row, problems, "role", lambda text: parse_choice(text, PartnerRole, blank=False))
            or "",
            amount=parse_cell(
                row, problems, "contribution_amount", lambda text: parse_decimal(text, blank=True)
            ),
            currency=parse_cell(
                row, problems, "contribution_currency", lambda text: parse_currency(text, blank=True)
            )
            or "",
            text=cell(row, "contribution_text"),
        )
        if partner.organisation and _SLUG.match(partner.organisation):
            partner.found = self.context.organisation_by_slug(partner.organisation)
            if partner.found is None and not partner.organisation_name:
                problems.append(
                    (
                        "organisation",
                        _(
                            "expected the identifier of an organisation on this site, got %(got)r; "
                            "give its name in organisation_name to match it or create it"
                        )
                        % {"got": partner.organisation},
                    )
                )
        elif not partner.organisation and not partner.organisation_name:
            problems.append(("organisation_name", _("expected an organisation's name or identifier")))
        return partner

    def prepare(self, entries: list[Entry[Partner]]) -> list[Entry[Partner]]:
        context = self.context
        for entry in entries:
            partner = entry.item
            if partner.found is not None:
                context.note_slug(partner.organisation, partner.found)
                continue
            ref = None if _SLUG.match(partner.organisation) else partner.organisation
            names = [partner.organisation_name] if partner.organisation_name else []
            with service_errors(entry.row, "organisation_name"):
                partner.found = context.matcher.match(
                    names=names, ref=ref, place=self.sheet.place(entry.row.number, "organisation")
                )
        kept: dict[tuple[int, str], Entry[Partner]] = {}
        for entry in entries:
            assert entry.item.found is not None
            key = (entry.item.found.pk, entry.item.role)
            first = kept.get(key)
            if first is None:
                kept[key] = entry
            elif self._key(first.item) == self._key(entry.item):
                self.duplicate(entry, first, cell(entry.row, "code"))
            else:
                raise RowError(
                    entry.row,
                    [
                        (
                            "role",
                            _("%(organisation)s already has the role %(role)s in row %(row)d")
                            % {
                                "organisation": entry.item.found.name,
                                "role": entry.item.role,
                                "row": first.row.number,
                            },
                        )
                    ],
                )
        return list(kept.values())

    def _compared(self, column: str, value: Any) -> Any:
        return value if column in self.compared else None

    def _key(self, partner: Partner) -> Hashable:
        assert partner.found is not None
        return (
            partner.found.pk,
            partner.role,
            self._compared("contribution_amount", partner.amount),
            self._compared("contribution_currency", partner.currency),
            self._compared("contribution_text", partner.text),
        )

    def apply(self, initiative: Initiative, entries: list[Entry[Partner]]) -> bool:
        def stored_key(participation: Any) -> Hashable:
            return (
                participation.organisation_id,
                participation.role,
                self._compared("contribution_amount", participation.contribution_amount),
                self._compared("contribution_currency", participation.contribution_currency),
                self._compared("contribution_text", participation.contribution_text),
            )

        def add(entry: Entry[Partner]) -> None:
            partner = entry.item
            assert partner.found is not None
            with service_errors(entry.row, "", FIELDS_PARTICIPATION):
                services.participation_add(
                    actor=self.context.actor,
                    initiative=initiative,
                    organisation=partner.found,
                    role=partner.role,
                    basis=Basis.IMPORTED,
                    source=self.context.source[:200],
                    contribution_amount=partner.amount,
                    contribution_currency=partner.currency,
                    contribution_text=partner.text,
                )

        return replace(initiative.participations.all(), stored_key, entries, self._key, self.remove, add)


FIELDS_PARTICIPATION = {
    "organisation": "organisation",
    "role": "role",
    "contribution_amount": "contribution_amount",
    "contribution_currency": "contribution_currency",
    "contribution_text": "contribution_text",
}


@dataclass(frozen=True)
class BudgetLine:
    amount: Decimal
    currency: str
    period_start: PartialDate | None
    period_end: PartialDate | None
    type: str
    status: str
    label: str


FIELDS_BUDGET = {
    name: name for name in ("amount", "currency", "period_start", "period_end", "type", "status", "label")
}


class Budgets(ChildTable[BudgetLine]):
    name = "budgets"

    def parse(self, row: Row, problems: list[tuple[str, str]]) -> BudgetLine:
        amount = parse_cell(row, problems, "amount", lambda text: parse_decimal(text, blank=False))
        if amount is not None and amount < 0:
            problems.append(
                ("amount", _("expected an amount of 0 or more, got %(got)r") % {"got": str(amount)})
            )
        return BudgetLine(
            amount=amount if amount is not None else Decimal(0),
            currency=parse_cell(row, problems, "currency", lambda text: parse_currency(text, blank=False))
            or "",
            period_start=parse_cell(row, problems, "period_start", parse_date),
            period_end=parse_cell(row, problems, "period_end", parse_date),
            type=parse_cell(
                row, problems, "type", lambda text: parse_codelist(text, "BudgetType", default="1")
            )
            or "",
            status=parse_cell(
                row, problems, "status", lambda text: parse_codelist(text, "BudgetStatus", default="1")
            )
            or "",
            label=cell(row, "label"),
        )

    def _key(self, line: BudgetLine) -> Hashable:
        return tuple(
            getattr(line, name) if name in self.compared else None
            for name in ("amount", "currency", "period_start", "period_end", "type", "status", "label")
        )

    def apply(self, initiative: Initiative, entries: list[Entry[BudgetLine]]) -> bool:
        def stored_key(budget: Any) -> Hashable:
            return self._key(
                BudgetLine(
                    amount=budget.amount,
                    currency=budget.currency,
                    period_start=budget.period_start_date,
                    period_end=budget.period_end_date,
                    type=budget.type,
                    status=budget.status,
                    label=budget.label,
                )
            )

        def add(entry: Entry[BudgetLine]) -> None:
            line = entry.item
            with service_errors(entry.row, "", FIELDS_BUDGET):
                services.budget_add(
                    actor=self.context.actor,
                    initiative=initiative,
                    amount=line.amount,
                    currency=line.currency,
                    period_start=line.period_start,
                    period_end=line.period_end,
                    type=line.type,
                    status=line.status,
                    label=line.label,
                    source=self.context.source[:200],
                )

        return replace(initiative.budgets.all(), stored_key, entries, self._key, self.remove, add)
