from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from stocktake.core.choices import ChangeAction
from stocktake.core.history import Actor
from stocktake.core.models import HistoryEntry
from stocktake.core.partial_dates import DatePrecision, PartialDate
from stocktake.initiatives import services
from stocktake.initiatives.choices import PartnerRole
from stocktake.initiatives.models import Budget, Initiative, Participation
from stocktake.initiatives.selectors import initiative_history
from stocktake.initiatives.tests.factories import make_initiative
from stocktake.organisations.tests.factories import make_organisation
from stocktake.vocabularies.models import SdgTarget

pytestmark = pytest.mark.django_db


def test_codes_are_unique_after_normalisation(actor: Actor) -> None:
    services.initiative_create(actor=actor, code="INT13001", kind="project", title="Centre")
    with pytest.raises(ValidationError, match="already the code of INT13001"):
        services.initiative_create(actor=actor, code="INT/13/001", kind="project", title="Same centre")
    assert Initiative.objects.count() == 1


def test_another_identifier_finds_the_record_and_cannot_be_reused(actor: Actor) -> None:
    first = make_initiative(code="INT13001")
    second = make_initiative(code="QAT13X01")
    services.identifier_add(actor=actor, initiative=first, value="INT/001/13")
    assert services.code_in_use("int-001-13") == first
    assert services.identifier_add(actor=actor, initiative=first, value="INT 001 13") is None
    spelling = services.identifier_add(actor=actor, initiative=first, value="INT/13/001")
    assert spelling is not None and spelling.normalised == "INT13001"
    assert services.identifier_add(actor=actor, initiative=first, value="INT13001") is None
    with pytest.raises(ValidationError, match="already the code"):
        services.identifier_add(actor=actor, initiative=second, value="INT/001/13")
    with pytest.raises(ValidationError, match="already the code"):
        services.initiative_create(actor=actor, code="INT00113", kind="project", title="Clash")


def test_status_must_be_an_iati_activity_status_code(actor: Actor) -> None:
    with pytest.raises(ValidationError, match="not an IATI ActivityStatus code"):
        services.initiative_create(actor=actor, code="X1", kind="project", title="x", status="9")
    assert not Initiative.objects.exists()


def test_create_and_update_are_recorded_and_dates_keep_precision(actor: Actor) -> None:
    initiative = services.initiative_create(
        actor=actor, code="X1", kind="project", title="Old", planned_start=PartialDate.parse("2013-09")
    )
    services.initiative_update(actor=actor, initiative=initiative, title="New", status="4")
    initiative.refresh_from_db()
    assert initiative.planned_start_precision == DatePrecision.MONTH
    assert initiative.start is not None and initiative.start.iso() == "2013-09" and initiative.version == 2
    actions = [(e.action, e.source) for e in initiative_history(initiative)]
    assert actions == [(ChangeAction.UPDATE, "cli"), (ChangeAction.CREATE, "cli")]
    assert initiative_history(initiative)[0].changed_fields()[:2] == [
        ("status", "", "4"),
        ("title", "Old", "New"),
    ]


def test_children_are_recorded_in_the_parents_history(actor: Actor) -> None:
    initiative = make_initiative()
    budget = services.budget_add(
        actor=actor,
        initiative=initiative,
        amount=Decimal("164189"),
        currency="USD",
        period_start=PartialDate.parse("2013-09"),
        period_end=PartialDate.parse("2015-11"),
    )
    services.child_remove(actor=actor, obj=budget)
    entries = [e for e in initiative_history(initiative) if e.content_type.model == "budget"]
    assert [e.action for e in entries] == [ChangeAction.DELETE, ChangeAction.CREATE]
    assert (entries[1].after or {})["amount"] == "164189" and (entries[0].before or {})["currency"] == "USD"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"amount": Decimal("-1"), "currency": "USD"}, "cannot be negative"),
        ({"amount": Decimal("1"), "currency": "XXY"}, "not an IATI Currency code"),
        ({"amount": Decimal("1"), "currency": "USD", "type": "7"}, "not an IATI BudgetType code"),
        (
            {
                "amount": Decimal("1"),
                "currency": "USD",
                "period_start": PartialDate.parse("2015"),
                "period_end": PartialDate.parse("2014"),
            },
            "ends before it starts",
        ),
    ],
)
def test_bad_budgets_are_refused_and_nothing_is_written(actor: Actor, fields: dict, message: str) -> None:
    initiative = make_initiative()
    with pytest.raises(ValidationError, match=message):
        services.budget_add(actor=actor, initiative=initiative, **fields)
    assert not Budget.objects.exists()
    assert not HistoryEntry.objects.filter(content_type=ContentType.objects.get_for_model(Budget)).exists()


