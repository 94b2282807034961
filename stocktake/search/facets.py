"""How the search page presents facets, and a search in words.

The initiatives list (``initiatives.views.initiative_list``) is the search page: it asks
``search.selectors.search_initiatives`` for a page of results with facet counts, and this module turns
those counts into what the page shows (names, links, checkboxes) and names a search in words (for feed
titles and saved searches).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from babel.numbers import format_compact_currency, format_compact_decimal
from django.core.cache import cache
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy

from stocktake.core.caching import registry_version
from stocktake.initiatives.choices import Kind, Outcome, Scope
from stocktake.initiatives.filtersets import FILTER_LABELS, InitiativeFilters
from stocktake.initiatives.models import FundingSource
from stocktake.jinja2 import language, number, url
from stocktake.monitoring.facets import facet_labels as monitoring_facet_labels
from stocktake.organisations.models import Organisation
from stocktake.search.backends.base import BUDGET_BANDS, FACET_SIZE, FacetBucket
from stocktake.search.documents import FACETS
from stocktake.search.selectors import InitiativeSearch
from stocktake.search.services import (
    search_params,
)
from stocktake.vocabularies import selectors as vocabularies

YEAR_BAND = 5  # start years are offered in bands of this many years
CENT = Decimal("0.01")  # a budget band's upper bound is exclusive; the filter's budget_max is inclusive

# Links name their parameters in the filters' order, as the canonical address does.
PARAM_ORDER = {name: position for position, name in enumerate([*InitiativeFilters.model_fields, "page"])}

# The facets' headings, in the order the page shows them (FACETS, then the ranges).
FACET_TITLES: dict[str, Any] = {
    **{name: FILTER_LABELS[name] for name in FACETS},
    "start_year": gettext_lazy("Start year"),
    "budget": gettext_lazy("Budget"),
}
# Facets whose values the page may not all show (FACET_SIZE at most): a list of every choice follows.
MORE_CHOICES = {
    "country": "countries",
    "region": "regions",
    "wsis": "action_lines",
    "sdg": "sdg_goals",
    "funding": "funding_sources",
}


# Names


def build_facet_labels(funding_sources: Iterable[FundingSource] | None = None) -> dict[str, dict[str, str]]:
    """{facet: {value: name in the active language}} for every facet but partner organisations.

    Partner organisations are too many to hold: ``organisation_names`` reads the few a page shows.
    ``funding_sources`` spares a query to a caller that has read them already.
    """
    if funding_sources is None:
        funding_sources = FundingSource.objects.all()
    countries = vocabularies.countries_by_code()
    sdg = {str(goal.number): f"{goal.number}. {goal.local_short_title}" for goal in vocabularies.sdg_goals()}
    for target in vocabularies.sdg_targets_by_id().values():
        sdg[target.code] = gettext("Target %(code)s") % {"code": target.code}
    return {
        "kind": {value: str(label) for value, label in Kind.choices},
        "status": dict(vocabularies.codelist("ActivityStatus")),
        "outcome": {value: str(label) for value, label in Outcome.choices},
        "scope": {value: str(label) for value, label in Scope.choices},
        "country": {code: country.name for code, country in countries.items()},
        "region": {code: region.name for code, region in vocabularies.regions_by_code().items()},
        "country_group": {group.code: gettext(group.name) for group in vocabularies.country_groups()},
        "wsis": {line.code: f"{line.code} {line.local_title}" for line in vocabularies.action_lines()},
        "sdg": sdg,
        "stakeholder_group": {group.code: gettext(group.name) for group in vocabularies.stakeholder_groups()},
        "funding": {source.key: str(source) for source in funding_sources},
        **monitoring_facet_labels(),
    }


def facet_labels() -> dict[str, dict[str, str]]:
    """``build_facet_labels``, kept until the registry changes (feeds and saved searches read it)."""
    key = f"search-facet-labels:{registry_version()}:{translation.get_language()}"
    labels = cache.get(key)
    if labels is None:
        labels = build_facet_labels()
        cache.set(key, labels)
    return labels


def organisation_names(slugs: Iterable[str]) -> dict[str, str]:
    """{slug: "Name (ACRONYM)"} of the partner organisations with these slugs, in one query."""
    wanted = set(slugs)
    if not wanted:
        return {}
    return {
        slug: f"{name} ({acronym})" if acronym else name
        for slug, name, acronym in Organisation.objects.filter(slug__in=wanted).values_list(
            "slug", "name", "acronym"
        )
    }


def _compact_money(amount: Decimal) -> str:
    lang = language()
    text = format_compact_currency(amount, "USD", locale=lang)
    return text.replace("$", "US$", 1) if lang == "en" else text


def budget_label(low: Decimal | None, high: Decimal | None) -> str:
    """A budget range in words, in the active language: under US$100K, US$1M to 10M, US$100M or more."""
    if not low and high is not None:
        return gettext("under %(amount)s") % {"amount": _compact_money(high)}
    if low is not None and high is None:
        return gettext("%(amount)s or more") % {"amount": _compact_money(low)}
    assert low is not None and high is not None
    return gettext("%(low)s–%(high)s") % {
        "low": _compact_money(low),
        "high": format_compact_decimal(high, locale=language()),
    }


def year_label(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return str(low) if low == high else f"{low}–{high}"
    if low is not None:
        return gettext("from %(year)s") % {"year": low}
    return gettext("until %(year)s") % {"year": high}


def _budget_filter_label(low: Decimal | None, high: Decimal | None) -> str:
    """The name of a budget filter: a band's name when it is one, the amounts otherwise."""
    for _key, band_low, band_high in BUDGET_BANDS:
        if low == band_low and high == (band_high - CENT if band_high is not None else None):
            return budget_label(band_low, band_high)
    if low is not None and high is not None:
        return gettext("US$%(low)s to %(high)s") % {"low": number(low), "high": number(high)}
    if low is not None:
        return gettext("at least US$%(amount)s") % {"amount": number(low)}
    return gettext("at most US$%(amount)s") % {"amount": number(high)}


