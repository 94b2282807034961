"""People's e-mail addresses (their user names) never reach the public, and a reviewer who chose to be
credited by stakeholder group only is not named anywhere the public or the editors look."""

from __future__ import annotations

import pytest
from django.test import Client

from stocktake.accounts.tests.factories import actor_for, make_member, make_user
from stocktake.governance.checklist import CHECKLIST
from stocktake.governance.services import (
    ReviewInput,
    initiative_edit,
    initiative_register,
    initiative_submit,
    review_complete,
    review_take,
)
from stocktake.organisations.tests.factories import make_organisation
from stocktake.vocabularies.models import StakeholderGroup

pytestmark = pytest.mark.django_db


def test_public_pages_show_chosen_names_never_addresses_nor_a_group_credited_reviewer(client: Client) -> None:
    organisation = make_organisation(name="Ministry of Digital Affairs")
    contributor = make_user(email="cora.private@ministry.example.org", display_name="Cora")
    make_member(contributor, organisation)
    group = StakeholderGroup.objects.order_by("position").first()
    reviewer = make_user(email="rita.secret@university.example.org", reviewer=True, stakeholder_group=group)
    record = initiative_register(
        actor=actor_for(contributor), organisation=organisation, code="PRIV/1", kind="project", title="Portal"
    )
    initiative_submit(actor=actor_for(contributor), initiative=record)
    review = review_take(actor=actor_for(reviewer), initiative=record)
    data = ReviewInput(
        scores={item.key: 3 for item in CHECKLIST},
        comments={},
        summary="Exemplary.",
        decision="publish",
        credit="group",
        declaration_signed=True,
        signature="Rita Secret",
    )
    review_complete(actor=actor_for(reviewer), review=review, data=data)
    record.refresh_from_db()
    initiative_edit(
        actor=actor_for(contributor), initiative=record, base_version=record.version, summary="New"
    )

    pages = {
        "record": client.get(f"/initiatives/{record.code_normalised}/").content.decode(),
        "history": client.get(f"/initiatives/{record.code_normalised}/history/").content.decode(),
    }
    for name, html in pages.items():
        for secret in ("cora.private@", "rita.secret@", "Rita Secret"):
            assert secret not in html, (name, secret)
    assert "Cora" in pages["history"]  # the name she chose to show
    assert "a reviewer" in pages["history"]
    assert group is not None and str(group.name) in pages["record"]  # the review's credit

    # The contributor, signed in, sees the same: a reviewer's address and name stay hidden from editors.
    editor = Client(HTTP_HOST="127.0.0.1")
    editor.force_login(contributor)
    for path in (f"/initiatives/{record.code_normalised}/history/", f"/records/{record.code_normalised}/"):
        html = editor.get(path).content.decode()
        assert "rita.secret@" not in html and "Rita Secret" not in html, path
