"""What the PostgreSQL backend does of its own: tsvector weights, configurations, CJK pairs, SQL facets.

The shared backend tests cover the interface; these pin the PostgreSQL specifics. They run when the
test database is PostgreSQL (``DATABASE_URL=postgres://...``), except the refusal on other databases.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from stocktake.core.history import Actor
from stocktake.core.partial_dates import PartialDate
from stocktake.initiatives import services
from stocktake.initiatives.filtersets import InitiativeFilters
from stocktake.initiatives.models import Initiative
from stocktake.initiatives.tests.factories import make_initiative
from stocktake.organisations.tests.factories import make_organisation
from stocktake.search import sync
from stocktake.search.backends import get_backend, reset_backend
from stocktake.search.backends.base import BUDGET_BANDS, SimilarityProfile
from stocktake.search.backends.postgres_backend import PostgresBackend
from stocktake.search.documents import FACETS
from stocktake.search.query import parse_query
from stocktake.search.selectors import (
    matching_initiative_ids,
    search_initiatives,
    search_organisations,
    similar_hits,
)
from stocktake.vocabularies.models import (
    ActionLine,
    Country,
    CountryGroup,
    Region,
    SdgTarget,
    StakeholderGroup,
)

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _postgres_search(settings: Any) -> Iterator[None]:
    settings.SEARCH_BACKEND = "postgres"
    reset_backend()
    yield
    reset_backend()


def found(q: str = "", **filters: Any) -> list[str]:
    result = search_initiatives(InitiativeFilters(q=q, **filters), per_page=100, facets=False)
    return [row.initiative.code for row in result.rows]


def test_refused_on_another_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(ImproperlyConfigured, match="PostgreSQL"):
        PostgresBackend()


@postgres_only
def test_a_title_match_outranks_a_body_match() -> None:
    make_initiative(code="BODY-1", title="Connectivity", summary="Broadband for rural schools.")
    make_initiative(code="TITLE-1", title="Rural broadband", summary="Connecting schools.")
    make_initiative(code="NONE-1", title="Health records", summary="Hospitals.")
    assert found("broadband") == ["TITLE-1", "BODY-1"]


@postgres_only
def test_phrase_exclusion_or_and_stop_words() -> None:
    make_initiative(code="A", title="Open data portal", summary="Health statistics.")
    make_initiative(code="B", title="Open government", summary="Data on spending.")
    make_initiative(code="C", title="Water", summary="Rivers.")
    assert found('"open data"') == ["A"]
    assert sorted(found("open data")) == ["A", "B"]
    assert found("open data -health") == ["B"]
    assert found('open -"data portal"') == ["B"]
    assert sorted(found("rivers OR portal")) == ["A", "C"]
    # A stop word is not demanded of texts that were indexed without it.
    assert found("the open data portal") == ["A"]


@postgres_only
def test_diacritics_french_stemming_and_codes() -> None:
    make_initiative(code="INT/13/001", title="Café numérique", summary="Un espace public.")
    make_initiative(
        code="FR-2", title="Administration", language="fr", summary="Les gouvernements numériques locaux."
    )
    assert found("cafe") == ["INT/13/001"]
    assert found("CAFÉ numerique") == ["INT/13/001"]
    assert found("gouvernement") == ["FR-2"]  # "gouvernements", stemmed by the French rules
    assert found("INT13001") == ["INT/13/001"]
    assert found("int/13/001") == ["INT/13/001"]


@postgres_only
def test_chinese_words_are_found_by_their_characters() -> None:
    make_initiative(code="ZH-1", title="数字治理", language="zh", summary="我们推动电子政务的发展和普及")
    make_initiative(code="ZH-2", title="其他", language="zh", summary="电力供应")
    assert found("政务") == ["ZH-1"]
    assert found("电子政务") == ["ZH-1"]
    assert found("电务") == []  # two characters of the text, but not side by side
    assert sorted(found("电")) == ["ZH-1", "ZH-2"]
    assert found("治理") == ["ZH-1"]
    result = search_initiatives(InitiativeFilters(q="政务"))
    assert "<mark>政务</mark>" in result.snippets[result.rows[0].initiative.pk]


@postgres_only
def test_russian_and_arabic_words() -> None:
    make_initiative(code="RU-1", title="Цифровое правительство", language="ru", summary="Электронные услуги.")
    make_initiative(code="AR-1", title="الحكومة الإلكترونية", language="ar", summary="خدمات رقمية")
    assert found("правительства") == ["RU-1"]
    assert found("الحكومة") == ["AR-1"]


@postgres_only
def test_snippets_mark_the_words_and_escape_the_data() -> None:
    initiative = make_initiative(
        code="S-1", title="Portal", summary="<script>alert(1)</script> We publish open data & statistics."
    )
    result = search_initiatives(InitiativeFilters(q="data"))
    snippet = result.snippets[initiative.pk]
    assert "<mark>data</mark>" in snippet
    assert "&lt;/script&gt;" in snippet and "&amp;" in snippet
    assert "<script" not in snippet and "</script" not in snippet
    make_initiative(code="S-2", title="Cafés", summary="Les cafés de Paris.", language="fr")
    result = search_initiatives(InitiativeFilters(q="cafe"))
    assert "<mark>cafés</mark>" in result.snippets[result.rows[0].initiative.pk]


@postgres_only
def test_the_index_follows_edits_and_deletions(actor: Actor) -> None:
    initiative = make_initiative(code="E-1", title="Telemedicine")
    assert found("telemedicine") == ["E-1"]
    services.initiative_update(actor=actor, initiative=initiative, title="Distance learning")
    assert found("telemedicine") == []
    assert found("learning") == ["E-1"]
    services.section_add(actor=actor, initiative=initiative, kind="accomplishments", text="Satellite links")
    assert found("satellite") == ["E-1"]
    services.initiative_delete(actor=actor, initiative=Initiative.objects.get(pk=initiative.pk))
    assert found("learning") == []


@pytest.fixture
def registry(actor: Actor) -> dict[str, Initiative]:
    """Initiatives differing on every facet, with the word "digital" in most of them."""
    ke = make_initiative(
        code="KE-1", title="Digital Kenya", kind="ppp", status="2", planned_start=PartialDate.parse("2019")
    )
    fj = make_initiative(
        code="FJ-1",
        title="Digital health in Fiji",
        kind="project",
        status="4",
        outcome="concluded",
        planned_start=PartialDate.parse("2012"),
    )
    af = make_initiative(
        code="AF-1", title="Digital parliaments", kind="programme", actual_start=PartialDate.parse("2005")
    )
    ws = make_initiative(code="WS-1", title="Samoa cables", kind="project", status="2")
    services.country_add(actor=actor, initiative=ke, country=Country.objects.get(code="KE"))
    services.country_add(actor=actor, initiative=fj, country=Country.objects.get(code="FJ"))
    services.country_add(actor=actor, initiative=ws, country=Country.objects.get(code="WS"))
    services.region_add(actor=actor, initiative=af, region=Region.objects.get(code="002"))
    for initiative in (fj, ws):
        services.country_group_add(
            actor=actor, initiative=initiative, group=CountryGroup.objects.get(code="sids")
        )
    services.action_line_add(actor=actor, initiative=ke, action_line=ActionLine.objects.get(code="C7.1"))
    services.action_line_add(actor=actor, initiative=fj, action_line=ActionLine.objects.get(code="C7.4"))
    services.action_line_add(actor=actor, initiative=af, action_line=ActionLine.objects.get(code="C3"))
    services.sdg_target_add(actor=actor, initiative=ke, target=SdgTarget.objects.get(code="16.10"))
    services.sdg_target_add(actor=actor, initiative=fj, target=SdgTarget.objects.get(code="3.8"))
    ngo = make_organisation(
        name="Open Knowledge", stakeholder_group=StakeholderGroup.objects.get(code="civil-society")
    )
    ministry = make_organisation(
        name="Ministry of ICT", stakeholder_group=StakeholderGroup.objects.get(code="government")
    )
    services.participation_add(actor=actor, initiative=ke, organisation=ngo, role="implementing")
    services.participation_add(actor=actor, initiative=fj, organisation=ministry, role="lead")
    services.participation_add(actor=actor, initiative=ws, organisation=ministry, role="lead")
    fund = services.funding_source_create(actor=actor, key="xbtc", name="Extrabudgetary", kind="fund")
    services.funding_add(actor=actor, initiative=af, funding_source=fund)
    services.budget_add(actor=actor, initiative=af, amount=Decimal("6144831"), currency="USD")
    services.budget_add(actor=actor, initiative=ke, amount=Decimal("50000"), currency="USD")
    return {"ke": ke, "fj": fj, "af": af, "ws": ws}


def _total(filters: InitiativeFilters) -> int:
    return search_initiatives(filters, facets=False).total


def _assert_counts_agree(filters: InitiativeFilters) -> None:
    """Every facet value's count is the total of the list with that value chosen in its place."""
    result = search_initiatives(filters)
    assert result.total == _total(filters)
    for name in FACETS:
        for bucket in result.facets[name]:
            chosen = filters.model_copy(update={name: [bucket.key]})
            assert bucket.count == _total(chosen), (filters, name, bucket)
    for bucket in result.facets["start_year"]:
        year = int(bucket.key)
        chosen = filters.model_copy(update={"start_year_min": year, "start_year_max": year})
        assert bucket.count == _total(chosen), (filters, bucket)
    for bucket in result.facets["budget"]:
        band = next(band for band in BUDGET_BANDS if band[0] == bucket.key)
        # The band's upper bound is excluded; budget_max includes it, so count it apart.
        below = filters.model_copy(update={"budget_min": band[1], "budget_max": band[2]})
        at_max = filters.model_copy(update={"budget_min": band[2], "budget_max": band[2]})
        expected = _total(below) - (_total(at_max) if band[2] is not None else 0)
        assert bucket.count == expected, (filters, bucket)


