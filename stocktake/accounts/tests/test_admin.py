"""The stewards' admin for people: every page opens, and its writes reach the history."""

from __future__ import annotations

import pytest
from django.test import Client

from stocktake.accounts.tests.factories import make_user
from stocktake.core.models import HistoryEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def steward_client(client: Client) -> Client:
    steward = make_user(steward=True)
    steward.is_superuser = True
    steward.save()
    client.force_login(steward)
    return client


@pytest.mark.parametrize(
    "model",
    [
        "auth/user",
        "accounts/profile",
        "accounts/membership",
        "accounts/affiliation",
        "accounts/apitoken",
        "accounts/notification",
        "accounts/loginfailure",
        "governance/review",
        "governance/workflowevent",
        "governance/editorgrant",
    ],
)
def test_admin_lists_open(steward_client: Client, model: str) -> None:
    assert steward_client.get(f"/admin/{model}/").status_code == 200


def test_a_password_set_in_the_admin_is_recorded_without_its_hash(steward_client: Client) -> None:
    person = make_user(email="forgetful@example.org")
    new = "an entirely new passphrase 7"
    response = steward_client.post(
        f"/admin/auth/user/{person.pk}/password/",
        {"password1": new, "password2": new, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content[:2000]
    person.refresh_from_db()
    assert person.check_password(new)
    entry = HistoryEntry.objects.get(object_id=str(person.pk), note="password set by a steward")
    assert person.password not in str(entry.before) + str(entry.after)


def test_deactivating_a_user_in_the_admin_is_recorded(steward_client: Client) -> None:
    person = make_user(email="leaver@example.org")
    page = steward_client.get(f"/admin/auth/user/{person.pk}/change/")
    assert page.status_code == 200
    data = {
        "username": person.username,
        "email": person.email,
        "is_active": "",
        "date_joined_0": person.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": person.date_joined.strftime("%H:%M:%S"),
        "initial-date_joined_0": person.date_joined.strftime("%Y-%m-%d"),
        "initial-date_joined_1": person.date_joined.strftime("%H:%M:%S"),
    }
    response = steward_client.post(f"/admin/auth/user/{person.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    person.refresh_from_db()
    assert not person.is_active
    change = HistoryEntry.objects.filter(object_id=str(person.pk), action="update").latest("pk")
    assert change.before is not None and change.after is not None
    assert change.before["is_active"] is True and change.after["is_active"] is False
