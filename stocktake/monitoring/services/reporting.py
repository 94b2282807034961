"""Writing the monitoring area "reporting": every write validated, in one transaction, with its history.

Progress reports go draft -> submitted -> approved or returned (returned ones are edited and submitted
again). Editors write and submit them; the lead organisation's admins, or reviewers without a conflict,
decide, never on a report they wrote. Approval copies the report's actuals into the indicator periods
and its statuses into the deliverables, so the record's results show what the partners reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from stocktake.accounts.choices import MembershipRole, MembershipStatus
from stocktake.accounts.permissions import acting_user, is_active_user, is_organisation_admin, is_steward
from stocktake.accounts.services import notify
from stocktake.core.history import Actor, save_with_history
from stocktake.governance.permissions import can_edit, can_review, is_editor, lead_organisation_ids
from stocktake.initiatives.choices import PublicationState
from stocktake.initiatives.models import Initiative
from stocktake.monitoring.choices import DeliverableStatus, ReminderKind, ReportState
from stocktake.monitoring.models import (
    Deliverable,
    IndicatorPeriod,
    ProgressReport,
    ReminderSent,
    ReportedActual,
    ReportedDeliverable,
    ReportingSchedule,
)
from stocktake.monitoring.reporting import reporting_statuses

User = get_user_model()

EDITABLE_REPORT_STATES = (ReportState.DRAFT, ReportState.RETURNED)
REMIND_BEFORE_DAYS = 30
REMIND_AFTER_DAYS = 7


def _workspace_url(initiative: Initiative) -> str:
    return reverse("governance:record", args=[initiative.code_normalised])


# Cadence ----------------------------------------------------------------------------------------


@transaction.atomic
def schedule_set(
    *, actor: Actor, initiative: Initiative, cadence_months: int, first_due: date | None = None
) -> ReportingSchedule:
    """Sets how often the record reports (its editors), and optionally when the first report is due."""
    user = acting_user(actor)
    if not can_edit(user, initiative):
        raise PermissionDenied(_("Only the record's editors can set how often it reports."))
    if not 1 <= cadence_months <= 36:
        raise ValidationError({"cadence_months": _("Choose between 1 and 36 months.")})
    schedule = ReportingSchedule.objects.filter(initiative=initiative).first() or ReportingSchedule(
        initiative=initiative
    )
    schedule.cadence_months = cadence_months
    schedule.first_due = first_due
    return save_with_history(schedule, actor=actor, parent=initiative)


# Progress reports -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActualInput:
    """An indicator period's actual as a report gives it (a percentage as numerator and denominator)."""

    period_id: int
    value: Decimal | None = None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    comment: str = ""

    @property
    def empty(self) -> bool:
        return self.value is None and self.numerator is None and self.denominator is None and not self.comment


@dataclass(frozen=True)
class StatusInput:
    deliverable_id: int
    status: str
    note: str = ""


@dataclass
class ReportInput:
    period_start: date
    period_end: date
    narrative: str = ""
    lessons: str = ""
    actuals: list[ActualInput] = field(default_factory=list)
    statuses: list[StatusInput] = field(default_factory=list)


def _check_report_input(initiative: Initiative, data: ReportInput) -> None:
    errors: dict[str, list[str]] = {}
    if data.period_end < data.period_start:
        errors["period_end"] = [_("The period ends before it starts.")]
    if not (data.narrative.strip() or data.actuals or data.statuses):
        errors["narrative"] = [_("Say what happened, or give an actual or a deliverable's status.")]
    periods = set(
        IndicatorPeriod.objects.filter(indicator__result__initiative=initiative).values_list("pk", flat=True)
    )
    if any(actual.period_id not in periods for actual in data.actuals):
        errors.setdefault("actuals", []).append(_("An actual names a period of another record's indicator."))
    for actual in data.actuals:
        if actual.denominator is not None and actual.denominator <= 0:
            errors.setdefault("actuals", []).append(_("A denominator must be greater than zero."))
            break
    deliverables = set(Deliverable.objects.filter(initiative=initiative).values_list("pk", flat=True))
    if any(status.deliverable_id not in deliverables for status in data.statuses):
        errors.setdefault("statuses", []).append(_("A status names another record's deliverable."))
    if any(status.status not in DeliverableStatus.values for status in data.statuses):
        errors.setdefault("statuses", []).append(_("Choose a status from the list."))
    if errors:
        raise ValidationError(errors)


def _write_lines(report: ProgressReport, data: ReportInput) -> None:
    """Replaces the report's actuals and statuses with ``data``'s (a draft's rows carry no history)."""
    ReportedActual.objects.filter(report=report).delete()
    ReportedDeliverable.objects.filter(report=report).delete()
    ReportedActual.objects.bulk_create(
        ReportedActual(
            report=report,
            period_id=actual.period_id,
            value=actual.value,
            numerator=actual.numerator,
            denominator=actual.denominator,
            comment=actual.comment.strip(),
        )
        for actual in data.actuals
        if not actual.empty
    )
    ReportedDeliverable.objects.bulk_create(
        ReportedDeliverable(
            report=report,
            deliverable_id=status.deliverable_id,
            status=status.status,
            note=status.note.strip(),
        )
        for status in data.statuses
    )


