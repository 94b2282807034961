"""Deliverables: deadlines (absolute, relative, clamped), overdue days, the SMART check and who may write."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError

from stocktake.accounts.tests.factories import actor_for, make_member, make_user
from stocktake.core.history import Actor
from stocktake.core.models import HistoryEntry
from stocktake.core.partial_dates import DatePrecision, PartialDate
from stocktake.initiatives.choices import PartnerRole, PublicationState
from stocktake.initiatives.services import participation_add
from stocktake.initiatives.tests.factories import make_initiative
from stocktake.monitoring.choices import DeliverableStatus, Level
from stocktake.monitoring.deadlines import add_months, effective_due, end_of_period, is_overdue
from stocktake.monitoring.models import Deliverable, Indicator, Result
from stocktake.monitoring.services.deliverables import (
    deliverable_create,
    deliverable_delete,
    deliverable_evidence_add,
    deliverable_evidence_remove,
    deliverable_status_set,
    deliverable_update,
)
from stocktake.monitoring.smart import average_score, smart_check
from stocktake.organisations.tests.factories import make_organisation

# Deadlines ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2003, 12, 12), 36, date(2006, 12, 12)),  # WSIS: "within three years" of adoption
        (date(2005, 1, 31), 1, date(2005, 2, 28)),
        (date(2004, 1, 31), 1, date(2004, 2, 29)),  # leap year
        (date(2005, 3, 31), 1, date(2005, 4, 30)),
        (date(2005, 11, 30), 3, date(2006, 2, 28)),  # across a year
        (date(2005, 8, 31), 0, date(2005, 8, 31)),
        (date(2004, 2, 29), 12, date(2005, 2, 28)),
    ],
)
def test_add_months_clamps_the_day(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_a_year_or_a_month_means_its_last_day() -> None:
    assert end_of_period(date(2005, 1, 1), DatePrecision.YEAR) == date(2005, 12, 31)
    assert end_of_period(date(2004, 2, 1), DatePrecision.MONTH) == date(2004, 2, 29)
    assert end_of_period(date(2005, 6, 15), DatePrecision.DAY) == date(2005, 6, 15)


def test_effective_due_absolute_relative_or_none() -> None:
    by_2005 = Deliverable(title="x", due_date=date(2005, 1, 1), due_precision=DatePrecision.YEAR)
    assert effective_due(by_2005) == date(2005, 12, 31)
    within_three_years = Deliverable(title="x", due_anchor_date=date(2003, 12, 12), due_offset_months=36)
    assert effective_due(within_three_years) == date(2006, 12, 12)
    # A stated date wins over a computed one.
    both = Deliverable(
        title="x",
        due_date=date(2006, 1, 1),
        due_precision=DatePrecision.YEAR,
        **_relative(date(2003, 12, 12), 12),
    )
    assert effective_due(both) == date(2006, 12, 31)
    assert effective_due(Deliverable(title="x", due_offset_months=36)) is None
    assert effective_due(Deliverable(title="x")) is None


def _relative(anchor: date, months: int) -> dict[str, Any]:
    return {"due_anchor_date": anchor, "due_offset_months": months}


@pytest.mark.parametrize(
    ("status", "today", "overdue"),
    [
        (DeliverableStatus.PLANNED, date(2005, 12, 31), False),  # the due day itself is in time
        (DeliverableStatus.PLANNED, date(2006, 1, 1), True),
        (DeliverableStatus.ON_TRACK, date(2006, 1, 1), True),
        (DeliverableStatus.LATE, date(2010, 5, 1), True),
        (DeliverableStatus.ACHIEVED, date(2010, 5, 1), False),
        (DeliverableStatus.DROPPED, date(2010, 5, 1), False),
        (DeliverableStatus.PLANNED, date(2004, 6, 1), False),
    ],
)
def test_overdue_on_a_given_day(status: str, today: date, overdue: bool) -> None:
    deliverable = Deliverable(
        title="x", due_date=date(2005, 1, 1), due_precision=DatePrecision.YEAR, status=status
    )
    assert is_overdue(deliverable, today) is overdue


def test_relative_deadline_overdue_and_without_deadline_never() -> None:
    relative = Deliverable(title="x", **_relative(date(2003, 12, 12), 36))
    assert not is_overdue(relative, date(2006, 12, 12))
    assert is_overdue(relative, date(2006, 12, 13))
    assert not is_overdue(Deliverable(title="x"), date(2100, 1, 1))


# SMART -------------------------------------------------------------------------------------------


def _met(deliverable: Deliverable) -> dict[str, bool]:
    return {criterion.key: criterion.met for criterion in smart_check(deliverable).criteria}


def test_smart_nothing_met_and_every_hint_given() -> None:
    check = smart_check(Deliverable(title="Do things"))
    assert _met(Deliverable(title="Do things")) == {
        "specific": False,
        "measurable": False,
        "achievable": False,
        "resourced": False,
        "time_bound": False,
    }
    assert check.score == 0
    assert all(str(criterion.hint) for criterion in check.missing)
    assert "12" in str(check.missing[0].hint)


@pytest.mark.django_db
def test_smart_each_criterion_met() -> None:
    organisation = make_organisation()
    initiative = make_initiative()
    result = Result.objects.create(initiative=initiative, title="Access")
    indicator = Indicator.objects.create(result=result, title="Telecentres open")
    deliverable = Deliverable(
        initiative=initiative,
        title="Open 100 telecentres",
        indicator=indicator,
        responsible=organisation,
        resources="US$ 2 million from the universal service fund",
        due_date=date(2005, 1, 1),
        due_precision=DatePrecision.YEAR,
    )
    assert smart_check(deliverable).score == 5
    deliverable.status = DeliverableStatus.DROPPED
    assert _met(deliverable)["achievable"] is False
    assert smart_check(deliverable).score == 4


@pytest.mark.parametrize(
    ("title", "description", "specific"),
    [
        ("Adopt a national e-strategy", "", True),  # a concrete output
        ("Train 500 teachers", "", True),  # a number
        ("Promote ICT", "", False),
        (
            "Promote ICT",
            "Train teachers of all the secondary schools of the country in the use of computers.",
            True,
        ),
        ("Promote ICT", "Train teachers in the use of computers.", False),  # fewer than 12 words
    ],
)
def test_smart_specific_rule(title: str, description: str, specific: bool) -> None:
    assert _met(Deliverable(title=title, description=description))["specific"] is specific


def test_smart_time_bound_by_a_relative_deadline_only_when_complete() -> None:
    assert _met(Deliverable(title="x", **_relative(date(2003, 12, 12), 36)))["time_bound"] is True
    assert _met(Deliverable(title="x", due_offset_months=36))["time_bound"] is False


def test_average_score() -> None:
    assert average_score([]) is None
    full = Deliverable(title="Adopt a law", resources="staff", due_date=date(2005, 1, 1))  # 3 of 5
    empty = Deliverable(title="x")  # 0 of 5
    assert average_score([full, empty]) == 1.5


# Services and permissions --------------------------------------------------------------------------


@pytest.fixture
def record(db: Any) -> Any:
    lead = make_organisation()
    initiative = make_initiative(state=PublicationState.DRAFT)
    participation_add(
        actor=Actor.system("test"), initiative=initiative, organisation=lead, role=PartnerRole.LEAD
    )
    editor = make_user()
    make_member(editor, lead)
    return initiative, editor, lead


def test_editor_creates_updates_and_deletes_with_history(record: Any) -> None:
    initiative, editor, lead = record
    actor = actor_for(editor)
    deliverable = deliverable_create(
        actor=actor,
        initiative=initiative,
        title="  National e-strategy  ",
        level=Level.NATIONAL,
        responsible=lead,
        due=PartialDate.parse("2005"),
        due_text="by 2005",
    )
    assert deliverable.title == "National e-strategy"
    assert (deliverable.due_date, deliverable.due_precision) == (date(2005, 1, 1), DatePrecision.YEAR)
    assert effective_due(deliverable) == date(2005, 12, 31)
    entries = HistoryEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Deliverable), object_id=str(deliverable.pk)
    )
    assert list(entries.values_list("action", flat=True)) == ["create"]

    deliverable_update(
        actor=actor,
        deliverable=deliverable,
        due=None,
        due_offset_months=36,
        due_anchor_date=date(2003, 12, 12),
    )
    deliverable.refresh_from_db()
    assert deliverable.due_date is None
    assert effective_due(deliverable) == date(2006, 12, 12)
    assert deliverable.level == Level.NATIONAL  # untouched fields stay

    deliverable_status_set(actor=actor, deliverable=deliverable, status=DeliverableStatus.ACHIEVED)
    assert Deliverable.objects.get(pk=deliverable.pk).status == DeliverableStatus.ACHIEVED
    with pytest.raises(ValidationError):
        deliverable_status_set(actor=actor, deliverable=deliverable, status="finished")

    deliverable_delete(actor=actor, deliverable=deliverable)
    assert not Deliverable.objects.filter(pk=deliverable.pk).exists()
    assert sorted(entries.values_list("action", flat=True)) == ["create", "delete", "update", "update"]


def test_a_relative_deadline_needs_both_halves(record: Any) -> None:
    initiative, editor, _lead = record
    with pytest.raises(ValidationError) as error:
        deliverable_create(actor=actor_for(editor), initiative=initiative, title="x", due_offset_months=36)
    assert "due_anchor_date" in error.value.message_dict
    assert not Deliverable.objects.filter(initiative=initiative).exists()


def test_indicator_must_belong_to_the_record(record: Any) -> None:
    initiative, editor, _lead = record
    other = Result.objects.create(initiative=make_initiative(), title="Other")
    foreign = Indicator.objects.create(result=other, title="Not ours")
    with pytest.raises(ValidationError) as error:
        deliverable_create(actor=actor_for(editor), initiative=initiative, title="x", indicator=foreign)
    assert "indicator" in error.value.message_dict


def test_outsiders_anonymous_and_frozen_records_are_refused(record: Any) -> None:
    initiative, editor, _lead = record
    deliverable = deliverable_create(actor=actor_for(editor), initiative=initiative, title="Adopt a law")
    outsider = make_user()
    for actor in (actor_for(outsider), Actor(source="web"), Actor(source="api")):
        with pytest.raises(PermissionDenied):
            deliverable_create(actor=actor, initiative=initiative, title="Sneaky")
        with pytest.raises(PermissionDenied):
            deliverable_update(actor=actor, deliverable=deliverable, title="Changed")
        with pytest.raises(PermissionDenied):
            deliverable_delete(actor=actor, deliverable=deliverable)
        with pytest.raises(PermissionDenied):
            deliverable_evidence_add(
                actor=actor, deliverable=deliverable, title="x", url="https://example.org"
            )
    assert list(Deliverable.objects.filter(initiative=initiative).values_list("title", flat=True)) == [
        "Adopt a law"
    ]
    # In review the record is frozen: even its editors wait.
    type(initiative).objects.filter(pk=initiative.pk).update(state=PublicationState.IN_REVIEW)
    initiative.refresh_from_db()
    deliverable.refresh_from_db()
    with pytest.raises(PermissionDenied):
        deliverable_update(actor=actor_for(editor), deliverable=deliverable, title="Changed")
    # A steward may; the command line writes as the system.
    steward = make_user(steward=True)
    type(initiative).objects.filter(pk=initiative.pk).update(state=PublicationState.PUBLISHED)
    deliverable = Deliverable.objects.get(pk=deliverable.pk)
    assert (
        deliverable_update(actor=actor_for(steward), deliverable=deliverable, title="Adopt two laws").title
        == "Adopt two laws"
    )
    assert deliverable_create(
        actor=Actor(source="cli"), initiative=deliverable.initiative, title="From the CLI"
    ).pk


def test_evidence_links_validated_added_once_and_removed(record: Any) -> None:
    initiative, editor, _lead = record
    actor = actor_for(editor)
    deliverable = deliverable_create(actor=actor, initiative=initiative, title="Adopt a law")
    for url in ("not a url", "javascript:alert(1)", "ftp://example.org/file"):
        with pytest.raises(ValidationError) as error:
            deliverable_evidence_add(actor=actor, deliverable=deliverable, title="Law", url=url)
        assert "url" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        deliverable_evidence_add(
            actor=actor, deliverable=deliverable, title=" ", url="https://example.org/law"
        )
    assert "title" in error.value.message_dict
    deliverable_evidence_add(
        actor=actor, deliverable=deliverable, title="The law", url="https://example.org/law"
    )
    deliverable_evidence_add(
        actor=actor, deliverable=deliverable, title="Again", url="https://example.org/law"
    )
    assert Deliverable.objects.get(pk=deliverable.pk).evidence == [
        {"title": "The law", "url": "https://example.org/law"}
    ]
    deliverable_evidence_remove(actor=actor, deliverable=deliverable, url="https://example.org/law")
    assert Deliverable.objects.get(pk=deliverable.pk).evidence == []
