from django.urls import path

from stocktake.jobs import views

app_name = "jobs"
urlpatterns = [
    path("", views.job_list, name="list"),
    path("import/", views.job_import, name="import"),
    path("export/", views.job_export, name="export"),
    path("<uuid:job_id>/", views.job_detail, name="detail"),
    path("<uuid:job_id>/status/", views.job_status, name="status"),
    path("<uuid:job_id>/report.json", views.job_report, name="report"),
    path("<uuid:job_id>/download/", views.job_output, name="output"),
]
