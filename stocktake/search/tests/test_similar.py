"""Similar cases: sensible neighbours, never the initiative itself, reasons that name what is shared."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.test import Client

from stocktake.core.history import Actor
from stocktake.initiatives import services
from stocktake.initiatives.models import Initiative
from stocktake.initiatives.tests.factories import make_initiative
from stocktake.organisations.models import Organisation
from stocktake.organisations.tests.factories import make_organisation
from stocktake.search import similar as similar_module
from stocktake.search.similar import ReasonKind, SimilarCase, distinctive_words, similar_initiatives
from stocktake.vocabularies.models import ActionLine, Country, SdgGoal

pytestmark = pytest.mark.django_db


def classified(
    actor: Actor,
    code: str,
    title: str,
    *,
    summary: str = "",
    lines: tuple[str, ...] = (),
    countries: tuple[str, ...] = (),
    goals: tuple[int, ...] = (),
    partners: tuple[Organisation, ...] = (),
    **fields: Any,
) -> Initiative:
    initiative = make_initiative(code=code, title=title, summary=summary, **fields)
    for line in lines:
        services.action_line_add(
            actor=actor, initiative=initiative, action_line=ActionLine.objects.get(code=line)
        )
    for country in countries:
        services.country_add(actor=actor, initiative=initiative, country=Country.objects.get(code=country))
    for number in goals:
        services.sdg_goal_add(actor=actor, initiative=initiative, goal=SdgGoal.objects.get(number=number))
    for organisation in partners:
        services.participation_add(
            actor=actor, initiative=initiative, organisation=organisation, role="implementing"
        )
    return initiative


def reasons_of(cases: list[SimilarCase], code: str) -> dict[ReasonKind, str]:
    case = next(case for case in cases if case.row.code == code)
    return {reason.kind: reason.text for reason in case.reasons}


@pytest.fixture
def portal(actor: Actor) -> Initiative:
    return classified(
        actor,
        "P-1",
        "Open government data portal",
        summary="Ministries publish their datasets on one portal.",
        lines=("C7.1",),
        countries=("KE",),
        goals=(16,),
        partners=(make_organisation(name="Kenya ICT Authority", slug="kenya-ict-authority"),),
    )


def test_same_action_line_and_country_rank_above_the_unrelated(
    backend: str, actor: Actor, portal: Any
) -> None:
    classified(actor, "A-1", "Water wells for villages", lines=("C7.7",), countries=("BR",))
    classified(actor, "B-1", "County service registry", lines=("C7.1",), countries=("KE",))
    classified(actor, "C-1", "Tax e-filing", lines=("C7.1",), countries=("PE",))
    cases = similar_initiatives(portal)
    codes = [case.row.code for case in cases]
    assert "P-1" not in codes
    assert codes[:2] == ["B-1", "C-1"]
    assert "A-1" not in codes or codes.index("A-1") > codes.index("C-1")
    reasons = reasons_of(cases, "B-1")
    assert reasons[ReasonKind.WSIS] == "Both under C7.1 E-government"
    assert reasons[ReasonKind.COUNTRY] == "Same country: Kenya"
    assert [case.score for case in cases] == sorted((case.score for case in cases), reverse=True)


def test_reasons_name_shared_partners_goals_and_words(backend: str, actor: Actor, portal: Any) -> None:
    authority = Organisation.objects.get(slug="kenya-ict-authority")
    classified(actor, "D-1", "Digital skills for clerks", partners=(authority,))
    classified(actor, "E-1", "Peaceful elections", goals=(16,), countries=("UG",))
    classified(actor, "F-1", "Health datasets portal", summary="A portal of hospital statistics.")
    cases = similar_initiatives(portal, limit=10)
    assert reasons_of(cases, "D-1") == {ReasonKind.PARTNER: "Shared partner: Kenya ICT Authority"}
    goal = SdgGoal.objects.get(number=16)
    e1 = reasons_of(cases, "E-1")
    assert e1[ReasonKind.SDG] == f"Both serve SDG 16 {goal.short_title}"
    assert e1[ReasonKind.REGION] == "Same region: Eastern Africa"
    assert reasons_of(cases, "F-1")[ReasonKind.TEXT].startswith("Similar text: ")
    assert {"portal", "datasets"} <= set(
        next(r for c in cases if c.row.code == "F-1" for r in c.reasons if r.kind == ReasonKind.TEXT).values
    )


def test_same_country_group_is_named(backend: str, actor: Actor) -> None:
    fiji = classified(actor, "G-1", "Island connectivity", lines=("C2",), countries=("FJ",))
    classified(actor, "G-2", "Island broadband", lines=("C2",), countries=("MV",))  # Maldives: SIDS too
    reasons = reasons_of(similar_initiatives(fiji), "G-2")
    assert reasons[ReasonKind.COUNTRY_GROUP] == "Same country group: SIDS"


def test_order_is_deterministic_and_nothing_shared_means_nothing_listed(backend: str, actor: Actor) -> None:
    lonely = classified(actor, "L-1", "Lighthouse keepers", countries=("IS",))
    classified(actor, "M-2", "Twin B", lines=("C4",))
    classified(actor, "M-1", "Twin A", lines=("C4",))
    assert similar_initiatives(lonely) == []
    twin = Initiative.objects.get(code="M-1")
    third = classified(actor, "M-3", "Twin C", lines=("C4",))
    assert [case.row.code for case in similar_initiatives(third)] == ["M-1", "M-2"]
    assert [case.row.code for case in similar_initiatives(twin)] == ["M-2", "M-3"]


def test_distinctive_words_drop_stop_and_common_words() -> None:
    words = distinctive_words("The national portal of open data", "It is used by the ministries.", "en")
    assert list(words.values())[:3] == ["portal", "open", "data"]
    assert "the" not in words.values() and "national" not in words.values()
    assert "ministries" in words.values()
    french = distinctive_words("Le portail des données ouvertes", "", "fr")
    assert set(french.values()) == {"portail", "données", "ouvertes"}
    chinese = distinctive_words("电子政务", "", "zh")
    assert set(chinese.values()) == {"电子", "子政", "政务"}


def test_the_page_shows_similar_initiatives_with_reasons(
    backend: str, actor: Actor, portal: Any, client: Client
) -> None:
    classified(actor, "B-1", "County service registry", lines=("C7.1",), countries=("KE",))
    page = client.get("/initiatives/P1/").content.decode()
    assert "Similar initiatives" in page
    section = page[page.index('id="similar"') :]
    assert "County service registry" in section and "/initiatives/B1/" in section
    assert "Both under C7.1 E-government" in section and "Same country: Kenya" in section
    assert "/experiences/?wsis=C7.1&amp;country=KE" in section


def test_the_page_answers_without_the_search_index(
    actor: Actor, portal: Any, client: Client, monkeypatch: Any, caplog: Any
) -> None:
    def broken(*args: Any, **kwargs: Any) -> list[Any]:
        raise OSError("index directory unreadable")

    monkeypatch.setattr(similar_module, "similar_hits", broken)
    with caplog.at_level(logging.ERROR):
        response = client.get("/initiatives/P1/")
    assert response.status_code == 200
    assert 'id="similar"' not in response.content.decode()
    assert "Similar initiatives of P-1 could not be found." in caplog.text


def test_api_similar(backend: str, actor: Actor, portal: Any, client: Client) -> None:
    classified(actor, "B-1", "County service registry", lines=("C7.1",), countries=("KE",))
    classified(actor, "C-1", "Tax e-filing", lines=("C7.1",), countries=("PE",))
    body = client.get("/api/v1/search/similar/p-1").json()
    assert body["code"] == "P-1"
    assert [item["initiative"]["code"] for item in body["items"]] == ["B-1", "C-1"]
    first = body["items"][0]
    assert first["initiative"]["countries"] == ["KE"]
    assert first["initiative"]["url"] == "http://127.0.0.1/initiatives/B1/"
    assert first["score"] > body["items"][1]["score"]
    assert {"kind": "wsis", "text": "Both under C7.1 E-government", "values": ["C7.1"]} in first["reasons"]
    assert {"kind": "country", "text": "Same country: Kenya", "values": ["KE"]} in first["reasons"]
    limited = client.get("/api/v1/search/similar/P-1?limit=1").json()
    assert [item["initiative"]["code"] for item in limited["items"]] == ["B-1"]


def test_api_similar_errors(db: Any, client: Client) -> None:
    assert client.get("/api/v1/search/similar/NOPE").status_code == 404
    make_initiative(code="X-1")
    assert client.get("/api/v1/search/similar/X-1?limit=0").status_code == 422
    assert client.get("/api/v1/search/similar/X-1?limit=abc").status_code == 422
    assert client.get("/api/v1/search/similar/X-1").json() == {"code": "X-1", "items": []}


def test_api_is_documented(client: Client) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    assert "/api/v1/search/similar/{code}" in paths
    parameters = {p["name"] for p in paths["/api/v1/search/experiences"]["get"]["parameters"]}
    assert {"country", "country_group", "wsis", "sdg", "q", "limit"} <= parameters
