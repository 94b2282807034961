"""Reminders: before and after the due date, once per due date and kind, again for a new due date."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from stocktake.accounts.models import Notification
from stocktake.monitoring.choices import ReminderKind
from stocktake.monitoring.models import ReminderSent
from stocktake.monitoring.services.reporting import reminder_kind, reminders_send
from stocktake.monitoring.tests.reporting_factories import approved_report, make_world

pytestmark = pytest.mark.django_db


def test_reminder_windows() -> None:
    due = date(2021, 1, 15)
    assert reminder_kind(due, date(2020, 12, 15)) is None  # 31 days before
    assert reminder_kind(due, date(2020, 12, 16)) == ReminderKind.BEFORE
    assert reminder_kind(due, date(2021, 1, 15)) is None
    assert reminder_kind(due, date(2021, 1, 21)) is None
    assert reminder_kind(due, date(2021, 1, 22)) == ReminderKind.AFTER


def _reminders(world) -> list[tuple[date, str]]:
    return list(
        ReminderSent.objects.filter(initiative=world.initiative)
        .order_by("due_date", "kind")
        .values_list("due_date", "kind")
    )


def test_running_twice_sends_once(django_capture_on_commit_callbacks) -> None:
    world = make_world(published=date(2020, 1, 15))
    with django_capture_on_commit_callbacks(execute=True):
        run = reminders_send(today=date(2020, 12, 20))
    assert (run.sent, run.recipients) == (1, 2)  # the lead's member and admin
    assert sorted(message.to[0] for message in mail.outbox) == sorted([world.member.email, world.admin.email])
    with django_capture_on_commit_callbacks(execute=True):
        again = reminders_send(today=date(2020, 12, 21))
    assert (again.sent, again.already_sent) == (0, 1)
    assert len(mail.outbox) == 2
    assert _reminders(world) == [(date(2021, 1, 15), ReminderKind.BEFORE)]
    # After the due date, once more; then never again for that date.
    reminders_send(today=date(2021, 1, 25))
    reminders_send(today=date(2021, 3, 1))
    assert _reminders(world) == [
        (date(2021, 1, 15), ReminderKind.AFTER),
        (date(2021, 1, 15), ReminderKind.BEFORE),
    ]
    assert (
        Notification.objects.filter(user=world.member, subject__contains=world.initiative.code).count() == 2
    )


def test_a_new_due_date_after_an_approved_report_sends_again() -> None:
    world = make_world(published=date(2020, 1, 15))
    reminders_send(today=date(2021, 1, 25))
    approved_report(world, period_end=date(2021, 1, 31), decided=date(2021, 2, 10))
    assert reminders_send(today=date(2021, 6, 1)).sent == 0  # up to date
    assert reminders_send(today=date(2022, 1, 10)).sent == 1
    assert _reminders(world) == [
        (date(2021, 1, 15), ReminderKind.AFTER),
        (date(2022, 1, 31), ReminderKind.BEFORE),
    ]


def test_only_published_records_and_dry_run_sends_nothing() -> None:
    world = make_world(published=date(2020, 1, 15))
    draft = make_world(published=date(2020, 1, 15))
    draft.initiative.state = "draft"
    draft.initiative.save(update_fields=["state"])
    out = StringIO()
    call_command("send_reminders", "--today", "2021-01-25", "--dry-run", stdout=out)
    assert "1 would be sent" in out.getvalue()
    assert world.initiative.code in out.getvalue()
    assert not ReminderSent.objects.exists()
    out = StringIO()
    call_command("send_reminders", "--today", "2021-01-25", stdout=out)
    assert "1 sent to 2 people" in out.getvalue()
    out = StringIO()
    call_command("send_reminders", "--today", "2021-01-25", stdout=out)
    assert "0 sent" in out.getvalue() and "1 already sent" in out.getvalue()
    assert not ReminderSent.objects.filter(initiative=draft.initiative).exists()
