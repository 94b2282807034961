from django.contrib import admin

from stocktake.core.admin import ReadOnlyAdmin
from stocktake.vocabularies.models import (
    ActionLine,
    Code,
    Codelist,
    Country,
    CountryGroup,
    Region,
    SdgGoal,
    SdgTarget,
    StakeholderGroup,
    VocabularyVersion,
)


@admin.register(VocabularyVersion)
class VocabularyVersionAdmin(ReadOnlyAdmin):
    list_display = ("name", "version", "item_count", "loaded_at")


@admin.register(ActionLine)
class ActionLineAdmin(ReadOnlyAdmin):
    list_display = ("code", "title", "facilitator")


@admin.register(SdgGoal)
class SdgGoalAdmin(ReadOnlyAdmin):
    list_display = ("number", "short_title")


@admin.register(SdgTarget)
class SdgTargetAdmin(ReadOnlyAdmin):
    list_display = ("code", "title")
    list_filter = ("goal",)
    search_fields = ("code", "title")


@admin.register(Region)
class RegionAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "level", "parent")


@admin.register(Country)
class CountryAdmin(ReadOnlyAdmin):
    list_display = ("code", "title", "region", "sub_region", "income_level")
    search_fields = ("code", "title", "iso3")


@admin.register(CountryGroup)
class CountryGroupAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "acronym")


@admin.register(StakeholderGroup)
class StakeholderGroupAdmin(ReadOnlyAdmin):
    list_display = ("code", "name")


@admin.register(Codelist)
class CodelistAdmin(ReadOnlyAdmin):
    list_display = ("name",)


@admin.register(Code)
class CodeAdmin(ReadOnlyAdmin):
    list_display = ("codelist", "code", "name", "active")
    list_filter = ("codelist",)
    search_fields = ("code", "name")
