"""The feeds of searches and the saved searches pages (both under the language prefix)."""

from django.urls import path

from stocktake.core.caching import public_page
from stocktake.search import views
from stocktake.search.feeds import InitiativeSearchFeed

app_name = "search"
urlpatterns = [
    # Public: the cache serves a feed until anything in the registry changes.
    path("initiatives/feed.atom", public_page(InitiativeSearchFeed()), name="feed"),
    path("searches/", views.saved_search_list, name="saved_list"),
    path("searches/save/", views.saved_search_save, name="saved_save"),
    path("searches/<int:pk>/", views.saved_search_open, name="saved_open"),
    path("searches/<int:pk>/rename/", views.saved_search_rename_view, name="saved_rename"),
    path("searches/<int:pk>/delete/", views.saved_search_delete_view, name="saved_delete"),
]
