"""Partnership health on the web and in the API: the rating form, the sections, the flags page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from stocktake.accounts.tests.factories import PASSWORD, make_member, make_user
from stocktake.initiatives.choices import PublicationState
from stocktake.initiatives.models import Initiative
from stocktake.monitoring.choices import HealthAspect
from stocktake.monitoring.models import HealthCheck
from stocktake.monitoring.tests.health_world import A, G, R, all_aspects, make_world, rate
from stocktake.organisations.tests.factories import make_organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(actor: Any) -> dict[str, Any]:
    return make_world(actor)


def _client(user: Any) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _form_data(organisation: Any, rating: str, **overrides: str) -> dict[str, Any]:
    data: dict[str, Any] = {"organisation": organisation.pk}
    for aspect in HealthAspect.values:
        data[f"rating_{aspect}"] = overrides.get(aspect.replace("-", "_"), rating)
        data[f"comment_{aspect}"] = ""
    return data


def _rate_url(world: dict[str, Any]) -> str:
    return reverse("monitoring:health_rate", args=[world["initiative"].code_normalised])


def test_lead_member_rates_from_the_workspace(world: dict[str, Any]) -> None:
    client = _client(world["gov1"])
    workspace = client.get(reverse("governance:record", args=[world["initiative"].code_normalised]))
    page = workspace.content.decode()
    assert "Rate this round" in page and f'action="{_rate_url(world)}"' in page
    assert "No partner has rated this partnership yet." in page
    response = client.post(_rate_url(world), _form_data(world["government"], G))
    assert response.status_code == 302
    assert response["Location"].endswith(f"/records/{world['initiative'].code_normalised}/#health")
    page = client.get(response["Location"]).content.decode()
    assert "Thank you: your ratings for this round are saved." in page
    assert "partner members who rated: 1" in page


def test_partner_rates_through_the_form_and_changes_it(world: dict[str, Any]) -> None:
    # Partners who do not edit the record find the form from the public page.
    client = _client(world["ngo1"])
    public = client.get(world["initiative"].get_absolute_url()).content.decode()
    assert f'href="{_rate_url(world)}"' in public
    assert (
        f'href="{_rate_url(world)}"'
        not in Client(HTTP_HOST="127.0.0.1").get(world["initiative"].get_absolute_url()).content.decode()
    )
    data = _form_data(world["ngo"], G, transparency=R)
    data["comment_transparency"] = "We never see the budget."
    response = client.post(_rate_url(world), data)
    assert response.status_code == 302 and response["Location"].endswith("#health")
    check = HealthCheck.objects.get(author=world["ngo1"])
    assert check.ratings.get(aspect="transparency").comment == "We never see the budget."
    # The form comes back filled in with what they said, and a second post changes the same check.
    again = client.get(_rate_url(world)).content.decode()
    assert "You rated this round already" in again
    assert "We never see the budget." in again
    assert re.search(r"<input[^>]*value=\"red\"[^>]*id=\"id_rating_transparency_2\"[^>]*checked", again)
    client.post(_rate_url(world), _form_data(world["ngo"], A))
    assert HealthCheck.objects.filter(author=world["ngo1"]).count() == 1
    assert set(check.ratings.values_list("rating", flat=True)) == {A}


def test_missing_or_wrong_rating_is_named_next_to_its_field(world: dict[str, Any]) -> None:
    client = _client(world["gov1"])
    data = _form_data(world["government"], G, efficiency="purple")
    del data["rating_accountability"]
    response = client.post(_rate_url(world), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'role="alert"' in page
    assert 'id="id_rating_accountability_error"' in page and 'id="id_rating_efficiency_error"' in page
    assert 'href="#id_rating_accountability-legend"' in page
    assert HealthCheck.objects.count() == 0


def test_non_partner_gets_403_and_nothing_is_written(world: dict[str, Any]) -> None:
    outsider = make_user()
    make_member(outsider, make_organisation(name="Elsewhere"))
    client = _client(outsider)
    assert client.get(_rate_url(world)).status_code == 403
    assert client.post(_rate_url(world), _form_data(world["ngo"], G)).status_code == 403
    # A partner's member choosing a partner they do not belong to is refused too.
    response = _client(world["ngo1"]).post(_rate_url(world), _form_data(world["government"], G))
    assert response.status_code == 400 and HealthCheck.objects.count() == 0
    # Anonymous visitors are sent to sign in.
    assert (
        Client(HTTP_HOST="127.0.0.1").post(_rate_url(world), _form_data(world["ngo"], G)).status_code == 302
    )
    assert HealthCheck.objects.count() == 0
    assert "Rate this round" not in client.get(world["initiative"].get_absolute_url()).content.decode()


def test_public_section_counts_trend_words_and_no_names(world: dict[str, Any]) -> None:
    rate(world, "gov1", "government", all_aspects(G))
    rate(world, "ngo1", "ngo", all_aspects(R, "Decisions are taken without us."))
    response = Client(HTTP_HOST="127.0.0.1").get(world["initiative"].get_absolute_url())
    page = response.content.decode()
    assert "Partnership health" in page
    assert ">green<" in page and ">red<" in page  # the words, not colour alone
    assert "Decisions are taken without us." in page and "Civil society" in page
    assert "ngo1" not in page  # comments without their author
    history = Client(HTTP_HOST="127.0.0.1").get(
        reverse("governance:history", args=[world["initiative"].code_normalised])
    )
    assert history.status_code == 200 and "ngo1" not in history.content.decode()
    assert "Where stakeholder groups disagree" in page


def test_public_section_absent_for_unpublished_records(world: dict[str, Any]) -> None:
    rate(world, "gov1", "government", all_aspects(G))
    Initiative.objects.filter(pk=world["initiative"].pk).update(state=PublicationState.WITHDRAWN)
    response = Client(HTTP_HOST="127.0.0.1").get(world["initiative"].get_absolute_url())
    assert "Partnership health" not in response.content.decode()


def test_flags_page_for_stewards_only(world: dict[str, Any]) -> None:
    rate(world, "gov1", "government", all_aspects(G))
    rate(world, "ngo1", "ngo", all_aspects(R))
    url = reverse("monitoring:health_flags")
    assert Client(HTTP_HOST="127.0.0.1").get(url).status_code == 403
    assert _client(world["gov1"]).get(url).status_code == 403
    response = _client(make_user(steward=True)).get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert world["initiative"].code in page
    assert "diverging" in page and "Government partners score 2.00 and Civil society partners 0.00" in page


def test_api_health(world: dict[str, Any]) -> None:
    rate(world, "gov1", "government", all_aspects(G))
    rate(world, "gov2", "government", all_aspects(A))
    rate(world, "ngo1", "ngo", all_aspects(R, "Not heard."))
    client = Client(HTTP_HOST="127.0.0.1")
    url = f"/api/v1/initiatives/{world['initiative'].code_normalised}/health"
    body = client.get(url).json()
    assert body["code"] == world["initiative"].code and body["round_months"] == 12
    assert len(body["rounds"]) == 1
    round_ = body["rounds"][0]
    assert round_["checks"] == 3
    vision = next(a for a in round_["aspects"] if a["aspect"] == "shared-vision")
    assert (vision["green"], vision["amber"], vision["red"], vision["total"], vision["score"]) == (
        1,
        1,
        1,
        3,
        1.0,
    )
    groups = {g["stakeholder_group"]: g for g in round_["stakeholder_groups"]}
    assert set(groups) == {"government", "civil-society"}
    assert groups["government"]["aspects"][0]["score"] == 1.5
    assert groups["civil-society"]["aspects"][0]["score"] == 0.0
    kinds = {(f["kind"], f["aspect"]) for f in body["flags"]}
    assert ("diverging", "shared-vision") in kinds and not any(k == "low" for k, _ in kinds)
    assert "Not heard." not in str(body)  # comments stay on the page, unattributed
    Initiative.objects.filter(pk=world["initiative"].pk).update(state=PublicationState.DRAFT)
    cache.clear()  # an update behind the services' back leaves the cached answer in place
    assert client.get(url).status_code == 404
    assert client.get("/api/v1/initiatives/NOSUCHCODE/health").status_code == 404
