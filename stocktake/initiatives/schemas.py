"""API representations of initiatives. Field names follow the model; codes are the public ones."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from stocktake.initiatives.models import Initiative
from stocktake.initiatives.rows import InitiativeRow
from stocktake.monitoring.reporting import standing_of
from stocktake.monitoring.selectors.deliverables import smart_score_of


class OrganisationRef(Schema):
    slug: str
    name: str
    acronym: str
    stakeholder_group: str | None

    @staticmethod
    def resolve_stakeholder_group(obj: Any) -> str | None:
        return obj.stakeholder_group_id


class PartnerOut(Schema):
    organisation: OrganisationRef
    role: str
    contribution_amount: Decimal | None
    contribution_currency: str
    contribution_text: str
    basis: str


class BudgetOut(Schema):
    amount: Decimal
    currency: str
    period_start: str | None
    period_end: str | None
    type: str
    status: str
    label: str

    @staticmethod
    def resolve_period_start(obj: Any) -> str | None:
        return obj.period_start_date.iso() if obj.period_start else None

    @staticmethod
    def resolve_period_end(obj: Any) -> str | None:
        return obj.period_end_date.iso() if obj.period_end else None


class FundingOut(Schema):
    key: str
    name: str
    acronym: str
    source: str


def _iso(value: Any) -> str | None:
    return value.iso() if value else None


class InitiativeOut(Schema):
    code: str
    title: str
    kind: str
    status: str
    outcome: str
    scope: str
    start: str | None
    end: str | None
    planned_start: str | None
    planned_end: str | None
    actual_start: str | None
    actual_end: str | None
    budgets: list[BudgetOut]
    funding_sources: list[FundingOut]
    countries: list[str]
    regions: list[str]
    country_groups: list[str]
    partners: list[PartnerOut]
    wsis_action_lines: list[str]
    wsis_sub_lines: list[str]
    sdg_goals: list[int]
    sdg_targets: list[str]
    url: str
    updated: datetime
    reporting_status: str | None = Field(description="up-to-date, due, overdue or inactive")
    next_report_due: date | None = Field(description="when the next progress report is due")
    smart_score: float | None = Field(
        None, description="Mean SMART score (0-5) of the record's deliverables; null without deliverables"
    )

    @staticmethod
    def resolve_smart_score(obj: Any) -> float | None:
        return smart_score_of(obj)

    @staticmethod
    def resolve_reporting_status(obj: Any) -> str | None:
        standing = standing_of(obj)
        return str(standing.status) if standing else None

    @staticmethod
    def resolve_next_report_due(obj: Any) -> date | None:
        standing = standing_of(obj)
        return standing.next_due if standing else None

    @staticmethod
    def resolve_start(obj: Initiative) -> str | None:
        return _iso(obj.start)

    @staticmethod
    def resolve_end(obj: Initiative) -> str | None:
        return _iso(obj.end)

    @staticmethod
    def resolve_planned_start(obj: Initiative) -> str | None:
        return _iso(obj.planned_start_date)

    @staticmethod
    def resolve_planned_end(obj: Initiative) -> str | None:
        return _iso(obj.planned_end_date)

    @staticmethod
    def resolve_actual_start(obj: Initiative) -> str | None:
        return _iso(obj.actual_start_date)

    @staticmethod
    def resolve_actual_end(obj: Initiative) -> str | None:
        return _iso(obj.actual_end_date)

    @staticmethod
    def resolve_budgets(obj: InitiativeRow) -> list[Any]:
        return obj.budgets

    @staticmethod
    def resolve_funding_sources(obj: InitiativeRow) -> list[dict[str, str]]:
        return [
            {
                "key": f.funding_source.key,
                "name": f.funding_source.name,
                "acronym": f.funding_source.acronym,
                "source": f.source,
            }
            for f in obj.fundings
        ]

    @staticmethod
    def resolve_countries(obj: InitiativeRow) -> list[str]:
        return [country.code for country in obj.countries]

    @staticmethod
    def resolve_regions(obj: InitiativeRow) -> list[str]:
        return [region.code for region in obj.regions]

    @staticmethod
    def resolve_country_groups(obj: InitiativeRow) -> list[str]:
        return [group.code for group in obj.country_groups]

    @staticmethod
    def resolve_partners(obj: InitiativeRow) -> list[Any]:
        return obj.participations

    @staticmethod
    def resolve_wsis_action_lines(obj: InitiativeRow) -> list[str]:
        return list(dict.fromkeys(line.main_code for line in obj.action_lines))

    @staticmethod
    def resolve_wsis_sub_lines(obj: InitiativeRow) -> list[str]:
        return [line.code for line in obj.action_lines if line.parent_id]

    @staticmethod
    def resolve_sdg_goals(obj: InitiativeRow) -> list[int]:
        return [goal.number for goal in obj.sdg_goals]

    @staticmethod
    def resolve_sdg_targets(obj: InitiativeRow) -> list[str]:
        return [target.code for target in obj.sdg_targets]

    @staticmethod
    def resolve_url(obj: Initiative, context: dict[str, Any]) -> str:
        request = (context or {}).get("request")
        return request.build_absolute_uri(obj.get_absolute_url()) if request else obj.get_absolute_url()


class SectionOut(Schema):
    kind: str
    title: str
    text: str
    language: str
    source: str


class DocumentOut(Schema):
    title: str
    url: str
    category: str
    language: str


class PresentationOut(Schema):
    title: str
    presenter: str
    presenter_position: str
    organisation: OrganisationRef | None


class SessionOut(Schema):
    title: str
    date: str | None
    description: str
    presentations: list[PresentationOut]

    @staticmethod
    def resolve_date(obj: Any) -> str | None:
        return _iso(obj.date_value)

    @staticmethod
    def resolve_presentations(obj: Any) -> list[Any]:
        return list(obj.presentations.all())


class RecommendationOut(Schema):
    number: str
    text: str
    addressee: OrganisationRef | None


class ConflictOut(Schema):
    field: str
    values: list[dict[str, Any]]
    note: str
    status: str


class StakeholderMentionOut(Schema):
    group: str
    text: str

    @staticmethod
    def resolve_group(obj: Any) -> str:
        return obj.group_id


class SectorOut(Schema):
    vocabulary: str
    code: str
    percentage: Decimal | None


class RelationOut(Schema):
    code: str
    type: str

    @staticmethod
    def resolve_code(obj: Any) -> str:
        return obj.to_initiative.code


class InitiativeDetailOut(InitiativeOut):
    other_codes: list[str]
    title_translations: dict[str, str]
    language: str
    summary: str
    time_frame_text: str
    deadline_text: str
    venue: str
    venue_country: str | None
    owning_unit: OrganisationRef | None
    parent: str | None
    children: list[str]
    sections: list[SectionOut]
    documents: list[DocumentOut]
    sessions: list[SessionOut]
    recommendations: list[RecommendationOut]
    stakeholder_mentions: list[StakeholderMentionOut]
    conflicts: list[ConflictOut]
    software: list[str]
    software_licence: str
    source_repository: str
    open_standards: list[str]
    dpg_status: str
    provenance: list[str]
    sectors: list[SectorOut]
    tags: list[str]
    related: list[RelationOut]

    @staticmethod
    def resolve_sectors(obj: Initiative) -> list[Any]:
        return list(obj.sectors.all())

    @staticmethod
    def resolve_tags(obj: Initiative) -> list[str]:
        return [tag.name for tag in obj.tags.all()]

    @staticmethod
    def resolve_related(obj: Initiative) -> list[Any]:
        return [relation for relation in obj.relations.all() if relation.to_initiative.is_public]

    @staticmethod
    def resolve_other_codes(obj: Initiative) -> list[str]:
        return [identifier.value for identifier in obj.identifiers.all()]

    @staticmethod
    def resolve_venue_country(obj: Initiative) -> str | None:
        return obj.venue_country_id

    @staticmethod
    def resolve_parent(obj: Initiative) -> str | None:
        return obj.parent.code if obj.parent and obj.parent.is_public else None

    @staticmethod
    def resolve_children(obj: Initiative) -> list[str]:
        return [child.code for child in obj.children.all() if child.is_public]

    @staticmethod
    def resolve_sections(obj: Initiative) -> list[Any]:
        return list(obj.sections.all())

    @staticmethod
    def resolve_documents(obj: Initiative) -> list[Any]:
        return list(obj.documents.all())

    @staticmethod
    def resolve_sessions(obj: Initiative) -> list[Any]:
        return list(obj.sessions.all())

    @staticmethod
    def resolve_recommendations(obj: Initiative) -> list[Any]:
        return list(obj.recommendations.all())

    @staticmethod
    def resolve_stakeholder_mentions(obj: Initiative) -> list[Any]:
        return list(obj.stakeholder_mentions.all())

    @staticmethod
    def resolve_conflicts(obj: Initiative) -> list[Any]:
        return list(obj.conflicts.all())
