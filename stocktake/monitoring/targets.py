"""Targets from plans of action, computed live over the registry.

A target's ``filters`` are a search of the initiatives list (``InitiativeFilters``). Asked per
country, the search runs once for every country (all of them, or those of the country group or
region the filters name) and a cell is achieved when at least ``at_least`` published initiatives
linked to that country match; otherwise the registry as a whole is one cell. A cell not achieved
once the deadline has passed is overdue. Each cell links to the initiatives list filtered to it:
the same search, with the country, so the count and the list always agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from stocktake.initiatives.filtersets import InitiativeFilters
from stocktake.initiatives.models import Initiative, InitiativeCountry
from stocktake.initiatives.selectors import initiative_list
from stocktake.monitoring.models import Target
from stocktake.vocabularies.models import Country
from stocktake.vocabularies.selectors import region_and_descendants

# Filters that choose the countries of a per-country target rather than the initiatives in each.
GEOGRAPHY = ("country", "region", "country_group")


@dataclass(frozen=True)
class MatchingInitiative:
    code: str
    title: str
    code_normalised: str

    @property
    def url(self) -> str:
        return reverse("initiatives:detail", args=[self.code_normalised])


@dataclass
class Cell:
    """One country (or, for a registry-wide target, the registry) against the target."""

    country: Country | None
    count: int
    achieved: bool
    overdue: bool
    url: str
    initiatives: list[MatchingInitiative] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.country.code if self.country is not None else ""

    @property
    def name(self) -> str:
        return self.country.name if self.country is not None else ""

    @property
    def region(self) -> str:
        if self.country is None or self.country.region is None:
            return ""
        return self.country.region.name

    @property
    def sub_region(self) -> str:
        if self.country is None or self.country.sub_region is None:
            return ""
        return self.country.sub_region.name


@dataclass
class TargetMatrix:
    target: Target
    today: date
    cells: list[Cell]

    @property
    def achieved(self) -> int:
        return sum(1 for cell in self.cells if cell.achieved)

    @property
    def overdue(self) -> int:
        return sum(1 for cell in self.cells if cell.overdue)

    @property
    def share_achieved(self) -> float | None:
        """Achieved cells over all cells, from 0 to 1 (None without cells)."""
        return round(self.achieved / len(self.cells), 4) if self.cells else None

    @property
    def past_deadline(self) -> bool:
        return self.target.deadline is not None and self.target.deadline < self.today


def target_filters(target: Target) -> InitiativeFilters:
    """The target's search, validated (the loader refuses a target whose filters do not validate)."""
    return InitiativeFilters.model_validate(target.filters or {})


def list_url(filters: InitiativeFilters) -> str:
    params = filters.active()
    return reverse("initiatives:list") + (f"?{urlencode(params, doseq=True)}" if params else "")


def target_countries(filters: InitiativeFilters, region: str = "") -> QuerySet[Country]:
    """The countries a per-country target is asked of: the ones its filters name, else all;
    ``region`` (an M49 code) narrows them further (the matrix's region filter)."""
    countries = Country.objects.select_related("region", "sub_region")
    if filters.country:
        countries = countries.filter(code__in=[code.upper() for code in filters.country])
    if filters.country_group:
        countries = countries.filter(
            group_memberships__group_id__in=filters.country_group, group_memberships__until__isnull=True
        )
    for codes in [filters.region, [region] if region else []]:
        if codes:
            regions = set().union(*(region_and_descendants(code) for code in codes))
            countries = countries.filter(
                Q(region__code__in=regions)
                | Q(sub_region__code__in=regions)
                | Q(intermediate_region__code__in=regions)
            )
    return countries.distinct().order_by("title")


def _matches(filters: InitiativeFilters) -> QuerySet[Initiative]:
    """Published initiatives matching the search, in the list's own selector."""
    return initiative_list(filters)


def target_evaluate(target: Target, *, today: date | None = None, region: str = "") -> TargetMatrix:
    """The target's matrix on ``today`` (default: today), in a fixed number of queries."""
    today = today or timezone.localdate()
    past_deadline = target.deadline is not None and target.deadline < today
    filters = target_filters(target)
    if not target.per_country:
        found = list(_matches(filters).values_list("code", "title", "code_normalised"))
        achieved = len(found) >= target.at_least
        cell = Cell(
            country=None,
            count=len(found),
            achieved=achieved,
            overdue=past_deadline and not achieved,
            url=list_url(filters),
            initiatives=[MatchingInitiative(*row) for row in found],
        )
        return TargetMatrix(target=target, today=today, cells=[cell])

    within = filters.model_copy(update={key: [] for key in GEOGRAPHY})
    countries = list(target_countries(filters, region))
    by_country: dict[str, list[MatchingInitiative]] = {}
    links = (
        InitiativeCountry.objects.filter(
            initiative__in=_matches(within).order_by().values("pk"),
            country_id__in=[country.code for country in countries],
        )
        .order_by("country_id", "initiative__code_normalised")
        .values_list("country_id", "initiative__code", "initiative__title", "initiative__code_normalised")
        .distinct()
    )
    for country_code, *initiative in links:
        by_country.setdefault(country_code, []).append(MatchingInitiative(*initiative))
    cells = []
    for country in countries:
        matching = by_country.get(country.code, [])
        achieved = len(matching) >= target.at_least
        cells.append(
            Cell(
                country=country,
                count=len(matching),
                achieved=achieved,
                overdue=past_deadline and not achieved,
                url=list_url(within.model_copy(update={"country": [country.code]})),
                initiatives=matching,
            )
        )
    return TargetMatrix(target=target, today=today, cells=cells)


def target_list(*, today: date | None = None) -> list[TargetMatrix]:
    """Every target with its matrix (few targets: each is a handful of queries)."""
    return [target_evaluate(target, today=today) for target in Target.objects.select_related("commitment")]


def matrix_summary(matrix: TargetMatrix) -> dict[str, Any]:
    """A target's headline numbers, for the list page and the API."""
    return {
        "cells": len(matrix.cells),
        "achieved": matrix.achieved,
        "overdue": matrix.overdue,
        "share_achieved": matrix.share_achieved,
        "past_deadline": matrix.past_deadline,
    }
