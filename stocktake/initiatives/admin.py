from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from stocktake.core.admin import HistoryAdmin
from stocktake.core.history import Actor
from stocktake.initiatives import services
from stocktake.initiatives.models import (
    Budget,
    Conflict,
    Document,
    Funding,
    FundingSource,
    Initiative,
    InitiativeActionLine,
    InitiativeCountry,
    InitiativeIdentifier,
    InitiativeSdgTarget,
    Participation,
    Section,
)


class IdentifierInline(admin.TabularInline):
    model = InitiativeIdentifier
    fields = ("value", "scheme", "source")
    extra = 0


class SectionInline(admin.StackedInline):
    model = Section
    fields = ("kind", "heading", "text", "language", "position", "source")
    extra = 0


class ParticipationInline(admin.TabularInline):
    model = Participation
    fields = (
        "organisation",
        "role",
        "contribution_amount",
        "contribution_currency",
        "contribution_text",
        "basis",
    )
    autocomplete_fields = ("organisation",)
    extra = 0


class BudgetInline(admin.TabularInline):
    model = Budget
    fields = ("amount", "currency", "period_start", "period_end", "type", "status", "label", "source")
    extra = 0


class FundingInline(admin.TabularInline):
    model = Funding
    fields = ("funding_source", "amount", "currency", "source")
    extra = 0


class CountryInline(admin.TabularInline):
    model = InitiativeCountry
    fields = ("country", "percentage", "basis", "source")
    extra = 0


class ActionLineInline(admin.TabularInline):
    model = InitiativeActionLine
    fields = ("action_line", "basis", "note")
    extra = 0


class SdgTargetInline(admin.TabularInline):
    model = InitiativeSdgTarget
    fields = ("target", "basis", "note")
    extra = 0


class DocumentInline(admin.TabularInline):
    model = Document
    fields = ("title", "url", "category", "language")
    extra = 0


@admin.register(Initiative)
class InitiativeAdmin(HistoryAdmin):
    list_display = ("code", "title", "kind", "status", "outcome", "updated")
    list_filter = ("kind", "status", "outcome", "scope")
    search_fields = ("code", "code_normalised", "title", "identifiers__value")
    autocomplete_fields = ("parent", "owning_unit")
    readonly_fields = ("code_normalised", "version")
    exclude = ("tags",)  # tags change through tag_add, which records them in the history
    inlines = [
        IdentifierInline,
        SectionInline,
        ParticipationInline,
        BudgetInline,
        FundingInline,
        CountryInline,
        ActionLineInline,
        SdgTargetInline,
        DocumentInline,
    ]


@admin.register(FundingSource)
class FundingSourceAdmin(HistoryAdmin):
    list_display = ("key", "name", "acronym", "kind", "organisation")


@admin.register(Conflict)
class ConflictAdmin(HistoryAdmin):
    """Where sources disagree; a steward records the decision with the "mark resolved" action."""

    list_display = ("initiative", "field", "status")
    list_filter = ("status", "field")
    readonly_fields = ("initiative", "field", "values", "note", "resolved_by", "resolved_at")
    actions = ["mark_resolved"]

    def history_parent(self, obj: Any) -> Any:
        return obj.initiative

    @admin.action(description="Mark resolved (write the decision in the resolution field first)")
    def mark_resolved(self, request: HttpRequest, queryset: QuerySet[Conflict]) -> None:
        actor = Actor.from_request(request)
        for conflict in queryset.exclude(status="resolved"):
            try:
                services.conflict_resolve(actor=actor, conflict=conflict, resolution=conflict.resolution)
            except ValidationError as error:
                self.message_user(request, f"{conflict}: {error}", messages.ERROR)
