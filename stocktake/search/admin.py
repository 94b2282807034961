"""Saved searches in the admin: a person's own data, so stewards may look and delete, not edit."""

from django.contrib import admin
from django.http import HttpRequest

from stocktake.search.models import SavedSearch


@admin.register(SavedSearch)
class SavedSearchAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "query", "created", "last_seen_at")
    list_select_related = ("user",)
    search_fields = ("name", "query", "user__username")
    readonly_fields = ("user", "name", "query", "created", "last_seen_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
