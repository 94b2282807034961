"""Atom feeds of searches: valid Atom, the list's filters, newest changes first."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from lxml import etree

from stocktake.core.history import Actor
from stocktake.initiatives import services
from stocktake.initiatives.filtersets import InitiativeFilters
from stocktake.initiatives.models import Initiative
from stocktake.initiatives.tests.factories import make_initiative
from stocktake.search.selectors import matching_initiative_ids
from stocktake.vocabularies.models import ActionLine, Country

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("tester")
ATOM = "{http://www.w3.org/2005/Atom}"
SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


def feed(client: Client, path: str) -> Any:
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    root = etree.fromstring(response.content, SAFE_PARSER)
    assert root.tag == f"{ATOM}feed"
    return root


def entry_codes(root: Any) -> list[str]:
    return [entry.findtext(f"{ATOM}title").split(":")[0] for entry in root.iter(f"{ATOM}entry")]


@pytest.fixture
def kenyan_c7(db: None) -> list[Initiative]:
    """Five initiatives in Kenya on C7, changed one after another (the last most recently), and noise."""
    kenya, c7 = Country.objects.get(code="KE"), ActionLine.objects.get(code="C7")
    made = []
    start = timezone.now() - timedelta(days=10)
    for number in range(5):
        initiative = make_initiative(
            code=f"KE-{number}", title=f"Kenyan e-government {number}", summary="Text."
        )
        services.country_add(actor=ACTOR, initiative=initiative, country=kenya)
        services.action_line_add(actor=ACTOR, initiative=initiative, action_line=c7)
        Initiative.objects.filter(pk=initiative.pk).update(updated=start + timedelta(days=number))
        made.append(initiative)
    make_initiative(code="KE-NOT", title="Kenya without the Action Line")
    other = make_initiative(code="CO-1", title="Colombian e-government")
    services.action_line_add(actor=ACTOR, initiative=other, action_line=c7)
    return made


def test_the_feed_is_valid_atom_with_what_a_reader_needs(client: Client, kenyan_c7: list[Initiative]) -> None:
    root = feed(client, "/initiatives/feed.atom?country=KE&wsis=C7")
    assert root.findtext(f"{ATOM}title") == "Stocktake: initiatives, Kenya · C7 ICT applications"
    assert root.find(f"{ATOM}link[@rel='alternate']").get("href") == (
        "http://127.0.0.1/initiatives/?country=KE&wsis=C7"
    )
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == (
        "http://127.0.0.1/initiatives/feed.atom?country=KE&wsis=C7"
    )
    assert root.findtext(f"{ATOM}updated")
    entry = next(root.iter(f"{ATOM}entry"))
    assert entry.findtext(f"{ATOM}title") == "KE-4: Kenyan e-government 4"
    assert entry.find(f"{ATOM}link").get("href") == "http://127.0.0.1/initiatives/KE4/"
    assert entry.findtext(f"{ATOM}id") == "http://127.0.0.1/initiatives/KE4/"
    assert entry.findtext(f"{ATOM}summary") == "Text."
    kenyan_c7[4].refresh_from_db()
    assert entry.findtext(f"{ATOM}updated") == kenyan_c7[4].updated.isoformat()
    assert [c.get("term") for c in entry.iter(f"{ATOM}category")] == ["C7 ICT applications"]


def test_entries_are_the_search_matches_latest_first(client: Client, kenyan_c7: list[Initiative]) -> None:
    root = feed(client, "/initiatives/feed.atom?country=KE&wsis=C7&sort=title&page=3")
    assert entry_codes(root) == ["KE-4", "KE-3", "KE-2", "KE-1", "KE-0"]
    matches = matching_initiative_ids(InitiativeFilters(country=["KE"], wsis=["C7"]))
    assert sorted(matches) == sorted(initiative.pk for initiative in kenyan_c7)
    assert entry_codes(feed(client, "/initiatives/feed.atom?q=Colombian")) == ["CO-1"]
    assert len(entry_codes(feed(client, "/initiatives/feed.atom"))) == 7
    # What is not understood is left out, as on the list.
    assert entry_codes(feed(client, "/initiatives/feed.atom?kind=spaceship&country=CO")) == []


def test_an_edited_initiative_comes_to_the_top(client: Client, kenyan_c7: list[Initiative]) -> None:
    path = "/initiatives/feed.atom?country=KE&wsis=C7"
    assert entry_codes(feed(client, path))[0] == "KE-4"  # cached now, until the registry changes
    services.initiative_update(actor=ACTOR, initiative=kenyan_c7[1], title="Kenyan e-government, renamed")
    root = feed(client, path)
    assert entry_codes(root) == ["KE-1", "KE-4", "KE-3", "KE-2", "KE-0"]
    assert next(root.iter(f"{ATOM}entry")).findtext(f"{ATOM}title") == "KE-1: Kenyan e-government, renamed"


def test_the_feed_is_capped_at_fifty(client: Client, db: None) -> None:
    for number in range(52):
        make_initiative(code=f"MANY-{number:02d}")
    assert len(entry_codes(feed(client, "/initiatives/feed.atom"))) == 50
