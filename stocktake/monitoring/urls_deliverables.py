"""URLs of the monitoring area "deliverables" (included by monitoring/urls.py)."""

from django.urls import URLPattern, path

from stocktake.monitoring.views import deliverables as views

urlpatterns: list[URLPattern] = [
    path("records/<str:code>/deliverables/new/", views.deliverable_add, name="deliverables_add"),
    path("records/<str:code>/deliverables/<int:pk>/", views.deliverable_edit, name="deliverables_edit"),
    path(
        "records/<str:code>/deliverables/<int:pk>/delete/",
        views.deliverable_remove,
        name="deliverables_delete",
    ),
    path(
        "records/<str:code>/deliverables/<int:pk>/evidence/",
        views.evidence_add,
        name="deliverables_evidence_add",
    ),
    path(
        "records/<str:code>/deliverables/<int:pk>/evidence/remove/",
        views.evidence_remove,
        name="deliverables_evidence_remove",
    ),
    path("targets/", views.targets, name="deliverables_targets"),
    path("targets/<slug:key>/", views.target_detail, name="deliverables_target"),
]
