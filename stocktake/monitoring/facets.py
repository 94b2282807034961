"""Monitoring in search: each record's reporting status and SMART band, as facet values.

The search index stores them when it indexes a record (every write to its reports, schedule or
deliverables is a change of the record, so the index follows); the reporting status also moves
with time alone, so ``stocktake refresh_monitoring`` (daily, beside ``send_reminders``) re-indexes
the records whose status the calendar changed. The database applies the same values when a list is
filtered without the index (exports), through ``matching_ids``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.utils.translation import gettext_lazy as _

from stocktake.initiatives.models import Initiative
from stocktake.monitoring.choices import ReportingStatus
from stocktake.monitoring.reporting import reporting_statuses
from stocktake.monitoring.selectors.deliverables import smart_scores

# SMART bands: the mean score of a record's deliverables, rounded down. Records without deliverables
# have none (they would drown the facet).
SMART_BANDS = {
    "5": _("5 of 5: fully SMART"),
    "4": _("4 to 4.9"),
    "3": _("3 to 3.9"),
    "2": _("2 to 2.9"),
    "1": _("below 2"),
}


def smart_band(score: float | None) -> str | None:
    if score is None:
        return None
    return str(max(1, min(5, int(score))))


def facet_values(ids: Iterable[int], today: date | None = None) -> dict[int, dict[str, list[str]]]:
    """{initiative id: {"reporting": [status], "smart": [band]}} for the published ones among ``ids``."""
    ids = list(ids)
    published = Initiative.published.filter(pk__in=ids)
    values: dict[int, dict[str, list[str]]] = {}
    for pk, standing in reporting_statuses(published, today).items():
        values[pk] = {"reporting": [str(standing.status)], "smart": []}
    for pk, score in smart_scores(list(values)).items():
        band = smart_band(score)
        if band is not None:
            values[pk]["smart"] = [band]
    return values


def matching_ids(candidates: Iterable[int], *, reporting: list[str], smart: list[str]) -> list[int]:
    """Those of ``candidates`` whose values are among the chosen ones (an empty choice: any)."""
    values = facet_values(candidates)
    return [
        pk
        for pk, facets in values.items()
        if (not reporting or set(facets["reporting"]) & set(reporting))
        and (not smart or set(facets["smart"]) & set(smart))
    ]


def facet_labels() -> dict[str, dict[str, str]]:
    return {
        "reporting": {value: str(label) for value, label in ReportingStatus.choices},
        "smart": {value: str(label) for value, label in SMART_BANDS.items()},
    }


def published_ids() -> list[int]:
    return list(Initiative.published.order_by("pk").values_list("pk", flat=True))
