from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

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


class InitiativeAdminForm(forms.ModelForm):
    """Carries the version the steward started from: a save over someone else's newer edit is refused."""

    base_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["base_version"].initial = self.instance.version

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        base = cleaned.get("base_version")
        if self.instance.pk and base is not None:
            stored = Initiative.objects.filter(pk=self.instance.pk).values_list("version", flat=True)
            current = stored.first()
            if current != base:
                message = _(
                    "Someone saved this record (version %(current)s) after you opened it (version "
                    "%(base)s). Open it again to see their changes, then make yours."
                )
                raise ValidationError(message % {"current": current, "base": base})
        return cleaned


@admin.register(Initiative)
class InitiativeAdmin(HistoryAdmin):
    form = InitiativeAdminForm
    list_display = ("code", "title", "kind", "state", "status", "outcome", "updated")
    list_filter = ("state", "kind", "status", "outcome", "scope")
    search_fields = ("code", "code_normalised", "title", "identifiers__value")
    autocomplete_fields = ("parent", "owning_unit")
    # The review workflow moves these, through its services (``governance``), with its events.
    readonly_fields = ("code_normalised", "version", "state", "reviewed_version", "withdrawn_reason")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            obj.version += 1  # an edit like any other: forms opened on the old version are refused
        super().save_model(request, obj, form, change)

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
