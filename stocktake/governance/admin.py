"""Reviews, workflow events and editing grants: shown to stewards, changed only through the workflow
(``/records/``, ``/review/``), whose services check conflicts of interest and notify."""

from __future__ import annotations

from django.contrib import admin

from stocktake.core.admin import ReadOnlyAdmin
from stocktake.governance.models import EditorGrant, Review, WorkflowEvent


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ("initiative", "reviewer", "status", "decision", "credit_label", "completed_at")
    list_filter = ("status", "decision")
    search_fields = ("initiative__code", "reviewer__username")


@admin.register(WorkflowEvent)
class WorkflowEventAdmin(ReadOnlyAdmin):
    list_display = ("time", "initiative", "action", "from_state", "to_state", "actor_label")
    list_filter = ("action", "to_state")
    search_fields = ("initiative__code", "actor_label", "note")
    date_hierarchy = "time"


@admin.register(EditorGrant)
class EditorGrantAdmin(ReadOnlyAdmin):
    list_display = ("initiative", "organisation", "granted_by", "created")
    search_fields = ("initiative__code", "organisation__name")
