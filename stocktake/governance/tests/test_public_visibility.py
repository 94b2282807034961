"""Only published records are public: drafts, records in review and withdrawn ones appear in no list,
search, facet, count, export, feed, similar case or API answer, and leave the index when they change
state."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client

from stocktake.accounts.tests.factories import actor_for, make_user
from stocktake.core.history import Actor
from stocktake.governance.services import initiative_withdraw
from stocktake.initiatives.choices import PartnerRole, PublicationState
from stocktake.initiatives.filtersets import InitiativeFilters
from stocktake.initiatives.models import Initiative
from stocktake.initiatives.services import action_line_add, country_add, participation_add
from stocktake.initiatives.tests.factories import make_initiative
from stocktake.organisations.tests.factories import make_organisation
from stocktake.search.selectors import matching_initiative_ids, search_initiatives
from stocktake.vocabularies.models import ActionLine, Country

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("tester")


def _classified(code: str, state: str, organisation: Any) -> Initiative:
    initiative = make_initiative(code=code, title=f"Zanzibar telecentres {code}", state=state)
    country_add(actor=ACTOR, initiative=initiative, country=Country.objects.get(code="KE"))
    action_line_add(actor=ACTOR, initiative=initiative, action_line=ActionLine.objects.get(code="C7"))
    participation_add(actor=ACTOR, initiative=initiative, organisation=organisation, role=PartnerRole.LEAD)
    return initiative


@pytest.fixture
def records() -> dict[str, Initiative]:
    organisation = make_organisation(name="Zanzibar ICT Agency")
    states = {
        "published": PublicationState.PUBLISHED,
        "draft": PublicationState.DRAFT,
        "review": PublicationState.IN_REVIEW,
        "withdrawn": PublicationState.PUBLISHED,
    }
    made = {name: _classified(f"VIS/{name}", state, organisation) for name, state in states.items()}
    initiative_withdraw(
        actor=actor_for(make_user(steward=True)),
        initiative=made["withdrawn"],
        reason="A duplicate of VIS/published",
    )
    return made


def test_search_and_facets_hold_published_records_only(records: dict[str, Initiative]) -> None:
    found = matching_initiative_ids(InitiativeFilters(q="zanzibar"))
    assert found == [records["published"].pk]
    result = search_initiatives(InitiativeFilters(country=["KE"]), facets=True)
    assert [row.initiative.code for row in result.rows] == ["VIS/published"]
    assert dict((value.key, value.count) for value in result.facets["wsis"])["C7"] == 1


def test_web_list_export_and_counts(client: Client, records: dict[str, Initiative]) -> None:
    page = client.get("/initiatives/?q=zanzibar").content.decode()
    assert "VIS/published" in page
    for hidden in ("VIS/draft", "VIS/review", "VIS/withdrawn"):
        assert hidden not in page
    exported = client.get("/export/initiatives.csv?country=KE")
    assert exported.status_code == 200
    text = b"".join(exported.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    codes = [row["code"] for row in csv.DictReader(io.StringIO(text))]
    assert codes == ["VIS/published"]
    organisation = records["published"].participations.get().organisation
    organisation_page = client.get(organisation.get_absolute_url()).content.decode()
    assert "VIS/published" in organisation_page and "VIS/draft" not in organisation_page
    country_page = client.get("/countries/KE/").content.decode()
    assert "VIS/published" in country_page and "VIS/draft" not in country_page
    feed = client.get("/initiatives/feed.atom?country=KE").content.decode()
    assert "VIS/published" in feed and "VIS/draft" not in feed


def test_api_answers_404_for_drafts_and_410_for_withdrawn(
    client: Client, records: dict[str, Initiative]
) -> None:
    assert client.get(f"/api/v1/initiatives/{records['published'].code_normalised}").status_code == 200
    assert client.get(f"/api/v1/initiatives/{records['draft'].code_normalised}").status_code == 404
    assert client.get(f"/api/v1/initiatives/{records['review'].code_normalised}").status_code == 404
    gone = client.get(f"/api/v1/initiatives/{records['withdrawn'].code_normalised}")
    assert gone.status_code == 410
    assert "A duplicate of VIS/published" in gone.json()["detail"]
    listed = client.get("/api/v1/initiatives?country=KE").json()
    assert [item["code"] for item in listed["items"]] == ["VIS/published"]
    assert client.get(f"/api/v1/search/similar/{records['draft'].code_normalised}").status_code == 404


def test_withdrawal_takes_a_record_out_of_the_index(records: dict[str, Initiative]) -> None:
    published = records["published"]
    assert matching_initiative_ids(InitiativeFilters(q="zanzibar")) == [published.pk]
    initiative_withdraw(actor=actor_for(make_user(steward=True)), initiative=published, reason="Ended")
    assert matching_initiative_ids(InitiativeFilters(q="zanzibar")) == []
