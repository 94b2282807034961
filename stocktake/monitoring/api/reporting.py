"""API of the monitoring area "reporting": the public reporting KPIs."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.decorators import decorate_view

from stocktake.core.caching import public_page
from stocktake.initiatives.filtersets import InitiativeFilters
from stocktake.monitoring.selectors.reporting import reporting_kpis

router = Router(tags=["monitoring"])


class TallyOut(Schema):
    key: str
    label: str
    total: int
    counts: dict[str, int]
    shares: dict[str, float | None]
    overdue_share: float | None
    median_days_to_first_report: float | None
    with_a_report: int


class ReportingKpisOut(Schema):
    today: str
    overall: TallyOut
    breakdowns: dict[str, list[TallyOut]]


@router.get("/kpis/reporting", response=ReportingKpisOut, summary="Reporting KPIs")
@decorate_view(public_page)
def kpis_reporting(request: HttpRequest, filters: Query[InitiativeFilters]) -> dict[str, Any]:
    """How the published initiatives the filters select (the same as ``/api/v1/initiatives``) stand
    with their progress reports: counts and shares up-to-date, due, overdue and inactive; the overdue
    share (overdue or inactive); the median days from publication to the first approved report; the
    same by country, region, stakeholder group of the lead organisation, WSIS Action Line and SDG."""
    kpis = reporting_kpis(filters)
    return {**kpis, "today": kpis["today"].isoformat()}
