"""Loading the demo data: the four source documents turned into records (``data/demo.yaml``).

Everything goes through the same services as the web forms, so the demo records carry history and
pass the same validation. Loading twice adds nothing: initiatives already present are skipped.
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


@dataclass
class DemoLoad:
    version: int
    created: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    organisations_created: int = 0


def _date(value: Any) -> PartialDate | None:
    return PartialDate.parse(str(value)) if value else None


def _source(item: dict[str, Any]) -> str:
    """One citation string: several listings joined when the value appears in each."""
    sources = item.get("sources") or ([item["source"]] if item.get("source") else [])
    return "; ".join(sources)


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
        actor = self.actor
        parent = initiatives.code_in_use(item["parent"]) if item.get("parent") else None
        ict = item.get("ict") or {}
        initiative = initiatives.initiative_create(
            actor=actor,
            code=item["code"],
            kind=item["kind"],
            title=item["title"],
            title_translations=item.get("title_translations") or {},
            language=item.get("language", "en"),
            summary=item.get("summary") or "",
            status=item.get("status") or "",
            outcome=item.get("outcome") or "",
            scope=item.get("scope") or "",
            planned_start=_date(item.get("planned_start")),
            planned_end=_date(item.get("planned_end")),
            actual_start=_date(item.get("actual_start")),
            actual_end=_date(item.get("actual_end")),
            time_frame_text=item.get("time_frame_text") or "",
            deadline_text=item.get("deadline_text") or "",
            venue=item.get("venue") or "",
            venue_country=Country.objects.get(code=item["venue_country"])
            if item.get("venue_country")
            else None,
            owning_unit=self.organisation(item.get("owning_unit")),
            parent=parent,
            software=[ict["software"]]
            if isinstance(ict.get("software"), str)
            else (ict.get("software") or []),
            open_standards=ict.get("open_standards") or [],
            software_licence=ict.get("licence") or "",
            source_repository=ict.get("repository") or "",
            provenance=item.get("sources") or [],
        )
        for code in item.get("other_codes", []):
            initiatives.identifier_add(
                actor=actor,
                initiative=initiative,
                value=code,
                scheme="listing code",
                source=item.get("sources", [""])[0] if item.get("sources") else "",
            )
        for section in item.get("sections", []):
            initiatives.section_add(
                actor=actor,
                initiative=initiative,
                kind=section["kind"],
                text=section["text"],
                heading=section.get("heading") or "",
                source=_source(section),
            )
        for link in item.get("countries", []):
            initiatives.country_add(
                actor=actor,
                initiative=initiative,
                country=Country.objects.get(code=link["country"]),
                source=_source(link),
            )
        for link in item.get("regions", []):
            initiatives.region_add(
                actor=actor,
                initiative=initiative,
                region=Region.objects.get(code=link["region"]),
                source=_source(link),
            )
        for link in item.get("country_groups", []):
            initiatives.country_group_add(
                actor=actor,
                initiative=initiative,
                group=CountryGroup.objects.get(code=link["group"]),
                source=_source(link),
            )
        for budget in item.get("budgets", []):
            initiatives.budget_add(
                actor=actor,
                initiative=initiative,
                amount=Decimal(str(budget["amount"])),
                currency=budget["currency"],
                period_start=_date(budget.get("period_start")),
                period_end=_date(budget.get("period_end")),
                type=str(budget.get("type", "1")),
                status=str(budget.get("status", "1")),
                label=budget.get("label") or "",
                source=_source(budget),
            )
        for funding in item.get("funding", []):
            initiatives.funding_add(
                actor=actor,
                initiative=initiative,
                funding_source=FundingSource.objects.get(key=funding["funding_source"]),
                source=_source(funding),
            )
        for part in item.get("participations", []):
            initiatives.participation_add(
                actor=actor,
                initiative=initiative,
                organisation=self.organisations[part["organisation"]],
                role=part["role"],
                basis=part.get("basis", "stated"),
                source=_source(part),
                contribution_text=part.get("contribution") or "",
            )
        for mention in item.get("stakeholder_mentions", []):
            initiatives.stakeholder_mention_add(
                actor=actor,
                initiative=initiative,
                group=StakeholderGroup.objects.get(code=mention["group"]),
                text=mention["text"],
                source=_source(mention),
            )
        for line in item.get("action_lines", []):
            initiatives.action_line_add(
                actor=actor,
                initiative=initiative,
                action_line=ActionLine.objects.get(code=line["code"]),
                basis=line.get("basis", "editorial"),
                note=line.get("note") or "",
            )
        for target in item.get("sdg_targets", []):
            initiatives.sdg_target_add(
                actor=actor,
                initiative=initiative,
                target=SdgTarget.objects.get(code=str(target["code"])),
                basis=target.get("basis", "editorial"),
                note=target.get("note") or "",
            )
        for document in item.get("documents", []):
            initiatives.document_add(
                actor=actor,
                initiative=initiative,
                title=document["title"],
                url=document.get("url") or "",
                category=document.get("category") or "",
                language=document.get("language") or "",
                source=_source(document),
            )
        for session_item in item.get("sessions", []):
            session = initiatives.session_add(
                actor=actor,
                initiative=initiative,
                title=session_item["title"],
                date=_date(session_item.get("date")),
                description=session_item.get("description") or "",
            )
            for talk in session_item.get("presentations", []):
                initiatives.presentation_add(
                    actor=actor,
                    initiative=initiative,
                    session=session,
                    title=talk["title"],
                    presenter=talk.get("presenter") or "",
                    presenter_position=talk.get("presenter_position") or "",
                    organisation=self.organisation(talk.get("organisation")),
                )
        for recommendation in item.get("recommendations", []):
            initiatives.recommendation_add(
                actor=actor,
                initiative=initiative,
                number=str(recommendation["number"]),
                text=recommendation["text"],
                addressee=self.organisation(recommendation.get("addressee")),
            )
        for conflict in item.get("conflicts", []):
            initiatives.conflict_flag(
                actor=actor,
                initiative=initiative,
                field=conflict["field"],
                values=conflict["values"],
                note=conflict.get("note") or "",
            )
        return initiative


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
    """Loads the demo records that are not in the database yet, all or nothing."""
    return _Loader(actor, demo_read(path), progress).run()
