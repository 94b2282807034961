from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from stocktake.api import api
from stocktake.pages.views import favicon, health_live, health_ready

urlpatterns = [
    path("api/", api.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("export/", include("stocktake.interchange.urls")),
    path("favicon.ico", favicon),
    path("health/live", health_live, name="health_live"),
    path("health/ready", health_ready, name="health_ready"),
]
urlpatterns += i18n_patterns(
    path("", include("stocktake.pages.urls")),
    path("", include("stocktake.search.urls")),
    path("initiatives/", include("stocktake.initiatives.urls")),
    path("organisations/", include("stocktake.organisations.urls")),
    path("jobs/", include("stocktake.jobs.urls")),
    path("experiences/", include("stocktake.search.experience_urls")),
    path("account/", include("stocktake.accounts.urls")),
    path("", include("stocktake.governance.urls")),
    path("", include("stocktake.monitoring.urls")),
    prefix_default_language=False,
)
