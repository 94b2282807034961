"""API of the monitoring area "deliverables"."""

from ninja import Router

router = Router(tags=["monitoring"])
