"""The search page (the initiatives list) and the saved searches pages, as a browser without JavaScript
and as htmx see them."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from stocktake.core.history import Actor
from stocktake.core.models import HistoryEntry
from stocktake.core.partial_dates import PartialDate
from stocktake.initiatives import services
from stocktake.initiatives.filtersets import InitiativeFilters
from stocktake.initiatives.tests.factories import make_initiative
from stocktake.organisations.tests.factories import make_organisation
from stocktake.search.backends.base import FACET_SIZE, FacetBucket
from stocktake.search.facets import build_facet_labels, facet_groups
from stocktake.search.models import SavedSearch
from stocktake.search.query import parse_query
from stocktake.search.selectors import InitiativeSearch
from stocktake.vocabularies.models import ActionLine, Country

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("tester")


@pytest.fixture
def registry(db: None) -> dict[str, Any]:
    """Three initiatives: two projects (Kenya, Colombia) and a PPP in Kenya."""
    kenya, colombia = Country.objects.get(code="KE"), Country.objects.get(code="CO")
    c7 = ActionLine.objects.get(code="C7")
    portal = make_initiative(
        code="S-1",
        kind="project",
        title="Open data portal for ministries",
        summary="A portal publishing government data in open formats.",
        actual_start=PartialDate.parse("2012-03"),
    )
    services.country_add(actor=ACTOR, initiative=portal, country=kenya)
    services.action_line_add(actor=ACTOR, initiative=portal, action_line=c7)
    services.budget_add(actor=ACTOR, initiative=portal, amount=Decimal(2_500_000), currency="USD")
    clinics = make_initiative(
        code="S-2", kind="project", title="Rural clinics online", actual_start=PartialDate.parse("2019")
    )
    services.country_add(actor=ACTOR, initiative=clinics, country=colombia)
    ppp = make_initiative(code="S-3", kind="ppp", title="Broadband partnership")
    services.country_add(actor=ACTOR, initiative=ppp, country=kenya)
    return {"portal": portal, "clinics": clinics, "ppp": ppp}


def page(client: Client, path: str, **headers: Any) -> str:
    response = client.get(path, **headers)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode()


def facet_value(html: str, facet: str, value: str) -> tuple[bool, str]:
    """(checked, count) of a facet value's checkbox on the page."""
    match = re.search(
        rf'<input type="checkbox" id="fv-{facet}-{value}" name="{facet}" value="{value}"( checked)?'
        rf'.*?<span class="count" id="fv-{facet}-{value}-n">([^<]*)</span>',
        html,
        re.S,
    )
    assert match, (facet, value)
    return bool(match.group(1)), match.group(2)


def test_without_javascript_the_page_shows_facets_with_counts(
    client: Client, registry: dict[str, Any]
) -> None:
    html = page(client, "/initiatives/?kind=project")
    assert '<p class="count" id="result-count">2 initiatives</p>' in html
    assert "S-1" in html and "S-2" in html and "S-3" not in html
    # A facet counts what the list would hold with its value chosen instead of the facet's choice.
    assert facet_value(html, "kind", "project") == (True, "2")
    assert facet_value(html, "kind", "ppp") == (False, "1")
    # Other facets count within the chosen kind.
    assert facet_value(html, "country", "KE") == (False, "1")
    assert facet_value(html, "country", "CO") == (False, "1")
    assert facet_value(html, "wsis", "C7") == (False, "1")
    # Each value is a link too: ppp added to project, or project taken away.
    assert 'href="/initiatives/?kind=project&amp;kind=ppp"' in html
    assert (
        'href="/initiatives/">project</a>' in html or 'href="/initiatives/" tabindex="-1">project</a>' in html
    )
    # Ranges: a band of start years, and a budget band, as links.
    assert (
        'href="/initiatives/?kind=project&amp;start_year_min=2010&amp;start_year_max=2014">2010–2014</a>'
        in html
    )
    assert "budget_min=1000000&amp;budget_max=9999999.99" in html and "US$1M–10M" in html
    # The form works without JavaScript: a GET form with a submit button, the clear links.
    assert '<form id="search" class="search-page" action="/initiatives/" method="get"' in html
    assert '<button type="submit">Apply filters</button>' in html
    assert '<a href="/initiatives/">Clear all filters</a>' in html
    assert "in place of the group's current choice" in html


