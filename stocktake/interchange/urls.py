from django.urls import path

from stocktake.interchange import views

app_name = "interchange"
urlpatterns = [
    path("initiatives.<str:extension>", views.initiatives_export, name="initiatives_export"),
    path("template.xlsx", views.import_template_xlsx, name="import_template_xlsx"),
    path("template-<str:table>.csv", views.import_template_csv, name="import_template_csv"),
]
