"""The signed-in pages: profile, memberships, affiliations, reviewers, API tokens and notifications."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from stocktake.accounts.choices import MembershipRole, MembershipStatus, TokenScope
from stocktake.accounts.models import Affiliation, ApiToken, Membership, Notification, Profile
from stocktake.accounts.services import token_authenticate
from stocktake.accounts.tests.factories import PASSWORD, make_member, make_user
from stocktake.organisations.tests.factories import make_organisation
from stocktake.vocabularies.models import StakeholderGroup

pytestmark = pytest.mark.django_db


def signed_in(user: Any, **extra: Any) -> Client:
    client = Client(HTTP_HOST="127.0.0.1", **extra)
    client.force_login(user)
    return client


# Every page -------------------------------------------------------------------------------------------

PERSONAL_PAGES = [
    "/account/",
    "/account/profile/",
    "/account/organisations/",
    "/account/affiliations/",
    "/account/tokens/",
    "/account/notifications/",
    "/account/reviewers/",
    "/account/password/change/",
]


@pytest.mark.parametrize("path", PERSONAL_PAGES)
def test_personal_pages_ask_visitors_to_sign_in(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302 and response["Location"] == f"/account/login/?next={path}"


@pytest.mark.parametrize("path", PERSONAL_PAGES)
def test_personal_pages_are_never_cached(path: str) -> None:
    response = signed_in(make_user(steward=True)).get(path)
    assert response.status_code == 200
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


def test_home_shows_the_profile_roles_and_memberships() -> None:
    user = make_user(display_name="Ana", verified=False, reviewer=True)
    organisation = make_organisation(name="Ministry of ICT")
    make_member(user, organisation, approved=False)
    html = signed_in(user).get("/account/").content.decode()
    assert "Ana" in html and "not confirmed" in html and 'action="/account/verify-again/"' in html
    assert "neutral expert reviewer" in html
    assert "Ministry of ICT" in html and "awaiting approval" in html
    assert 'href="/records/"' in html and 'href="/account/tokens/"' in html


def test_profile_update() -> None:
    user = make_user()
    group = StakeholderGroup.objects.first()
    assert group is not None
    data = {"display_name": "Dr Ana", "stakeholder_group": group.pk, "expertise": "E-health"}
    response = signed_in(user).post("/account/profile/", data)
    assert response.status_code == 302 and response["Location"] == "/account/"
    profile = Profile.objects.get(user=user)
    assert (profile.display_name, profile.stakeholder_group_id, profile.expertise) == (
        "Dr Ana",
        group.pk,
        "E-health",
    )
    assert profile.email_notifications is False  # an unticked box


# Memberships ---------------------------------------------------------------------------------------------


def test_request_then_an_administrator_approves() -> None:
    organisation = make_organisation(name="Digital Agency")
    admin = make_user()
    make_member(admin, organisation, role=MembershipRole.ADMIN)
    person = make_user(display_name="Joiner")
    client = signed_in(person)

    search = client.get("/account/organisations/?q=digital").content.decode()
    assert "Digital Agency" in search and f'value="{organisation.slug}"' in search
    response = client.post("/account/organisations/", {"organisation": organisation.slug, "note": "I run IT"})
    assert response.status_code == 302
    membership = Membership.objects.get(user=person, organisation=organisation)
    assert (membership.status, membership.note) == (MembershipStatus.PENDING, "I run IT")
    assert Notification.objects.filter(user=admin, subject__contains="Joiner").exists()

    admin_client = signed_in(admin)
    page = admin_client.get(f"/account/organisations/{organisation.slug}/").content.decode()
    assert "Joiner" in page and f'action="/account/memberships/{membership.pk}/decide/"' in page
    response = admin_client.post(
        f"/account/memberships/{membership.pk}/decide/", {"decision": "approve", "role": "member"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/account/organisations/{organisation.slug}/"
    membership.refresh_from_db()
    assert (membership.status, membership.role, membership.decided_by) == (
        MembershipStatus.APPROVED,
        MembershipRole.MEMBER,
        admin,
    )
    assert "approved" in client.get("/account/organisations/").content.decode()


def test_an_unverified_person_cannot_ask_to_join() -> None:
    organisation = make_organisation()
    client = signed_in(make_user(verified=False))
    assert "Confirm your e-mail address first" in client.get("/account/organisations/?q=x").content.decode()
    response = client.post("/account/organisations/", {"organisation": organisation.slug})
    assert response.status_code == 403
    assert not Membership.objects.exists()


def test_a_non_administrator_cannot_approve_or_see_the_members() -> None:
    organisation = make_organisation()
    member = make_user()
    make_member(member, organisation)  # a member, not an administrator
    pending = make_member(make_user(), organisation, approved=False)
    client = signed_in(member)
    assert client.get(f"/account/organisations/{organisation.slug}/").status_code == 403
    response = client.post(f"/account/memberships/{pending.pk}/decide/", {"decision": "approve"})
    assert response.status_code == 403
    assert "administrators" in response.content.decode()
    pending.refresh_from_db()
    assert (pending.status, pending.decided_by) == (MembershipStatus.PENDING, None)
    assert signed_in(make_user()).post(f"/account/memberships/{pending.pk}/leave/").status_code == 403
    assert Membership.objects.filter(pk=pending.pk).exists()


def test_a_steward_sees_and_decides_any_organisation() -> None:
    organisation = make_organisation()
    pending = make_member(make_user(), organisation, approved=False)
    client = signed_in(make_user(steward=True))
    assert client.get(f"/account/organisations/{organisation.slug}/").status_code == 200
    client.post(f"/account/memberships/{pending.pk}/decide/", {"decision": "approve", "role": "admin"})
    pending.refresh_from_db()
    assert (pending.status, pending.role) == (MembershipStatus.APPROVED, MembershipRole.ADMIN)


def test_decline_remove_and_leave() -> None:
    organisation = make_organisation()
    admin = make_user()
    make_member(admin, organisation, role=MembershipRole.ADMIN)
    declined = make_member(make_user(), organisation, approved=False)
    removed = make_member(make_user(), organisation)
    leaving_user = make_user()
    leaving = make_member(leaving_user, organisation)
    client = signed_in(admin)
    client.post(f"/account/memberships/{declined.pk}/decide/", {"decision": "decline"})
    declined.refresh_from_db()
    assert declined.status == MembershipStatus.REJECTED
    assert client.post(f"/account/memberships/{removed.pk}/leave/").status_code == 302
    assert not Membership.objects.filter(pk=removed.pk).exists()
    response = signed_in(leaving_user).post(f"/account/memberships/{leaving.pk}/leave/")
    assert response["Location"] == "/account/organisations/"
    assert not Membership.objects.filter(pk=leaving.pk).exists()


# Affiliations and reviewers ------------------------------------------------------------------------------


def test_declare_and_remove_an_affiliation() -> None:
    organisation = make_organisation(name="Telecom Fund")
    user = make_user(reviewer=True)
    client = signed_in(user)
    page = client.get("/account/affiliations/?q=telecom").content.decode()
    assert "keep you from reviewing" in page and "Telecom Fund" in page
    client.post("/account/affiliations/", {"organisation": organisation.slug, "relation": "board seat"})
    affiliation = Affiliation.objects.get(user=user)
    assert (affiliation.organisation, affiliation.relation) == (organisation, "board seat")
    assert "board seat" in client.get("/account/affiliations/").content.decode()
    # Someone else's declaration stays.
    assert signed_in(make_user()).post(f"/account/affiliations/{affiliation.pk}/remove/").status_code == 403
    assert Affiliation.objects.filter(pk=affiliation.pk).exists()
    client.post(f"/account/affiliations/{affiliation.pk}/remove/")
    assert not Affiliation.objects.filter(pk=affiliation.pk).exists()


def test_only_stewards_name_reviewers() -> None:
    person = make_user(display_name="Expert Ela")
    outsider = signed_in(make_user())
    assert outsider.get("/account/reviewers/").status_code == 403
    assert outsider.post("/account/reviewers/", {"user": person.pk, "is_reviewer": "1"}).status_code == 403
    assert Profile.objects.get(user=person).is_reviewer is False

    steward = signed_in(make_user(steward=True))
    assert "Expert Ela" in steward.get("/account/reviewers/?q=ela").content.decode()
    steward.post("/account/reviewers/", {"user": person.pk, "is_reviewer": "1"})
    assert Profile.objects.get(user=person).is_reviewer is True
    steward.post("/account/reviewers/", {"user": person.pk, "is_reviewer": "0"})
    assert Profile.objects.get(user=person).is_reviewer is False


# API tokens -----------------------------------------------------------------------------------------------


def test_a_new_token_is_shown_once_and_only_its_digest_kept() -> None:
    user = make_user()
    client = signed_in(user)
    response = client.post("/account/tokens/", {"name": "export script", "scope": "write"})
    assert response.status_code == 200  # shown in this response: no redirect carries the key
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    html = response.content.decode()
    key = re.search(r'id="new-key" class="code" value="(stk_[^"]+)"', html)
    assert key, html
    raw = key.group(1)
    token = ApiToken.objects.get(user=user)
    assert (token.name, token.scope) == ("export script", TokenScope.WRITE)
    assert token.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {token.prefix, token.digest, token.name} and raw.startswith(token.prefix)
    assert "shown this once" in html
    assert raw not in str(dict(client.session))
    assert token_authenticate(raw) == token

    listing = client.get("/account/tokens/").content.decode()
    assert raw not in listing and token.prefix in listing and "export script" in listing

    response = client.post(f"/account/tokens/{token.pk}/revoke/")
    assert response.status_code == 302 and response["Location"] == "/account/tokens/"
    token.refresh_from_db()
    assert token.revoked is not None and token_authenticate(raw) is None
    assert "revoked" in client.get("/account/tokens/").content.decode()


def test_a_token_needs_a_name_and_others_cannot_revoke_it() -> None:
    user = make_user()
    response = signed_in(user).post("/account/tokens/", {"name": " ", "scope": "read"})
    assert response.status_code == 200 and 'href="#id_name"' in response.content.decode()
    assert not ApiToken.objects.exists()

    signed_in(user).post("/account/tokens/", {"name": "mine", "scope": "read"})
    token = ApiToken.objects.get()
    assert signed_in(make_user()).post(f"/account/tokens/{token.pk}/revoke/").status_code == 403
    token.refresh_from_db()
    assert token.revoked is None


# Notifications -------------------------------------------------------------------------------------------


def test_notifications_newest_first_unread_marked_and_mark_all_read() -> None:
    user = make_user()
    older = Notification.objects.create(user=user, subject="Older news", created=timezone.now())
    newer = Notification.objects.create(user=user, subject="Newer news", url="/account/")
    Notification.objects.create(user=make_user(), subject="Someone else's")
    client = signed_in(user)
    html = client.get("/account/notifications/").content.decode()
    assert html.index("Newer news") < html.index("Older news")
    assert "Someone else" not in html
    assert html.count('class="notification unread"') == 2 and "2 unread notifications." in html

    response = client.post("/account/notifications/")
    assert response.status_code == 302 and response["Location"] == "/account/notifications/"
    older.refresh_from_db()
    newer.refresh_from_db()
    assert older.read is not None and newer.read is not None
    html = client.get("/account/notifications/").content.decode()
    assert 'class="notification unread"' not in html and "0 unread notifications." in html


def test_notifications_are_paginated_by_fifty() -> None:
    user = make_user()
    Notification.objects.bulk_create(Notification(user=user, subject=f"News {n}") for n in range(51))
    client = signed_in(user)
    first = client.get("/account/notifications/").content.decode()
    assert first.count('<li class="notification') == 50 and "Page 1 of 2" in first
    assert client.get("/account/notifications/?page=2").content.decode().count('<li class="notification') == 1


# CSRF ------------------------------------------------------------------------------------------------------


def _csrf_cases() -> list[tuple[str, dict[str, Any]]]:
    organisation = make_organisation()
    admin = make_user()
    make_member(admin, organisation, role=MembershipRole.ADMIN)
    membership = make_member(make_user(), organisation, approved=False)
    affiliation = Affiliation.objects.create(user=admin, organisation=organisation)
    token = ApiToken.objects.create(user=admin, name="t", prefix="stk_x", digest="d" * 64)
    return [
        ("/account/signup/", {"email": "n@example.org", "password1": PASSWORD, "password2": PASSWORD}),
        ("/account/verify-again/", {"email": "n@example.org"}),
        ("/account/login/", {"email": admin.email, "password": PASSWORD}),
        ("/account/logout/", {}),
        ("/account/password/reset/", {"email": admin.email}),
        ("/account/password/change/", {"old_password": PASSWORD, "new_password1": "x" * 20}),
        ("/account/profile/", {"display_name": "x"}),
        ("/account/organisations/", {"organisation": organisation.slug}),
        (f"/account/memberships/{membership.pk}/decide/", {"decision": "approve"}),
        (f"/account/memberships/{membership.pk}/leave/", {}),
        ("/account/affiliations/", {"organisation": organisation.slug}),
        (f"/account/affiliations/{affiliation.pk}/remove/", {}),
        ("/account/reviewers/", {"user": admin.pk, "is_reviewer": "1"}),
        ("/account/tokens/", {"name": "t", "scope": "read"}),
        (f"/account/tokens/{token.pk}/revoke/", {}),
        ("/account/notifications/", {}),
    ]


def test_every_form_refuses_a_post_without_csrf_token() -> None:
    steward = make_user(steward=True)
    cases = _csrf_cases()
    client = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
    client.force_login(steward)
    state = (
        Membership.objects.filter(status=MembershipStatus.PENDING).count(),
        Affiliation.objects.count(),
        ApiToken.objects.filter(revoked__isnull=True).count(),
        Profile.objects.filter(is_reviewer=True).count(),
    )
    for path, data in cases:
        response = client.post(path, data)
        assert response.status_code == 403, path
        assert "CSRF" in response.content.decode(), path
    assert "_auth_user_id" in client.session  # the sign-out was refused too
    assert state == (
        Membership.objects.filter(status=MembershipStatus.PENDING).count(),
        Affiliation.objects.count(),
        ApiToken.objects.filter(revoked__isnull=True).count(),
        Profile.objects.filter(is_reviewer=True).count(),
    )
    # Signed out, the forms visitors use are refused the same way.
    visitor = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
    for path, data in cases[:5]:
        assert visitor.post(path, data).status_code == 403, path


# Query counts -----------------------------------------------------------------------------------------------


def _queries(client: Client, path: str, django_assert_num_queries: Any, count: int) -> str:
    with django_assert_num_queries(count):
        response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_lists_take_a_fixed_number_of_queries(django_assert_num_queries: Any) -> None:
    steward = make_user(steward=True)
    organisation = make_organisation()
    for number in range(12):
        person = make_user(display_name=f"Person {number}")
        make_member(person, organisation, approved=number % 2 == 0)
        Notification.objects.create(user=steward, subject=f"News {number}")
        ApiToken.objects.create(user=steward, name=f"t{number}", prefix="stk_", digest=f"{number:064}")
    client = signed_in(steward)
    # Each: the session, the user and the header's links, then the page's own, whatever the rows.
    queries = django_assert_num_queries
    html = _queries(client, f"/account/organisations/{organisation.slug}/", queries, 3 + 2)  # it, members
    assert html.count('<tr id="membership-') == 12
    html = _queries(client, "/account/notifications/", queries, 3 + 3)  # count, page, unread
    assert html.count('<li class="notification') == 12
    html = _queries(client, "/account/reviewers/", queries, 3 + 2)  # count, page
    assert html.count('<tr id="person-') == 13
    html = _queries(client, "/account/tokens/", queries, 3 + 1)
    assert html.count('<tr id="token-') == 12