def test_an_organisation_may_hold_several_roles_but_not_the_same_twice(actor: Actor) -> None:
    initiative, organisation = make_initiative(), make_organisation()
    services.participation_add(
        actor=actor, initiative=initiative, organisation=organisation, role=PartnerRole.LEAD
    )
    services.participation_add(
        actor=actor,
        initiative=initiative,
        organisation=organisation,
        role=PartnerRole.FUNDING,
        contribution_amount=Decimal("5000"),
        contribution_currency="EUR",
    )
    with pytest.raises(ValidationError):
        services.participation_add(
            actor=actor, initiative=initiative, organisation=organisation, role=PartnerRole.LEAD
        )
    assert sorted(Participation.objects.values_list("role", flat=True)) == ["funding", "lead"]


def test_a_contribution_amount_needs_a_currency(actor: Actor) -> None:
    with pytest.raises(ValidationError, match="needs a currency"):
        services.participation_add(
            actor=actor,
            initiative=make_initiative(),
            organisation=make_organisation(),
            role=PartnerRole.FUNDING,
            contribution_amount=Decimal("1"),
        )


def test_a_target_brings_its_goal_once(actor: Actor) -> None:
    initiative = make_initiative()
    for code in ("16.6", "16.10"):
        services.sdg_target_add(
            actor=actor, initiative=initiative, target=SdgTarget.objects.get(code=code), basis="editorial"
        )
    assert list(initiative.sdg_goal_links.values_list("goal__number", "basis")) == [(16, "editorial")]


def test_a_conflict_keeps_every_value_with_its_source(actor: Actor) -> None:
    initiative = make_initiative()
    with pytest.raises(ValidationError, match="at least two values"):
        services.conflict_flag(
            actor=actor, initiative=initiative, field="funding", values=[{"value": "DA", "source": "a"}]
        )
    conflict = services.conflict_flag(
        actor=actor,
        initiative=initiative,
        field="funding",
        values=[{"value": "DA", "source": "a"}, {"value": "XBTC", "source": "b"}],
    )
    with pytest.raises(ValidationError, match="Say how"):
        services.conflict_resolve(actor=actor, conflict=conflict, resolution=" ")
    services.conflict_resolve(actor=actor, conflict=conflict, resolution="Both funded different phases.")
    conflict.refresh_from_db()
    assert conflict.status == "resolved" and conflict.resolved_at is not None


def test_other_sections_need_a_heading(actor: Actor) -> None:
    with pytest.raises(ValidationError, match="heading"):
        services.section_add(actor=actor, initiative=make_initiative(), kind="other", text="x")


def test_unknown_fields_are_refused(actor: Actor) -> None:
    with pytest.raises(TypeError, match="unknown initiative fields: colour"):
        services.initiative_create(actor=actor, code="X9", kind="project", title="x", colour="red")


def test_sectors_are_checked_and_tags_are_recorded(actor: Actor) -> None:
    initiative = make_initiative()
    with pytest.raises(ValidationError, match="not an IATI Sector code"):
        services.sector_add(actor=actor, initiative=initiative, code="99999")
    with pytest.raises(ValidationError, match="between 0 and 100"):
        services.sector_add(actor=actor, initiative=initiative, code="15110", percentage=Decimal("120"))
    services.tag_add(actor=actor, initiative=initiative, name="open data")
    services.tag_add(actor=actor, initiative=initiative, name="open data")
    tag_entries = [e for e in initiative_history(initiative) if (e.after or {}).get("tags")]
    assert [(e.before, e.after) for e in tag_entries] == [({"tags": []}, {"tags": ["open data"]})]
    with pytest.raises(ValidationError, match="itself"):
        services.relation_add(actor=actor, initiative=initiative, related=initiative, type="3")
