"""Reading the monitoring area "reporting": the record's panels and the public reporting KPIs."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stocktake.initiatives.choices import PartnerRole, PublicationState
from stocktake.initiatives.filtersets import InitiativeFilters
from stocktake.initiatives.models import (
    Initiative,
    InitiativeActionLine,
    InitiativeCountry,
    InitiativeRegion,
    InitiativeSdgGoal,
    Participation,
)
from stocktake.monitoring.choices import ReportingStatus, ReportState
from stocktake.monitoring.models import (
    Deliverable,
    IndicatorPeriod,
    ProgressReport,
    ReportedActual,
    ReportedDeliverable,
    ReportingSchedule,
)
from stocktake.monitoring.reporting import (
    DEFAULT_CADENCE_MONTHS,
    BatchStanding,
    reporting_status,
    reporting_statuses,
)
from stocktake.vocabularies.models import ActionLine

STATUSES = list(ReportingStatus)


# The record's panels ----------------------------------------------------------------------------


def public_panel(initiative: Initiative, viewer: Any) -> dict[str, Any] | None:
    """What the public initiative page shows: status, dates and the approved reports (never drafts)."""
    if initiative.state != PublicationState.PUBLISHED:
        return None
    standing = reporting_status(initiative)
    reports = list(
        ProgressReport.objects.filter(initiative=initiative, state=ReportState.APPROVED).order_by(
            "-period_end", "-id"
        )
    )
    return {
        "status": standing.status,
        "next_due": standing.next_due,
        "last_report": standing.last_approved,
        "reports": reports,
    }


def workspace_panel(initiative: Initiative, viewer: Any) -> dict[str, Any] | None:
    """What the record's workspace shows: status, cadence, every report with its state, and what the
    viewer may do (write, submit, decide)."""
    from stocktake.accounts.permissions import is_organisation_admin, is_steward
    from stocktake.governance.permissions import can_edit, can_review, is_editor, lead_organisation_ids
    from stocktake.monitoring.services.reporting import can_decide, can_write_reports

    standing = reporting_status(initiative)
    schedule = ReportingSchedule.objects.filter(initiative=initiative).first()
    reports = list(
        ProgressReport.objects.filter(initiative=initiative)
        .select_related("author", "decided_by")
        .order_by("-period_end", "-id")
    )
    editor = is_editor(viewer, initiative)
    insider = editor or is_steward(viewer) or can_review(viewer, initiative)
    insider = insider or any(is_organisation_admin(viewer, pk) for pk in lead_organisation_ids(initiative))
    if not insider:  # others see what the public page shows
        reports = [report for report in reports if report.state == ReportState.APPROVED]
    for report in reports:
        report.can_decide = report.state == ReportState.SUBMITTED and can_decide(viewer, report)  # type: ignore[attr-defined]
        report.can_edit = editor and report.state in (ReportState.DRAFT, ReportState.RETURNED)  # type: ignore[attr-defined]
    return {
        "initiative": initiative,
        "status": standing.status,
        "next_due": standing.next_due,
        "last_report": standing.last_approved,
        "cadence_months": schedule.cadence_months if schedule else DEFAULT_CADENCE_MONTHS,
        "first_due": schedule.first_due if schedule else None,
        "can_set_cadence": can_edit(viewer, initiative),
        "can_write": can_write_reports(viewer, initiative),
        "reports": reports,
        "published": initiative.state == PublicationState.PUBLISHED,
    }


def report_lines(report: ProgressReport) -> dict[str, Any]:
    """A report's actuals and statuses, for showing it."""
    return {
        "actuals": list(
            ReportedActual.objects.filter(report=report)
            .select_related("period__indicator")
            .order_by("period_id")
        ),
        "statuses": list(
            ReportedDeliverable.objects.filter(report=report)
            .select_related("deliverable")
            .order_by("deliverable_id")
        ),
    }


def report_form_rows(initiative: Initiative) -> tuple[list[IndicatorPeriod], list[Deliverable]]:
    """The indicator periods and deliverables a report on ``initiative`` may give values for."""
    periods = list(
        IndicatorPeriod.objects.filter(indicator__result__initiative=initiative)
        .select_related("indicator__result")
        .order_by("indicator__result__position", "indicator__position", "indicator_id", "period_start", "id")
    )
    deliverables = list(Deliverable.objects.filter(initiative=initiative).order_by("position", "id"))
    return periods, deliverables


# Reporting KPIs ---------------------------------------------------------------------------------


@dataclass
class Tally:
    """Counts of records by status, and the days from publication to their first approved report."""

    key: str = ""
    label: str = ""
    counts: dict[str, int] = field(default_factory=lambda: {status.value: 0 for status in STATUSES})
    days_to_first: list[int] = field(default_factory=list)

    def add(self, standing: BatchStanding) -> None:
        self.counts[standing.status.value] += 1
        if standing.first_approved_on is not None:
            self.days_to_first.append(max(0, (standing.first_approved_on - standing.published_on).days))

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def share(self, status: str) -> float | None:
        return round(self.counts[status] / self.total, 4) if self.total else None

    @property
    def overdue_share(self) -> float | None:
        """Past their due date: overdue, or silent so long they count as inactive."""
        if not self.total:
            return None
        late = self.counts[ReportingStatus.OVERDUE] + self.counts[ReportingStatus.INACTIVE]
        return round(late / self.total, 4)

    @property
    def median_days_to_first_report(self) -> float | None:
        return statistics.median(self.days_to_first) if self.days_to_first else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "total": self.total,
            "counts": dict(self.counts),
            "shares": {status.value: self.share(status.value) for status in STATUSES},
            "overdue_share": self.overdue_share,
            "median_days_to_first_report": self.median_days_to_first_report,
            "with_a_report": len(self.days_to_first),
        }