def describe_search(
    filters: InitiativeFilters, labels: Mapping[str, Mapping[str, str]], organisations: Mapping[str, str]
) -> str:
    """A search in words ("“open data” · Kenya · C7 E-government"), for feed titles and saved searches."""
    parts: list[str] = []
    if filters.q:
        parts.append(f"“{filters.q}”")
    state = filters.model_dump(mode="json")
    for name in FACETS:
        names = organisations if name == "organisation" else labels.get(name, {})
        values = [names.get(value) or names.get(value.upper(), value) for value in state[name]]
        if values:
            parts.append(gettext(" or ").join(values))
    if filters.start_year_min is not None or filters.start_year_max is not None:
        parts.append(
            gettext("started %(years)s")
            % {"years": year_label(filters.start_year_min, filters.start_year_max)}
        )
    if filters.budget_min is not None or filters.budget_max is not None:
        parts.append(
            gettext("budget %(range)s")
            % {"range": _budget_filter_label(filters.budget_min, filters.budget_max)}
        )
    return " · ".join(parts) if parts else gettext("every initiative")


# Facets


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool
    href: str  # the list with this value chosen, or no longer chosen
    id: str = ""  # of its checkbox: stable across swaps, so focus stays on it


@dataclass
class FacetGroup:
    name: str
    title: str
    values: list[FacetValue]
    checkboxes: bool = True  # range facets are links only
    clear_href: str = ""  # set when something in the group is chosen
    more: list[tuple[str, str]] = field(default_factory=list)  # every other choice, for a select

    @property
    def selected(self) -> bool:
        return bool(self.clear_href)


class ListLinks:
    """Links to the initiatives list with some parameters changed, for one page's many facet values:
    the parameters that stay are encoded once, not once per link."""

    def __init__(self, params: Mapping[str, Any]) -> None:
        self.path = url("initiatives:list")
        self.encoded = {key: _encoded(key, value) for key, value in params.items() if value not in _UNSET}

    def href(self, **changes: Any) -> str:
        """The list with these parameters changed (a value of None or [] removes a parameter)."""
        encoded = dict(self.encoded)
        for key, value in changes.items():
            if value in _UNSET:
                encoded.pop(key, None)
            else:
                encoded[key] = _encoded(key, value)
        # In the filters' own order, so a link is the canonical address of what it shows.
        ordered = sorted(encoded.items(), key=lambda item: PARAM_ORDER.get(item[0], len(PARAM_ORDER)))
        query = "&".join(part for _key, part in ordered)
        return self.path + (f"?{query}" if query else "")


_UNSET: tuple[Any, ...] = (None, "", [])


def _encoded(key: str, value: Any) -> str:
    return urlencode({key: value}, doseq=True)


def list_href(params: Mapping[str, Any], **changes: Any) -> str:
    """The initiatives list with these parameters (a value of None or [] removes a parameter)."""
    return ListLinks(params).href(**changes)


def _element_id(*parts: str) -> str:
    return "-".join(re.sub(r"[^A-Za-z0-9_-]", "_", part) for part in parts)


def _value_facet(
    name: str,
    buckets: list[FacetBucket],
    chosen: list[str],
    links: ListLinks,
    names: Mapping[str, str],
    more: list[tuple[str, str]],
) -> FacetGroup:
    counts = {bucket.key: bucket.count for bucket in buckets}
    fold = str.upper if name == "country" else str  # the country filter takes "ke" for "KE"
    chosen_folded = {fold(value) for value in chosen}
    # A chosen value stays in view whatever its count, so it can be unchosen.
    keys = [bucket.key for bucket in buckets if bucket.count > 0 or fold(bucket.key) in chosen_folded]
    listed = {fold(key) for key in keys}
    keys += [fold(value) for value in chosen if fold(value) not in listed]
    values = []
    for key in keys:
        selected = fold(key) in chosen_folded
        toggled = [v for v in chosen if fold(v) != fold(key)] if selected else [*chosen, key]
        values.append(
            FacetValue(
                value=key,
                label=names.get(key, key),
                count=counts.get(key, 0),
                selected=selected,
                href=links.href(**{name: toggled}),
                id=_element_id("fv", name, key),
            )
        )
    shown = {fold(value.value) for value in values}
    return FacetGroup(
        name=name,
        title=str(FACET_TITLES[name]),
        values=values,
        clear_href=links.href(**{name: []}) if chosen else "",
        more=[(value, text) for value, text in more if fold(value) not in shown]
        if len(buckets) >= FACET_SIZE
        else [],
    )


