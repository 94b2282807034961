"""``/api/v1/vocabularies``: every controlled vocabulary, titles in the six UN languages where official."""

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.decorators import decorate_view

from stocktake.core.caching import public_page
from stocktake.vocabularies.models import (
    ActionLine,
    Codelist,
    Country,
    CountryGroup,
    Region,
    SdgGoal,
    SdgTarget,
    StakeholderGroup,
    VocabularyVersion,
)

router = Router(tags=["vocabularies"])


class VersionOut(Schema):
    name: str
    version: str
    source: str
    licence: str
    item_count: int


class ActionLineOut(Schema):
    code: str
    parent: str | None
    title: str
    title_2003: str
    facilitator: str

    @staticmethod
    def resolve_parent(obj: ActionLine) -> str | None:
        return obj.parent.code if obj.parent else None


class SdgGoalOut(Schema):
    number: int
    title: str
    short_title: str
    translations: dict[str, str]


class SdgTargetOut(Schema):
    code: str
    goal: int
    title: str
    translations: dict[str, str]

    @staticmethod
    def resolve_goal(obj: SdgTarget) -> int:
        return obj.goal.number


class RegionOut(Schema):
    code: str
    name: str
    level: str
    parent: str | None

    @staticmethod
    def resolve_parent(obj: Region) -> str | None:
        return obj.parent.code if obj.parent else None


class CountryOut(Schema):
    code: str
    iso3: str
    m49: str
    name: str
    translations: dict[str, str]
    region: str | None
    sub_region: str | None
    intermediate_region: str | None
    income_level: str
    groups: list[str]

    @staticmethod
    def resolve_name(obj: Country) -> str:
        return obj.title

    @staticmethod
    def resolve_region(obj: Country) -> str | None:
        return obj.region.code if obj.region else None

    @staticmethod
    def resolve_sub_region(obj: Country) -> str | None:
        return obj.sub_region.code if obj.sub_region else None

    @staticmethod
    def resolve_intermediate_region(obj: Country) -> str | None:
        return obj.intermediate_region.code if obj.intermediate_region else None

    @staticmethod
    def resolve_groups(obj: Country) -> list[str]:
        return [m.group_id for m in obj.group_memberships.all() if m.until is None]


class CountryGroupOut(Schema):
    code: str
    name: str
    acronym: str
    source: str


class StakeholderGroupOut(Schema):
    code: str
    name: str
    description: str
    iati_organisation_types: list[str]


class CodeOut(Schema):
    code: str
    name: str
    description: str
    category: str
    active: bool


@router.get("", response=list[VersionOut], summary="Loaded vocabularies and their versions")
@decorate_view(public_page)
def list_vocabularies(request: HttpRequest) -> list[VocabularyVersion]:
    return list(VocabularyVersion.objects.all())


@router.get("/action-lines", response=list[ActionLineOut], summary="WSIS Action Lines and C7 sub-lines")
@decorate_view(public_page)
def list_action_lines(request: HttpRequest) -> list[ActionLine]:
    return list(ActionLine.objects.select_related("parent"))


@router.get("/sdg-goals", response=list[SdgGoalOut], summary="The 17 Sustainable Development Goals")
@decorate_view(public_page)
def list_sdg_goals(request: HttpRequest) -> list[SdgGoal]:
    return list(SdgGoal.objects.all())


@router.get("/sdg-targets", response=list[SdgTargetOut], summary="The 169 SDG targets")
@decorate_view(public_page)
def list_sdg_targets(request: HttpRequest) -> list[SdgTarget]:
    return list(SdgTarget.objects.select_related("goal"))


@router.get("/regions", response=list[RegionOut], summary="UN M49 regions")
@decorate_view(public_page)
def list_regions(request: HttpRequest) -> list[Region]:
    return list(Region.objects.select_related("parent"))


@router.get("/countries", response=list[CountryOut], summary="Countries with their regions and groups")
@decorate_view(public_page)
def list_countries(request: HttpRequest) -> list[Country]:
    return list(
        Country.objects.select_related("region", "sub_region", "intermediate_region")
        .prefetch_related("group_memberships")
        .order_by("code")
    )


@router.get("/country-groups", response=list[CountryGroupOut], summary="LDC, LLDC, SIDS and other groups")
@decorate_view(public_page)
def list_country_groups(request: HttpRequest) -> list[CountryGroup]:
    return list(CountryGroup.objects.all())


@router.get("/stakeholder-groups", response=list[StakeholderGroupOut], summary="Stakeholder groups")
@decorate_view(public_page)
def list_stakeholder_groups(request: HttpRequest) -> list[StakeholderGroup]:
    return list(StakeholderGroup.objects.all())


@router.get("/codelists", response=list[str], summary="Names of the loaded IATI codelists")
@decorate_view(public_page)
def list_codelists(request: HttpRequest) -> list[str]:
    return list(Codelist.objects.values_list("name", flat=True))


@router.get("/codelists/{name}", response=list[CodeOut], summary="The codes of one IATI codelist")
@decorate_view(public_page)
def get_codelist(request: HttpRequest, name: str) -> list[object]:
    codelist = get_object_or_404(Codelist, name=name)
    return list(codelist.codes.all())