def can_write_reports(user: Any, initiative: Initiative) -> bool:
    """Editors of a published record (only published records report)."""
    return initiative.state == PublicationState.PUBLISHED and is_editor(user, initiative)


@transaction.atomic
def report_create(*, actor: Actor, initiative: Initiative, data: ReportInput) -> ProgressReport:
    user = acting_user(actor)
    if initiative.state != PublicationState.PUBLISHED:
        raise ValidationError(_("Only published records file progress reports."))
    if not is_editor(user, initiative):
        raise PermissionDenied(_("Only the record's editors can write its progress reports."))
    _check_report_input(initiative, data)
    report = ProgressReport(
        initiative=initiative,
        period_start=data.period_start,
        period_end=data.period_end,
        narrative=data.narrative.strip(),
        lessons=data.lessons.strip(),
        author=user,
    )
    save_with_history(report, actor=actor, parent=initiative)
    _write_lines(report, data)
    return report


def _locked_report(report: ProgressReport) -> ProgressReport:
    return ProgressReport.objects.select_for_update().select_related("initiative").get(pk=report.pk)


@transaction.atomic
def report_edit(*, actor: Actor, report: ProgressReport, data: ReportInput) -> ProgressReport:
    user = acting_user(actor)
    current = _locked_report(report)
    initiative = current.initiative
    if not is_editor(user, initiative):
        raise PermissionDenied(_("Only the record's editors can edit its progress reports."))
    if current.state not in EDITABLE_REPORT_STATES:
        raise ValidationError(_("Only a draft or a returned report can be edited."))
    _check_report_input(initiative, data)
    current.period_start = data.period_start
    current.period_end = data.period_end
    current.narrative = data.narrative.strip()
    current.lessons = data.lessons.strip()
    save_with_history(current, actor=actor, parent=initiative)
    _write_lines(current, data)
    return current


def deciders(initiative: Initiative) -> list[Any]:
    """Who is told a report awaits a decision: the lead organisations' admins, else the stewards."""
    admins = User.objects.filter(
        is_active=True,
        memberships__organisation_id__in=lead_organisation_ids(initiative),
        memberships__status=MembershipStatus.APPROVED,
        memberships__role=MembershipRole.ADMIN,
    ).distinct()
    return list(admins) or list(User.objects.filter(is_active=True, is_staff=True))


@transaction.atomic
def report_submit(*, actor: Actor, report: ProgressReport) -> ProgressReport:
    user = acting_user(actor)
    current = _locked_report(report)
    initiative = current.initiative
    if not is_editor(user, initiative):
        raise PermissionDenied(_("Only the record's editors can submit its progress reports."))
    if current.state not in EDITABLE_REPORT_STATES:
        raise ValidationError(_("Only a draft or a returned report can be submitted."))
    if initiative.state != PublicationState.PUBLISHED:
        raise ValidationError(_("Only published records file progress reports."))
    current.state = ReportState.SUBMITTED
    current.submitted_at = timezone.now()
    save_with_history(current, actor=actor, parent=initiative, note="submit")
    subject = _("A progress report of %(code)s awaits a decision") % {"code": initiative.code}
    for person in deciders(initiative):
        if person.pk != user.pk:
            notify(person, subject, url=_workspace_url(initiative))
    return current


def can_decide(user: Any, report: ProgressReport) -> bool:
    """The lead organisation's admin or a reviewer without a conflict, never the report's author."""
    if not is_active_user(user) or (report.author_id is not None and report.author_id == user.pk):
        return False
    initiative = report.initiative
    lead = lead_organisation_ids(initiative)
    is_lead_admin = any(is_organisation_admin(user, pk) for pk in lead) if lead else is_steward(user)
    return is_lead_admin or can_review(user, initiative)


def _decide(*, actor: Actor, report: ProgressReport, to: str, note: str) -> ProgressReport:
    user = acting_user(actor)
    current = _locked_report(report)
    initiative = current.initiative
    if current.author_id is not None and current.author_id == user.pk:
        raise PermissionDenied(_("You cannot decide on a report you wrote."))
    if not can_decide(user, current):
        raise PermissionDenied(
            _("Only the lead organisation's admins or a reviewer without a conflict decide on reports.")
        )
    if current.state != ReportState.SUBMITTED:
        raise ValidationError(_("Only a submitted report can be approved or returned."))
    current.state = to
    current.decided_by = user
    current.decided_at = timezone.now()
    current.decision_note = note.strip()
    save_with_history(current, actor=actor, parent=initiative, note=to)
    return current


