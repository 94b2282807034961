"""URLs of the monitoring area "deliverables" (included by monitoring/urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
