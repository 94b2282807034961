"""The demo data: the four source documents, read into records through the services."""

from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType

from stocktake.core.history import Actor
from stocktake.core.models import HistoryEntry
from stocktake.demo.services import DemoLoad, demo_load
from stocktake.initiatives.models import (
    Conflict,
    Initiative,
    InitiativeActionLine,
    InitiativeSdgTarget,
)
from stocktake.initiatives.services import code_in_use
from stocktake.organisations.models import Organisation

pytestmark = pytest.mark.django_db

# In the order of the page (seed 002); the text page tests use it too.
SEED_002_CODES = [
    "INT13001",
    "INT14X26",
    "PAN15X01",
    "UAE13X01",
    "INT14X27",
    "RAF08X01",
    "TOG09002",
    "QAT13X01",
    "GLO/13/X01",
    "GLO/12/X02",
    "GLO/11/X02",
]


def test_every_record_of_the_four_documents_is_loaded(demo: DemoLoad) -> None:
    assert len(demo.created) == 26 and demo.skipped == []
    assert set(Initiative.objects.values_list("code", flat=True)) >= set(SEED_002_CODES)
    assert Initiative.objects.filter(kind="commitment", parent__code="WSIS-POA-C1").count() == 12
    assert Initiative.objects.filter(kind="event").count() == 2


def test_the_two_listings_of_int13001_are_one_record_keeping_both(demo: DemoLoad) -> None:
    record = code_in_use("INT/13/001")
    assert record is not None and record.code == "INT13001"
    assert {i.value for i in record.identifiers.all()} == {"INT/13/001", "INT/001/13"}
    budget = record.budgets.get()
    assert (budget.amount, budget.currency, budget.period_start_date.iso(), budget.period_end_date.iso()) == (
        Decimal("164189"),
        "USD",
        "2013-09",
        "2015-11",
    )
    # Funding and division disagree: both values kept with their sources, flagged, none picked.
    assert {(f.funding_source.key, f.source) for f in record.fundings.all()} == {
        ("un-development-account", "seed-002#INT13001"),
        ("xbtc", "seed-002#INT/13/001"),
    }
    conflicts = {c.field: c for c in record.conflicts.all()}
    assert {"funding", "owning_unit", "objectives"} <= set(conflicts)
    assert {v["value"] for v in conflicts["owning_unit"].values} == {"DPIDG", "EGB"}
    assert all(c.status == "open" for c in conflicts.values())
    assert record.owning_unit is None
    # Information only one listing had is kept: accomplishments from one, the comment from the other.
    kinds = set(record.sections.values_list("kind", flat=True))
    assert {"main_expectations", "accomplishments", "comment"} <= kinds
    assert record.outcome == "sustained" and record.status == "4"
    partners = {(p.organisation.slug, p.role) for p in record.participations.select_related("organisation")}
    assert {("undesa", "implementing"), ("mintic", "partner"), ("undp-colombia", "partner")} <= partners


def test_groups_and_regions_are_not_countries(demo: DemoLoad) -> None:
    assert list(
        Initiative.objects.get(code="RAF08X01").region_links.values_list("region__code", flat=True)
    ) == ["002"]
    assert list(
        Initiative.objects.get(code="INT14X27").country_group_links.values_list("group", flat=True)
    ) == ["all-member-states"]
    assert "developing" in Initiative.objects.get(code="INT13001").country_group_links.values_list(
        "group", flat=True
    )
    assert list(Initiative.objects.get(code="TOG09002").country_links.values_list("country", flat=True)) == [
        "TG"
    ]


def test_plan_of_action_commitments_carry_level_and_deadline(demo: DemoLoad) -> None:
    action_g = Initiative.objects.get(code="WSIS-POA-18G")
    assert action_g.scope == "national" and action_g.planned_end_date.iso() == "2005"
    action_e = Initiative.objects.get(code="WSIS-POA-18E")
    assert action_e.planned_end_date.iso() == "2006" and "three years" in action_e.deadline_text
    assert Initiative.objects.get(code="WSIS-POA-18A").scope == "international"
    assert (
        Initiative.objects.get(code="WSIS-POA-18C2")
        .participations.filter(organisation__acronym="ITU")
        .exists()
    )


def test_events_have_organisers_sessions_and_recommendations(demo: DemoLoad) -> None:
    conference = Initiative.objects.get(code="UNESCO-WSIS-MSP-2005")
    assert conference.planned_start_date.iso() == "2005-05-17" and conference.venue_country_id == "RU"
    assert conference.participations.filter(role="organiser").count() == 5
    assert conference.participations.filter(role="sponsor").count() == 2
    assert conference.sessions.count() == 4
    assert list(conference.recommendations.values_list("number", flat=True)) == ["I", "II", "III"]
    meeting = Initiative.objects.get(code="EGM-EGOV-PPP-2009")
    assert (meeting.planned_start_date.iso(), meeting.planned_end_date.iso()) == ("2009-05-21", "2009-05-22")
    assert set(
        meeting.participations.filter(role="organiser").values_list("organisation__slug", flat=True)
    ) == {"undesa", "itu"}
    assert meeting.presentations.count() == 4
    assert Conflict.objects.filter(initiative=meeting, field="venue").exists()


def test_classifications_are_marked_editorial_unless_the_source_states_them(demo: DemoLoad) -> None:
    assert InitiativeActionLine.objects.count() > 26 and InitiativeSdgTarget.objects.count() > 26
    stated = InitiativeActionLine.objects.filter(basis="stated")
    assert set(stated.values_list("action_line__code", flat=True)) == {"C1"}
    assert not InitiativeSdgTarget.objects.exclude(basis="editorial").exists()
    assert not InitiativeActionLine.objects.filter(basis="editorial", note="").exists()


def test_the_demo_is_written_with_history_and_loading_twice_adds_nothing(
    demo: DemoLoad, actor: Actor
) -> None:
    initiative_type = ContentType.objects.get_for_model(Initiative)
    assert HistoryEntry.objects.filter(content_type=initiative_type, action="create").count() == 26
    entries, organisations = HistoryEntry.objects.count(), Organisation.objects.count()
    again = demo_load(actor=actor)
    assert again.created == [] and len(again.skipped) == 26 and again.organisations_created == 0
    assert (HistoryEntry.objects.count(), Organisation.objects.count()) == (entries, organisations)
