"""The stewards' admin. Every save and delete made here is recorded in the history, like any other write."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models, transaction
from django.http import HttpRequest

from stocktake.core.history import Actor, delete_with_history, save_with_history
from stocktake.core.models import HistoryEntry, SourceDocument


class HistoryAdmin(admin.ModelAdmin):
    """A ModelAdmin whose writes, inline rows included, go through the history recorder."""

    def history_parent(self, obj: models.Model) -> models.Model | None:
        return None

    @transaction.atomic
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        save_with_history(obj, actor=Actor.from_request(request), parent=self.history_parent(obj))

    @transaction.atomic
    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        delete_with_history(obj, actor=Actor.from_request(request), parent=self.history_parent(obj))

    @transaction.atomic
    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            self.delete_model(request, obj)

    @transaction.atomic
    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        actor = Actor.from_request(request)
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            delete_with_history(obj, actor=actor, parent=form.instance)
        for obj in instances:
            save_with_history(obj, actor=actor, parent=form.instance)
        formset.save_m2m()


class ReadOnlyAdmin(admin.ModelAdmin):
    """Vocabularies and history are loaded or written by the system, never edited by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(HistoryEntry)
class HistoryEntryAdmin(ReadOnlyAdmin):
    list_display = ("time", "action", "content_type", "object_repr", "actor_label", "source")
    list_filter = ("source", "action", "content_type")
    search_fields = ("object_repr", "actor_label", "note")
    date_hierarchy = "time"


@admin.register(SourceDocument)
class SourceDocumentAdmin(HistoryAdmin):
    list_display = ("key", "title", "file_name")
