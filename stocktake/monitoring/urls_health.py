"""URLs of the monitoring area "health" (included by monitoring/urls.py)."""

from django.urls import path

from stocktake.monitoring.views import health

urlpatterns = [
    path("health/flags/", health.health_flags, name="health_flags"),
    path("records/<str:code>/health/", health.health_rate, name="health_rate"),
]