def _apply_report(actor: Actor, report: ProgressReport) -> None:
    """Copies the approved report's actuals into the periods and its statuses into the deliverables."""
    initiative = report.initiative
    for actual in ReportedActual.objects.filter(report=report).select_related("period"):
        period = actual.period
        period.actual_value = actual.value
        period.actual_numerator = actual.numerator
        period.actual_denominator = actual.denominator
        if actual.comment:
            period.actual_comment = actual.comment
        save_with_history(period, actor=actor, parent=initiative, note=f"progress report {report.pk}")
    for line in ReportedDeliverable.objects.filter(report=report).select_related("deliverable"):
        deliverable = line.deliverable
        if deliverable.status != line.status:
            deliverable.status = line.status
            save_with_history(
                deliverable, actor=actor, parent=initiative, note=f"progress report {report.pk}"
            )


@transaction.atomic
def report_approve(*, actor: Actor, report: ProgressReport, note: str = "") -> ProgressReport:
    current = _decide(actor=actor, report=report, to=ReportState.APPROVED, note=note)
    _apply_report(actor, current)
    if current.author is not None:
        notify(
            current.author,
            _("Your progress report on %(code)s was approved") % {"code": current.initiative.code},
            body=current.decision_note,
            url=_workspace_url(current.initiative),
        )
    return current


@transaction.atomic
def report_return(*, actor: Actor, report: ProgressReport, note: str) -> ProgressReport:
    if not note.strip():
        raise ValidationError({"note": _("Say what the report needs before it can be approved.")})
    current = _decide(actor=actor, report=report, to=ReportState.RETURNED, note=note)
    if current.author is not None:
        notify(
            current.author,
            _("Your progress report on %(code)s was returned") % {"code": current.initiative.code},
            body=current.decision_note,
            url=_workspace_url(current.initiative),
        )
    return current


# Reminders --------------------------------------------------------------------------------------


@dataclass
class ReminderRun:
    considered: int = 0
    sent: int = 0
    already_sent: int = 0
    recipients: int = 0
    without_recipients: int = 0
    planned: list[tuple[str, str, date]] = field(default_factory=list)  # (code, kind, due date)


def reminder_kind(next_due: date, today: date) -> str | None:
    """Which reminder ``today`` calls for: from 30 days before the due date, and from 7 days after."""
    days = (today - next_due).days
    if -REMIND_BEFORE_DAYS <= days < 0:
        return ReminderKind.BEFORE
    if days >= REMIND_AFTER_DAYS:
        return ReminderKind.AFTER
    return None


def lead_members(initiative: Initiative) -> list[Any]:
    return list(
        User.objects.filter(
            is_active=True,
            memberships__organisation_id__in=lead_organisation_ids(initiative),
            memberships__status=MembershipStatus.APPROVED,
        ).distinct()
    )


def _reminder_subject(initiative: Initiative, kind: str, due: date) -> str:
    if kind == ReminderKind.BEFORE:
        return _("A progress report on %(code)s is due on %(date)s") % {"code": initiative.code, "date": due}
    return _("The progress report on %(code)s was due on %(date)s") % {"code": initiative.code, "date": due}


def reminders_send(*, today: date | None = None, dry_run: bool = False) -> ReminderRun:
    """E-mails the lead organisation's members of every published record whose report is coming due
    or overdue, once per due date and kind: the ReminderSent row is inserted first (its unique
    constraint stops a second run, even a concurrent one) and the mail leaves after the commit."""
    today = today or timezone.localdate()
    run = ReminderRun()
    published = Initiative.published.all()
    standings = reporting_statuses(published, today)
    initiatives = {i.pk: i for i in Initiative.objects.filter(pk__in=list(standings))}
    for pk, standing in sorted(standings.items()):
        if standing.next_due is None:
            continue
        kind = reminder_kind(standing.next_due, today)
        if kind is None:
            continue
        run.considered += 1
        initiative = initiatives[pk]
        if dry_run:
            if ReminderSent.objects.filter(initiative_id=pk, due_date=standing.next_due, kind=kind).exists():
                run.already_sent += 1
            else:
                run.planned.append((initiative.code, kind, standing.next_due))
            continue
        with transaction.atomic():
            try:
                with transaction.atomic():
                    reminder = ReminderSent.objects.create(
                        initiative_id=pk, due_date=standing.next_due, kind=kind
                    )
            except IntegrityError:
                run.already_sent += 1
                continue
            people = lead_members(initiative)
            subject = _reminder_subject(initiative, kind, standing.next_due)
            body = _("Write the report in the record's workspace.")
            for person in people:
                notify(person, subject, body=body, url=_workspace_url(initiative))
            ReminderSent.objects.filter(pk=reminder.pk).update(recipients=len(people))
        run.sent += 1
        run.recipients += len(people)
        if not people:
            run.without_recipients += 1
        run.planned.append((initiative.code, kind, standing.next_due))
    return run