@postgres_only
def test_facet_counts_match_the_filtered_totals(registry: dict[str, Initiative]) -> None:
    result = search_initiatives(InitiativeFilters(q="digital", country=["KE"]))
    assert result.total == 1
    # Multi-select: the country facet is counted without the country filter.
    assert {(b.key, b.count) for b in result.facets["country"]} == {("KE", 1), ("FJ", 1)}
    assert {(b.key, b.count) for b in result.facets["kind"]} == {("ppp", 1)}
    assert {(b.key, b.count) for b in result.facets["budget"] if b.count} == {("lt100k", 1)}
    assert [b.key for b in result.facets["start_year"]] == ["2019"]
    region = {b.key: b.count for b in search_initiatives(InitiativeFilters()).facets["region"]}
    assert region["002"] == 2  # Africa: its own link and Kenya's
    assert region["009"] == 2  # Oceania: Fiji and Samoa
    rng = random.Random(4)
    choices: dict[str, list[Any]] = {
        "q": ["", "digital", "fiji OR samoa", "-health"],
        "country": [[], ["KE"], ["FJ", "WS"]],
        "region": [[], ["002"], ["009"]],
        "country_group": [[], ["sids"]],
        "wsis": [[], ["C7"], ["C3"]],
        "sdg": [[], ["16"], ["3.8"]],
        "kind": [[], ["project"], ["ppp", "programme"]],
        "status": [[], ["2"]],
        "organisation": [[], [registry["fj"].participations.get().organisation.slug]],
        "stakeholder_group": [[], ["government"]],
        "funding": [[], ["xbtc"]],
        "start_year_min": [None, 2010],
        "budget_max": [None, Decimal("100000")],
    }
    for _round in range(12):
        filters = InitiativeFilters(**{key: rng.choice(values) for key, values in choices.items()})
        _assert_counts_agree(filters)


