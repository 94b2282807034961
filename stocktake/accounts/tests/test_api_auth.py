"""API authentication, rate limiting, /me and memberships through the API."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from stocktake.accounts import ratelimit
from stocktake.accounts.choices import MembershipRole, MembershipStatus, TokenScope
from stocktake.accounts.models import ApiToken, Membership
from stocktake.accounts.services import token_revoke
from stocktake.accounts.tests.api_client import call, make_token
from stocktake.accounts.tests.factories import actor_for, make_member, make_user
from stocktake.core.models import HistoryEntry
from stocktake.initiatives.models import Initiative
from stocktake.organisations.tests.factories import make_organisation

pytestmark = pytest.mark.django_db

NEW_RECORD = {"code": "API/1", "kind": "project", "title": "E-government portal"}


@pytest.fixture
def member() -> Any:
    user = make_user(display_name="Cora Contributor")
    organisation = make_organisation(name="Ministry of ICT")
    make_member(user, organisation)
    user.organisation = organisation
    return user


def _register(client: Client, member: Any, key: str | None) -> Any:
    return call(
        client, "post", "/api/v1/records", {**NEW_RECORD, "organisation": member.organisation.slug}, key=key
    )


# Tokens and scopes ------------------------------------------------------------------------------


def test_a_write_without_a_token_is_401_and_writes_nothing(client: Client, member: Any) -> None:
    entries = HistoryEntry.objects.count()
    response = _register(client, member, key=None)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "token" in response.json()["detail"]
    assert not Initiative.objects.exists() and HistoryEntry.objects.count() == entries


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "Token stk_abc"])
def test_a_header_that_is_not_a_bearer_token_is_401(client: Client, member: Any, header: str) -> None:
    response = client.post(
        "/api/v1/records", data="{}", content_type="application/json", headers={"Authorization": header}
    )
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")
    assert "Bearer" in response.json()["detail"]


def test_an_unknown_key_is_401(client: Client, member: Any) -> None:
    response = _register(client, member, key="stk_" + "x" * 43)
    assert response.status_code == 401
    assert response.json()["detail"] == "This API token is not valid: it is unknown or was revoked."
    assert not Initiative.objects.exists()


def test_a_read_token_is_403_on_writes_but_reads(client: Client, member: Any) -> None:
    key = make_token(member, scope=TokenScope.READ)
    response = _register(client, member, key=key)
    assert response.status_code == 403
    assert "only read" in response.json()["detail"]
    assert "WWW-Authenticate" not in response
    assert not Initiative.objects.exists()
    me = call(client, "get", "/api/v1/me", key=key)
    assert me.status_code == 200 and me.json()["token"]["scope"] == "read"


def test_a_revoked_token_is_401(client: Client, member: Any) -> None:
    key = make_token(member)
    assert call(client, "get", "/api/v1/me", key=key).status_code == 200
    token_revoke(actor=actor_for(member), token=ApiToken.objects.get(user=member))
    response = _register(client, member, key=key)
    assert response.status_code == 401 and "revoked" in response.json()["detail"]
    assert call(client, "get", "/api/v1/me", key=key).status_code == 401
    assert not Initiative.objects.exists()


def test_a_token_of_a_deactivated_user_is_401(client: Client, member: Any) -> None:
    key = make_token(member)
    member.is_active = False
    member.save(update_fields=["is_active"])
    assert _register(client, member, key=key).status_code == 401


def test_a_write_token_writes_as_its_owner_through_the_api(client: Client, member: Any) -> None:
    response = _register(client, member, key=make_token(member))
    assert response.status_code == 201
    initiative = Initiative.objects.get(code="API/1")
    entry = HistoryEntry.objects.filter(object_id=str(initiative.pk), action="create").get(
        content_type__model="initiative"
    )
    assert entry.source == "api" and entry.actor_id == member.pk


def test_a_token_needs_no_csrf_token(member: Any) -> None:
    # Bearer tokens are not sent by browsers on their own, so the API is exempt from CSRF checks.
    strict = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
    assert _register(strict, member, key=make_token(member)).status_code == 201


def test_a_browser_session_reads_but_does_not_write(client: Client, member: Any) -> None:
    client.force_login(member)
    me = client.get("/api/v1/me")
    assert me.status_code == 200 and me.json()["username"] == member.username and me.json()["token"] is None
    response = _register(client, member, key=None)
    assert response.status_code == 401 and not Initiative.objects.exists()


def test_me(client: Client, member: Any) -> None:
    other = make_organisation(name="Telco Ltd")
    make_member(member, other, approved=False)
    key = make_token(member, name="nightly sync")
    body = call(client, "get", "/api/v1/me", key=key).json()
    assert body["display_name"] == "Cora Contributor" and body["email"] == member.email
    assert body["steward"] is False and body["reviewer"] is False and body["email_verified"] is True
    assert [(m["organisation"], m["role"], m["status"]) for m in body["memberships"]] == [
        ("ministry-of-ict", "member", "approved"),
        ("telco-ltd", "member", "pending"),
    ]
    assert body["token"]["name"] == "nightly sync" and body["token"]["scope"] == "write"
    steward = make_user(steward=True, reviewer=True)
    body = call(client, "get", "/api/v1/me", key=make_token(steward)).json()
    assert body["steward"] is True and body["reviewer"] is True and body["memberships"] == []


def test_me_without_anyone_is_401(client: Client) -> None:
    response = client.get("/api/v1/me")
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")


def test_the_openapi_document_shows_the_bearer_scheme_on_protected_endpoints(client: Client) -> None:
    schema = client.get("/api/openapi.json").json()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["TokenAuth"] == {"type": "http", "scheme": "bearer"}
    paths = schema["paths"]
    assert paths["/api/v1/records"]["post"]["security"] == [{"TokenAuth": []}]
    assert paths["/api/v1/reviews/{review_id}/complete"]["post"]["security"] == [{"TokenAuth": []}]
    assert paths["/api/v1/me"]["get"]["security"] == [{"TokenAuth": []}]
    assert "security" not in paths["/api/v1/initiatives"]["get"]


# Rate limiting -----------------------------------------------------------------------------------


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """A clock the test moves: 50 seconds into a minute, so the window ends in 10."""
    now = [60_000_050.0]
    monkeypatch.setattr(ratelimit, "_clock", lambda: now[0])
    return now


def test_the_limit_per_token(client: Client, member: Any, settings: Any, clock: list[float]) -> None:
    settings.API_RATE_PER_TOKEN = 2
    settings.API_RATE_PER_ADDRESS = 100
    key = make_token(member)
    assert [call(client, "get", "/api/v1/me", key=key).status_code for _ in range(2)] == [200, 200]
    refused = call(client, "get", "/api/v1/me", key=key)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "10"
    assert refused.json()["detail"] == "Too many requests with this token: at most 2 a minute."
    # A write over the limit is refused before it runs.
    assert _register(client, member, key=key).status_code == 429 and not Initiative.objects.exists()
    # Another token, and requests without one, from the same address are counted apart.
    assert call(client, "get", "/api/v1/me", key=make_token(member, name="other")).status_code == 200
    assert call(client, "get", "/api/v1/initiatives").status_code == 200
    # The next minute starts afresh.
    clock[0] += 10
    assert call(client, "get", "/api/v1/me", key=key).status_code == 200


def test_the_limit_per_address(client: Client, member: Any, settings: Any, clock: list[float]) -> None:
    settings.API_RATE_PER_TOKEN = 100
    settings.API_RATE_PER_ADDRESS = 2
    statuses = [call(client, "get", "/api/v1/initiatives", address="10.0.0.1").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    refused = call(client, "get", "/api/v1/initiatives", address="10.0.0.1")
    assert refused["Retry-After"] == "10" and "your address" in refused.json()["detail"]
    # A key that is not valid counts against the address, so it cannot dodge the limit.
    assert call(client, "get", "/api/v1/me", key="stk_nonsense", address="10.0.0.1").status_code == 429
    # Another address, and a valid token from the same address, are counted apart.
    assert call(client, "get", "/api/v1/initiatives", address="10.0.0.2").status_code == 200
    assert call(client, "get", "/api/v1/me", key=make_token(member), address="10.0.0.1").status_code == 200
    # Pages outside the API are not limited.
    assert [client.get("/health/live", REMOTE_ADDR="10.0.0.1").status_code for _ in range(3)] == [200] * 3
    clock[0] += 10
    assert call(client, "get", "/api/v1/initiatives", address="10.0.0.1").status_code == 200


def test_the_count_survives_an_expired_entry(settings: Any, clock: list[float]) -> None:
    # The window's entry may expire between add and incr: the request then opens the window again.
    assert ratelimit.rate_hit("address:x", 1).allowed
    assert not ratelimit.rate_hit("address:x", 1).allowed
    ratelimit.cache.clear()
    assert ratelimit.rate_hit("address:x", 1).allowed


# Memberships ---------------------------------------------------------------------------------------


def test_asking_to_join_an_organisation(client: Client) -> None:
    organisation = make_organisation(name="Telco Ltd")
    admin = make_user()
    make_member(admin, organisation, role=MembershipRole.ADMIN)
    user = make_user()
    key = make_token(user)
    response = call(
        client, "post", "/api/v1/memberships", {"organisation": "telco-ltd", "note": "I run IT"}, key=key
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["organisation"], body["status"], body["role"], body["note"]) == (
        "telco-ltd",
        "pending",
        "member",
        "I run IT",
    )
    assert Membership.objects.get(pk=body["id"]).user == user
    assert admin.notifications.filter(subject__contains="asks to join Telco Ltd").exists()
    again = call(client, "post", "/api/v1/memberships", {"organisation": "telco-ltd"}, key=key)
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert Membership.objects.filter(user=user).count() == 1


def test_asking_to_join_names_the_field_or_the_reason(client: Client) -> None:
    key = make_token(make_user())
    response = call(client, "post", "/api/v1/memberships", {"organisation": "nowhere"}, key=key)
    assert response.status_code == 422
    assert response.json()["errors"] == {"organisation": ["No organisation has the slug 'nowhere'."]}
    make_organisation(name="Telco Ltd")
    unverified = make_token(make_user(verified=False))
    response = call(client, "post", "/api/v1/memberships", {"organisation": "telco-ltd"}, key=unverified)
    assert response.status_code == 403
    assert response.json()["detail"] == "Confirm your e-mail address before you join an organisation."
    assert not Membership.objects.exists()


def test_deciding_on_a_membership(client: Client) -> None:
    organisation = make_organisation(name="Telco Ltd")
    admin = make_user()
    make_member(admin, organisation, role=MembershipRole.ADMIN)
    applicant = make_user()
    pending = make_member(applicant, organisation, approved=False)
    outsider = make_user()
    make_member(outsider, organisation)  # a plain member may not decide

    path = f"/api/v1/memberships/{pending.pk}/decide"
    outsider_key, admin_key = make_token(outsider), make_token(admin)
    entries = HistoryEntry.objects.count()
    refused = call(client, "post", path, {"approve": True, "role": "admin"}, key=outsider_key)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Only the organisation's administrators can decide on its members."
    pending.refresh_from_db()
    assert pending.status == MembershipStatus.PENDING and HistoryEntry.objects.count() == entries

    bad_role = call(client, "post", path, {"approve": True, "role": "owner"}, key=admin_key)
    assert bad_role.status_code == 422 and bad_role.json()["errors"] == {"role": ["Unknown role."]}

    response = call(client, "post", path, {"approve": True, "role": "admin"}, key=admin_key)
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["role"]) == ("approved", "admin")
    pending.refresh_from_db()
    assert pending.status == MembershipStatus.APPROVED and pending.decided_by == admin
    assert (
        call(
            client,
            "post",
            "/api/v1/memberships/999999/decide",
            {"approve": True},
            key=make_token(admin, name="c"),
        ).status_code
        == 404
    )
