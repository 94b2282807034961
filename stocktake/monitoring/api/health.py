"""API of the monitoring area "health": ``/api/v1/initiatives/{code}/health``."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Router, Schema
from ninja.decorators import decorate_view
from ninja.errors import HttpError

from stocktake.core.caching import public_page
from stocktake.governance.selectors import record_by_code
from stocktake.monitoring.choices import HealthAspect
from stocktake.monitoring.health import (
    HealthSummary,
    Tally,
    current_round_start,
    health_summary,
    round_months,
)

router = Router(tags=["monitoring"])


class TallyOut(Schema):
    green: int
    amber: int
    red: int
    total: int
    score: float | None


class AspectOut(TallyOut):
    aspect: str
    label: str


class GroupOut(Schema):
    stakeholder_group: str
    name: str
    aspects: list[AspectOut]


class RoundOut(Schema):
    start: date
    end: date
    checks: int
    aspects: list[AspectOut]
    stakeholder_groups: list[GroupOut]


class FlagOut(Schema):
    kind: str
    aspect: str
    reason: str
    groups: list[str]


class HealthOut(Schema):
    code: str
    round_months: int
    current_round_start: date
    scale: dict[str, int]
    rounds: list[RoundOut]
    flags: list[FlagOut]


def _aspects(tallies: dict[str, Tally]) -> list[dict[str, Any]]:
    return [
        {"aspect": aspect, "label": str(label), **tallies[aspect].as_dict()}
        for aspect, label in HealthAspect.choices
    ]


def health_out(code: str, start: date, summary: HealthSummary) -> dict[str, Any]:
    return {
        "code": code,
        "round_months": round_months(),
        "current_round_start": start,
        "scale": {"green": 2, "amber": 1, "red": 0},
        "rounds": [
            {
                "start": round_.start,
                "end": round_.end,
                "checks": round_.checks,
                "aspects": _aspects(round_.aspects),
                "stakeholder_groups": [
                    {
                        "stakeholder_group": group,
                        "name": summary.group_names[group],
                        "aspects": _aspects(tallies),
                    }
                    for group, tallies in sorted(round_.groups.items())
                ],
            }
            for round_ in summary.rounds
        ],
        "flags": [flag.as_dict() for flag in summary.flags],
    }


@router.get("/initiatives/{code}/health", response=HealthOut, summary="An initiative's partnership health")
@decorate_view(public_page)
def initiative_health(request: HttpRequest, code: str) -> dict[str, Any]:
    """The partners' health checks of a published initiative: per round (oldest first) and aspect, the
    number of green, amber and red ratings and the score (the mean of green 2, amber 1, red 0); the
    same per stakeholder group of the rating organisations; and the flags of the latest round ("low":
    a score below 1; "diverging": two stakeholder groups' scores 1 or more apart). Comments and their
    authors are not given."""
    try:
        initiative = record_by_code(code)
    except Http404:
        initiative = None
    if initiative is None or not initiative.is_public:
        raise HttpError(404, f"No initiative has the code {code!r}")
    summary = health_summary(initiative)
    return health_out(initiative.code, current_round_start(initiative), summary)
