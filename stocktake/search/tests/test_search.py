"""Search behaviour every backend must show: the same tests run on each (PostgreSQL's on PostgreSQL)."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import pytest

from stocktake.core.history import Actor
from stocktake.core.partial_dates import PartialDate
from stocktake.initiatives import services
from stocktake.initiatives.filtersets import InitiativeFilters, initiatives_filter
from stocktake.initiatives.models import Initiative
from stocktake.initiatives.tests.factories import make_initiative
from stocktake.organisations.tests.factories import make_organisation
from stocktake.search.backends.base import BUDGET_BANDS
from stocktake.search.documents import FACETS
from stocktake.search.selectors import matching_initiative_ids, search_initiatives, search_organisations
from stocktake.vocabularies.models import ActionLine, Country, CountryGroup, SdgGoal, SdgTarget

pytestmark = pytest.mark.django_db


def codes(filters: InitiativeFilters, per_page: int = 100) -> list[str]:
    return [row.code for row in search_initiatives(filters, per_page=per_page, facets=False).rows]


def q(text: str, **filters: Any) -> list[str]:
    return codes(InitiativeFilters(q=text, **filters))


def test_title_and_code_outrank_body_text(backend: str) -> None:
    make_initiative(code="B-1", title="Rural clinics", summary="Broadband reaches the clinics.")
    make_initiative(code="T-1", title="Broadband for schools", summary="Connecting schools.")
    make_initiative(code="N-1", title="Water", summary="Wells.")
    assert q("broadband") == ["T-1", "B-1"]
    assert q("T-1")[0] == "T-1"


def test_query_syntax_phrase_exclusion_and_or(backend: str) -> None:
    make_initiative(code="A", title="Open government data portal")
    make_initiative(code="B", title="Government data opened to the public")
    make_initiative(code="C", title="Health information systems")
    assert sorted(q("government data")) == ["A", "B"]
    assert q('"government data portal"') == ["A"]
    assert q("government -portal") == ["B"]
    assert sorted(q("portal OR health")) == ["A", "C"]
    assert q("") == ["A", "B", "C"]  # no words: everything, by code


def test_a_phrase_never_spans_two_fields(backend: str) -> None:
    make_initiative(code="A", title="Open government data portal")
    make_initiative(code="X", title="Budget government", summary="Data sharing")
    assert sorted(q("government data")) == ["A", "X"]
    assert q('"government data"') == ["A"]
    facets = search_initiatives(InitiativeFilters(q='"government data"')).facets
    assert [(bucket.key, bucket.count) for bucket in facets["kind"]] == [("project", 1)]


def test_diacritics_and_stemming(backend: str) -> None:
    make_initiative(code="FR", title="Gouvernements électroniques", language="fr")
    make_initiative(code="ES", title="Gobiernos abiertos y participación", language="es")
    make_initiative(code="EN", title="Governments going digital", language="en")
    assert q("electronique") == ["FR"]
    assert q("gouvernement") == ["FR"]
    assert q("participacion") == ["ES"]
    assert q("gobierno") == ["ES"]
    assert q("government") == ["EN"]


def test_arabic_russian_and_chinese_words_are_found(backend: str) -> None:
    make_initiative(code="ZH", title="农村电子政务服务平台", language="zh")
    make_initiative(code="ZH2", title="政府数据开放", language="zh")
    make_initiative(code="RU", title="Электронное правительство в регионах", language="ru")
    make_initiative(code="AR", title="الحكومة الإلكترونية في المدارس", language="ar")
    assert q("政务") == ["ZH"]  # a two-character word inside a longer run
    assert q("电子政务") == ["ZH"]
    assert q("务服") == ["ZH"]  # pairs across word boundaries are pairs all the same
    assert q("政开") == []  # not adjacent anywhere
    assert q("правительство") == ["RU"]
    assert q("الحكومة") == ["AR"]


def test_chinese_names_of_places_and_partners_are_found(backend: str, actor: Actor) -> None:
    """Classifications and partners are searched in every language they are named in, Chinese too."""
    kenya = make_initiative(code="KE-1", title="Rural broadband")
    services.country_add(actor=actor, initiative=kenya, country=Country.objects.get(code="KE"))
    partnered = make_initiative(code="P-1", title="Digital archives")
    services.participation_add(
        actor=actor,
        initiative=partnered,
        organisation=make_organisation(name="中国信息通信研究院"),
        role="implementing",
    )
    cities = make_initiative(code="C-1", title="Transport data")
    services.sdg_goal_add(actor=actor, initiative=cities, goal=SdgGoal.objects.get(number=11))
    make_initiative(code="N-1", title="Water")
    assert q("Kenya") == ["KE-1"]
    assert q("肯尼亚") == ["KE-1"]  # Kenya's name in Chinese
    assert q("研究院") == ["P-1"]  # a word inside a partner's name
    assert q("城市") == ["C-1"]  # "cities", inside SDG 11's title in Chinese


def test_snippets_mark_the_words_and_escape_the_data(backend: str) -> None:
    make_initiative(code="S", title="Portal", summary="The broadband <b>plan</b> for islands.")
    result = search_initiatives(InitiativeFilters(q="broadband"))
    snippet = result.snippets[result.rows[0].pk]
    assert "<mark>broadband</mark>" in snippet
    assert "<b>" not in snippet and "&lt;b&gt;plan&lt;/b&gt;" in snippet


def test_organisations_are_found_by_name_acronym_and_alias(backend: str) -> None:
    make_organisation(name="International Telecommunication Union", acronym="ITU")
    make_organisation(name="Ministry of Fisheries")
    total, found = search_organisations("telecommunication")
    assert total == 1 and found[0].acronym == "ITU"
    assert [o.acronym for o in search_organisations("ITU")[1]] == ["ITU"]


def test_index_follows_edits_and_deletes(backend: str, actor: Actor) -> None:
    initiative = make_initiative(code="E", title="Fisheries")
    assert q("fisheries") == ["E"]
    services.initiative_update(actor=actor, initiative=initiative, title="Forestry")
    assert q("fisheries") == [] and q("forestry") == ["E"]
    organisation = make_organisation(name="Blue Ocean Trust")
    services.participation_add(actor=actor, initiative=initiative, organisation=organisation, role="funding")
    assert q("ocean") == ["E"]
    services.initiative_delete(actor=actor, initiative=initiative)
    assert q("forestry") == []


def _random_registry(actor: Actor, rng: random.Random, size: int = 40) -> None:
    countries = list(Country.objects.order_by("code")[:6])
    lines = list(ActionLine.objects.order_by("code")[:5])
    targets = list(SdgTarget.objects.order_by("code")[:8])
    groups = list(CountryGroup.objects.order_by("code")[:3])
    partners = [make_organisation(name=f"Partner {n}") for n in range(5)]
    words = ["broadband", "portal", "schools", "health", "data", "islands"]
    for n in range(size):
        initiative = make_initiative(
            code=f"R-{n:03d}",
            kind=rng.choice(["project", "ppp", "partnership"]),
            status=rng.choice(["", "1", "2", "3"]),
            title=" ".join(rng.sample(words, 2)),
            planned_start=PartialDate.parse(f"{rng.randint(2000, 2010)}") if rng.random() < 0.8 else None,
        )
        for country in rng.sample(countries, rng.randint(0, 2)):
            services.country_add(actor=actor, initiative=initiative, country=country)
        for line in rng.sample(lines, rng.randint(0, 2)):
            services.action_line_add(actor=actor, initiative=initiative, action_line=line)
        for target in rng.sample(targets, rng.randint(0, 2)):
            services.sdg_target_add(actor=actor, initiative=initiative, target=target)
        for group in rng.sample(groups, rng.randint(0, 1)):
            services.country_group_add(actor=actor, initiative=initiative, group=group)
        for partner in rng.sample(partners, rng.randint(0, 2)):
            services.participation_add(
                actor=actor, initiative=initiative, organisation=partner, role="partner"
            )
        if rng.random() < 0.7:
            services.budget_add(
                actor=actor,
                initiative=initiative,
                amount=Decimal(rng.choice([50_000, 500_000, 5_000_000, 50_000_000])),
                currency="USD",
            )


def _random_filters(rng: random.Random, facets: dict[str, list[str]]) -> InitiativeFilters:
    chosen: dict[str, Any] = {}
    for name in rng.sample(list(FACETS), rng.randint(0, 3)):
        values = facets.get(name) or []
        if values:
            chosen[name] = rng.sample(values, min(len(values), rng.randint(1, 2)))
    if rng.random() < 0.5:
        # Rare and common words: a query matching most of the registry is counted another way.
        chosen["q"] = rng.choice(["broadband", "portal OR health", "data -islands", "-islands", "-zzz"])
    if rng.random() < 0.2:
        chosen["start_year_min"] = 2003
    return InitiativeFilters(**chosen)


def test_facet_counts_equal_what_choosing_the_value_lists(backend: str, actor: Actor) -> None:
    """A property over random filter combinations: every count is the size of the list it leads to."""
    rng = random.Random(4)
    _random_registry(actor, rng)
    everything = search_initiatives(InitiativeFilters(), per_page=1).facets
    values = {name: [bucket.key for bucket in everything.get(name, [])] for name in FACETS}
    checked = 0
    for _round in range(12):
        filters = _random_filters(rng, values)
        result = search_initiatives(filters, per_page=1)
        for name in FACETS:
            for bucket in result.facets[name]:
                chosen = filters.without(name).model_copy(update={name: [bucket.key]})
                assert bucket.count == search_initiatives(chosen, per_page=1, facets=False).total, (
                    filters,
                    name,
                    bucket,
                )
                checked += 1
        for bucket in result.facets["start_year"]:
            year = int(bucket.key)
            chosen = filters.without("start_year").model_copy(
                update={"start_year_min": year, "start_year_max": year}
            )
            assert bucket.count == search_initiatives(chosen, per_page=1, facets=False).total
        for bucket in result.facets["budget"]:
            low, high = next((b[1], b[2]) for b in BUDGET_BANDS if b[0] == bucket.key)
            chosen = filters.without("budget").model_copy(
                update={"budget_min": low, "budget_max": high - Decimal("0.01") if high else None}
            )
            assert bucket.count == search_initiatives(chosen, per_page=1, facets=False).total
    assert checked > 50


def test_index_and_database_filters_agree(backend: str, actor: Actor) -> None:
    """The index and ``initiatives_filter`` read one filter definition: same initiatives every time."""
    rng = random.Random(9)
    _random_registry(actor, rng)
    everything = search_initiatives(InitiativeFilters(), per_page=1).facets
    values = {name: [bucket.key for bucket in everything.get(name, [])] for name in FACETS}
    for _round in range(25):
        filters = _random_filters(rng, values).model_copy(update={"q": ""})
        if rng.random() < 0.3:
            filters = filters.model_copy(
                update={"budget_min": Decimal(100_000), "budget_max": Decimal(10**7)}
            )
        if rng.random() < 0.3:
            filters = filters.model_copy(update={"region": ["002"]})
        in_database = set(initiatives_filter(Initiative.objects.all(), filters).values_list("pk", flat=True))
        assert set(matching_initiative_ids(filters)) == in_database, filters


def test_sorting_and_pages(backend: str) -> None:
    for n, year in enumerate([2005, None, 2001, 2010]):
        make_initiative(
            code=f"P-{n}",
            title=f"Title {'dcba'[n]}",
            planned_start=PartialDate.parse(str(year)) if year else None,
        )
    assert codes(InitiativeFilters(sort="start")) == ["P-2", "P-0", "P-3", "P-1"]
    assert codes(InitiativeFilters(sort="-start")) == ["P-3", "P-0", "P-2", "P-1"]
    assert codes(InitiativeFilters(sort="title")) == ["P-3", "P-2", "P-1", "P-0"]
    assert codes(InitiativeFilters(sort="-code")) == ["P-3", "P-2", "P-1", "P-0"]
    second = search_initiatives(InitiativeFilters(sort="code"), page=2, per_page=3, facets=False)
    assert [row.code for row in second.rows] == ["P-3"] and second.total == 4 and not second.has_next


def test_index_follows_imports_and_exports_share_the_filters(
    backend: str, actor: Actor, tmp_path: Any
) -> None:
    from stocktake.initiatives.selectors import initiative_list
    from stocktake.interchange.reports import ImportOptions
    from stocktake.interchange.run import import_file

    make_initiative(code="OLD", title="Rural telecentres")
    source = tmp_path / "initiatives.csv"
    source.write_text(
        "code,kind,title,summary\n"
        "IMP-1,project,Telecentres for fishing villages,Solar powered telecentres\n"
        "IMP-2,project,School connectivity,Fibre to schools\n"
    )
    report = import_file(source, format="csv", actor=actor, options=ImportOptions())
    assert report.created == ["IMP-1", "IMP-2"], report.as_dict()
    assert sorted(q("telecentres")) == ["IMP-1", "OLD"]
    filters = InitiativeFilters(q="telecentres", kind=["project"])
    exported = [i.code for i in initiative_list(filters)]
    assert exported == codes(filters.model_copy(update={"sort": "code"})) == ["IMP-1", "OLD"]


def test_pages_of_titles_alike_in_their_first_characters_keep_exact_order(backend: str) -> None:
    rng = random.Random(3)
    titles = [f"Digital government services {rng.choice('zyxabc')}{n:02d}" for n in range(14)]
    for n, title in enumerate(titles):
        make_initiative(code=f"T-{13 - n:02d}", title=title)
    make_initiative(code="T-99", title="Digital government services a00")  # a tie broken by code
    expected = sorted(
        Initiative.objects.values_list("title", "code"), key=lambda row: (row[0].lower(), row[1])
    )
    for sort, wanted in (
        ("title", expected),
        ("-title", sorted(expected, key=lambda r: r[0].lower(), reverse=True)),
    ):
        pages = [
            row.code
            for page in range(1, 5)
            for row in search_initiatives(
                InitiativeFilters(sort=sort), page=page, per_page=4, facets=False
            ).rows
        ]
        assert pages == [code for _title, code in wanted], sort


def test_counting_a_common_word_by_its_complement_gives_the_same_counts(
    actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from stocktake.search.backends import get_backend
    from stocktake.search.backends.tantivy_backend import TantivyBackend

    _random_registry(actor, random.Random(5))
    complement_used: list[bool] = []
    by_complement = TantivyBackend._by_complement

    def spy(self: TantivyBackend, *args: Any) -> Any:
        result = by_complement(self, *args)
        complement_used.append(result is not None)
        return result

    for q in ("-islands", "data OR portal OR schools OR health", "-zzz"):
        for filters in (InitiativeFilters(q=q), InitiativeFilters(q=q, kind=["ppp", "project"])):
            monkeypatch.setattr(TantivyBackend, "_by_complement", spy)
            get_backend()._facet_cache.clear()  # type: ignore[attr-defined]
            get_backend()._base_cache.clear()  # type: ignore[attr-defined]
            counted = search_initiatives(filters, per_page=1).facets
            monkeypatch.setattr(TantivyBackend, "_by_complement", lambda *args: None)
            get_backend()._facet_cache.clear()  # type: ignore[attr-defined]
            get_backend()._base_cache.clear()  # type: ignore[attr-defined]
            assert search_initiatives(filters, per_page=1).facets == counted, filters
    assert any(complement_used)
