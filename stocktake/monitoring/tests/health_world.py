"""A partnership for the health-check tests: three partners of three stakeholder groups, four members."""

from __future__ import annotations

from typing import Any

from stocktake.accounts.tests.factories import actor_for, make_member, make_user
from stocktake.core.history import Actor
from stocktake.initiatives.choices import PartnerRole
from stocktake.initiatives.services import participation_add
from stocktake.initiatives.tests.factories import make_initiative
from stocktake.monitoring.choices import HealthAspect, Rating
from stocktake.monitoring.models import HealthCheck
from stocktake.monitoring.services.health import AspectRating, health_check_save
from stocktake.organisations.tests.factories import make_organisation
from stocktake.vocabularies.models import StakeholderGroup

G, A, R = Rating.GREEN, Rating.AMBER, Rating.RED


def all_aspects(rating: str, comment: str = "", **overrides: str) -> dict[str, AspectRating]:
    """Every aspect rated ``rating``; overrides by aspect value with dashes as underscores."""
    ratings = {aspect: AspectRating(rating, comment) for aspect in HealthAspect.values}
    for key, value in overrides.items():
        ratings[key.replace("_", "-")] = AspectRating(value)
    return ratings


def make_world(actor: Actor) -> dict[str, Any]:
    government = make_organisation(
        name="Ministry", stakeholder_group=StakeholderGroup.objects.get(pk="government")
    )
    ngo = make_organisation(name="NGO", stakeholder_group=StakeholderGroup.objects.get(pk="civil-society"))
    telco = make_organisation(
        name="Telco", stakeholder_group=StakeholderGroup.objects.get(pk="private-sector")
    )
    initiative = make_initiative()
    for organisation, role in ((government, PartnerRole.LEAD), (ngo, "partner"), (telco, "partner")):
        participation_add(actor=actor, initiative=initiative, organisation=organisation, role=role)
    people: dict[str, Any] = {}
    for name, organisation in (("gov1", government), ("gov2", government), ("ngo1", ngo), ("telco1", telco)):
        people[name] = make_user(display_name=name)
        make_member(people[name], organisation)
    return {"initiative": initiative, "government": government, "ngo": ngo, "telco": telco, **people}


def rate(
    world: dict[str, Any], who: str, organisation: str, ratings: dict[str, AspectRating], **kw: Any
) -> HealthCheck:
    return health_check_save(
        actor=actor_for(world[who]),
        initiative=world["initiative"],
        organisation=world[organisation],
        ratings=ratings,
        **kw,
    )
