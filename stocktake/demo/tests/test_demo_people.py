"""Demo people: one of each role, able to sign in, and a record waiting in the review queue."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import authenticate

from stocktake.accounts.permissions import is_reviewer, is_steward, member_organisation_ids
from stocktake.core.history import Actor
from stocktake.demo.people import demo_people_load, demo_people_write
from stocktake.initiatives.choices import PublicationState
from stocktake.initiatives.models import Initiative

pytestmark = pytest.mark.django_db


def test_demo_people_can_sign_in_as_each_role(demo: Any, settings: Any, tmp_path: Any) -> None:
    settings.DATA_DIR = tmp_path
    people = demo_people_load(actor=Actor.system("demo", source="cli"))
    users = {p.email: authenticate(username=p.email, password=p.password) for p in people}
    assert all(user is not None for user in users.values())
    assert is_steward(users["steward@example.org"]) and not is_steward(users["member@example.org"])
    assert is_reviewer(users["reviewer@example.org"]) and not is_reviewer(users["admin@example.org"])
    assert member_organisation_ids(users["member@example.org"]) == member_organisation_ids(
        users["admin@example.org"]
    )
    assert Initiative.objects.get(code="DEMO/2026/001").state == PublicationState.SUBMITTED
    path = demo_people_write(people)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert people[0].password in path.read_text()
