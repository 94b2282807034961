"""Reading vocabularies. Small and read on every page, so cached in the process after first use."""

from __future__ import annotations

from functools import cache

from django.utils.translation import get_language

from stocktake.vocabularies.models import (
    ActionLine,
    Code,
    Country,
    CountryGroup,
    Region,
    SdgGoal,
    SdgTarget,
    StakeholderGroup,
)


@cache
def _codelist(name: str) -> dict[str, tuple[str, dict[str, str]]]:
    return {
        code: (title, translations)
        for code, title, translations in Code.objects.filter(codelist__name=name).values_list(
            "code", "name", "translations"
        )
    }


def codelist(name: str) -> dict[str, str]:
    """{code: name in the active language} of an IATI codelist (English where the list has no translation)."""
    language = (get_language() or "en").split("-")[0]
    return {
        code: translations.get(language) or title for code, (title, translations) in _codelist(name).items()
    }


def code_name(list_name: str, code: str) -> str:
    entry = _codelist(list_name).get(code)
    if entry is None:
        return code
    title, translations = entry
    return translations.get((get_language() or "en").split("-")[0]) or title


def is_code(list_name: str, code: str) -> bool:
    return code in _codelist(list_name)


@cache
def action_lines() -> list[ActionLine]:
    return list(ActionLine.objects.all())


@cache
def sdg_goals() -> list[SdgGoal]:
    return list(SdgGoal.objects.all())


@cache
def stakeholder_groups() -> list[StakeholderGroup]:
    return list(StakeholderGroup.objects.all())


@cache
def country_groups() -> list[CountryGroup]:
    return list(CountryGroup.objects.all())


@cache
def regions_by_code() -> dict[str, Region]:
    return {region.code: region for region in Region.objects.all()}


def region_and_descendants(code: str) -> set[str]:
    """The codes of a region and every region inside it."""
    children: dict[str | None, list[str]] = {}
    by_id = {region.pk: region.code for region in regions_by_code().values()}
    for region in regions_by_code().values():
        children.setdefault(by_id.get(region.parent_id) if region.parent_id else None, []).append(region.code)
    found, stack = set(), [code]
    while stack:
        current = stack.pop()
        if current in found:
            continue
        found.add(current)
        stack.extend(children.get(current, []))
    return found


def clear_caches() -> None:
    for cached in (
        _codelist,
        action_lines,
        sdg_goals,
        stakeholder_groups,
        country_groups,
        regions_by_code,
        countries_by_code,
        regions_by_id,
        action_lines_by_id,
        sdg_goals_by_id,
        sdg_targets_by_id,
        country_groups_by_code,
        stakeholder_groups_by_code,
    ):
        cached.cache_clear()


@cache
def countries_by_code() -> dict[str, Country]:
    return {country.code: country for country in Country.objects.all()}


@cache
def regions_by_id() -> dict[int, Region]:
    return {region.pk: region for region in regions_by_code().values()}


@cache
def action_lines_by_id() -> dict[int, ActionLine]:
    lines = {line.pk: line for line in action_lines()}
    for line in lines.values():
        if line.parent_id:
            line.parent = lines[line.parent_id]
    return lines


@cache
def sdg_goals_by_id() -> dict[int, SdgGoal]:
    return {goal.pk: goal for goal in sdg_goals()}


@cache
def sdg_targets_by_id() -> dict[int, SdgTarget]:
    goals = sdg_goals_by_id()
    targets = {target.pk: target for target in SdgTarget.objects.all()}
    for target in targets.values():
        target.goal = goals[target.goal_id]
    return targets


@cache
def country_groups_by_code() -> dict[str, CountryGroup]:
    return {group.code: group for group in country_groups()}


@cache
def stakeholder_groups_by_code() -> dict[str, StakeholderGroup]:
    return {group.code: group for group in stakeholder_groups()}
