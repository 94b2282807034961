"""The monitoring parts of the initiative page and of the record's workspace, one per area."""

from __future__ import annotations

from typing import Any

from stocktake.initiatives.models import Initiative
from stocktake.monitoring.selectors import deliverables, health, reporting, results

AREAS = {"results": results, "deliverables": deliverables, "reporting": reporting, "health": health}


def public_panels(initiative: Initiative, viewer: Any) -> dict[str, Any]:
    return {name: module.public_panel(initiative, viewer) for name, module in AREAS.items()}


def workspace_panels(initiative: Initiative, viewer: Any) -> dict[str, Any]:
    return {name: module.workspace_panel(initiative, viewer) for name, module in AREAS.items()}
