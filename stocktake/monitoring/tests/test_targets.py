"""Targets from the plan of action: the loader, the country matrix on the demo data and its links."""

from __future__ import annotations

import io
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from stocktake.accounts.tests.factories import actor_for, make_user
from stocktake.core.history import Actor
from stocktake.core.models import HistoryEntry
from stocktake.initiatives.choices import Kind, Outcome, PublicationState
from stocktake.initiatives.models import Initiative
from stocktake.initiatives.services import country_add
from stocktake.initiatives.tests.factories import make_initiative
from stocktake.monitoring.choices import Level
from stocktake.monitoring.deadlines import effective_due
from stocktake.monitoring.models import Deliverable, Target
from stocktake.monitoring.services.deliverables import plan_of_action_load, target_upsert
from stocktake.monitoring.targets import target_evaluate
from stocktake.organisations.models import Organisation
from stocktake.vocabularies.models import Country

pytestmark = pytest.mark.django_db
SUCCESSFUL = [Outcome.CONCLUDED, Outcome.SUSTAINED, Outcome.HANDED_OVER]


def _ppp(country: str, outcome: str, **fields: Any) -> Initiative:
    initiative = make_initiative(kind=Kind.PPP, outcome=outcome, **fields)
    country_add(actor=Actor.system("test"), initiative=initiative, country=Country.objects.get(code=country))
    return initiative


def test_the_demo_load_brings_the_plan_of_action(demo: Any) -> None:
    g = Target.objects.get(key="wsis-18g-ppp")
    assert g.per_country and g.at_least == 1 and g.level == Level.NATIONAL
    assert g.deadline == date(2005, 12, 31) and g.deadline_text == "by 2005"
    assert g.filters == {"kind": ["ppp"], "outcome": ["concluded", "sustained", "handed-over"]}
    assert g.commitment is not None and g.commitment.code == "WSIS-POA-18G"
    e = Target.objects.get(key="wsis-18e-e-strategies")
    assert e.deadline == date(2006, 12, 12)  # within three years of 12 December 2003
    assert Target.objects.filter(
        key="wsis-18d-multi-stakeholder-dialogue", deadline=date(2005, 12, 31)
    ).exists()

    # Each action of paragraph 18 is a deliverable of its commitment, with its level and deadline.
    deliverables = Deliverable.objects.filter(initiative__code__startswith="WSIS-POA-18")
    assert deliverables.count() == 12
    strategies = deliverables.get(initiative__code="WSIS-POA-18E")
    assert strategies.level == Level.NATIONAL and strategies.due_text == "within three years (2006)"
    assert effective_due(strategies) == date(2006, 12, 12)
    strategies_b = deliverables.get(initiative__code="WSIS-POA-18B")
    assert strategies_b.level == Level.INTERNATIONAL and effective_due(strategies_b) == date(2005, 12, 31)
    assert deliverables.get(initiative__code="WSIS-POA-18C").responsible == Organisation.objects.get(
        slug="itu"
    )


def test_loading_twice_adds_nothing(demo: Any, actor: Actor) -> None:
    entries = HistoryEntry.objects.count()
    again = plan_of_action_load(actor=actor)
    assert again.targets_created == [] and again.deliverables_created == []
    assert len(again.targets_updated) == Target.objects.count() == 4
    assert HistoryEntry.objects.count() == entries
    assert Deliverable.objects.filter(initiative__code__startswith="WSIS-POA-18").count() == 12


