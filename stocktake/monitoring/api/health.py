"""API of the monitoring area "health"."""

from ninja import Router

router = Router(tags=["monitoring"])
