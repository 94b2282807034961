from django.contrib import admin

from stocktake.core.admin import HistoryAdmin
from stocktake.organisations.models import Organisation, OrganisationAlias


class AliasInline(admin.TabularInline):
    model = OrganisationAlias
    fields = ("name",)
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(HistoryAdmin):
    list_display = ("name", "acronym", "stakeholder_group", "country", "parent")
    list_filter = ("stakeholder_group",)
    search_fields = ("name", "acronym", "aliases__name", "iati_identifier")
    autocomplete_fields = ("parent",)
    prepopulated_fields = {"slug": ("name",)}
    inlines = [AliasInline]
