"""``/api/v1/search``: similar initiatives, and experiences for a situation, each with its reasons."""

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.decorators import decorate_view

from stocktake.core.caching import public_page
from stocktake.initiatives.rows import InitiativeRow
from stocktake.initiatives.schemas import InitiativeOut
from stocktake.search.similar import (
    MAX_EXPERIENCES,
    MAX_SIMILAR,
    ReasonKind,
    SimilarCase,
    Situation,
    experiences_for,
    initiative_for_code,
    similar_initiatives,
)

router = Router(tags=["search"])


class ReasonOut(Schema):
    kind: ReasonKind = Field(
        ...,
        description="What is shared (wsis, sdg, country, country_group, region, partner, text) or why the "
        "case is worth reading (outcome, lessons)",
    )
    text: str = Field(..., description="The reason in words, in the language asked for")
    values: list[str] = Field(
        ..., description='The codes, organisation slugs or words it rests on, e.g. ["C7.1"]'
    )


class CaseOut(Schema):
    initiative: InitiativeOut
    score: float = Field(..., description="Higher is more alike; comparable within one answer only")
    reasons: list[ReasonOut]

    @staticmethod
    def resolve_initiative(obj: SimilarCase) -> InitiativeRow:
        return obj.row


class SimilarOut(Schema):
    code: str = Field(..., description="The initiative the others are like")
    items: list[CaseOut]


class ExperiencesOut(Schema):
    items: list[CaseOut]


class SimilarParams(Schema):
    limit: int = Field(5, ge=1, le=MAX_SIMILAR, description="How many initiatives at most")


class ExperienceParams(Schema):
    limit: int = Field(20, ge=1, le=MAX_EXPERIENCES, description="How many initiatives at most")


@router.get("/similar/{code}", response=SimilarOut, summary="Initiatives similar to one")
@decorate_view(public_page)
def similar(request: HttpRequest, code: str, params: Query[SimilarParams]) -> dict[str, Any]:
    """The initiatives most like the one with this code (or any other identifier of it), best first,
    each with the reasons: shared WSIS Action Lines and SDGs, the same country, country group (LDC,
    LLDC, SIDS) or sub-region, shared partners and distinctive words. 404 if no initiative has the code."""
    initiative = initiative_for_code(code)
    return {"code": initiative.code, "items": similar_initiatives(initiative, limit=params.limit)}


@router.get("/experiences", response=ExperiencesOut, summary="Experiences for a situation")
@decorate_view(public_page)
def experiences(
    request: HttpRequest, situation: Query[Situation], params: Query[ExperienceParams]
) -> dict[str, Any]:
    """Initiatives to learn from for someone working in a country (or a country group), on some themes
    (WSIS Action Lines, SDGs), with a need in a few words, best first, each with the reasons. Concluded
    and sustained initiatives and those with lessons learned rank higher. Give at least one of
    ``country``, ``country_group``, ``wsis``, ``sdg`` or ``q``; unknown codes give 422."""
    return {"items": experiences_for(situation, limit=params.limit)}
