"""Signing up, confirming the address, signing in and out, and resetting a password, through the pages."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.utils import timezone

from stocktake.accounts.models import LoginFailure, Profile
from stocktake.accounts.services import COOL_OFF
from stocktake.accounts.tests.factories import PASSWORD, make_user
from stocktake.core.models import HistoryEntry

pytestmark = pytest.mark.django_db
User = get_user_model()
NEW_PASSWORD = "a brand new passphrase 77"


def _link(message: Any) -> str:
    found = re.search(r"https?://\S+", message.body)
    assert found, message.body
    return found.group(0)


def _path(link: str) -> str:
    return re.sub(r"^https?://[^/]+", "", link)


def _without_csrf(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def _sign_up(client: Client, email: str, capture: Any, password: str = PASSWORD) -> Any:
    data = {"email": email, "display_name": "Amina", "password1": password, "password2": password}
    with capture(execute=True):
        return client.post("/account/signup/", data)


# Sign-up and verification -------------------------------------------------------------------------


def test_sign_up_sends_a_link_that_confirms_the_address_and_signs_in(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    response = _sign_up(client, "Amina@Example.org ", django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response["Location"] == "/account/signup/sent/"
    user = User.objects.get(email="amina@example.org")
    assert Profile.objects.get(user=user).email_verified is None
    assert Profile.objects.get(user=user).display_name == "Amina"
    assert [message.to for message in mail.outbox] == [["amina@example.org"]]
    link = _link(mail.outbox[0])
    assert link.startswith("http://127.0.0.1/account/verify/")
    assert "_auth_user_id" not in client.session  # not signed in before confirming

    response = client.get(_path(link))
    assert response.status_code == 302 and response["Location"] == "/account/"
    assert Profile.objects.get(user=user).email_verified is not None
    assert client.session["_auth_user_id"] == str(user.pk)
    home = client.get("/account/")
    assert "your e-mail address is confirmed" in home.content.decode()
    assert "private" in home["Cache-Control"] and "no-store" in home["Cache-Control"]


def test_sign_up_with_a_known_address_answers_the_same_and_creates_nothing(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    make_user(email="known@example.org")
    users, history = User.objects.count(), HistoryEntry.objects.count()
    response = _sign_up(client, "known@example.org", django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response["Location"] == "/account/signup/sent/"
    assert (User.objects.count(), HistoryEntry.objects.count()) == (users, history)
    # The owner is told by e-mail, with no verification link.
    assert len(mail.outbox) == 1 and "exists already" in mail.outbox[0].body
    assert "/account/verify/" not in mail.outbox[0].body


def test_sign_up_shows_the_password_rules_next_to_the_field(client: Client) -> None:
    data = {"email": "x@example.org", "password1": "short", "password2": "short"}
    response = client.post("/account/signup/", data)
    html = response.content.decode()
    assert response.status_code == 200 and not User.objects.filter(email="x@example.org").exists()
    assert 'role="alert"' in html and 'href="#id_password1"' in html
    assert 'id="id_password1-errors"' in html and 'aria-invalid="true"' in html
    assert "too short" in html


def test_a_bad_verification_link_says_so_and_offers_a_new_one(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    response = client.get("/account/verify/not-a-token/")
    assert response.status_code == 400
    html = response.content.decode()
    assert "This link is not valid." in html and 'action="/account/verify-again/"' in html

    user = make_user(email="late@example.org", verified=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/account/verify-again/", {"email": "late@example.org"})
    assert response["Location"] == "/account/signup/sent/"
    with django_capture_on_commit_callbacks(execute=True):
        unknown = client.post("/account/verify-again/", {"email": "nobody@example.org"})
    assert unknown.status_code == response.status_code and unknown["Location"] == response["Location"]
    assert [message.to for message in mail.outbox] == [["late@example.org"]]
    client.get(_path(_link(mail.outbox[0])))
    assert Profile.objects.get(user=user).email_verified is not None


def test_an_expired_verification_link_is_refused(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    _sign_up(client, "slow@example.org", django_capture_on_commit_callbacks)
    later = timezone.now() + timedelta(days=4)
    with mock.patch("time.time", return_value=later.timestamp()):
        response = client.get(_path(_link(mail.outbox[0])))
    assert response.status_code == 400 and "expired" in response.content.decode()
    assert Profile.objects.get(user__email="slow@example.org").email_verified is None


# Signing in -------------------------------------------------------------------------------------------


def test_sign_in_goes_to_a_safe_next_page_only(client: Client) -> None:
    user = make_user(email="in@example.org")
    data = {"email": "IN@example.org", "password": PASSWORD, "next": "/searches/"}
    response = client.post("/account/login/", data)
    assert response.status_code == 302 and response["Location"] == "/searches/"
    assert client.session["_auth_user_id"] == str(user.pk)

    other = Client(HTTP_HOST="127.0.0.1")
    response = other.post("/account/login/", {**data, "next": "https://evil.example/"})
    assert response["Location"] == "/account/"


def test_the_login_page_keeps_next(client: Client) -> None:
    html = client.get("/account/login/?next=/searches/").content.decode()
    assert 'name="next" value="/searches/"' in html


def test_sign_in_rotates_the_session(client: Client) -> None:
    make_user(email="rotate@example.org")
    client.get("/account/login/")
    client.session.save()
    before = client.session.session_key
    client.post("/account/login/", {"email": "rotate@example.org", "password": PASSWORD})
    assert client.session.session_key != before


def test_a_wrong_password_and_an_unknown_address_get_the_same_answer(client: Client) -> None:
    make_user(email="known@example.org")
    wrong = client.post("/account/login/", {"email": "known@example.org", "password": "wrong password"})
    unknown = client.post("/account/login/", {"email": "ghost@example.org", "password": "wrong password"})
    assert wrong.status_code == unknown.status_code == 200
    wrong_html = _without_csrf(wrong.content.decode()).replace("known@example.org", "ADDRESS")
    unknown_html = _without_csrf(unknown.content.decode()).replace("ghost@example.org", "ADDRESS")
    assert wrong_html == unknown_html
    assert "do not match an account" in wrong_html
    assert "_auth_user_id" not in client.session


def test_five_failures_lock_the_name_from_that_address_until_the_cool_off(client: Client) -> None:
    user = make_user(email="target@example.org")
    attacker = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="203.0.113.9")
    for _ in range(5):
        response = attacker.post("/account/login/", {"email": "target@example.org", "password": "guess"})
        assert response.status_code == 200
    locked = attacker.post("/account/login/", {"email": "target@example.org", "password": PASSWORD})
    assert locked.status_code == 429
    seconds = int(locked["Retry-After"])
    assert 0 < seconds <= COOL_OFF.total_seconds() + 1
    assert "Try again in 15 minutes" in locked.content.decode()
    assert "_auth_user_id" not in attacker.session  # even the right password waits

    # The owner, elsewhere, signs in: the lock is on the name from that address only.
    owner = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="198.51.100.7")
    response = owner.post("/account/login/", {"email": "target@example.org", "password": PASSWORD})
    assert response.status_code == 302 and owner.session["_auth_user_id"] == str(user.pk)

    # After the cool-off the lock is gone: no permanent lock.
    later = timezone.now() + COOL_OFF + timedelta(seconds=5)
    with mock.patch("django.utils.timezone.now", return_value=later):
        response = attacker.post("/account/login/", {"email": "target@example.org", "password": PASSWORD})
    assert response.status_code == 302 and attacker.session["_auth_user_id"] == str(user.pk)


def test_a_successful_sign_in_clears_that_address_failures(client: Client) -> None:
    make_user(email="typo@example.org")
    for _ in range(3):
        client.post("/account/login/", {"email": "typo@example.org", "password": "typo"})
    assert LoginFailure.objects.filter(username="typo@example.org").count() == 3
    client.post("/account/login/", {"email": "typo@example.org", "password": PASSWORD})
    assert not LoginFailure.objects.filter(username="typo@example.org").exists()


def test_sign_out_takes_a_post(client: Client) -> None:
    user = make_user()
    client.force_login(user)
    assert client.get("/account/logout/").status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post("/account/logout/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert "_auth_user_id" not in client.session


# Passwords -------------------------------------------------------------------------------------------


def test_password_reset_does_not_reveal_who_has_an_account_and_its_link_works(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    user = make_user(email="forgot@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post("/account/password/reset/", {"email": "forgot@example.org"})
        unknown = client.post("/account/password/reset/", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/account/password/reset/sent/"
    assert [message.to for message in mail.outbox] == [["forgot@example.org"]]
    assert "If an account exists" in client.get(known["Location"]).content.decode()

    link = _path(_link(mail.outbox[0]))
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200 and 'name="new_password1"' in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]  # the token is swapped for a session key
    response = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/account/password/reset/done/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    recorded = HistoryEntry.objects.filter(object_id=str(user.pk), note="password reset").get()
    assert recorded.source == "web" and recorded.actor_id == user.pk
    # The link works once.
    assert "does not work" in client.get(link, follow=True).content.decode()


def test_password_change_needs_the_old_password(client: Client) -> None:
    user = make_user()
    client.force_login(user)
    data = {"old_password": "not it at all", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    response = client.post("/account/password/change/", data)
    assert response.status_code == 200 and 'href="#id_old_password"' in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    response = client.post("/account/password/change/", {**data, "old_password": PASSWORD})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert HistoryEntry.objects.filter(object_id=str(user.pk), note="password change").exists()
    assert client.get("/account/").status_code == 200  # still signed in


def test_password_change_needs_sign_in(client: Client) -> None:
    response = client.get("/account/password/change/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/?next=/account/password/change/")


# The header --------------------------------------------------------------------------------------------


def test_the_header_offers_sign_in_to_visitors_and_the_account_to_others(client: Client) -> None:
    html = client.get("/about/").content.decode()
    assert 'href="/account/login/"' in html and 'href="/account/signup/"' in html
    assert 'action="/account/logout/"' not in html and "csrfmiddlewaretoken" not in html

    user = make_user(reviewer=True)
    user.notifications.create(subject="Hello")
    client.force_login(user)
    html = client.get("/about/").content.decode()
    assert 'href="/account/"' in html and "1 unread notification" in html
    assert 'href="/records/"' in html and 'href="/review/"' in html
    assert 'action="/account/logout/"' in html and 'href="/account/login/"' not in html


def test_visitor_forms_cannot_flood_an_inbox(client: Client, django_capture_on_commit_callbacks: Any) -> None:
    """Reset requests for one address: the first five send, the rest answer the same and send nothing."""
    make_user(email="victim@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        answers = [client.post("/account/password/reset/", {"email": "victim@example.org"}) for _ in range(8)]
    assert {answer.status_code for answer in answers} == {302}
    assert {answer["Location"] for answer in answers} == {"/account/password/reset/sent/"}
    assert len(mail.outbox) == 5
