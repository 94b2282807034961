"""What the search index holds for each initiative and organisation, read from the database in bulk.

The database is the source of truth; a document is a denormalised copy made for searching. Every
backend indexes the same documents, and the facet values here are defined to match
``initiatives.filtersets.initiatives_filter`` exactly (a test checks the two agree on random filters).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Q

from stocktake.core.text import normalise_code
from stocktake.initiatives.choices import SectionKind
from stocktake.initiatives.filtersets import LIST_FIELDS
from stocktake.initiatives.models import (
    Budget,
    Funding,
    Initiative,
    InitiativeIdentifier,
    Participation,
    Section,
)
from stocktake.initiatives.rows import vocabulary_links
from stocktake.monitoring.facets import facet_values as monitoring_facet_values
from stocktake.organisations.models import Organisation, OrganisationAlias
from stocktake.vocabularies import selectors as vocabularies

# Every list filter of several values is a facet, in the order the search page shows them.
FACETS = LIST_FIELDS
# Range facets: counted per year and per budget band rather than per value.
RANGE_FACETS = ("start_year", "budget")
BUDGET_CURRENCY = "USD"
ORIGINAL_BUDGET = "1"  # IATI BudgetType: original (2 is a revision of it)


@dataclass
class InitiativeDocument:
    pk: int
    code: str
    code_normalised: str
    title: str
    language: str
    summary: str
    updated: datetime
    identifiers: list[str] = field(default_factory=list)  # normalised
    other_titles: list[str] = field(default_factory=list)  # the title in other languages
    sections: list[tuple[str, str]] = field(default_factory=list)  # (language, text)
    partners: list[str] = field(default_factory=list)  # names, acronyms and aliases
    classifications: list[str] = field(default_factory=list)  # titles of links, in every language
    facets: dict[str, list[str]] = field(default_factory=dict)
    start: date | None = None
    budget: Decimal | None = None  # original budgets in USD, summed; None without any
    has_lessons: bool = False

    @property
    def start_year(self) -> int | None:
        return self.start.year if self.start else None

    def texts_by_language(self) -> dict[str, list[str]]:
        """Summary and sections grouped by language, so each is stemmed by its own rules."""
        grouped: dict[str, list[str]] = defaultdict(list)
        if self.summary:
            grouped[self.language].append(self.summary)
        for language, text in self.sections:
            grouped[language or self.language].append(text)
        return dict(grouped)

    @property
    def body(self) -> str:
        """Summary then sections: the text a snippet is cut from."""
        return "\n\n".join([self.summary, *(text for _language, text in self.sections)]).strip()


@dataclass
class OrganisationDocument:
    pk: int
    slug: str
    name: str
    acronym: str
    description: str
    updated: datetime
    aliases: list[str] = field(default_factory=list)
    identifier: str = ""
    country: str = ""
    stakeholder_group: str = ""


def _translations(obj: object, attribute: str = "translations") -> list[str]:
    values = getattr(obj, attribute, None) or {}
    return [value for value in values.values() if value]


def _region_with_ancestors(region_id: int) -> list[str]:
    regions = vocabularies.regions_by_id()
    codes: list[str] = []
    region = regions.get(region_id)
    while region is not None:
        codes.append(region.code)
        region = regions.get(region.parent_id) if region.parent_id else None
    return codes


def initiative_documents(ids: list[int], *, to_compare: bool = False) -> list[InitiativeDocument]:
    """Documents for the initiatives with these ids (those that still exist), in a fixed number of queries.

    ``to_compare``: only what similar cases compare (classifications, partners, texts, lessons), read
    in fewer queries: no other identifiers, budgets, funding sources or partners' aliases.
    """
    docs: dict[int, InitiativeDocument] = {}
    # Only published records are searched: a draft, a record in review or a withdrawn one is no
    # document, so the sync that follows its change of state removes it from the index.
    for row in Initiative.published.filter(pk__in=ids).values(
        "pk",
        "code",
        "code_normalised",
        "kind",
        "title",
        "title_translations",
        "language",
        "summary",
        "status",
        "outcome",
        "scope",
        "planned_start",
        "actual_start",
        "updated",
    ):
        facets: dict[str, list[str]] = {name: [] for name in FACETS}
        for name in ("kind", "status", "outcome", "scope"):
            if row[name]:
                facets[name].append(row[name])
        docs[row["pk"]] = InitiativeDocument(
            pk=row["pk"],
            code=row["code"],
            code_normalised=row["code_normalised"],
            title=row["title"],
            language=row["language"] or "en",
            summary=row["summary"],
            updated=row["updated"],
            other_titles=[t for t in (row["title_translations"] or {}).values() if t],
            facets=facets,
            start=row["actual_start"] or row["planned_start"],
        )
    if not docs:
        return []
    found = list(docs)
    _add_links(docs, found, fundings=not to_compare)
    _add_partners(docs, found, aliases=not to_compare)
    if not to_compare:
        for pk, normalised in InitiativeIdentifier.objects.filter(initiative_id__in=found).values_list(
            "initiative_id", "normalised"
        ):
            docs[pk].identifiers.append(normalised)
    for pk, kind, language, heading, text in (
        Section.objects.filter(initiative_id__in=found)
        .order_by("initiative_id", "position", "pk")
        .values_list("initiative_id", "kind", "language", "heading", "text")
    ):
        docs[pk].sections.append((language, f"{heading}\n{text}" if heading else text))
        if kind == SectionKind.LESSONS_LEARNED:
            docs[pk].has_lessons = True
    if not to_compare:
        _add_budgets(docs, found)
        for pk, monitored in monitoring_facet_values(found).items():
            docs[pk].facets.update(monitored)
    for doc in docs.values():
        for values in doc.facets.values():
            values[:] = sorted(set(values))
    return [docs[pk] for pk in ids if pk in docs]


def _add_budgets(docs: dict[int, InitiativeDocument], ids: list[int]) -> None:
    budgets: dict[int, Decimal] = defaultdict(Decimal)
    for pk, amount in (
        Budget.objects.filter(initiative_id__in=ids, currency=BUDGET_CURRENCY, type=ORIGINAL_BUDGET)
        .order_by()
        .values_list("initiative_id", "amount")
    ):
        budgets[pk] += amount
    for pk, total in budgets.items():
        docs[pk].budget = total


def _add_links(docs: dict[int, InitiativeDocument], ids: list[int], *, fundings: bool = True) -> None:
    lines = vocabularies.action_lines_by_id()
    for attribute, pk, value in vocabulary_links(ids):
        doc = docs[pk]
        if attribute == "countries":
            doc.facets["country"].append(value.code)
            doc.facets["region"].extend(value.region_codes())
            doc.classifications.extend([value.title, *_translations(value)])
        elif attribute == "regions":
            doc.facets["region"].extend(_region_with_ancestors(value.pk))
            doc.classifications.append(value.name)
        elif attribute == "country_groups":
            doc.facets["country_group"].append(value.code)
            doc.classifications.extend([value.name, value.acronym])
        elif attribute == "action_lines":
            doc.facets["wsis"].append(value.code)
            if value.parent_id:
                doc.facets["wsis"].append(lines[value.parent_id].code)
            doc.classifications.extend([value.title, *_translations(value)])
        elif attribute == "sdg_goals":
            doc.facets["sdg"].append(str(value.number))
            doc.classifications.extend([value.title, *_translations(value)])
        elif attribute == "sdg_targets":
            doc.facets["sdg"].append(value.code)
    if fundings:
        links = Funding.objects.filter(initiative_id__in=ids).order_by()
        for pk, key in links.values_list("initiative_id", "funding_source__key"):
            docs[pk].facets["funding"].append(key)


def _add_partners(docs: dict[int, InitiativeDocument], ids: list[int], *, aliases: bool = True) -> None:
    rows = list(
        # In the order they were added (the model's own order joins the initiatives to sort).
        Participation.objects.filter(initiative_id__in=ids)
        .order_by("pk")
        .values_list(
            "initiative_id",
            "organisation_id",
            "organisation__slug",
            "organisation__name",
            "organisation__acronym",
            "organisation__stakeholder_group_id",
        )
    )
    names_of: dict[int, list[str]] = defaultdict(list)
    if aliases:
        for organisation_id, name in OrganisationAlias.objects.filter(
            organisation_id__in={row[1] for row in rows}
        ).values_list("organisation_id", "name"):
            names_of[organisation_id].append(name)
    for pk, organisation_id, slug, name, acronym, group in rows:
        doc = docs[pk]
        doc.facets["organisation"].append(slug)
        if group:
            doc.facets["stakeholder_group"].append(group)
        doc.partners.extend([name, *([acronym] if acronym else []), *names_of[organisation_id]])


def organisation_documents(ids: list[int]) -> list[OrganisationDocument]:
    docs = {
        row["pk"]: OrganisationDocument(
            pk=row["pk"],
            slug=row["slug"],
            name=row["name"],
            acronym=row["acronym"],
            description=row["description"],
            updated=row["updated"],
            identifier=row["iati_identifier"] or "",
            country=row["country_id"] or "",
            stakeholder_group=row["stakeholder_group_id"] or "",
        )
        for row in Organisation.objects.filter(pk__in=ids).values(
            "pk",
            "slug",
            "name",
            "acronym",
            "description",
            "updated",
            "iati_identifier",
            "country_id",
            "stakeholder_group_id",
        )
    }
    for pk, name in OrganisationAlias.objects.filter(organisation_id__in=list(docs)).values_list(
        "organisation_id", "name"
    ):
        docs[pk].aliases.append(name)
    return [docs[pk] for pk in ids if pk in docs]


def initiative_ids_of_organisations(organisation_ids: list[int]) -> list[int]:
    """Initiatives whose documents name these organisations (their names are indexed with them)."""
    return list(
        Participation.objects.filter(organisation_id__in=organisation_ids)
        .values_list("initiative_id", flat=True)
        .distinct()
    )


def all_ids(model: type[Initiative] | type[Organisation], chunk: int = 5000) -> Iterator[list[int]]:
    """Every id of the model, in ascending chunks (for a rebuild), without holding them all at once."""
    last = 0
    while True:
        ids = list(model.objects.filter(Q(pk__gt=last)).order_by("pk").values_list("pk", flat=True)[:chunk])
        if not ids:
            return
        yield ids
        last = ids[-1]


def code_words(code: str) -> str:
    """A code as one searchable word: ``INT/13/001`` is found as ``INT13001`` too."""
    return normalise_code(code)