DIMENSIONS = {
    "country": _("Country"),
    "region": _("Region"),
    "stakeholder_group": _("Stakeholder group of the lead organisation"),
    "action_line": _("WSIS Action Line"),
    "sdg_goal": _("SDG"),
}


def _memberships(dimension: str, ids: QuerySet[Any]) -> Iterable[tuple[int, str, str]]:
    """(initiative id, key, label) for each value of ``dimension`` the initiatives hold."""
    if dimension == "country":
        return InitiativeCountry.objects.filter(initiative_id__in=ids).values_list(
            "initiative_id", "country_id", "country__title"
        )
    if dimension == "region":
        return InitiativeRegion.objects.filter(initiative_id__in=ids).values_list(
            "initiative_id", "region__code", "region__name"
        )
    if dimension == "action_line":
        # A sub-line (C7.1) counts under its Action Line (C7).
        main = dict(ActionLine.objects.filter(parent__isnull=True).values_list("code", "title"))
        return (
            (pk, code.split(".")[0], f"{code.split('.')[0]} {main.get(code.split('.')[0], '')}".strip())
            for pk, code in InitiativeActionLine.objects.filter(initiative_id__in=ids).values_list(
                "initiative_id", "action_line__code"
            )
        )
    if dimension == "sdg_goal":
        return (
            (pk, str(number), f"{number}. {title}")
            for pk, number, title in InitiativeSdgGoal.objects.filter(initiative_id__in=ids).values_list(
                "initiative_id", "goal__number", "goal__short_title"
            )
        )
    if dimension == "stakeholder_group":
        return _lead_groups(ids)
    raise ValueError(dimension)


def _lead_groups(ids: QuerySet[Any]) -> list[tuple[int, str, str]]:
    """The stakeholder groups of each record's lead organisations, as ``lead_organisation_ids`` reads
    them: its lead partners, else its owning unit, else its accountable partners."""
    by_role: dict[int, dict[str, set[tuple[str, str]]]] = defaultdict(lambda: defaultdict(set))
    for pk, role, code, name in Participation.objects.filter(
        initiative_id__in=ids,
        role__in=[PartnerRole.LEAD, PartnerRole.ACCOUNTABLE],
        organisation__stakeholder_group__isnull=False,
    ).values_list(
        "initiative_id", "role", "organisation__stakeholder_group_id", "organisation__stakeholder_group__name"
    ):
        by_role[pk][role].add((code, name))
    has_lead = set(
        Participation.objects.filter(initiative_id__in=ids, role=PartnerRole.LEAD).values_list(
            "initiative_id", flat=True
        )
    )
    owners = {
        pk: (code, name)
        for pk, code, name in Initiative.objects.filter(pk__in=ids, owning_unit__isnull=False).values_list(
            "pk", "owning_unit__stakeholder_group_id", "owning_unit__stakeholder_group__name"
        )
    }
    rows: list[tuple[int, str, str]] = []
    for pk in set(by_role) | set(owners):
        if pk in has_lead:
            groups = by_role[pk][PartnerRole.LEAD]
        elif pk in owners:
            groups = {owners[pk]} if owners[pk][0] else set()
        else:
            groups = by_role[pk][PartnerRole.ACCOUNTABLE]
        rows.extend((pk, code, name) for code, name in groups)
    return rows


def reporting_kpis(filters: InitiativeFilters | None = None, today: date | None = None) -> dict[str, Any]:
    """The reporting KPIs of the published initiatives the filters select (as the initiatives list)."""
    from stocktake.initiatives.selectors import initiative_list

    today = today or timezone.localdate()
    initiatives = initiative_list(filters or InitiativeFilters()).order_by()
    standings = reporting_statuses(initiatives, today)
    overall = Tally()
    for standing in standings.values():
        overall.add(standing)
    ids = initiatives.values("pk")
    breakdowns: dict[str, list[dict[str, Any]]] = {}
    for dimension in DIMENSIONS:
        tallies: dict[str, Tally] = {}
        seen: set[tuple[int, str]] = set()
        for pk, key, label in _memberships(dimension, ids):
            if pk not in standings or (pk, str(key)) in seen:
                continue
            seen.add((pk, str(key)))
            tally = tallies.setdefault(str(key), Tally(key=str(key), label=str(label)))
            tally.add(standings[pk])
        ordered = sorted(tallies.values(), key=lambda t: (-t.total, t.label))
        breakdowns[dimension] = [tally.as_dict() for tally in ordered]
    return {"today": today, "overall": overall.as_dict(), "breakdowns": breakdowns}
