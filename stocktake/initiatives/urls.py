from django.urls import path

from stocktake.initiatives import views

app_name = "initiatives"
urlpatterns = [
    path("", views.initiative_list, name="list"),
    path("<str:code>/", views.initiative_detail, name="detail"),
]