def test_a_chosen_value_stays_visible_with_no_match(client: Client, registry: dict[str, Any]) -> None:
    html = page(client, "/initiatives/?kind=event")
    assert '<p class="count" id="result-count">0 initiatives</p>' in html
    assert facet_value(html, "kind", "event") == (True, "0")
    assert facet_value(html, "kind", "project") == (False, "2")


def test_a_search_matching_nothing_offers_the_closest_experiences(
    client: Client, registry: dict[str, Any]
) -> None:
    html = page(client, "/initiatives/?q=open+data&country_group=sids&wsis=C7")
    assert '<p class="count" id="result-count">0 initiatives</p>' in html
    link = re.search(r'<a href="(/experiences/[^"]*)">Find the closest experiences', html)
    assert link is not None
    assert link.group(1).replace("&amp;", "&") == "/experiences/?q=open+data&country_group=sids&wsis=C7"
    experiences = page(client, link.group(1).replace("&amp;", "&"))
    assert 'class="cases"' in experiences  # the page answers with ranked experiences
    assert "Find the closest experiences" not in page(client, "/initiatives/?q=portal")


def test_words_rank_by_relevance_with_highlighted_snippets_and_organisations(
    client: Client, registry: dict[str, Any]
) -> None:
    make_organisation(name="Open Data Institute", acronym="ODI")
    html = page(client, "/initiatives/?q=portal")
    assert '<p class="count" id="result-count">1 initiative</p>' in html
    assert re.search(r'<p class="snippet" lang="en">[^<]*<mark>portal</mark>', html)
    assert '<option value="">Relevance</option>' in html  # the default sort with words
    html = page(client, "/initiatives/?q=open+data")
    assert "Organisations matching “open data”" in html
    assert 'href="/organisations/' in html and "Open Data Institute (ODI)" in html


