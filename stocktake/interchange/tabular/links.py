"""The lists of an initiatives row (other codes, countries, regions, country groups, WSIS Action Lines,
SDG targets, funding sources): each column present is the whole set; an empty cell clears it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Model

from stocktake.core.choices import Basis
from stocktake.core.history import Actor
from stocktake.core.text import normalise_code
from stocktake.initiatives import services
from stocktake.initiatives.models import Initiative
from stocktake.interchange.tabular.errors import service_errors
from stocktake.interchange.tabular.reading import Row


def links_apply(
    row: Row, initiative: Initiative, lists: dict[str, list[Any]], *, actor: Actor, source: str
) -> bool:
    """Makes the initiative's links those the lists give (the columns present), through the services.

    Links that stay are not touched, so they keep their basis and source; True when something changed.
    """
    source = source[:200]
    changed = False

    def links(column: str, stored: dict[Any, Any], wanted: dict[Any, Any], add: Callable[[Any], Any]) -> None:
        nonlocal changed
        with service_errors(row, column):
            for key, link in stored.items():
                if key not in wanted:
                    services.child_remove(actor=actor, obj=link)
                    changed = True
            for key, item in wanted.items():
                if key not in stored:
                    add(item)
                    changed = True

    if "other_codes" in lists:
        links(
            "other_codes",
            {identifier.normalised: identifier for identifier in initiative.identifiers.all()},
            {normalise_code(value): value for value in lists["other_codes"] if value != initiative.code},
            lambda value: services.identifier_add(
                actor=actor, initiative=initiative, value=value, source=source
            ),
        )
    if "countries" in lists:
        links(
            "countries",
            {link.country_id: link for link in initiative.country_links.all()},
            {country.code: country for country in lists["countries"]},
            lambda country: services.country_add(
                actor=actor, initiative=initiative, country=country, basis=Basis.IMPORTED, source=source
            ),
        )
    if "regions" in lists:
        links(
            "regions",
            {link.region_id: link for link in initiative.region_links.all()},
            {region.pk: region for region in lists["regions"]},
            lambda region: services.region_add(
                actor=actor, initiative=initiative, region=region, basis=Basis.IMPORTED, source=source
            ),
        )
    if "country_groups" in lists:
        links(
            "country_groups",
            {link.group_id: link for link in initiative.country_group_links.all()},
            {group.code: group for group in lists["country_groups"]},
            lambda group: services.country_group_add(
                actor=actor, initiative=initiative, group=group, basis=Basis.IMPORTED, source=source
            ),
        )
    if "wsis_action_lines" in lists:
        links(
            "wsis_action_lines",
            {link.action_line_id: link for link in initiative.action_line_links.all()},
            {line.pk: line for line in lists["wsis_action_lines"]},
            lambda line: services.action_line_add(
                actor=actor, initiative=initiative, action_line=line, basis=Basis.IMPORTED
            ),
        )
    if "sdg_targets" in lists:
        targets = {target.pk: target for target in lists["sdg_targets"]}
        stored_targets = {
            link.target_id: link for link in initiative.sdg_target_links.select_related("target")
        }
        # A goal that came with a removed target goes with it, unless a target kept brings it too.
        dropped_goals = {link.target.goal_id for key, link in stored_targets.items() if key not in targets}
        dropped_goals -= {target.goal_id for target in targets.values()}
        links(
            "sdg_targets",
            stored_targets,
            targets,
            lambda target: services.sdg_target_add(
                actor=actor, initiative=initiative, target=target, basis=Basis.IMPORTED
            ),
        )
        with service_errors(row, "sdg_targets"):
            for goal_link in initiative.sdg_goal_links.filter(goal_id__in=dropped_goals):
                services.child_remove(actor=actor, obj=goal_link)
    if "funding_sources" in lists:
        stored_fundings: dict[int, list[Model]] = {}
        for funding in initiative.fundings.all():
            stored_fundings.setdefault(funding.funding_source_id, []).append(funding)
        wanted = {funding_source.pk: funding_source for funding_source in lists["funding_sources"]}
        with service_errors(row, "funding_sources"):
            for key, fundings in stored_fundings.items():
                if key not in wanted:
                    for unwanted in fundings:
                        services.child_remove(actor=actor, obj=unwanted)
                        changed = True
            for key, funding_source in wanted.items():
                if key not in stored_fundings:
                    services.funding_add(
                        actor=actor, initiative=initiative, funding_source=funding_source, source=source
                    )
                    changed = True
    return changed