def test_action_g_country_matrix(demo: Any) -> None:
    kenya = _ppp("KE", Outcome.SUSTAINED)
    _ppp("KE", Outcome.CONCLUDED)
    _ppp("TG", Outcome.ONGOING)  # not (yet) successful
    draft = _ppp("TG", Outcome.CONCLUDED, state=PublicationState.DRAFT)  # never counted: not public
    make_initiative(kind=Kind.PROJECT, outcome=Outcome.CONCLUDED)
    target = Target.objects.get(key="wsis-18g-ppp")

    matrix = target_evaluate(target, today=date(2005, 6, 1))
    cells = {cell.code: cell for cell in matrix.cells}
    assert len(cells) == Country.objects.count()
    assert [code for code, cell in cells.items() if cell.achieved] == ["KE"]
    assert cells["KE"].count == 2 and kenya.code in [i.code for i in cells["KE"].initiatives]
    assert cells["TG"].count == 0 and not cells["TG"].achieved
    assert draft.code not in [i.code for cell in matrix.cells for i in cell.initiatives]
    assert matrix.achieved == 1
    assert matrix.share_achieved == round(1 / Country.objects.count(), 4)
    assert matrix.overdue == 0  # before the deadline nothing is overdue
    assert cells["KE"].region == "Africa"

    after = target_evaluate(target, today=date(2006, 1, 1))
    after_cells = {cell.code: cell for cell in after.cells}
    assert after.overdue == Country.objects.count() - 1
    assert after_cells["TG"].overdue and not after_cells["KE"].overdue
    assert not target_evaluate(target, today=date(2005, 12, 31)).overdue  # the deadline day is in time

    link = urlparse(cells["KE"].url)
    assert link.path == "/initiatives/"
    assert parse_qs(link.query) == {
        "kind": ["ppp"],
        "outcome": ["concluded", "sustained", "handed-over"],
        "country": ["KE"],
    }


def test_at_least_and_region_filter(demo: Any) -> None:
    _ppp("KE", Outcome.SUSTAINED)
    _ppp("FR", Outcome.SUSTAINED)
    target = Target.objects.get(key="wsis-18g-ppp")
    africa = target_evaluate(target, today=date(2005, 6, 1), region="002")
    codes = {cell.code for cell in africa.cells}
    assert "KE" in codes and "TG" in codes and "FR" not in codes
    assert africa.achieved == 1
    Target.objects.filter(pk=target.pk).update(at_least=2)
    target.refresh_from_db()
    assert target_evaluate(target, today=date(2005, 6, 1)).achieved == 0


def test_a_country_group_in_the_filters_chooses_the_countries(demo: Any, actor: Actor) -> None:
    _ppp("TG", Outcome.SUSTAINED)  # Togo is a least developed country
    _ppp("FR", Outcome.SUSTAINED)
    target = target_upsert(
        actor=actor,
        key="ldc-ppp",
        title="A PPP in each LDC",
        filters={"kind": ["ppp"], "country_group": ["ldc"]},
    )
    matrix = target_evaluate(target, today=date(2005, 6, 1))
    codes = {cell.code for cell in matrix.cells}
    assert "TG" in codes and "FR" not in codes
    assert [cell.code for cell in matrix.cells if cell.achieved] == ["TG"]
    togo = next(cell for cell in matrix.cells if cell.code == "TG")
    assert parse_qs(urlparse(togo.url).query) == {"kind": ["ppp"], "country": ["TG"]}


def test_registry_wide_target(demo: Any, actor: Actor) -> None:
    target = target_upsert(
        actor=actor,
        key="registry-ppp",
        title="Two successful PPPs anywhere",
        filters={"kind": ["ppp"], "outcome": SUCCESSFUL},
        per_country=False,
        at_least=2,
        deadline=date(2005, 12, 31),
    )
    matrix = target_evaluate(target, today=date(2006, 1, 1))
    assert len(matrix.cells) == 1 and matrix.cells[0].country is None
    assert matrix.cells[0].overdue and matrix.share_achieved == 0
    _ppp("KE", Outcome.SUSTAINED)
    _ppp("FR", Outcome.CONCLUDED)
    matrix = target_evaluate(target, today=date(2006, 1, 1))
    assert matrix.cells[0].achieved and matrix.cells[0].count == 2 and matrix.share_achieved == 1
    assert not matrix.cells[0].overdue


def test_targets_are_written_by_stewards_with_valid_filters(db: Any, actor: Actor) -> None:
    with pytest.raises(PermissionDenied):
        target_upsert(actor=actor_for(make_user()), key="x", title="X", filters={})
    with pytest.raises(ValidationError):
        target_upsert(actor=actor, key="x", title="X", filters={"kind": ["spaceship"]})
    assert not Target.objects.exists()
    target_upsert(actor=actor_for(make_user(steward=True)), key="x", title="X", filters={"kind": ["ppp"]})
    assert Target.objects.get(key="x").filters == {"kind": ["ppp"]}


def test_load_targets_command(db: Any) -> None:
    out = io.StringIO()
    call_command("load_targets", stdout=out)
    assert "4 targets created" in out.getvalue() and "0 deliverables created" in out.getvalue()
    assert "WSIS-POA-18A" in out.getvalue()  # the commitments are not in an empty registry
    assert Target.objects.count() == 4
