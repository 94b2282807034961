"""Error pages: in the site's layout, saying why, in the visitor's language."""

from __future__ import annotations

import pytest
from django.test import Client

from stocktake.accounts.tests.factories import make_user
from stocktake.initiatives.tests.factories import make_initiative

pytestmark = pytest.mark.django_db


def test_not_found_page_is_the_sites_own(client: Client) -> None:
    response = client.get("/initiatives/NO-SUCH-CODE/")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'class="site-header"' in html and "Page not found" in html
    assert "Page introuvable" in client.get("/fr/initiatives/NO-SUCH-CODE/").content.decode()


def test_forbidden_page_says_why(client: Client) -> None:
    initiative = make_initiative()
    client.force_login(make_user())
    response = client.post(f"/records/{initiative.code_normalised}/withdraw/", {"reason": "No"})
    assert response.status_code == 403
    html = response.content.decode()
    assert 'class="site-header"' in html and "Only stewards withdraw records." in html
