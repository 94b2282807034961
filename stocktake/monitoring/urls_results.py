"""URLs of the monitoring area "results" (included by monitoring/urls.py)."""

from django.urls import URLPattern, path

from stocktake.monitoring.views import results as views

R = "records/<str:code>/results/"
urlpatterns: list[URLPattern] = [
    path(f"{R}add/", views.result_add, name="results_result_add"),
    path(f"{R}<int:pk>/edit/", views.result_edit, name="results_result_edit"),
    path(f"{R}<int:pk>/delete/", views.result_delete, name="results_result_delete"),
    path(f"{R}<int:pk>/indicators/add/", views.indicator_add, name="results_indicator_add"),
    path(f"{R}indicators/<int:pk>/edit/", views.indicator_edit, name="results_indicator_edit"),
    path(f"{R}indicators/<int:pk>/delete/", views.indicator_delete, name="results_indicator_delete"),
    path(f"{R}indicators/<int:pk>/periods/add/", views.period_add, name="results_period_add"),
    path(f"{R}periods/<int:pk>/edit/", views.period_edit, name="results_period_edit"),
    path(f"{R}periods/<int:pk>/delete/", views.period_delete, name="results_period_delete"),
    path(f"{R}periods/<int:pk>/groups/add/", views.disaggregation_add, name="results_disaggregation_add"),
    path(f"{R}groups/<int:pk>/delete/", views.disaggregation_delete, name="results_disaggregation_delete"),
]
