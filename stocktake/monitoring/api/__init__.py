"""Monitoring in the API: one router per area, mounted at /api/v1/ by ``stocktake/api.py``."""

from ninja import Router

from stocktake.monitoring.api import deliverables, health, reporting, results

router = Router()
for area in (results, deliverables, reporting, health):
    router.add_router("", area.router)
