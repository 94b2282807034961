from django.urls import path

from stocktake.pages import views

app_name = "pages"
urlpatterns = [
    path("", views.home, name="home"),
    path("about/", views.about, name="about"),
    path("action-lines/", views.action_line_list, name="action_lines"),
    path("action-lines/<str:code>/", views.action_line_detail, name="action_line"),
    path("sdgs/", views.sdg_list, name="sdgs"),
    path("sdgs/<int:number>/", views.sdg_detail, name="sdg"),
    path("countries/", views.country_list, name="countries"),
    path("countries/<str:code>/", views.country_detail, name="country"),
]
