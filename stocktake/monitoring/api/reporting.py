"""API of the monitoring area "reporting"."""

from ninja import Router

router = Router(tags=["monitoring"])
