from django.urls import include, path

app_name = "monitoring"
urlpatterns = [
    path("", include("stocktake.monitoring.urls_results")),
    path("", include("stocktake.monitoring.urls_deliverables")),
    path("", include("stocktake.monitoring.urls_reporting")),
    path("", include("stocktake.monitoring.urls_health")),
]
