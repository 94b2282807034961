"""``/api/v1/organisations``."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.pagination import paginate

from stocktake.core.api import Pagination
from stocktake.core.caching import public_page
from stocktake.initiatives.selectors import organisation_participations
from stocktake.organisations import selectors
from stocktake.organisations.models import Organisation

router = Router(tags=["organisations"])


class OrganisationFilters(Schema):
    q: str = Field("", max_length=200, description="words in the name, acronym or aliases")
    stakeholder_group: str = ""
    country: str = Field("", description="ISO 3166-1 alpha-2 code")


class OrganisationOut(Schema):
    slug: str
    name: str
    acronym: str
    aliases: list[str]
    stakeholder_group: str | None
    iati_type: str
    iati_identifier: str | None
    country: str | None
    city: str
    website: str
    parent: str | None
    url: str

    @staticmethod
    def resolve_aliases(obj: Organisation) -> list[str]:
        return [alias.name for alias in obj.aliases.all()]

    @staticmethod
    def resolve_stakeholder_group(obj: Organisation) -> str | None:
        return obj.stakeholder_group_id

    @staticmethod
    def resolve_country(obj: Organisation) -> str | None:
        return obj.country_id

    @staticmethod
    def resolve_parent(obj: Organisation) -> str | None:
        return obj.parent.slug if obj.parent else None

    @staticmethod
    def resolve_url(obj: Organisation, context: dict[str, Any]) -> str:
        return context["request"].build_absolute_uri(obj.get_absolute_url())


class RoleOut(Schema):
    initiative: str
    title: str
    role: str


class OrganisationDetailOut(OrganisationOut):
    description: str
    units: list[str]
    roles: list[RoleOut]

    @staticmethod
    def resolve_units(obj: Organisation) -> list[str]:
        return [unit.slug for unit in obj.units.all()]

    @staticmethod
    def resolve_roles(obj: Organisation) -> list[dict[str, str]]:
        return [
            {"initiative": p.initiative.code, "title": p.initiative.title, "role": p.role}
            for p in organisation_participations(obj)
        ]


@router.get("", response=list[OrganisationOut], summary="List organisations")
@decorate_view(public_page)
@paginate(Pagination)
def list_organisations(request: HttpRequest, filters: Query[OrganisationFilters]) -> QuerySet[Organisation]:
    return selectors.organisation_list(**filters.dict()).prefetch_related("aliases")


@router.get("/{slug}", response=OrganisationDetailOut, summary="One organisation")
@decorate_view(public_page)
def get_organisation(request: HttpRequest, slug: str) -> Organisation:
    return selectors.organisation_by_slug(slug)
