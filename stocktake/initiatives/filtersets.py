"""The one definition of how initiatives are filtered and sorted.

The web list, the API (``/api/v1/initiatives?country=KE&wsis=C7``) and every export read the same
``InitiativeFilters`` and call the same ``initiatives_filter``, so the three never disagree.
Several values of one parameter mean "any of them"; different parameters must all hold.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from django.db.models import DecimalField, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, ExtractYear
from django.utils.translation import gettext_lazy
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from stocktake.initiatives.choices import Kind, Outcome, Scope
from stocktake.initiatives.models import (
    Budget,
    Funding,
    Initiative,
    InitiativeActionLine,
    InitiativeCountry,
    InitiativeCountryGroup,
    InitiativeRegion,
    InitiativeSdgGoal,
    InitiativeSdgTarget,
    Participation,
)
from stocktake.vocabularies.selectors import region_and_descendants

Sort = Literal["relevance", "code", "-code", "title", "-title", "start", "-start", "updated", "-updated"]
SORTS: tuple[str, ...] = Sort.__args__  # type: ignore[attr-defined]
LIST_FIELDS = (
    "kind",
    "status",
    "outcome",
    "scope",
    "country",
    "region",
    "country_group",
    "wsis",
    "sdg",
    "stakeholder_group",
    "organisation",
    "funding",
    "reporting",
    "smart",
)

# Each filter's name for people (the search page's facets, the export page's summary of a list).
FILTER_LABELS: dict[str, Any] = {
    "q": gettext_lazy("Words"),
    "kind": gettext_lazy("Kind"),
    "status": gettext_lazy("Status"),
    "outcome": gettext_lazy("Outcome"),
    "scope": gettext_lazy("Scope"),
    "country": gettext_lazy("Country"),
    "region": gettext_lazy("Region"),
    "country_group": gettext_lazy("Country group"),
    "wsis": gettext_lazy("WSIS Action Line"),
    "sdg": gettext_lazy("SDG"),
    "stakeholder_group": gettext_lazy("Partners include"),
    "organisation": gettext_lazy("Partner organisation"),
    "funding": gettext_lazy("Funding source"),
    "reporting": gettext_lazy("Reporting"),
    "smart": gettext_lazy("SMART deliverables"),
    "start_year_min": gettext_lazy("Started in or after"),
    "start_year_max": gettext_lazy("Started in or before"),
    "budget_min": gettext_lazy("Budget at least (US$)"),
    "budget_max": gettext_lazy("Budget at most (US$)"),
    "sort": gettext_lazy("Sort by"),
}


class InitiativeFilters(BaseModel):
    """Query parameters shared by the web list, the API and exports."""

    model_config = ConfigDict(extra="ignore")

    q: str = Field(
        "",
        max_length=200,
        description="Words to find in codes, titles, texts, partners and classifications, by relevance:"
        ' every word must match; "an exact phrase"; -excluded; either OR or. Accents do not matter.',
    )
    kind: list[Kind] = Field(default_factory=list, description="project, partnership, ppp, programme, ...")
    status: list[str] = Field(default_factory=list, description="IATI ActivityStatus codes, e.g. 2")
    outcome: list[Outcome] = Field(default_factory=list)
    scope: list[Scope] = Field(default_factory=list)
    country: list[str] = Field(default_factory=list, description="ISO 3166-1 alpha-2 codes, e.g. KE")
    region: list[str] = Field(
        default_factory=list,
        description="UN M49 region codes, e.g. 002 (Africa): the region, its sub-regions and its countries",
    )
    country_group: list[str] = Field(default_factory=list, description="ldc, lldc, sids, developing, ...")
    wsis: list[str] = Field(
        default_factory=list, description="WSIS Action Lines, e.g. C7 (with its sub-lines)"
    )
    sdg: list[str] = Field(default_factory=list, description="SDG goals (16) or targets (16.6)")
    stakeholder_group: list[str] = Field(default_factory=list, description="stakeholder group of a partner")
    organisation: list[str] = Field(default_factory=list, description="partner organisation slug")
    funding: list[str] = Field(default_factory=list, description="funding source key, e.g. xbtc")
    reporting: list[Literal["up-to-date", "due", "overdue", "inactive"]] = Field(
        default_factory=list, description="reporting status: up-to-date, due, overdue or inactive"
    )
    smart: list[Literal["1", "2", "3", "4", "5"]] = Field(
        default_factory=list,
        description="SMART score of the deliverables, rounded down: 5 (fully SMART) to 1 (below 2)",
    )
    start_year_min: int | None = Field(None, ge=1900, le=2200, description="started in or after this year")
    start_year_max: int | None = Field(None, ge=1900, le=2200, description="started in or before this year")
    budget_min: Decimal | None = Field(
        None, ge=0, max_digits=18, decimal_places=2, description="original budgets in USD total at least this"
    )
    budget_max: Decimal | None = Field(
        None, ge=0, max_digits=18, decimal_places=2, description="original budgets in USD total at most this"
    )
    sort: Sort | None = Field(None, description="relevance (the default with q), code (the default without)")

    @property
    def effective_sort(self) -> str:
        if self.sort is None or (self.sort == "relevance" and not self.q.strip()):
            return "relevance" if self.q.strip() else "code"
        return self.sort

    def active(self) -> dict[str, Any]:
        """The filters that are set (for links that keep the query)."""
        return {
            k: v for k, v in self.model_dump(mode="json").items() if v not in ("", None, []) and k != "sort"
        }

    def without(self, name: str) -> InitiativeFilters:
        """These filters with one of them cleared (a facet's counts are taken without its own filter)."""
        if name == "start_year":
            return self.model_copy(update={"start_year_min": None, "start_year_max": None})
        if name == "budget":
            return self.model_copy(update={"budget_min": None, "budget_max": None})
        return self.model_copy(update={name: [] if name in LIST_FIELDS else ""})

    def structured(self) -> InitiativeFilters:
        """The filters without the words (what the database filters; the search index finds words)."""
        return self.model_copy(update={"q": ""})


def filters_from_querydict(data: Any) -> tuple[InitiativeFilters, list[str]]:
    """Reads filters from a web query string, dropping what is invalid and saying what was dropped."""
    raw: dict[str, Any] = {}
    for key in InitiativeFilters.model_fields:
        if key in LIST_FIELDS:
            values = [v for v in data.getlist(key) if v.strip()]
            if values:
                raw[key] = values
        elif data.get(key, "").strip():
            raw[key] = data.get(key).strip()
    errors: list[str] = []
    while True:
        try:
            return InitiativeFilters.model_validate(raw), errors
        except ValidationError as error:
            for problem in error.errors():
                field = str(problem["loc"][0])
                errors.append(f"{field}: {problem['msg']}")
                raw.pop(field, None)


def _exists(model: Any, condition: Q) -> Exists:
    return Exists(model.objects.filter(condition, initiative=OuterRef("pk")))


def initiatives_filter(queryset: QuerySet[Initiative], filters: InitiativeFilters) -> QuerySet[Initiative]:
    """Applies the structured filters and the sort order (ending on the unique code, so pages are stable).

    Words (``q``) are found by the search index, not here: ``initiatives.selectors.initiative_list``
    combines the two, and the search backends index the same facet values these filters read.
    """
    f = filters
    if f.kind:
        queryset = queryset.filter(kind__in=f.kind)
    if f.status:
        queryset = queryset.filter(status__in=f.status)
    if f.outcome:
        queryset = queryset.filter(outcome__in=f.outcome)
    if f.scope:
        queryset = queryset.filter(scope__in=f.scope)
    if f.country:
        queryset = queryset.filter(
            _exists(InitiativeCountry, Q(country_id__in=[c.upper() for c in f.country]))
        )
    if f.region:
        codes = set().union(*(region_and_descendants(code) for code in f.region))
        queryset = queryset.filter(
            _exists(InitiativeRegion, Q(region__code__in=codes))
            | _exists(
                InitiativeCountry,
                Q(country__region__code__in=codes)
                | Q(country__sub_region__code__in=codes)
                | Q(country__intermediate_region__code__in=codes),
            )
        )
    if f.country_group:
        queryset = queryset.filter(_exists(InitiativeCountryGroup, Q(group_id__in=f.country_group)))
    if f.wsis:
        lines = Q()
        for code in f.wsis:
            lines |= Q(action_line__code=code) | Q(action_line__parent__code=code)
        queryset = queryset.filter(_exists(InitiativeActionLine, lines))
    if f.sdg:
        goals = [int(code) for code in f.sdg if code.isdigit()]
        targets = [code for code in f.sdg if not code.isdigit()]
        queryset = queryset.filter(
            _exists(InitiativeSdgGoal, Q(goal__number__in=goals))
            | _exists(InitiativeSdgTarget, Q(target__code__in=targets))
        )
    if f.stakeholder_group:
        queryset = queryset.filter(
            _exists(Participation, Q(organisation__stakeholder_group_id__in=f.stakeholder_group))
        )
    if f.organisation:
        queryset = queryset.filter(_exists(Participation, Q(organisation__slug__in=f.organisation)))
    if f.funding:
        queryset = queryset.filter(_exists(Funding, Q(funding_source__key__in=f.funding)))
    if f.reporting or f.smart:
        # Computed, not stored (the reporting status moves with the calendar): asked of the records
        # the other filters keep. The search index holds the same values for the pages and the API.
        from stocktake.monitoring.facets import matching_ids

        candidates = queryset.order_by().values_list("pk", flat=True)
        queryset = queryset.filter(
            pk__in=matching_ids(candidates, reporting=list(f.reporting), smart=list(f.smart))
        )
    if f.start_year_min is not None or f.start_year_max is not None:
        queryset = queryset.annotate(start_year=ExtractYear(Coalesce("actual_start", "planned_start")))
        if f.start_year_min is not None:
            queryset = queryset.filter(start_year__gte=f.start_year_min)
        if f.start_year_max is not None:
            queryset = queryset.filter(start_year__lte=f.start_year_max)
    if f.budget_min is not None or f.budget_max is not None:
        queryset = queryset.annotate(budget_total=_budget_total())
        if f.budget_min is not None:
            queryset = queryset.filter(budget_total__gte=f.budget_min)
        if f.budget_max is not None:
            queryset = queryset.filter(budget_total__lte=f.budget_max)
    return _sort(queryset, f.effective_sort)


def _budget_total() -> Subquery:
    """Original budgets in US dollars, summed (other currencies are not converted, so not counted)."""
    totals = (
        Budget.objects.filter(initiative=OuterRef("pk"), currency="USD", type="1")
        .order_by()
        .values("initiative")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Subquery(totals, output_field=DecimalField(max_digits=20, decimal_places=2))


def _sort(queryset: QuerySet[Initiative], sort: str) -> QuerySet[Initiative]:
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key in ("relevance", "code"):  # without the index, relevance cannot be had: code order
        expression = "code_normalised"
    elif key == "start":
        queryset = queryset.annotate(start_date=Coalesce("actual_start", "planned_start"))
        expression = "start_date"
    elif key == "title":
        expression = "title"
    elif key == "updated":
        expression = "updated"
    else:
        expression = "code_normalised"
    order = F(expression).desc(nulls_last=True) if descending else F(expression).asc(nulls_last=True)
    return queryset.order_by(order, "code_normalised")