def test_htmx_gets_results_and_facets_with_the_address_to_show(
    client: Client, registry: dict[str, Any]
) -> None:
    response = client.get("/initiatives/?country=KE&sort=", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    fragment = response.content.decode()
    assert "<html" not in fragment and 'id="result-count">2 initiatives<' in fragment
    assert facet_value(fragment, "country", "KE") == (True, "2")  # the facets come along
    assert response["HX-Push-Url"] == "/initiatives/?country=KE"
    assert "HX-Request" in response["Vary"]
    # Screen readers hear the new count: the status region outside the swap is updated out of band.
    assert '<p id="search-status" hx-swap-oob="innerHTML">2 initiatives</p>' in fragment
    # The sign-in link outside the swap follows the search too.
    sign_in = '<a href="/account/login/?next=%2Finitiatives%2F%3Fcountry%3DKE">'
    assert f'<p id="save-hint" class="hint" hx-swap-oob="true">{sign_in}' in fragment
    second = client.get("/initiatives/?country=KE&page=2", HTTP_HX_REQUEST="true")
    assert second["HX-Push-Url"] == "/initiatives/?country=KE"  # only one page: the first


def test_a_submitted_form_redirects_to_the_canonical_address(
    client: Client, registry: dict[str, Any]
) -> None:
    response = client.get("/initiatives/?q=&kind=project&country=&sort=&start_year_min=")
    assert response.status_code == 302 and response["Location"] == "/initiatives/?kind=project"
    # The default sort is left out: code without words, relevance with them.
    response = client.get("/initiatives/?q=portal&sort=relevance&kind=")
    assert response["Location"] == "/initiatives/?q=portal"
    response = client.get("/initiatives/?q=portal&sort=-updated&kind=")
    assert response["Location"] == "/initiatives/?q=portal&sort=-updated"
    response = client.get("/initiatives/?kind=project&page=9")  # past the last page
    assert response.status_code == 302 and response["Location"] == "/initiatives/?kind=project"


def test_the_page_links_its_atom_feed(client: Client, registry: dict[str, Any]) -> None:
    html = page(client, "/initiatives/?country=KE&sort=title")
    assert (
        '<a class="feed-link" href="/initiatives/feed.atom?country=KE" type="application/atom+xml">' in html
    )
    head = html[: html.index("</head>")]
    assert (
        '<link rel="alternate" type="application/atom+xml" href="/initiatives/feed.atom?country=KE"' in head
    )


def test_list_page_query_count_does_not_grow_with_rows(client: Client, settings: Any) -> None:
    settings.PAGE_CACHE_SECONDS = 0
    make_initiative()

    def queries(path: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            page(client, path)
        return len(captured)

    queries("/initiatives/?q=test")  # fills the index, vocabulary and option caches
    few = queries("/initiatives/?q=test")
    for _ in range(15):
        make_initiative()
    queries("/initiatives/?q=test")  # the index follows the new initiatives
    assert queries("/initiatives/?q=test") == few


# Saved searches


@pytest.fixture
def person(db: None) -> User:
    return User.objects.create_user("ada", password="a long enough password")


def csrf_client(user: User) -> Client:
    client = Client(enforce_csrf_checks=True, HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client


def csrf_token(client: Client, path: str = "/initiatives/") -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page(client, path))
    assert match
    return match.group(1)


def test_a_signed_in_person_saves_lists_renames_and_deletes_a_search(
    person: User, registry: dict[str, Any]
) -> None:
    client = csrf_client(person)
    html = page(client, "/initiatives/?country=KE&kind=project")
    assert '<form id="save-form" class="save-form" action="/searches/save/" method="post">' in html
    assert '<input type="hidden" id="save-query" name="query" value="kind=project&amp;country=KE">' in html
    fragment = client.get("/initiatives/?country=KE", HTTP_HX_REQUEST="true").content.decode()
    assert (
        '<input type="hidden" id="save-query" name="query" value="country=KE" hx-swap-oob="true">' in fragment
    )
    history = HistoryEntry.objects.count()

    refused = client.post("/searches/save/", {"query": "country=KE", "name": "Kenya"})
    assert refused.status_code == 403 and not SavedSearch.objects.exists()

    token = csrf_token(client)
    saved_response = client.post(
        "/searches/save/",
        {"query": "country=KE&kind=project&sort=code&page=3", "name": "", "csrfmiddlewaretoken": token},
    )
    saved = SavedSearch.objects.get()
    assert saved_response.status_code == 302
    assert saved_response["Location"] == f"/searches/#saved-{saved.pk}"
    assert (saved.user, saved.query, saved.name) == (person, "kind=project&country=KE", "project · Kenya")
    assert saved.last_seen_at is None
    assert HistoryEntry.objects.count() == history  # user data: no registry history

    listing = page(client, "/searches/")
    assert f'<a href="/searches/{saved.pk}/">project · Kenya</a>' in listing
    assert 'href="/initiatives/feed.atom?kind=project&amp;country=KE"' in listing

    opened = client.get(f"/searches/{saved.pk}/")
    assert opened.status_code == 302 and opened["Location"] == "/initiatives/?kind=project&country=KE"
    saved.refresh_from_db()
    assert saved.last_seen_at is not None

    renamed = client.post(
        f"/searches/{saved.pk}/rename/", {"name": " Kenyan projects ", "csrfmiddlewaretoken": token}
    )
    assert renamed.status_code == 302
    saved.refresh_from_db()
    assert saved.name == "Kenyan projects"

    deleted = client.post(f"/searches/{saved.pk}/delete/", {"csrfmiddlewaretoken": token})
    assert deleted.status_code == 302 and deleted["Location"] == "/searches/"
    assert not SavedSearch.objects.exists()
    assert HistoryEntry.objects.count() == history


def test_nobody_opens_renames_or_deletes_another_persons_search(person: User, db: None) -> None:
    saved = SavedSearch.objects.create(user=person, name="Mine", query="country=KE")
    other = User.objects.create_user("bob", password="another long password")
    client = csrf_client(other)
    token = csrf_token(client)
    assert client.get(f"/searches/{saved.pk}/").status_code == 404
    assert (
        client.post(
            f"/searches/{saved.pk}/rename/", {"name": "Stolen", "csrfmiddlewaretoken": token}
        ).status_code
        == 404
    )
    assert client.post(f"/searches/{saved.pk}/delete/", {"csrfmiddlewaretoken": token}).status_code == 404
    assert "Mine" not in page(client, "/searches/")
    saved.refresh_from_db()
    assert (saved.name, saved.last_seen_at) == ("Mine", None)


def test_a_visitor_cannot_save_and_is_asked_to_sign_in(client: Client, registry: dict[str, Any]) -> None:
    html = page(client, "/initiatives/?country=KE")
    assert 'id="save-form"' not in html and "csrfmiddlewaretoken" not in html
    assert (
        '<a href="/account/login/?next=%2Finitiatives%2F%3Fcountry%3DKE">Sign in</a> to save this search'
        in html
    )
    response = client.post("/searches/save/", {"query": "country=KE", "name": "Kenya"})
    assert response.status_code == 302 and response["Location"].startswith("/account/login/")
    assert client.get("/searches/").status_code == 302
    assert not SavedSearch.objects.exists()


def test_a_name_that_is_too_long_is_refused(person: User, db: None) -> None:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(person)
    response = client.post("/searches/save/", {"query": "country=KE", "name": "x" * 201})
    assert response.status_code == 400 and "Name:" in response.content.decode()
    assert not SavedSearch.objects.exists()


# The facets' presentation, from counts a backend gave


def facets_of(
    filters: InitiativeFilters, counts: dict[str, dict[str, int]], **choices: Any
) -> dict[str, Any]:
    search = InitiativeSearch(
        filters=filters,
        query=parse_query(filters.q),
        total=0,
        page=1,
        per_page=20,
        rows=[],
        facets={
            name: [FacetBucket(key, count) for key, count in values.items()]
            for name, values in counts.items()
        },
    )
    return {group.name: group for group in facet_groups(search, build_facet_labels(), choices)}


def test_start_years_are_grouped_in_bands_and_a_typed_range_is_counted(db: None) -> None:
    years = {"start_year": {"2011": 2, "2013": 1, "2016": 4}}
    group = facets_of(InitiativeFilters(), years)["start_year"]
    assert [(v.label, v.count, v.selected) for v in group.values] == [
        ("2010–2014", 3, False),
        ("2015–2019", 4, False),
    ]
    assert group.values[0].href == "/initiatives/?start_year_min=2010&start_year_max=2014"
    chosen = facets_of(InitiativeFilters(start_year_min=2010, start_year_max=2014), years)["start_year"]
    assert chosen.values[0].selected and chosen.values[0].href == "/initiatives/" == chosen.clear_href
    typed = facets_of(InitiativeFilters(start_year_min=2012, start_year_max=2016), years)["start_year"]
    assert [(v.label, v.count, v.selected) for v in typed.values] == [
        ("2012–2016", 5, True),
        ("2010–2014", 3, False),
        ("2015–2019", 4, False),
    ]


def test_budget_bands_link_to_their_amounts(db: None) -> None:
    group = facets_of(InitiativeFilters(kind=["ppp"]), {"budget": {"lt100k": 1, "1m-10m": 3, "100m+": 2}})[
        "budget"
    ]
    assert [(v.label, v.count) for v in group.values] == [
        ("under US$100K", 1),
        ("US$1M–10M", 3),
        ("US$100M or more", 2),
    ]
    assert group.values[1].href == "/initiatives/?kind=ppp&budget_min=1000000&budget_max=9999999.99"
    assert group.values[2].href == "/initiatives/?kind=ppp&budget_min=100000000"
    chosen = facets_of(
        InitiativeFilters(budget_min=Decimal(1_000_000), budget_max=Decimal("9999999.99")), {"budget": {}}
    )["budget"]
    assert [(v.label, v.count, v.selected) for v in chosen.values] == [("US$1M–10M", 0, True)]


def test_a_long_facet_offers_every_other_choice_and_names_values(db: None) -> None:
    codes = [code for code in Country.objects.order_by("code").values_list("code", flat=True)][:FACET_SIZE]
    choices = {"countries": [(code, code) for code in Country.objects.values_list("code", flat=True)]}
    group = facets_of(InitiativeFilters(country=["ke"]), {"country": dict.fromkeys(codes, 1)}, **choices)[
        "country"
    ]
    assert len(group.values) == FACET_SIZE + 1  # the chosen "ke" (KE) joins the most frequent
    kenya = group.values[-1]
    assert (kenya.value, kenya.label, kenya.count, kenya.selected) == ("KE", "Kenya", 0, True)
    assert kenya.href == "/initiatives/"
    assert {value for value, _text in group.more} & {*codes, "KE"} == set()
    assert len(group.more) == Country.objects.count() - FACET_SIZE - 1
    short = facets_of(InitiativeFilters(), {"country": {"KE": 2}}, **choices)["country"]
    assert short.more == [] and short.values[0].label == "Kenya"
