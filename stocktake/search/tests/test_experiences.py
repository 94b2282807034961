"""Experiences for a situation: place, themes and words, finished initiatives and lessons weighted up."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pydantic import ValidationError

from stocktake.core.history import Actor
from stocktake.initiatives import services
from stocktake.initiatives.choices import Outcome, SectionKind
from stocktake.search import similar as similar_module
from stocktake.search.similar import ReasonKind, SimilarCase, Situation, experiences_for, similar_initiatives
from stocktake.search.tests.test_similar import classified

pytestmark = pytest.mark.django_db


def codes(cases: list[SimilarCase]) -> list[str]:
    return [case.row.code for case in cases]


def reasons_of(cases: list[SimilarCase], code: str) -> dict[ReasonKind, str]:
    case = next(case for case in cases if case.row.code == code)
    return {reason.kind: reason.text for reason in case.reasons}


@pytest.fixture
def island_portals(actor: Actor) -> None:
    """Two initiatives alike in all but how they ended; the ongoing one comes first by code."""
    common: dict[str, Any] = {"lines": ("C7.1",), "countries": ("FJ",), "summary": "Ministries publish data."}
    classified(actor, "A-1", "Island data portal", outcome=Outcome.ONGOING, **common)
    finished = classified(actor, "Z-1", "Island data portal", outcome=Outcome.CONCLUDED, **common)
    services.section_add(
        actor=actor, initiative=finished, kind=SectionKind.LESSONS_LEARNED, text="Train clerks before launch."
    )


def test_concluded_with_lessons_outranks_an_otherwise_equal_ongoing_one(
    backend: str, island_portals: None
) -> None:
    cases = experiences_for(Situation(country="FJ", wsis=["C7.1"], q="data portal"))
    assert codes(cases) == ["Z-1", "A-1"]
    finished = reasons_of(cases, "Z-1")
    assert finished[ReasonKind.OUTCOME] == "Concluded"
    assert finished[ReasonKind.LESSONS] == "Has lessons learned"
    assert finished[ReasonKind.COUNTRY] == "Same country: Fiji"
    assert finished[ReasonKind.WSIS] == "Under C7.1 E-government"
    assert finished[ReasonKind.TEXT] == "Matches your words: portal, data"
    ongoing = reasons_of(cases, "A-1")
    assert ReasonKind.OUTCOME not in ongoing and ReasonKind.LESSONS not in ongoing
    assert cases[0].score > cases[1].score


def test_sustained_and_handed_over_count_as_finished(backend: str, actor: Actor) -> None:
    classified(actor, "S-1", "Health records", lines=("C7.4",), outcome=Outcome.SUSTAINED)
    classified(actor, "H-1", "Health records", lines=("C7.4",), outcome=Outcome.HANDED_OVER)
    classified(actor, "E-1", "Health records", lines=("C7.4",), outcome=Outcome.ENDED_EARLY)
    cases = experiences_for(Situation(wsis=["C7.4"]))
    assert codes(cases) == ["S-1", "H-1", "E-1"]
    assert reasons_of(cases, "S-1")[ReasonKind.OUTCOME] == "Sustained / institutionalised"
    assert reasons_of(cases, "H-1")[ReasonKind.OUTCOME] == "Handed over"
    assert ReasonKind.OUTCOME not in reasons_of(cases, "E-1")


def test_a_country_group_finds_initiatives_in_its_member_countries(backend: str, actor: Actor) -> None:
    classified(actor, "K-1", "Civil registry", lines=("C7.1",), countries=("KE",))
    classified(actor, "F-1", "Civil registry", lines=("C7.1",), countries=("FJ",))
    classified(actor, "M-1", "Fisheries licences", countries=("MV",))
    cases = experiences_for(Situation(country_group="sids", wsis=["C7.1"]))
    assert codes(cases)[0] == "F-1" and set(codes(cases)) == {"F-1", "M-1", "K-1"}
    assert reasons_of(cases, "F-1")[ReasonKind.COUNTRY_GROUP] == "Same country group: SIDS"
    assert reasons_of(cases, "M-1") == {ReasonKind.COUNTRY_GROUP: "Same country group: SIDS"}


def test_a_country_brings_its_groups_and_sub_region(backend: str, actor: Actor) -> None:
    classified(actor, "K-1", "Mobile money", countries=("KE",))
    classified(actor, "U-1", "Mobile money", countries=("UG",))  # Eastern Africa, an LDC and LLDC
    classified(actor, "N-1", "Mobile money", countries=("NP",))  # an LDC and LLDC in Asia
    classified(actor, "B-1", "Mobile money", countries=("BR",))
    cases = experiences_for(Situation(country="UG"))
    assert codes(cases) == ["U-1", "N-1", "K-1"]
    assert reasons_of(cases, "U-1") == {ReasonKind.COUNTRY: "Same country: Uganda"}
    assert reasons_of(cases, "N-1") == {ReasonKind.COUNTRY_GROUP: "Same country groups: LDC, LLDC"}
    assert reasons_of(cases, "K-1") == {ReasonKind.REGION: "Same region: Eastern Africa"}


def test_words_alone_find_experiences(backend: str, actor: Actor) -> None:
    classified(actor, "W-1", "Registries of land titles", summary="Digitising cadastral maps.")
    classified(actor, "W-2", "School meals")
    cases = experiences_for(Situation(q="the land registry"))
    assert codes(cases) == ["W-1"]
    assert reasons_of(cases, "W-1") == {ReasonKind.TEXT: "Matches your words: registry, land"}


def test_a_situation_must_name_something_known() -> None:
    for bad in (
        {},
        {"country": "ZZ"},
        {"country": "Kenya"},
        {"country_group": "islands"},
        {"wsis": ["C12"]},
        {"sdg": ["18"]},
        {"q": "x" * 201},
    ):
        with pytest.raises(ValidationError):
            Situation.model_validate(bad)
    situation = Situation.model_validate(
        {"country": "fj", "wsis": ["c7.1"], "sdg": ["16", "16.10"], "q": " a  b "}
    )
    assert (situation.country, situation.wsis, situation.sdg, situation.q) == (
        "FJ",
        ["C7.1"],
        ["16", "16.10"],
        "a b",
    )


def test_queries_do_not_grow_with_the_candidates(backend: str, actor: Actor) -> None:
    situation = Situation(country="KE", wsis=["C7.1"])
    subject = classified(actor, "C-1", "Case 1", lines=("C7.1",), countries=("KE",))
    classified(actor, "C-2", "Case 2", lines=("C7.1",), countries=("KE",))
    similar_initiatives(subject)  # the index catches up
    with CaptureQueriesContext(connection) as few:
        assert len(experiences_for(situation)) == 2
        assert len(similar_initiatives(subject)) == 1
    for number in range(3, 9):
        classified(actor, f"C-{number}", f"Case {number}", lines=("C7.1",), countries=("KE", "UG"))
    similar_initiatives(subject)
    with CaptureQueriesContext(connection) as many:
        assert len(experiences_for(situation)) == 8
        assert len(similar_initiatives(subject)) == 5
    assert len(many) == len(few)


# The page


def test_the_page_shows_an_accessible_form_first(client: Client) -> None:
    response = client.get("/experiences/")
    assert response.status_code == 200
    page = response.content.decode()
    for name in ("country", "country_group", "q"):
        assert f'<label for="e-{name}">' in page
        assert f'aria-describedby="e-{name}-hint"' in page
    assert "<legend>WSIS Action Lines</legend>" in page and '<label for="e-sdg-16">' in page
    assert "For example: open data portal for ministries." in page
    assert 'id="e-results"' not in page


def test_the_page_lists_experiences_with_reasons(backend: str, island_portals: None, client: Client) -> None:
    page = client.get("/experiences/?country=FJ&wsis=C7.1&q=data+portal").content.decode()
    results = page[page.index('id="e-results"') :]
    assert results.index("/initiatives/Z1/") < results.index("/initiatives/A1/")
    assert "Has lessons learned" in results and "Same country: Fiji" in results
    assert '<option value="FJ" selected>' in page and 'value="C7.1" checked' in page
    assert "/api/v1/search/experiences?country=FJ&amp;wsis=C7.1&amp;q=data+portal" in results


def test_the_page_names_what_it_did_not_understand(
    backend: str, island_portals: None, client: Client
) -> None:
    page = client.get("/experiences/?country=ZZ&wsis=C7.1").content.decode()
    assert 'id="e-country-error"' in page and "Choose a country from the list." in page
    assert 'aria-invalid="true"' in page
    assert "/initiatives/Z1/" in page  # the Action Line was still used


def test_the_page_says_when_search_is_unavailable(
    island_portals: None, client: Client, monkeypatch: Any
) -> None:
    def broken(*args: Any, **kwargs: Any) -> list[Any]:
        raise OSError("index directory unreadable")

    monkeypatch.setattr(similar_module, "similar_hits", broken)
    response = client.get("/experiences/?country=FJ")
    assert response.status_code == 200
    assert "Search is unavailable at the moment." in response.content.decode()


# The API


def test_api_experiences(backend: str, island_portals: None, client: Client) -> None:
    response = client.get("/api/v1/search/experiences?country=FJ&wsis=C7.1&q=data%20portal")
    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["initiative"]["code"] for item in items] == ["Z-1", "A-1"]
    assert {"kind": "lessons", "text": "Has lessons learned", "values": []} in items[0]["reasons"]
    assert {"kind": "outcome", "text": "Concluded", "values": ["concluded"]} in items[0]["reasons"]
    assert items[0]["initiative"]["outcome"] == "concluded"
    several = client.get("/api/v1/search/experiences?country_group=sids&sdg=16&sdg=9&limit=1")
    assert several.status_code == 200 and len(several.json()["items"]) <= 1


@pytest.mark.parametrize(
    "querystring",
    ["", "country=ZZ", "country_group=islands", "wsis=C12", "sdg=18", "wsis=C7&limit=0", "q=" + "x" * 201],
)
def test_api_experiences_refuses_invalid_input(client: Client, querystring: str) -> None:
    response = client.get(f"/api/v1/search/experiences?{querystring}")
    assert response.status_code == 422
    assert response.json()["detail"]