@postgres_only
def test_classification_titles_are_searched_with_the_words(registry: dict[str, Initiative]) -> None:
    """Titles of countries, groups, Action Lines and SDGs live in their own table: still found."""
    assert sorted(found("small island states")) == ["FJ-1", "WS-1"]  # the SIDS group's name
    assert sorted(found('"island developing"')) == ["FJ-1", "WS-1"]
    assert sorted(found("digital -sids")) == ["AF-1", "KE-1"]
    assert found("digital kenya") == ["KE-1"]
    assert found("sids cables") == ["WS-1"]  # one word in a title, the other in the text
    # A title match weighs more than a classification's.
    make_initiative(code="ZZ-1", title="Island states forum")
    assert found("island states")[0] == "ZZ-1"
    assert "肯尼亚" in "".join(Country.objects.get(code="KE").translations.values())
    assert found("肯尼亚") == ["KE-1"]  # Kenya's name in Chinese, by its pairs


@postgres_only
def test_counts_kept_by_the_writes_follow_edits(registry: dict[str, Initiative], actor: Actor) -> None:
    """An unfiltered list's counts are read from what the writes keep: they must follow every edit."""
    _assert_counts_agree(InitiativeFilters())  # built by the first sync's rebuild
    services.country_add(actor=actor, initiative=registry["af"], country=Country.objects.get(code="KE"))
    services.country_group_add(
        actor=actor, initiative=registry["ke"], group=CountryGroup.objects.get(code="ldc")
    )
    services.initiative_update(actor=actor, initiative=registry["ws"], kind="programme")
    services.initiative_delete(actor=actor, initiative=Initiative.objects.get(pk=registry["fj"].pk))
    make_initiative(code="NEW-1", title="Digital archives", kind="project", status="2")
    result = search_initiatives(InitiativeFilters())
    assert result.total == 4
    assert {(b.key, b.count) for b in result.facets["country"]} == {("KE", 2), ("WS", 1)}
    assert {(b.key, b.count) for b in result.facets["kind"]} == {("programme", 2), ("ppp", 1), ("project", 1)}
    _assert_counts_agree(InitiativeFilters())
    _assert_counts_agree(InitiativeFilters(kind=["programme"]))
    _assert_counts_agree(InitiativeFilters(q="digital", country=["KE"]))


