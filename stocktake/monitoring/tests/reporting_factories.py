"""A published record with a lead organisation, its people, a results framework and a deliverable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.utils import timezone

from stocktake.accounts.choices import MembershipRole
from stocktake.accounts.tests.factories import actor_for, make_member, make_user
from stocktake.core.history import Actor
from stocktake.governance.models import WorkflowEvent
from stocktake.initiatives.choices import PartnerRole
from stocktake.initiatives.models import Initiative
from stocktake.initiatives.services import participation_add
from stocktake.initiatives.tests.factories import make_initiative
from stocktake.monitoring.models import Deliverable, Indicator, IndicatorPeriod, ProgressReport, Result
from stocktake.monitoring.services.reporting import ReportInput, report_approve, report_create, report_submit
from stocktake.organisations.models import Organisation
from stocktake.organisations.tests.factories import make_organisation


def moment(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(12)))


def set_published(initiative: Initiative, day: date) -> None:
    """As if the record had been published by review on ``day``."""
    Initiative.objects.filter(pk=initiative.pk).update(created=moment(day))
    WorkflowEvent.objects.create(
        initiative=initiative,
        from_state="in-review",
        to_state="published",
        action="publish",
        time=moment(day),
    )
    initiative.refresh_from_db()


@dataclass
class World:
    initiative: Initiative
    lead: Organisation
    member: Any
    admin: Any
    outsider: Any
    period: IndicatorPeriod
    deliverable: Deliverable


def make_world(*, published: date = date(2020, 1, 15), **fields: Any) -> World:
    lead = make_organisation(name="Ministry of ICT")
    initiative = make_initiative(**fields)
    participation_add(
        actor=Actor.system("factory"), initiative=initiative, organisation=lead, role=PartnerRole.LEAD
    )
    set_published(initiative, published)
    member = make_user(display_name="Mia Member")
    make_member(member, lead)
    admin = make_user(display_name="Ada Admin")
    make_member(admin, lead, role=MembershipRole.ADMIN)
    outsider = make_user()
    result = Result.objects.create(initiative=initiative, title="People connected")
    indicator = Indicator.objects.create(result=result, title="Schools online", unit="schools")
    period = IndicatorPeriod.objects.create(
        indicator=indicator, period_start=date(2020, 1, 1), period_end=date(2020, 12, 31), target_value=100
    )
    deliverable = Deliverable.objects.create(initiative=initiative, title="National backbone")
    return World(initiative, lead, member, admin, outsider, period, deliverable)


def approved_report(world: World, *, period_end: date, decided: date | None = None) -> ProgressReport:
    """A report the member filed and the admin approved (on ``decided``, by default the period's end)."""
    data = ReportInput(
        period_start=date(period_end.year - 1, period_end.month, 1), period_end=period_end, narrative="Done."
    )
    report = report_create(actor=actor_for(world.member), initiative=world.initiative, data=data)
    report_submit(actor=actor_for(world.member), report=report)
    report = report_approve(actor=actor_for(world.admin), report=report)
    ProgressReport.objects.filter(pk=report.pk).update(decided_at=moment(decided or period_end))
    report.refresh_from_db()
    return report
