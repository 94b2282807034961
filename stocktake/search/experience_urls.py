from django.urls import path

from stocktake.search import experiences

app_name = "experiences"
urlpatterns = [
    path("", experiences.experience_search, name="search"),
]
