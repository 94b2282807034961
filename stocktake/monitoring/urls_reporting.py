"""URLs of the monitoring area "reporting" (included by monitoring/urls.py)."""

from django.urls import URLPattern, path

from stocktake.monitoring.views import reporting as views

urlpatterns: list[URLPattern] = [
    path("reporting/", views.kpis, name="reporting_kpis"),
    path("records/<str:code>/reports/new/", views.report_form, name="reporting_new"),
    path("records/<str:code>/reports/<int:pk>/edit/", views.report_form, name="reporting_edit"),
    path("records/<str:code>/reports/<int:pk>/submit/", views.report_submit, name="reporting_submit"),
    path("records/<str:code>/reports/<int:pk>/decide/", views.report_decide, name="reporting_decide"),
    path("records/<str:code>/reporting/cadence/", views.cadence, name="reporting_cadence"),
]
