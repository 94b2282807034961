"""URLs of the monitoring area "health" (included by monitoring/urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
