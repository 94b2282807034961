"""Reading the monitoring area "health"."""

from __future__ import annotations

from typing import Any

from stocktake.initiatives.models import Initiative


def public_panel(initiative: Initiative, viewer: Any) -> dict[str, Any] | None:
    """What the public initiative page shows of this area (None: nothing)."""
    return None


def workspace_panel(initiative: Initiative, viewer: Any) -> dict[str, Any] | None:
    """What the record's workspace (/records/<code>/) shows of this area to viewer (None: nothing)."""
    return None
