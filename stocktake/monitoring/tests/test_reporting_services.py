"""Progress reports through their services: who writes, submits and decides; what approval copies."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from stocktake.accounts.models import Notification
from stocktake.accounts.tests.factories import actor_for, make_member, make_user
from stocktake.core.models import HistoryEntry
from stocktake.initiatives.models import Initiative
from stocktake.monitoring.choices import DeliverableStatus, ReportState
from stocktake.monitoring.models import Deliverable, IndicatorPeriod, ReportedActual
from stocktake.monitoring.services.reporting import (
    ActualInput,
    ReportInput,
    StatusInput,
    can_decide,
    report_approve,
    report_create,
    report_edit,
    report_return,
    report_submit,
    schedule_set,
)
from stocktake.monitoring.tests.reporting_factories import World, make_world
from stocktake.organisations.tests.factories import make_organisation

pytestmark = pytest.mark.django_db


def _data(world: World, **overrides: object) -> ReportInput:
    fields: dict[str, object] = {
        "period_start": date(2020, 1, 1),
        "period_end": date(2020, 12, 31),
        "narrative": "Forty schools connected.",
        "lessons": "Start with the teachers.",
        "actuals": [ActualInput(period_id=world.period.pk, value=Decimal("40"), comment="audited")],
        "statuses": [StatusInput(deliverable_id=world.deliverable.pk, status=DeliverableStatus.ON_TRACK)],
    }
    fields.update(overrides)
    return ReportInput(**fields)  # type: ignore[arg-type]


def test_file_submit_approve_copies_actuals_and_statuses() -> None:
    world = make_world()
    report = report_create(actor=actor_for(world.member), initiative=world.initiative, data=_data(world))
    assert report.state == ReportState.DRAFT
    # Nothing reaches the record's results before approval.
    assert IndicatorPeriod.objects.get(pk=world.period.pk).actual_value is None
    report_submit(actor=actor_for(world.member), report=report)
    assert Notification.objects.filter(user=world.admin, subject__contains=world.initiative.code).exists()
    report = report_approve(actor=actor_for(world.admin), report=report, note="Thanks")
    assert (report.state, report.decided_by) == (ReportState.APPROVED, world.admin)
    period = IndicatorPeriod.objects.get(pk=world.period.pk)
    assert (period.actual_value, period.actual_comment) == (Decimal("40"), "audited")
    assert Deliverable.objects.get(pk=world.deliverable.pk).status == DeliverableStatus.ON_TRACK
    assert Notification.objects.filter(user=world.member, subject__contains="approved").exists()
    assert HistoryEntry.objects.filter(object_id=str(period.pk), note__startswith="progress report").exists()


def test_author_cannot_approve_own_report() -> None:
    world = make_world()
    report = report_create(actor=actor_for(world.admin), initiative=world.initiative, data=_data(world))
    report_submit(actor=actor_for(world.admin), report=report)
    assert not can_decide(world.admin, report)
    with pytest.raises(PermissionDenied):
        report_approve(actor=actor_for(world.admin), report=report)
    # Another admin of the lead organisation may.
    other_admin = make_user()
    make_member(other_admin, world.lead, role="admin")
    assert report_approve(actor=actor_for(other_admin), report=report).state == ReportState.APPROVED


def test_who_decides() -> None:
    world = make_world()
    report = report_create(actor=actor_for(world.member), initiative=world.initiative, data=_data(world))
    report_submit(actor=actor_for(world.member), report=report)
    neutral = make_user(reviewer=True)
    conflicted = make_user(reviewer=True)
    make_member(conflicted, world.lead)
    for person in (world.outsider, conflicted, make_user(steward=False)):
        with pytest.raises(PermissionDenied):
            report_approve(actor=actor_for(person), report=report)
    # A plain member of the lead organisation is no decider either.
    other_member = make_user()
    make_member(other_member, world.lead)
    with pytest.raises(PermissionDenied):
        report_return(actor=actor_for(other_member), report=report, note="no")
    assert can_decide(neutral, report)
    with pytest.raises(ValidationError):
        report_return(actor=actor_for(neutral), report=report, note="  ")
    report = report_return(actor=actor_for(neutral), report=report, note="Give the source of the 40.")
    assert report.state == ReportState.RETURNED
    assert Notification.objects.filter(user=world.member, subject__contains="returned").exists()
    # Returned: edited and submitted again; a decided report cannot be decided twice.
    with pytest.raises(ValidationError):
        report_approve(actor=actor_for(world.admin), report=report)
    report_edit(actor=actor_for(world.member), report=report, data=_data(world, narrative="Forty (census)."))
    report_submit(actor=actor_for(world.member), report=report)
    assert report_approve(actor=actor_for(world.admin), report=report).narrative == "Forty (census)."


def test_only_editors_write_and_only_published_records_report() -> None:
    world = make_world()
    with pytest.raises(PermissionDenied):
        report_create(actor=actor_for(world.outsider), initiative=world.initiative, data=_data(world))
    granted = make_organisation(name="Granted Org")
    world.initiative.editor_grants.create(organisation=granted)
    editor = make_user()
    make_member(editor, granted)
    assert (
        report_create(actor=actor_for(editor), initiative=world.initiative, data=_data(world)).author
        == editor
    )
    Initiative.objects.filter(pk=world.initiative.pk).update(state="draft")
    world.initiative.refresh_from_db()
    with pytest.raises(ValidationError):
        report_create(actor=actor_for(world.member), initiative=world.initiative, data=_data(world))
    # Drafts may still set their cadence.
    assert schedule_set(actor=actor_for(world.member), initiative=world.initiative, cadence_months=6).pk
    with pytest.raises(PermissionDenied):
        schedule_set(actor=actor_for(world.outsider), initiative=world.initiative, cadence_months=6)
    with pytest.raises(ValidationError):
        schedule_set(actor=actor_for(world.member), initiative=world.initiative, cadence_months=0)


def test_report_input_is_checked() -> None:
    world = make_world()
    other = make_world()
    member = actor_for(world.member)
    with pytest.raises(ValidationError) as error:
        report_create(
            actor=member,
            initiative=world.initiative,
            data=_data(world, actuals=[ActualInput(period_id=other.period.pk, value=Decimal(1))]),
        )
    assert "actuals" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        report_create(
            actor=member, initiative=world.initiative, data=_data(world, period_end=date(2019, 1, 1))
        )
    assert "period_end" in error.value.message_dict
    with pytest.raises(ValidationError):
        report_create(
            actor=member,
            initiative=world.initiative,
            data=_data(world, statuses=[StatusInput(deliverable_id=other.deliverable.pk, status="late")]),
        )
    # Empty actual rows are not kept.
    report = report_create(
        actor=member,
        initiative=world.initiative,
        data=_data(world, actuals=[ActualInput(period_id=world.period.pk)]),
    )
    assert not ReportedActual.objects.filter(report=report).exists()


def test_approved_report_cannot_be_edited() -> None:
    world = make_world()
    report = report_create(actor=actor_for(world.member), initiative=world.initiative, data=_data(world))
    report_submit(actor=actor_for(world.member), report=report)
    with pytest.raises(ValidationError):
        report_edit(actor=actor_for(world.member), report=report, data=_data(world))
