"""The stewards' admin: workflow fields are read-only, and a save over a newer edit is refused."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from stocktake.accounts.tests.factories import make_user
from stocktake.core.history import Actor
from stocktake.initiatives.services import initiative_update
from stocktake.initiatives.tests.factories import make_initiative

pytestmark = pytest.mark.django_db


def _form(initiative: Any, **changes: Any) -> dict[str, Any]:
    data = {
        "code": initiative.code,
        "kind": initiative.kind,
        "title": initiative.title,
        "language": "en",
        "base_version": initiative.version,
        "state": "draft",  # read-only: ignored
        **{f"{prefix}-TOTAL_FORMS": "0" for prefix in _INLINES},
        **{f"{prefix}-INITIAL_FORMS": "0" for prefix in _INLINES},
    }
    for name in ("planned_start", "planned_end", "actual_start", "actual_end"):
        data[f"{name}_precision"] = "day"
    data.update(changes)
    return data


_INLINES = (
    "identifiers",
    "sections",
    "participations",
    "budgets",
    "fundings",
    "country_links",
    "action_line_links",
    "sdg_target_links",
    "documents",
)


def test_admin_refuses_a_save_over_a_newer_edit_and_leaves_state_alone(client: Client) -> None:
    steward = make_user(steward=True)
    steward.is_superuser = True
    steward.save()
    client.force_login(steward)
    initiative = make_initiative(title="Old")
    url = f"/admin/initiatives/initiative/{initiative.pk}/change/"
    stale = _form(initiative, title="Mine")
    initiative_update(actor=Actor.system("other"), initiative=initiative, title="Theirs")
    refused = client.post(url, stale)
    assert refused.status_code == 200 and "after you opened it" in refused.content.decode()
    initiative.refresh_from_db()
    assert initiative.title == "Theirs"
    accepted = client.post(url, _form(initiative, title="Mine, on theirs"))
    assert accepted.status_code == 302, accepted.content.decode()[:3000]
    initiative.refresh_from_db()
    assert initiative.title == "Mine, on theirs" and initiative.state == "published"
    assert initiative.version == 3
