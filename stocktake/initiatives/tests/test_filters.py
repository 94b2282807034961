import random
from decimal import Decimal
from typing import Any

import pytest
from django.http import QueryDict

from stocktake.core.history import Actor
from stocktake.core.partial_dates import PartialDate
from stocktake.initiatives import services
from stocktake.initiatives.filtersets import InitiativeFilters, filters_from_querydict
from stocktake.initiatives.selectors import initiative_list
from stocktake.initiatives.tests.factories import make_initiative
from stocktake.organisations.tests.factories import make_organisation
from stocktake.vocabularies.models import (
    ActionLine,
    Country,
    CountryGroup,
    Region,
    SdgTarget,
    StakeholderGroup,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(actor: Actor) -> dict[str, object]:
    """Three initiatives that differ on every filter."""
    kenya = make_initiative(
        code="KE-1",
        title="Open data in Kenya",
        kind="ppp",
        status="2",
        planned_start=PartialDate.parse("2019-03"),
    )
    fiji = make_initiative(
        code="FJ-1",
        title="E-health in Fiji",
        kind="project",
        status="4",
        outcome="concluded",
        planned_start=PartialDate.parse("2012"),
    )
    africa = make_initiative(
        code="AF-1",
        title="Parliaments",
        kind="programme",
        status="4",
        actual_start=PartialDate.parse("2005-05"),
    )
    services.country_add(actor=actor, initiative=kenya, country=Country.objects.get(code="KE"))
    services.country_add(actor=actor, initiative=fiji, country=Country.objects.get(code="FJ"))
    services.region_add(actor=actor, initiative=africa, region=Region.objects.get(code="002"))
    services.country_group_add(actor=actor, initiative=fiji, group=CountryGroup.objects.get(code="sids"))
    services.action_line_add(actor=actor, initiative=kenya, action_line=ActionLine.objects.get(code="C7.1"))
    services.action_line_add(actor=actor, initiative=fiji, action_line=ActionLine.objects.get(code="C7.4"))
    services.action_line_add(actor=actor, initiative=africa, action_line=ActionLine.objects.get(code="C3"))
    services.sdg_target_add(actor=actor, initiative=kenya, target=SdgTarget.objects.get(code="16.10"))
    services.sdg_target_add(actor=actor, initiative=fiji, target=SdgTarget.objects.get(code="3.8"))
    ngo = make_organisation(
        name="Open Knowledge", stakeholder_group=StakeholderGroup.objects.get(code="civil-society")
    )
    ministry = make_organisation(
        name="Ministry of ICT", stakeholder_group=StakeholderGroup.objects.get(code="government")
    )
    services.participation_add(actor=actor, initiative=kenya, organisation=ngo, role="implementing")
    services.participation_add(actor=actor, initiative=fiji, organisation=ministry, role="lead")
    xbtc = services.funding_source_create(actor=actor, key="xbtc", name="Extrabudgetary", kind="fund")
    services.funding_add(actor=actor, initiative=africa, funding_source=xbtc)
    services.budget_add(actor=actor, initiative=africa, amount=Decimal("6144831"), currency="USD")
    services.section_add(
        actor=actor, initiative=africa, kind="accomplishments", text="Akoma Ntoso and Bungeni"
    )
    return {"kenya": kenya, "fiji": fiji, "africa": africa, "ngo": ngo}


def codes(**filters: object) -> list[str]:
    return [i.code for i in initiative_list(InitiativeFilters(**filters))]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, ["AF-1", "FJ-1", "KE-1"]),
        ({"kind": ["ppp", "programme"]}, ["AF-1", "KE-1"]),
        ({"status": ["4"]}, ["AF-1", "FJ-1"]),
        ({"outcome": ["concluded"]}, ["FJ-1"]),
        ({"country": ["ke"]}, ["KE-1"]),
        ({"region": ["002"]}, ["AF-1", "KE-1"]),  # Africa itself, and Kenya within it
        ({"region": ["009"]}, ["FJ-1"]),  # Oceania, through Fiji's sub-region
        ({"country_group": ["sids"]}, ["FJ-1"]),
        ({"wsis": ["C7"]}, ["FJ-1", "KE-1"]),  # a main line includes its sub-lines
        ({"wsis": ["C7.1"]}, ["KE-1"]),
        ({"sdg": ["16"]}, ["KE-1"]),
        ({"sdg": ["3.8", "16.10"]}, ["FJ-1", "KE-1"]),
        ({"stakeholder_group": ["civil-society"]}, ["KE-1"]),
        ({"organisation": ["open-knowledge"]}, ["KE-1"]),
        ({"funding": ["xbtc"]}, ["AF-1"]),
        ({"start_year_min": 2006}, ["FJ-1", "KE-1"]),
        ({"start_year_min": 2005, "start_year_max": 2012}, ["AF-1", "FJ-1"]),
        ({"q": "bungeni"}, ["AF-1"]),  # narrative sections are searched
        ({"q": "knowledge"}, ["AF-1", "KE-1"]),  # so are partner names and the Action Lines' titles
        ({"q": "ke1"}, ["KE-1"]),  # and codes, normalised
        ({"q": "open kenya"}, ["KE-1"]),  # every word must match
        ({"kind": ["ppp"], "status": ["4"]}, []),
    ],
)
def test_each_filter(registry: dict, filters: dict, expected: list[str]) -> None:
    assert sorted(codes(**filters)) == expected


def test_sorting_is_stable_and_puts_unknown_dates_last(registry: dict, actor: Actor) -> None:
    make_initiative(code="ZZ-1")
    assert codes(sort="start") == ["AF-1", "FJ-1", "KE-1", "ZZ-1"]
    assert codes(sort="-start") == ["KE-1", "FJ-1", "AF-1", "ZZ-1"]
    assert codes(sort="-code") == ["ZZ-1", "KE-1", "FJ-1", "AF-1"]


def test_combined_filters_equal_the_intersection_of_single_ones(registry: dict) -> None:
    """A property over random combinations: AND across parameters, never a stray join duplicate."""
    options: dict[str, list[Any]] = {
        "kind": [["ppp"], ["project"], ["programme"]],
        "status": [["2"], ["4"]],
        "region": [["002"], ["009"]],
        "wsis": [["C7"], ["C3"]],
        "sdg": [["16"], ["3"]],
        "start_year_min": [2006, 2010],
    }
    generator = random.Random(2005)
    for _ in range(40):
        chosen = {
            key: generator.choice(values) for key, values in options.items() if generator.random() < 0.5
        }
        combined = codes(**chosen)
        assert len(combined) == len(set(combined))
        expected = set(codes())
        for key, value in chosen.items():
            expected &= set(codes(**{key: value}))
        assert set(combined) == expected, chosen


def test_web_query_strings_keep_valid_filters_and_name_the_invalid_ones() -> None:
    filters, errors = filters_from_querydict(
        QueryDict("kind=ppp&kind=nonsense&country=KE&start_year_min=abc&sort=x")
    )
    assert filters.country == ["KE"] and filters.kind == [] and filters.start_year_min is None
    assert filters.sort is None and filters.effective_sort == "code"
    assert {error.split(":")[0] for error in errors} == {"kind", "start_year_min", "sort"}
    assert filters.active() == {"country": ["KE"]}
