"""Loading the demo data: the four source documents turned into records (``data/demo.yaml``).

Everything goes through the same services as the web forms, so the demo records carry history and
pass the same validation. Loading twice adds nothing: initiatives already present are skipped.
``RecordWriter`` writes one record; the text page importer writes its records with it too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction

from stocktake.core.history import Actor
from stocktake.core.partial_dates import PartialDate
from stocktake.core.services import source_document_upsert
from stocktake.initiatives import services as initiatives
from stocktake.initiatives.models import FundingSource, Initiative
from stocktake.monitoring.services.deliverables import plan_of_action_load
from stocktake.organisations import services as organisations
from stocktake.organisations.models import Organisation
from stocktake.vocabularies.models import (
    ActionLine,
    Country,
    CountryGroup,
    Region,
    SdgTarget,
    StakeholderGroup,
)

DEMO_FILE = Path(__file__).resolve().parent / "data" / "demo.yaml"
SUPPORTED_VERSIONS = (1,)
# The lists of a record that RecordWriter writes after its other codes, in this order.
CHILD_KEYS = (
    "sections",
    "countries",
    "regions",
    "country_groups",
    "budgets",
    "funding",
    "participations",
    "stakeholder_mentions",
    "action_lines",
    "sdg_targets",
    "documents",
    "sessions",
    "recommendations",
    "conflicts",
)


@dataclass
class DemoLoad:
    version: int
    created: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    organisations_created: int = 0


def _date(value: Any) -> PartialDate | None:
    return PartialDate.parse(str(value)) if value else None


def citation(item: dict[str, Any]) -> str:
    """One citation string: several listings joined when the value appears in each."""
    sources = item.get("sources") or ([item["source"]] if item.get("source") else [])
    return "; ".join(sources)


OrganisationResolver = Callable[[str | None], Organisation | None]
FundingSourceResolver = Callable[[dict[str, Any]], FundingSource]


def funding_source_by_key(funding: dict[str, Any]) -> FundingSource:
    """The funding source a record's funding entry names by its key (demo.yaml's way)."""
    return FundingSource.objects.get(key=funding["funding_source"])


class RecordWriter:
    """Writes one record in demo.yaml's format through the initiatives services, as a web form would.

    A record names organisations by reference (``owning_unit``, a participation's ``organisation``...) and
    funding sources by an entry of ``funding``; the caller says how a reference becomes a row: the demo
    loader looks its keys up, the text page importer matches names. Each ``add_<key>`` method writes one
    list of a record, so an importer can rewrite one list of an existing initiative the same way.
    """

    def __init__(
        self,
        *,
        actor: Actor,
        organisation: OrganisationResolver,
        funding_source: FundingSourceResolver = funding_source_by_key,
    ) -> None:
        self.actor = actor
        self.organisation = organisation
        self.funding_source = funding_source

    def fields(self, item: dict[str, Any]) -> dict[str, Any]:
        """The initiative's own fields (initiative_create's keyword arguments past code, kind and title)."""
        ict = item.get("ict") or {}
        return {
            "title_translations": item.get("title_translations") or {},
            "language": item.get("language", "en"),
            "summary": item.get("summary") or "",
            "status": item.get("status") or "",
            "outcome": item.get("outcome") or "",
            "scope": item.get("scope") or "",
            "planned_start": _date(item.get("planned_start")),
            "planned_end": _date(item.get("planned_end")),
            "actual_start": _date(item.get("actual_start")),
            "actual_end": _date(item.get("actual_end")),
            "time_frame_text": item.get("time_frame_text") or "",
            "deadline_text": item.get("deadline_text") or "",
            "venue": item.get("venue") or "",
            "venue_country": Country.objects.get(code=item["venue_country"])
            if item.get("venue_country")
            else None,
            "owning_unit": self.organisation(item.get("owning_unit")),
            "parent": initiatives.code_in_use(item["parent"]) if item.get("parent") else None,
            "software": [ict["software"]]
            if isinstance(ict.get("software"), str)
            else (ict.get("software") or []),
            "open_standards": ict.get("open_standards") or [],
            "software_licence": ict.get("licence") or "",
            "source_repository": ict.get("repository") or "",
            "provenance": item.get("sources") or [],
        }

    def create(self, item: dict[str, Any]) -> Initiative:
        initiative = initiatives.initiative_create(
            actor=self.actor, code=item["code"], kind=item["kind"], title=item["title"], **self.fields(item)
        )
        self.add_other_codes(initiative, item.get("other_codes", []), item)
        for key in CHILD_KEYS:
            getattr(self, f"add_{key}")(initiative, item.get(key, []))
        return initiative

    def add_other_codes(self, initiative: Initiative, codes: list[str], item: dict[str, Any]) -> None:
        for code in codes:
            initiatives.identifier_add(
                actor=self.actor,
                initiative=initiative,
                value=code,
                scheme="listing code",
                source=item.get("sources", [""])[0] if item.get("sources") else "",
            )

    def add_sections(self, initiative: Initiative, items: list[dict[str, Any]]) -> None:
        for section in items:
            initiatives.section_add(
                actor=self.actor,
                initiative=initiative,
                kind=section["kind"],
                text=section["text"],
                heading=section.get("heading") or "",
                source=citation(section),
            )

    def add_countries(self, initiative: Initiative, items: list[dict[str, Any]]) -> None:
        for link in items:
            initiatives.country_add(
                actor=self.actor,
                initiative=initiative,
                country=Country.objects.get(code=link["country"]),
                source=citation(link),
            )

    def add_regions(self, initiative: Initiative, items: list[dict[str, Any]]) -> None:
        for link in items:
            initiatives.region_add(
                actor=self.actor,
                initiative=initiative,
                region=Region.objects.get(code=link["region"]),
                source=citation(link),
            )

    def add_country_groups(self, initiative: Initiative, items: list[dict[str, Any]]) -> None:
        for link in items:
            initiatives.country_group_add(
                actor=self.actor,
                initiative=initiative,
                group=CountryGroup.objects.get(code=link["group"]),
                source=citation(link),
            )

    def add_budgets(self, initiative: Initiative, items: list[dict[str, Any]]) -> None:
        for budget in items:
            initiatives.budget_add(
                actor=self.actor,
                initiative=initiative,
                amount=Decimal(str(budget["amount"])),
                currency=budget["currency"],
                period_start=_date(budget.get("period_start")),
                period_end=_date(budget.get("period_end")),
                type=str(budget.get("type", "1")),
                status=str(budget.get("status", "1")),
                label=budget.get("label") or "",
                source=citation(budget),
            )

    def add_funding(self, initiative: Initiative, items: list[dict[str, Any]]) -> None:
        for funding in items:
            initiatives.funding_add(
                actor=self.actor,
                initiative=initiative,
                funding_source=self.funding_source(funding),
                source=citation(funding),
            )

    def add_participations(self, initiative: Initiative, items: list[dict[str, Any]]) -> None:
        for part in items:
            organisation = self.organisation(part["organisation"])
            if organisation is None:
                raise ValidationError(f"no organisation for the participation {part['organisation']!r}")
            initiatives.participation_add(
                actor=self.actor,
                initiative=initiative,
                organisation=organisation,
                role=part["role"],
                basis=part.get("basis", "stated"),
                source=citation(part),
                contribution_text=part.get("contribution") or "",
            )

    def add_stakeholder_mentions(self, initiative: Initiative, items: list[dict[str, Any]]) -> None:
        for mention in items:
            initiatives.stakeholder_mention_add(
                actor=self.actor,
                initiative=initiative,
                group=StakeholderGroup.objects.get(code=mention["group"]),
                text=mention["text"],
                source=citation(mention),
            )

    def add_action_lines(self, initiative: Initiative, items: list[dict[str, Any]]) -> None:
        for line in items:
            initiatives.action_line_add(
                actor=self.actor,
                initiative=initiative,
                action_line=ActionLine.objects.get(code=line["code"]),
                basis=line.get("basis", "editorial"),
                note=line.get("note") or "",
            )

    def add_sdg_targets(self, initiative: Initiative, items: list[dict[str, Any]]) -> None:
        for target in items:
            initiatives.sdg_target_add(
                actor=self.actor,
                initiative=initiative,
                target=SdgTarget.objects.get(code=str(target["code"])),
                basis=target.get("basis", "editorial"),
                note=target.get("note") or "",
            )

    def add_documents(self, initiative: Initiative, items: list[dict[str, Any]]) -> None:
        for document in items:
            initiatives.document_add(
                actor=self.actor,
                initiative=initiative,
                title=document["title"],
                url=document.get("url") or "",
                category=document.get("category") or "",
                language=document.get("language") or "",
                source=citation(document),
            )

    def add_sessions(self, initiative: Initiative, items: list[dict[str, Any]]) -> None:
        for session_item in items:
            session = initiatives.session_add(
                actor=self.actor,
                initiative=initiative,
                title=session_item["title"],
                date=_date(session_item.get("date")),
                description=session_item.get("description") or "",
            )
            for talk in session_item.get("presentations", []):
                initiatives.presentation_add(
                    actor=self.actor,
                    initiative=initiative,
                    session=session,
                    title=talk["title"],
                    presenter=talk.get("presenter") or "",
                    presenter_position=talk.get("presenter_position") or "",
                    organisation=self.organisation(talk.get("organisation")),
                )

    def add_recommendations(self, initiative: Initiative, items: list[dict[str, Any]]) -> None:
        for recommendation in items:
            initiatives.recommendation_add(
                actor=self.actor,
                initiative=initiative,
                number=str(recommendation["number"]),
                text=recommendation["text"],
                addressee=self.organisation(recommendation.get("addressee")),
            )

    def add_conflicts(self, initiative: Initiative, items: list[dict[str, Any]]) -> None:
        for conflict in items:
            initiatives.conflict_flag(
                actor=self.actor,
                initiative=initiative,
                field=conflict["field"],
                values=conflict["values"],
                note=conflict.get("note") or "",
            )


class _Loader:
    def __init__(self, actor: Actor, data: dict[str, Any], progress: Callable[[str], None] | None) -> None:
        self.actor = actor
        self.data = data
        self.progress = progress or (lambda _message: None)
        self.organisations: dict[str, Organisation] = {}
        self.result = DemoLoad(version=data["version"])

    def organisation(self, key: str | None) -> Organisation | None:
        if not key:
            return None
        if key not in self.organisations:
            raise ValidationError(f"demo data names an unknown organisation {key!r}")
        return self.organisations[key]

    def run(self) -> DemoLoad:
        for source in self.data.get("sources", []):
            source_document_upsert(
                actor=self.actor, key=source["key"], title=source["title"], file_name=source.get("file", "")
            )
        self.load_organisations()
        self.load_funding_sources()
        # Parents first, so children can point at them.
        pending = list(self.data["initiatives"])
        codes = {item["code"] for item in pending}
        ordered = [i for i in pending if not i.get("parent") or i["parent"] not in codes]
        ordered += [i for i in pending if i.get("parent") and i["parent"] in codes]
        for item in ordered:
            if initiatives.code_in_use(item["code"]) is not None:
                self.result.skipped.append(item["code"])
                continue
            self.progress(item["code"])
            self.load_initiative(item)
            self.result.created.append(item["code"])
        return self.result

    def load_organisations(self) -> None:
        items = self.data.get("organisations", [])
        for item in items:
            existing = Organisation.objects.filter(slug=item["key"]).first()
            if existing is not None:
                self.organisations[item["key"]] = existing
                continue
            group = item.get("stakeholder_group")
            self.organisations[item["key"]] = organisations.organisation_create(
                actor=self.actor,
                slug=item["key"],
                name=item["name"],
                acronym=item.get("acronym") or "",
                aliases=item.get("aliases") or [],
                stakeholder_group=StakeholderGroup.objects.get(code=group) if group else None,
                iati_type=item.get("iati_type") or "",
                country=Country.objects.get(code=item["country"]) if item.get("country") else None,
                city=item.get("city") or "",
                website=item.get("website") or "",
                description=item.get("description") or "",
                provenance=item.get("sources") or [],
            )
            self.result.organisations_created += 1
        for item in items:
            organisation = self.organisations[item["key"]]
            parent = self.organisation(item.get("parent"))
            if parent is not None and organisation.parent_id != parent.pk:
                organisations.organisation_update(actor=self.actor, organisation=organisation, parent=parent)

    def load_funding_sources(self) -> None:
        for item in self.data.get("funding_sources", []):
            if not FundingSource.objects.filter(key=item["key"]).exists():
                initiatives.funding_source_create(
                    actor=self.actor,
                    key=item["key"],
                    name=item["name"],
                    kind=item["kind"],
                    acronym=item.get("acronym") or "",
                    organisation=self.organisation(item.get("organisation")),
                )

    def load_initiative(self, item: dict[str, Any]) -> Initiative:
        return RecordWriter(actor=self.actor, organisation=self.organisation).create(item)


def demo_read(path: Path = DEMO_FILE) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    if data.get("version") not in SUPPORTED_VERSIONS:
        raise ValidationError(f"{path.name}: demo data version {data.get('version')!r} is not supported")
    return data


@transaction.atomic
def demo_load(
    *, actor: Actor, path: Path = DEMO_FILE, progress: Callable[[str], None] | None = None
) -> DemoLoad:
    """Loads the demo records that are not in the database yet, all or nothing, then the targets
    and deliverables of seed 000's plan of action (``data/targets.yaml``)."""
    result = _Loader(actor, demo_read(path), progress).run()
    plan_of_action_load(actor=actor)
    return result
