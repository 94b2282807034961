from django.urls import path

from stocktake.interchange import views

app_name = "interchange"
urlpatterns = [
    path("initiatives.<str:extension>", views.initiatives_export, name="initiatives_export"),
]
