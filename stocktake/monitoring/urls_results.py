"""URLs of the monitoring area "results" (included by monitoring/urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
