"""List rows: an initiative with what a list shows, read in a fixed number of narrow queries.

Django's prefetch_related builds a manager and a queryset per row and relation, which costs more
than the queries themselves on a 50-row page; rows read the links as plain tuples instead and take
countries, regions, Action Lines and SDGs from the vocabulary cache in memory.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from stocktake.initiatives.models import (
    Budget,
    Funding,
    Initiative,
    InitiativeActionLine,
    InitiativeCountry,
    InitiativeCountryGroup,
    InitiativeRegion,
    InitiativeSdgGoal,
    InitiativeSdgTarget,
    Participation,
)
from stocktake.monitoring.reporting import attach_standings
from stocktake.monitoring.selectors.deliverables import attach_smart_scores
from stocktake.vocabularies import selectors as vocabularies
from stocktake.vocabularies.models import ActionLine, Country, CountryGroup, Region, SdgGoal, SdgTarget


@dataclass
class InitiativeRow:
    """One initiative for a list. Its own fields are read through to the model."""

    initiative: Initiative
    countries: list[Country] = field(default_factory=list)
    regions: list[Region] = field(default_factory=list)
    country_groups: list[CountryGroup] = field(default_factory=list)
    action_lines: list[ActionLine] = field(default_factory=list)
    sdg_goals: list[SdgGoal] = field(default_factory=list)
    sdg_targets: list[SdgTarget] = field(default_factory=list)
    budgets: list[Budget] = field(default_factory=list)
    fundings: list[Funding] = field(default_factory=list)
    participations: list[Participation] = field(default_factory=list)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.initiative, name)


# (link model, vocabulary column, the column's type, row attribute, the vocabulary's objects by key)
Link = tuple[Any, str, type, str, dict[Any, Any]]


def _links() -> tuple[Link, ...]:
    return (
        (InitiativeCountry, "country_id", str, "countries", vocabularies.countries_by_code()),
        (InitiativeRegion, "region_id", int, "regions", vocabularies.regions_by_id()),
        (InitiativeCountryGroup, "group_id", str, "country_groups", vocabularies.country_groups_by_code()),
        (InitiativeActionLine, "action_line_id", int, "action_lines", vocabularies.action_lines_by_id()),
        (InitiativeSdgGoal, "goal_id", int, "sdg_goals", vocabularies.sdg_goals_by_id()),
        (InitiativeSdgTarget, "target_id", int, "sdg_targets", vocabularies.sdg_targets_by_id()),
    )


def vocabulary_links(ids: list[int]) -> list[tuple[str, int, Any]]:
    """(row attribute, initiative id, vocabulary object) of every country, region, country group,
    Action Line, SDG goal and target link of the initiatives, in one query (in no set order).

    One UNION ALL instead of a query per link table: lists and similar cases ask for links on every
    request, and compiling six ORM queries cost more than running them.
    """
    if not ids:
        return []
    links = _links()
    # The ids are integers (int() below makes sure), written as literals: no parameter limit to meet.
    id_list = ", ".join(str(int(pk)) for pk in ids)
    parts = [
        # As text: the branches of a UNION have one type per column (PostgreSQL insists).
        f"SELECT {number}, initiative_id, CAST({column} AS TEXT) FROM {model._meta.db_table} "  # noqa: S608
        f"WHERE initiative_id IN ({id_list})"
        for number, (model, column, _type, _attribute, _objects) in enumerate(links)
    ]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts))
        pairs = cursor.fetchall()
    found = []
    for number, pk, key in pairs:
        _model, _column, key_type, attribute, objects = links[number]
        found.append((attribute, pk, objects[key_type(key)]))
    return found


def initiative_rows(initiatives: Iterable[Initiative], *, partners: bool = True) -> list[InitiativeRow]:
    """Rows of the initiatives, in their order; ``partners=False`` leaves fundings and participations
    empty (a results table does not show them)."""
    rows = {initiative.pk: InitiativeRow(initiative) for initiative in initiatives}
    ids = list(rows)
    if not ids:
        return []
    attach_standings(rows.values())  # reporting status: read for the whole page, only if asked
    attach_smart_scores(rows.values())  # and the SMART scores likewise
    for attribute, pk, vocabulary_object in vocabulary_links(ids):
        getattr(rows[pk], attribute).append(vocabulary_object)
    for budget in Budget.objects.filter(initiative_id__in=ids):
        rows[budget.initiative_id].budgets.append(budget)
    if partners:
        for funding in Funding.objects.filter(initiative_id__in=ids).select_related("funding_source"):
            rows[funding.initiative_id].fundings.append(funding)
        stakeholder_groups = vocabularies.stakeholder_groups_by_code()
        for participation in Participation.objects.filter(initiative_id__in=ids).select_related(
            "organisation"
        ):
            organisation = participation.organisation
            if organisation.stakeholder_group_id:
                organisation.stakeholder_group = stakeholder_groups[organisation.stakeholder_group_id]
            rows[participation.initiative_id].participations.append(participation)
    for row in rows.values():
        # Vocabulary ids follow the official order (they are loaded in it); names sort alphabetically.
        row.countries.sort(key=lambda country: country.title)
        row.regions.sort(key=lambda region: region.code)
        row.country_groups.sort(key=lambda group: group.position)
        row.action_lines.sort(key=lambda line: line.position)
        row.sdg_goals.sort(key=lambda goal: goal.number)
        row.sdg_targets.sort(key=lambda target: target.pk)
        row.budgets.sort(key=lambda budget: (budget.period_start is None, budget.period_start, budget.pk))
    return list(rows.values())
