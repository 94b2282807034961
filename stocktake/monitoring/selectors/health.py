"""Reading the monitoring area "health"."""

from __future__ import annotations

from typing import Any

from stocktake.initiatives.models import Initiative
from stocktake.monitoring.forms_health import HealthCheckForm
from stocktake.monitoring.health import HealthSummary, current_round_start, health_summary, round_end
from stocktake.monitoring.models import HealthCheck
from stocktake.monitoring.services.health import can_rate


def own_checks(initiative: Initiative, viewer: Any) -> tuple[HealthCheck | None, HealthCheck | None]:
    """``viewer``'s check of the current round and their latest before it (None: none)."""
    if viewer is None or not viewer.is_authenticated:
        return None, None
    start = current_round_start(initiative)
    checks = HealthCheck.objects.filter(initiative=initiative, author=viewer, round_start__lte=start)
    checks = checks.select_related("organisation").prefetch_related("ratings").order_by("-round_start")
    current = previous = None
    for check in checks[:2]:
        if check.round_start == start:
            current = check
        elif previous is None:
            previous = check
    return current, previous


def rating_form(initiative: Initiative, viewer: Any, current: HealthCheck | None) -> HealthCheckForm:
    form = HealthCheckForm(initiative=initiative, user=viewer)
    if current is not None:
        form.fill_from(current)
    return form


def _summary_context(summary: HealthSummary) -> dict[str, Any]:
    return {
        "summary": summary,
        "latest": summary.latest,
        "trend": summary.trend(),
        "diverging": summary.diverging(),
    }


def public_panel(initiative: Initiative, viewer: Any) -> dict[str, Any] | None:
    """What the public initiative page shows of this area (None: nothing)."""
    if not initiative.is_public:
        return None
    summary = health_summary(initiative)
    # The workspace shows only to editors, so other partners find the form from here.
    rater = can_rate(viewer, initiative)
    if not summary.rounds and not rater:
        return None
    return _summary_context(summary) | {"can_rate": rater, "initiative": initiative}


def workspace_panel(initiative: Initiative, viewer: Any) -> dict[str, Any] | None:
    """What the record's workspace (/records/<code>/) shows of this area to viewer (None: nothing)."""
    summary = health_summary(initiative)
    rater = can_rate(viewer, initiative)
    if not summary.rounds and not rater:
        return None
    context = _summary_context(summary) | {"can_rate": rater, "initiative": initiative}
    if rater:
        start = current_round_start(initiative)
        current, previous = own_checks(initiative, viewer)
        context |= {
            "form": rating_form(initiative, viewer, current),
            "round_start": start,
            "round_end": round_end(start),
            "current": current,
            "previous": {r.aspect: r for r in previous.ratings.all()} if previous else {},
        }
    return context
