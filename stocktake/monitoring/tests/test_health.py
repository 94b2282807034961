"""Partnership health checks: rounds, the once-per-round rule, who may rate, and the arithmetic."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from stocktake.accounts.tests.factories import actor_for, make_member, make_user
from stocktake.core.models import HistoryEntry
from stocktake.governance.models import WorkflowEvent
from stocktake.initiatives.choices import PublicationState
from stocktake.initiatives.models import Initiative
from stocktake.initiatives.tests.factories import make_initiative
from stocktake.monitoring.choices import HealthAspect
from stocktake.monitoring.health import (
    add_months,
    current_round_start,
    flagged_initiatives,
    health_summary,
    round_start_on,
)
from stocktake.monitoring.models import HealthCheck, HealthRating
from stocktake.monitoring.services.health import AspectRating, health_check_save
from stocktake.monitoring.tests.health_world import A, G, R, all_aspects, make_world, rate
from stocktake.organisations.tests.factories import make_organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(actor: Any) -> dict[str, Any]:
    return make_world(actor)


def test_add_months_keeps_within_the_month() -> None:
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 11, 15), 14) == date(2025, 1, 15)


def test_rounds_count_from_the_origin() -> None:
    origin = date(2024, 3, 15)
    assert round_start_on(origin, date(2024, 3, 15), 12) == origin
    assert round_start_on(origin, date(2025, 3, 14), 12) == origin
    assert round_start_on(origin, date(2025, 3, 15), 12) == date(2025, 3, 15)
    assert round_start_on(origin, date(2025, 9, 20), 6) == date(2025, 9, 15)
    assert round_start_on(origin, date(2025, 9, 14), 6) == date(2025, 3, 15)
    assert round_start_on(origin, date(2020, 1, 1), 6) == origin


def test_round_counts_from_publication_not_creation(settings: Any) -> None:
    settings.HEALTH_CHECK_MONTHS = 6
    initiative = make_initiative()
    created = timezone.localdate(initiative.created)
    assert current_round_start(initiative, created + timedelta(days=10)) == created
    published = timezone.make_aware(datetime.combine(created + timedelta(days=40), datetime.min.time()))
    WorkflowEvent.objects.create(
        initiative=initiative,
        from_state=PublicationState.IN_REVIEW,
        to_state=PublicationState.PUBLISHED,
        action="publish",
        time=published,
    )
    start = published.date()
    assert current_round_start(initiative, start + timedelta(days=10)) == start
    assert current_round_start(initiative, add_months(start, 7)) == add_months(start, 6)


def test_aggregation_with_hand_computed_means(world: dict[str, Any]) -> None:
    # shared vision: green, amber, red, green -> 5 / 4 = 1.25; transparency: red, red, amber, green -> 3 / 4
    rate(world, "gov1", "government", all_aspects(G, transparency=R))
    rate(world, "gov2", "government", all_aspects(G, shared_vision=A, transparency=R))
    rate(world, "ngo1", "ngo", all_aspects(A, shared_vision=R, transparency=A))
    rate(world, "telco1", "telco", all_aspects(G, transparency=G))
    summary = health_summary(world["initiative"])
    assert len(summary.rounds) == 1
    latest = summary.latest
    assert latest is not None and latest.checks == 4
    vision = latest.aspects[HealthAspect.SHARED_VISION]
    assert (vision.green, vision.amber, vision.red, vision.score) == (2, 1, 1, 1.25)
    transparency = latest.aspects[HealthAspect.TRANSPARENCY]
    assert (transparency.green, transparency.amber, transparency.red, transparency.score) == (1, 1, 2, 0.75)
    efficiency = latest.aspects[HealthAspect.EFFICIENCY]
    assert (efficiency.green, efficiency.amber, efficiency.score) == (3, 1, 1.75)
    # By stakeholder group: government's transparency red and red -> 0; civil society's amber -> 1.
    assert latest.groups["government"][HealthAspect.TRANSPARENCY].score == 0
    assert latest.groups["government"][HealthAspect.SHARED_VISION].score == 1.5
    assert latest.groups["civil-society"][HealthAspect.SHARED_VISION].score == 0
    assert latest.groups["private-sector"][HealthAspect.TRANSPARENCY].score == 2
    # Flags: transparency is low (0.75 < 1), shared vision is not (1.25). Shared vision diverges
    # (private sector 2, civil society 0), so does transparency (private sector 2, government 0), and
    # so does efficiency (government 2, civil society 1: a gap of exactly 1).
    kinds = {(flag.kind, flag.aspect) for flag in summary.flags}
    assert ("low", HealthAspect.TRANSPARENCY) in kinds
    assert ("low", HealthAspect.SHARED_VISION) not in kinds
    assert ("diverging", HealthAspect.SHARED_VISION) in kinds
    assert ("diverging", HealthAspect.TRANSPARENCY) in kinds
    assert ("diverging", HealthAspect.EFFICIENCY) in kinds  # green 2 vs amber 1: a gap of exactly 1
    assert ("diverging", HealthAspect.ACCOUNTABILITY) in kinds
    vision_flag = next(
        f for f in summary.flags if f.kind == "diverging" and f.aspect == HealthAspect.SHARED_VISION
    )
    assert vision_flag.groups == ("private-sector", "civil-society")  # the highest and lowest groups
    assert "Private sector" in vision_flag.reason and "2.00" in vision_flag.reason


def test_no_divergence_below_a_gap_of_one(world: dict[str, Any]) -> None:
    # government: green + amber = 1.5; civil society: amber = 1; gap 0.5, mean 1.33: no flag at all.
    rate(world, "gov1", "government", all_aspects(G))
    rate(world, "gov2", "government", all_aspects(A))
    rate(world, "ngo1", "ngo", all_aspects(A))
    summary = health_summary(world["initiative"])
    assert summary.flags == []
    assert summary.latest is not None
    assert summary.latest.aspects[HealthAspect.BALANCE_OF_POWER].score == 1.33


def test_low_flag_and_flagged_list(world: dict[str, Any]) -> None:
    rate(world, "gov1", "government", all_aspects(A, accountability=R))
    summary = health_summary(world["initiative"])
    assert [(flag.kind, flag.aspect) for flag in summary.flags] == [("low", HealthAspect.ACCOUNTABILITY)]
    quiet = make_initiative()
    assert quiet.pk not in {initiative.pk for initiative, _ in flagged_initiatives()}
    flagged = flagged_initiatives()
    assert [(initiative.pk, [f.aspect for f in flags]) for initiative, flags in flagged] == [
        (world["initiative"].pk, [HealthAspect.ACCOUNTABILITY])
    ]
    # A record no longer published is no longer listed.
    Initiative.objects.filter(pk=world["initiative"].pk).update(state=PublicationState.WITHDRAWN)
    assert flagged_initiatives() == []


def test_once_per_round_then_a_new_round(world: dict[str, Any], settings: Any) -> None:
    settings.HEALTH_CHECK_MONTHS = 6
    start = timezone.localdate(world["initiative"].created)
    first = rate(world, "gov1", "government", all_aspects(R, "Slow."), today=start + timedelta(days=5))
    second = rate(world, "gov1", "government", all_aspects(A, "Better."), today=start + timedelta(days=90))
    assert second.pk == first.pk
    assert HealthCheck.objects.filter(initiative=world["initiative"]).count() == 1
    assert set(first.ratings.values_list("rating", "comment")) == {(A, "Better.")}
    assert first.ratings.count() == len(HealthAspect.values)
    third = rate(world, "gov1", "government", all_aspects(G), today=add_months(start, 6) + timedelta(days=1))
    assert third.pk != first.pk and third.round_start == add_months(start, 6)
    # Trend across the two rounds: amber (1) then green (2), for every aspect.
    summary = health_summary(world["initiative"])
    assert [round_.start for round_ in summary.rounds] == [start, add_months(start, 6)]
    trend = dict((aspect, scores) for aspect, _label, scores in summary.trend())
    assert trend[HealthAspect.TRANSPARENCY] == [1.0, 2.0]
    # The flags read the latest round only: the first round's ambers do not count any more.
    assert summary.flags == []


def test_changing_ratings_records_history(world: dict[str, Any]) -> None:
    check = rate(world, "gov1", "government", all_aspects(G))
    entries = HistoryEntry.objects.filter(
        parent_object_id=str(world["initiative"].pk), content_type__app_label="monitoring"
    )
    created = entries.count()
    assert created == 1 + len(HealthAspect.values)
    rate(world, "gov1", "government", all_aspects(G, efficiency=R))
    changed = entries.order_by("-id").first()
    assert entries.count() == created + 1  # only the rating that changed
    assert changed is not None and changed.object_id == str(check.ratings.get(aspect="efficiency").pk)
    assert changed.before is not None and changed.after is not None
    assert changed.before["rating"] == G and changed.after["rating"] == R


def test_member_of_two_partners_chooses(world: dict[str, Any]) -> None:
    make_member(world["gov1"], world["ngo"])
    check = rate(world, "gov1", "ngo", all_aspects(G))
    assert check.organisation == world["ngo"]
    rate(world, "gov1", "government", all_aspects(G))
    check.refresh_from_db()
    assert check.organisation == world["government"]
    assert HealthCheck.objects.count() == 1


def test_non_partner_refused_and_nothing_written(world: dict[str, Any]) -> None:
    outsider_org = make_organisation(name="Elsewhere")
    outsider = make_user()
    make_member(outsider, outsider_org)
    pending = make_user()
    make_member(pending, world["ngo"], approved=False)
    steward = make_user(steward=True)
    entries = HistoryEntry.objects.count()
    for user, organisation in ((outsider, outsider_org), (pending, world["ngo"]), (steward, world["ngo"])):
        with pytest.raises(PermissionDenied):
            health_check_save(
                actor=actor_for(user),
                initiative=world["initiative"],
                organisation=organisation,
                ratings=all_aspects(G),
            )
    # A partner's member may not speak for a partner they do not belong to.
    with pytest.raises(PermissionDenied):
        rate(world, "ngo1", "government", all_aspects(G))
    assert HealthCheck.objects.count() == 0 and HealthRating.objects.count() == 0
    assert HistoryEntry.objects.count() == entries


def test_unpublished_record_is_not_rated(world: dict[str, Any]) -> None:
    Initiative.objects.filter(pk=world["initiative"].pk).update(state=PublicationState.DRAFT)
    world["initiative"].refresh_from_db()
    with pytest.raises(PermissionDenied):
        rate(world, "gov1", "government", all_aspects(G))
    assert HealthCheck.objects.count() == 0


def test_every_aspect_needs_a_valid_rating(world: dict[str, Any]) -> None:
    ratings = all_aspects(G)
    del ratings[HealthAspect.EFFICIENCY]
    ratings[HealthAspect.TRANSPARENCY] = AspectRating("blue")
    with pytest.raises(ValidationError) as caught:
        rate(world, "gov1", "government", ratings)
    assert set(caught.value.message_dict) == {HealthAspect.EFFICIENCY, HealthAspect.TRANSPARENCY}
    assert "blue" in caught.value.message_dict[HealthAspect.TRANSPARENCY][0]
    assert HealthCheck.objects.count() == 0


@pytest.mark.parametrize(("value", "accepted"), [("6", True), ("12", True), ("5", False), ("13", False)])
def test_round_months_setting_is_validated(value: str, accepted: bool) -> None:
    import os
    import subprocess
    import sys

    env = os.environ | {"STOCKTAKE_HEALTH_CHECK_MONTHS": value}
    code = "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='stocktake.settings'; django.setup()"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert (done.returncode == 0) is accepted, done.stderr[-500:]
    if not accepted:
        assert "STOCKTAKE_HEALTH_CHECK_MONTHS must be between 6 and 12" in done.stderr


def test_members_of_the_owning_unit_rate_too() -> None:
    """The unit that runs a record (its owning unit) takes part in it, partner role or not."""
    unit = make_organisation(name="Division that runs it")
    record = make_initiative(code="HEALTH/UNIT", owning_unit=unit)
    member, outsider = make_user(), make_user()
    make_member(member, unit)
    check = health_check_save(
        actor=actor_for(member), initiative=record, organisation=unit, ratings=all_aspects(G)
    )
    assert check.ratings.count() == len(HealthAspect.values)
    with pytest.raises(PermissionDenied):
        health_check_save(
            actor=actor_for(outsider), initiative=record, organisation=unit, ratings=all_aspects(G)
        )
