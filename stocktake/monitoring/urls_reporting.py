"""URLs of the monitoring area "reporting" (included by monitoring/urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
