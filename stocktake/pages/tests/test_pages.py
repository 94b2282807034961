"""The public pages, on the demo data, as a visitor without JavaScript sees them."""

import gzip
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from stocktake.core.history import Actor
from stocktake.demo.services import DemoLoad
from stocktake.initiatives.services import initiative_update
from stocktake.initiatives.tests.factories import make_initiative
from stocktake.search.selectors import PER_PAGE

pytestmark = pytest.mark.django_db
STATIC = Path(settings.BASE_DIR) / "static"


def html(client: Client, path: str, **headers: Any) -> str:
    response = client.get(path, **headers)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode()


def test_home_has_numbers_search_and_recent_initiatives(client: Client, demo: DemoLoad) -> None:
    page = html(client, "/")
    assert '<form class="search" action="/initiatives/" method="get"' in page
    assert re.search(r"<strong>26</strong>\s*initiatives", page)
    recent = page[page.index('id="recent"') :]
    assert recent.count('<td class="code">') == 6


def test_the_list_filters_without_javascript_and_swaps_a_fragment_with_htmx(
    client: Client, demo: DemoLoad
) -> None:
    page = html(client, "/initiatives/?country=CO&kind=project")
    assert "1 initiative" in page and "INT13001" in page and "RAF08X01" not in page
    assert 'name="country" value="CO" checked' in page
    fragment = html(client, "/initiatives/?wsis=C7", HTTP_HX_REQUEST="true")
    assert "<html" not in fragment and 'id="result-count"' in fragment
    submitted = client.get("/initiatives/?q=&kind=project&status=&country=CO&sort=code")
    assert submitted.status_code == 302 and submitted["Location"] == "/initiatives/?kind=project&country=CO"
    noisy = html(client, "/initiatives/?kind=spaceship&country=CO")
    assert "were not understood" in noisy and "INT13001" in noisy


def test_initiative_page_shows_every_part(client: Client, demo: DemoLoad) -> None:
    page = html(client, "/initiatives/INT13001/")
    assert "US$164,189" in page
    assert "Sources disagree" in page and "XBTC" in page and "EGB" in page
    for heading in (
        "Key facts",
        "Main expectations",
        "Key accomplishments",
        "Partners",
        "Classification",
        "History of changes",
    ):
        assert f">{heading}</h2>" in page, heading
    assert ">Implementing</h3>" in page and ">Cooperation partner</h3>" in page
    assert "editorial" in page and "September 2013 – November 2015" in page
    assert "Also listed as" in page and "INT/13/001" in page


def test_other_spellings_of_a_code_redirect_to_the_record(client: Client, demo: DemoLoad) -> None:
    response = client.get("/initiatives/INT-13-001/")
    assert response.status_code == 301 and response["Location"] == "/initiatives/INT13001/"
    assert client.get("/initiatives/NO-SUCH-CODE/").status_code == 404


def test_event_and_commitment_pages(client: Client, demo: DemoLoad) -> None:
    meeting = html(client, "/initiatives/EGMEGOVPPP2009/")
    assert ">Sessions</h2>" in meeting and "Mimicopoulos" in meeting and ">Organiser</h3>" in meeting
    conference = html(client, "/initiatives/UNESCOWSISMSP2005/")
    assert ">Recommendations</h2>" in conference and ">Sponsor</h3>" in conference
    programme = html(client, "/initiatives/WSISPOAC1/")
    assert ">Parts of this initiative</h2>" in programme and "WSIS-POA-18G" in programme


def test_organisation_and_topic_pages_list_their_initiatives(client: Client, demo: DemoLoad) -> None:
    undesa = html(client, "/organisations/undesa/")
    assert ">Implementing</h3>" in undesa and "INT13001" in undesa
    assert "INT13001" in html(client, "/action-lines/C7/")  # through its sub-line C7.1
    assert "INT13001" in html(client, "/sdgs/16/")
    colombia = html(client, "/countries/CO/")
    assert "INT13001" in colombia
    kenya = html(client, "/countries/KE/")
    assert "Initiatives for regions and groups that include Kenya" in kenya and "RAF08X01" in kenya
    assert "Colombian Ministry" in html(client, "/organisations/?q=MINTIC")


def test_french_and_arabic_pages(client: Client, demo: DemoLoad) -> None:
    french = html(client, "/fr/initiatives/INT13001/")
    assert '<html lang="fr" dir="ltr">' in french
    assert "septembre 2013" in french
    arabic = html(client, "/ar/")
    assert '<html lang="ar" dir="rtl">' in arabic


def test_every_asset_comes_from_the_app_and_headers_are_strict(client: Client, demo: DemoLoad) -> None:
    response = client.get("/initiatives/INT13001/")
    page = response.content.decode()
    for url in re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', page):
        assert url.startswith("/static/"), url
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_full_list_page_is_light(client: Client, db: None) -> None:
    """HTML, CSS and JS of a full results page at most 100 KB compressed; JS at most 50 KB."""
    for n in range(60):
        make_initiative(code=f"W-{n:03d}", title=f"A realistic title for the weight of initiative number {n}")
    page = client.get("/initiatives/").content
    css = (STATIC / "css/stocktake.css").read_bytes()
    js = (STATIC / "vendor/htmx/htmx.min.js").read_bytes()
    js_size = len(gzip.compress(js))
    total = len(gzip.compress(page)) + len(gzip.compress(css)) + js_size
    assert page.count(b'<td class="code">') == PER_PAGE
    assert js_size <= 50_000 and total <= 100_000, (total, js_size)


def test_list_page_query_count_does_not_grow_with_rows(client: Client, db: None, settings: Any) -> None:
    settings.PAGE_CACHE_SECONDS = 0

    def queries() -> int:
        cache.clear()  # the filter choices are cached per registry version
        with CaptureQueriesContext(connection) as captured:
            client.get("/initiatives/")
        return len(captured)

    make_initiative()
    queries()  # fills the vocabulary caches
    few = queries()
    for _ in range(20):
        make_initiative()
    queries()  # the search index follows the new records first
    assert queries() == few


def test_cached_pages_are_served_until_anything_changes(client: Client, actor: Actor, db: None) -> None:
    initiative = make_initiative(code="CACHE-1", title="Before the edit")
    assert "Before the edit" in html(client, "/initiatives/")
    with CaptureQueriesContext(connection) as captured:
        assert "Before the edit" in html(client, "/initiatives/")
    assert len(captured) == 1  # only the registry version is read
    initiative_update(actor=actor, initiative=initiative, title="After the edit")
    page = html(client, "/initiatives/")
    assert "After the edit" in page and "Before the edit" not in page
    assert "After the edit" in html(client, "/initiatives/CACHE1/")


def test_a_client_taking_gzip_gets_a_copy_compressed_once(client: Client, actor: Actor, db: None) -> None:
    make_initiative(code="ZIP-1", title="Compressed once")
    first = client.get("/initiatives/", HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert first["Content-Encoding"] == "gzip" and "Accept-Encoding" in first["Vary"]
    assert "Compressed once" in gzip.decompress(first.content).decode()
    with CaptureQueriesContext(connection) as captured:
        again = client.get("/initiatives/", HTTP_ACCEPT_ENCODING="gzip")
    assert len(captured) == 1  # the cached copy: only the registry version is read
    assert again.content == first.content  # the same bytes, not compressed anew
    plain = client.get("/initiatives/")
    assert not plain.has_header("Content-Encoding") and "Compressed once" in plain.content.decode()