def _year_facet(buckets: list[FacetBucket], filters: InitiativeFilters, links: ListLinks) -> FacetGroup:
    bands: dict[int, int] = {}
    by_year: dict[int, int] = {}
    for bucket in buckets:
        if bucket.key.isdigit() and bucket.count > 0:
            year = int(bucket.key)
            by_year[year] = bucket.count
            bands[year - year % YEAR_BAND] = bands.get(year - year % YEAR_BAND, 0) + bucket.count
    low, high = filters.start_year_min, filters.start_year_max
    chosen = low is not None or high is not None
    cleared = {"start_year_min": None, "start_year_max": None}
    values = []
    matched_band = False
    for start in sorted(bands):
        end = start + YEAR_BAND - 1
        selected = (low, high) == (start, end)
        matched_band = matched_band or selected
        values.append(
            FacetValue(
                value=f"{start}-{end}",
                label=year_label(start, end),
                count=bands[start],
                selected=selected,
                href=links.href(**cleared)
                if selected
                else links.href(start_year_min=start, start_year_max=end),
            )
        )
    if chosen and not matched_band:
        # A range typed in: its count is the years' counts summed, as the facet's are.
        count = sum(
            n
            for year, n in by_year.items()
            if (low is None or year >= low) and (high is None or year <= high)
        )
        values.insert(
            0,
            FacetValue(
                value="chosen",
                label=year_label(low, high),
                count=count,
                selected=True,
                href=links.href(**cleared),
            ),
        )
    return FacetGroup(
        name="start_year",
        title=str(FACET_TITLES["start_year"]),
        values=values,
        checkboxes=False,
        clear_href=links.href(**cleared) if chosen else "",
    )


def _budget_facet(buckets: list[FacetBucket], filters: InitiativeFilters, links: ListLinks) -> FacetGroup:
    counts = {bucket.key: bucket.count for bucket in buckets}
    low, high = filters.budget_min, filters.budget_max
    chosen = low is not None or high is not None
    cleared = {"budget_min": None, "budget_max": None}
    values = []
    matched_band = False
    for key, band_low, band_high in BUDGET_BANDS:
        band_max = band_high - CENT if band_high is not None else None
        selected = chosen and low == band_low and high == band_max
        matched_band = matched_band or selected
        if not counts.get(key) and not selected:
            continue
        values.append(
            FacetValue(
                value=key,
                label=budget_label(band_low, band_high),
                count=counts.get(key, 0),
                selected=selected,
                href=links.href(**cleared)
                if selected
                else links.href(budget_min=str(band_low), budget_max=str(band_max) if band_max else None),
            )
        )
    if chosen and not matched_band:
        values.insert(
            0,
            FacetValue(
                value="chosen",
                label=_budget_filter_label(low, high),
                count=0,  # not counted: the bands do not split at amounts typed in
                selected=True,
                href=links.href(**cleared),
            ),
        )
    return FacetGroup(
        name="budget",
        title=str(FACET_TITLES["budget"]),
        values=values,
        checkboxes=False,
        clear_href=links.href(**cleared) if chosen else "",
    )


def facet_groups(
    search: InitiativeSearch,
    labels: Mapping[str, Mapping[str, str]],
    choices: Mapping[str, list[tuple[str, str]]],
) -> list[FacetGroup]:
    """The facets a search page shows: each value named, counted, and linked to the list with it toggled.

    ``labels`` names the values (``build_facet_labels``); ``choices`` holds every choice of the facets
    that may show only their most frequent values (``MORE_CHOICES``). A facet without any value to show
    is left out unless something in it is chosen.
    """
    filters = search.filters
    links = ListLinks(search_params(filters))
    state = filters.model_dump(mode="json")
    organisation_slugs = [b.key for b in search.facets.get("organisation", [])] + state["organisation"]
    names: dict[str, Mapping[str, str]] = {**labels, "organisation": organisation_names(organisation_slugs)}
    groups = []
    for name in FACETS:
        more = choices.get(MORE_CHOICES[name], []) if name in MORE_CHOICES else []
        group = _value_facet(name, search.facets.get(name, []), state[name], links, names.get(name, {}), more)
        if group.values or group.selected:
            groups.append(group)
    for group in (
        _year_facet(search.facets.get("start_year", []), filters, links),
        _budget_facet(search.facets.get("budget", []), filters, links),
    ):
        if group.values or group.selected:
            groups.append(group)
    return groups


# Saved searches
