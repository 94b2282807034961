"""API of the monitoring area "results"."""

from ninja import Router

router = Router(tags=["monitoring"])