@postgres_only
def test_a_chosen_value_stays_listed_and_sorts_order_the_results(registry: dict[str, Initiative]) -> None:
    result = search_initiatives(InitiativeFilters(q="parliaments", country=["WS"]))
    assert result.total == 0
    assert {(b.key, b.count) for b in result.facets["country"]} == {("WS", 0)}
    assert found(sort="code") == ["AF-1", "FJ-1", "KE-1", "WS-1"]
    assert found(sort="-code") == ["WS-1", "KE-1", "FJ-1", "AF-1"]
    assert found(sort="start") == ["AF-1", "FJ-1", "KE-1", "WS-1"]  # undated last
    assert found(sort="-start") == ["KE-1", "FJ-1", "AF-1", "WS-1"]  # undated last here too
    assert found(sort="title") == ["FJ-1", "KE-1", "AF-1", "WS-1"]  # Digital health, Kenya, parliaments
    assert found(sort="-title") == ["WS-1", "AF-1", "KE-1", "FJ-1"]
    assert matching_initiative_ids(InitiativeFilters(sort="-code")) == [
        registry[key].pk for key in ("ws", "ke", "fj", "af")
    ]


@postgres_only
def test_similar_cases_share_words_or_values(registry: dict[str, Initiative]) -> None:
    profile = SimilarityProfile(
        words=["digital"], facets={"country_group": ["sids"]}, exclude=registry["fj"].pk
    )
    hits = similar_hits(profile)
    ranked = [hit.pk for hit in hits]
    # Samoa shares the group, Kenya and the parliaments the word; Fiji itself is left out.
    assert set(ranked) == {registry[key].pk for key in ("ws", "ke", "af")}
    assert all(hit.score > 0 for hit in hits)
    strong = similar_hits(SimilarityProfile(words=["digital", "kenya"], facets={"wsis": ["C7"]}))
    assert strong[0].pk == registry["ke"].pk


@postgres_only
def test_organisations_are_found_by_name_acronym_and_alias() -> None:
    make_organisation(name="International Telecommunication Union", acronym="ITU", aliases=["UIT"])
    make_organisation(name="Internet Society")
    assert [o.name for o in search_organisations("telecommunication")[1]] == [
        "International Telecommunication Union"
    ]
    assert search_organisations("uit")[0] == 1
    assert search_organisations("itu")[0] == 1
    assert search_organisations("internet OR union")[0] == 2


@postgres_only
def test_rebuild_swaps_tables_and_keeps_answers() -> None:
    for number in range(3):
        make_initiative(code=f"R-{number}", title=f"Rebuilt {number}", summary="Spectrum policy.")
    assert len(found("spectrum")) == 3
    backend = get_backend()
    state = sync.rebuild(backend)
    assert backend.state() == state
    assert backend.counts()["initiatives"] == 3
    assert len(found("spectrum")) == 3
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('search_pg_initiative_new'), to_regclass('search_pg_initiative')")
        assert cursor.fetchone() == (None, "search_pg_initiative")

    def broken() -> Iterator[Any]:
        yield from []
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        backend.rebuild(broken(), state)
    assert backend.counts()["initiatives"] == 3  # a failed rebuild changes nothing


@postgres_only
def test_query_text_cannot_reach_the_tsquery_syntax() -> None:
    make_initiative(code="Q-1", title="Data & statistics", summary="It's a 'quoted' thing: a | b ! c.")
    for text in ["data & !", "it's", "'quoted'", "a | b", "!c", "<->", "data:*", "\\", "):(", "a:A"]:
        search_initiatives(InitiativeFilters(q=text))  # never a syntax error
    assert found("it's") == ["Q-1"]
    pk = Initiative.objects.get(code="Q-1").pk
    assert get_backend().matching_ids(parse_query("statistics"), InitiativeFilters()) == [pk]
