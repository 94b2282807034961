"""Writing initiatives and what hangs off them.

Every web form, API endpoint, command and importer calls these; none saves a model itself. Each
service validates, runs in one transaction and records the change in the history.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from stocktake.core.choices import Basis
from stocktake.core.history import Actor, delete_with_history, history_record_states, save_with_history
from stocktake.core.partial_dates import DatePrecision, PartialDate
from stocktake.core.text import normalise_code
from stocktake.initiatives.choices import PublicationState
from stocktake.initiatives.models import (
    Budget,
    Conflict,
    Document,
    Funding,
    FundingSource,
    Initiative,
    InitiativeActionLine,
    InitiativeCountry,
    InitiativeCountryGroup,
    InitiativeIdentifier,
    InitiativeRegion,
    InitiativeRelation,
    InitiativeSdgGoal,
    InitiativeSdgTarget,
    InitiativeSector,
    Participation,
    Presentation,
    Recommendation,
    Section,
    Session,
    StakeholderMention,
    Tag,
)
from stocktake.organisations.models import Organisation
from stocktake.vocabularies.models import (
    ActionLine,
    Country,
    CountryGroup,
    Region,
    SdgGoal,
    SdgTarget,
    StakeholderGroup,
)
from stocktake.vocabularies.selectors import is_code

Child = TypeVar("Child", bound=models.Model)

INITIATIVE_FIELDS = (
    "kind",
    "title",
    "title_translations",
    "language",
    "summary",
    "status",
    "outcome",
    "scope",
    "time_frame_text",
    "deadline_text",
    "venue",
    "venue_country",
    "owning_unit",
    "parent",
    "software",
    "software_licence",
    "source_repository",
    "open_standards",
    "dpg_status",
    "provenance",
)
DATE_FIELDS = ("planned_start", "planned_end", "actual_start", "actual_end")


def _check_code(list_name: str, field: str, value: str) -> None:
    if value and not is_code(list_name, value):
        raise ValidationError({field: f"{value!r} is not an IATI {list_name} code"})


def _set_partial(obj: models.Model, name: str, value: PartialDate | None) -> None:
    setattr(obj, name, value.value if value else None)
    setattr(obj, f"{name}_precision", value.precision if value else DatePrecision.DAY)


def code_in_use(code: str, *, exclude: Initiative | None = None) -> Initiative | None:
    """The initiative that already answers to ``code`` (as its code or another identifier), if any."""
    normalised = normalise_code(code)
    found = Initiative.objects.filter(Q(code_normalised=normalised) | Q(identifiers__normalised=normalised))
    if exclude is not None:
        found = found.exclude(pk=exclude.pk)
    return found.first()


def _apply(initiative: Initiative, fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(INITIATIVE_FIELDS) - set(DATE_FIELDS)
    if unknown:
        raise TypeError(f"unknown initiative fields: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        if name in DATE_FIELDS:
            _set_partial(initiative, name, value)
        else:
            setattr(initiative, name, value)
    _check_code("ActivityStatus", "status", initiative.status)
    if initiative.parent_id and initiative.parent_id == initiative.pk:
        raise ValidationError({"parent": "An initiative cannot be its own parent."})


@transaction.atomic
def initiative_create(
    *, actor: Actor, code: str, kind: str, title: str, state: str = PublicationState.PUBLISHED, **fields: Any
) -> Initiative:
    """Registers an initiative. ``code`` must be new after normalisation (INT13001 = INT/13/001).

    Imports publish at once; contributors register drafts through ``governance.services``.
    """
    existing = code_in_use(code)
    if existing is not None:
        raise ValidationError({"code": f"{code!r} is already the code of {existing.code}"})
    initiative = Initiative(
        code=code.strip(), code_normalised=normalise_code(code), kind=kind, title=title, state=state
    )
    _apply(initiative, fields)
    save_with_history(initiative, actor=actor)
    return initiative


@transaction.atomic
def initiative_update(*, actor: Actor, initiative: Initiative, **changes: Any) -> Initiative:
    """Changes an initiative's own fields; dates are given as PartialDate."""
    _apply(initiative, changes)
    initiative.version += 1
    initiative.updated = timezone.now()
    save_with_history(initiative, actor=actor)
    return initiative


@transaction.atomic
def initiative_delete(*, actor: Actor, initiative: Initiative) -> None:
    delete_with_history(initiative, actor=actor)


def _add_child(obj: Child, *, actor: Actor, initiative: Initiative) -> Child:
    save_with_history(obj, actor=actor, parent=initiative)
    Initiative.objects.filter(pk=initiative.pk).update(updated=timezone.now())
    return obj


@transaction.atomic
def child_remove(*, actor: Actor, obj: models.Model) -> None:
    """Removes anything that hangs off an initiative (a budget, a partner role, a section...)."""
    initiative = obj.initiative  # type: ignore[attr-defined]
    delete_with_history(obj, actor=actor, parent=initiative)
    Initiative.objects.filter(pk=initiative.pk).update(updated=timezone.now())


@transaction.atomic
def identifier_add(
    *, actor: Actor, initiative: Initiative, value: str, scheme: str = "", source: str = ""
) -> InitiativeIdentifier | None:
    """Adds another code, or another spelling of its own code ("INT/13/001" beside "INT13001").

    Returns None when the initiative already lists it.
    """
    existing = code_in_use(value)
    if existing is not None and existing.pk != initiative.pk:
        raise ValidationError({"code": f"{value!r} is already the code of {existing.code}"})
    normalised = normalise_code(value)
    if value.strip() == initiative.code or initiative.identifiers.filter(normalised=normalised).exists():
        return None
    identifier = InitiativeIdentifier(
        initiative=initiative, value=value.strip(), normalised=normalised, scheme=scheme, source=source
    )
    return _add_child(identifier, actor=actor, initiative=initiative)


@transaction.atomic
def section_add(
    *,
    actor: Actor,
    initiative: Initiative,
    kind: str,
    text: str,
    heading: str = "",
    language: str = "",
    source: str = "",
) -> Section:
    position = initiative.sections.count()
    section = Section(
        initiative=initiative,
        kind=kind,
        text=text.strip(),
        heading=heading,
        language=language,
        source=source,
        position=position,
    )
    return _add_child(section, actor=actor, initiative=initiative)


@transaction.atomic
def section_update(*, actor: Actor, section: Section, text: str) -> Section:
    """Changes a section's text in place, so the history shows a word diff rather than a removal
    and an addition; an emptied section is removed with ``child_remove`` instead."""
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("A section needs some text; remove it instead.")})
    section.text = text
    return _add_child(section, actor=actor, initiative=section.initiative)


@transaction.atomic
def participation_add(
    *,
    actor: Actor,
    initiative: Initiative,
    organisation: Organisation,
    role: str,
    basis: str = Basis.STATED,
    source: str = "",
    contribution_amount: Decimal | None = None,
    contribution_currency: str = "",
    contribution_text: str = "",
) -> Participation:
    """Adds a partner to an initiative; the same partner may hold several roles."""
    if contribution_amount is not None and not contribution_currency:
        raise ValidationError({"contribution_currency": "A contribution amount needs a currency."})
    _check_code("Currency", "contribution_currency", contribution_currency)
    participation = Participation(
        initiative=initiative,
        organisation=organisation,
        role=role,
        basis=basis,
        source=source,
        contribution_amount=contribution_amount,
        contribution_currency=contribution_currency,
        contribution_text=contribution_text,
    )
    return _add_child(participation, actor=actor, initiative=initiative)


@transaction.atomic
def stakeholder_mention_add(
    *, actor: Actor, initiative: Initiative, group: StakeholderGroup, text: str, source: str = ""
) -> StakeholderMention:
    mention = StakeholderMention(initiative=initiative, group=group, text=text, source=source)
    return _add_child(mention, actor=actor, initiative=initiative)


@transaction.atomic
def budget_add(
    *,
    actor: Actor,
    initiative: Initiative,
    amount: Decimal,
    currency: str,
    period_start: PartialDate | None = None,
    period_end: PartialDate | None = None,
    type: str = "1",
    status: str = "1",
    label: str = "",
    source: str = "",
) -> Budget:
    if amount < 0:
        raise ValidationError({"amount": "A budget cannot be negative."})
    _check_code("Currency", "currency", currency)
    _check_code("BudgetType", "type", type)
    _check_code("BudgetStatus", "status", status)
    if period_start and period_end and period_end.value < period_start.value:
        raise ValidationError({"period_end": "The budget period ends before it starts."})
    budget = Budget(
        initiative=initiative,
        amount=amount,
        currency=currency,
        type=type,
        status=status,
        label=label,
        source=source,
    )
    _set_partial(budget, "period_start", period_start)
    _set_partial(budget, "period_end", period_end)
    return _add_child(budget, actor=actor, initiative=initiative)


@transaction.atomic
def funding_source_create(
    *,
    actor: Actor,
    key: str,
    name: str,
    kind: str,
    acronym: str = "",
    organisation: Organisation | None = None,
) -> FundingSource:
    source = FundingSource(key=key, name=name, kind=kind, acronym=acronym, organisation=organisation)
    save_with_history(source, actor=actor)
    return source


@transaction.atomic
def funding_add(
    *,
    actor: Actor,
    initiative: Initiative,
    funding_source: FundingSource,
    source: str = "",
    amount: Decimal | None = None,
    currency: str = "",
) -> Funding:
    _check_code("Currency", "currency", currency)
    funding = Funding(
        initiative=initiative, funding_source=funding_source, source=source, amount=amount, currency=currency
    )
    return _add_child(funding, actor=actor, initiative=initiative)


@transaction.atomic
def country_add(
    *,
    actor: Actor,
    initiative: Initiative,
    country: Country,
    percentage: Decimal | None = None,
    basis: str = Basis.STATED,
    source: str = "",
) -> InitiativeCountry:
    link = InitiativeCountry(
        initiative=initiative, country=country, percentage=percentage, basis=basis, source=source
    )
    return _add_child(link, actor=actor, initiative=initiative)


@transaction.atomic
def region_add(
    *,
    actor: Actor,
    initiative: Initiative,
    region: Region,
    percentage: Decimal | None = None,
    basis: str = Basis.STATED,
    source: str = "",
) -> InitiativeRegion:
    link = InitiativeRegion(
        initiative=initiative, region=region, percentage=percentage, basis=basis, source=source
    )
    return _add_child(link, actor=actor, initiative=initiative)


@transaction.atomic
def country_group_add(
    *, actor: Actor, initiative: Initiative, group: CountryGroup, basis: str = Basis.STATED, source: str = ""
) -> InitiativeCountryGroup:
    link = InitiativeCountryGroup(initiative=initiative, group=group, basis=basis, source=source)
    return _add_child(link, actor=actor, initiative=initiative)


@transaction.atomic
def action_line_add(
    *,
    actor: Actor,
    initiative: Initiative,
    action_line: ActionLine,
    basis: str = Basis.STATED,
    note: str = "",
) -> InitiativeActionLine:
    link = InitiativeActionLine(initiative=initiative, action_line=action_line, basis=basis, note=note)
    return _add_child(link, actor=actor, initiative=initiative)


@transaction.atomic
def sdg_target_add(
    *, actor: Actor, initiative: Initiative, target: SdgTarget, basis: str = Basis.STATED, note: str = ""
) -> InitiativeSdgTarget:
    """Links a target, and its goal too if the initiative does not serve that goal yet."""
    link = _add_child(
        InitiativeSdgTarget(initiative=initiative, target=target, basis=basis, note=note),
        actor=actor,
        initiative=initiative,
    )
    if not initiative.sdg_goal_links.filter(goal_id=target.goal_id).exists():
        _add_child(
            InitiativeSdgGoal(
                initiative=initiative,
                goal_id=target.goal_id,
                basis=basis,
                note=f"through target {target.code}",
            ),
            actor=actor,
            initiative=initiative,
        )
    return link


@transaction.atomic
def sdg_goal_add(
    *, actor: Actor, initiative: Initiative, goal: SdgGoal, basis: str = Basis.STATED, note: str = ""
) -> InitiativeSdgGoal:
    """Links a goal the initiative serves without naming one of its targets."""
    link = InitiativeSdgGoal(initiative=initiative, goal=goal, basis=basis, note=note)
    return _add_child(link, actor=actor, initiative=initiative)


@transaction.atomic
def sector_add(
    *,
    actor: Actor,
    initiative: Initiative,
    code: str,
    vocabulary: str = "1",
    percentage: Decimal | None = None,
    basis: str = Basis.STATED,
) -> InitiativeSector:
    """Links a sector; DAC 5-digit codes (vocabulary 1) are checked against the IATI Sector list."""
    if vocabulary == "1":
        _check_code("Sector", "code", code)
    if percentage is not None and not 0 <= percentage <= 100:
        raise ValidationError({"percentage": "A percentage lies between 0 and 100."})
    sector = InitiativeSector(
        initiative=initiative, vocabulary=vocabulary, code=code, percentage=percentage, basis=basis
    )
    return _add_child(sector, actor=actor, initiative=initiative)


@transaction.atomic
def tag_add(*, actor: Actor, initiative: Initiative, name: str) -> Tag:
    """Tags the initiative, creating the tag the first time it is used."""
    slug = slugify(name)[:60]
    if not slug:
        raise ValidationError({"name": "A tag needs at least one letter or digit."})
    tag = Tag.objects.filter(slug=slug).first() or save_with_history(
        Tag(slug=slug, name=name.strip()), actor=actor
    )
    before = sorted(initiative.tags.values_list("name", flat=True))
    if tag.name not in before:
        initiative.tags.add(tag)
        history_record_states(
            actor=actor, obj=initiative, before={"tags": before}, after={"tags": sorted([*before, tag.name])}
        )
    return tag


@transaction.atomic
def relation_add(
    *, actor: Actor, initiative: Initiative, related: Initiative, type: str
) -> InitiativeRelation:
    if related.pk == initiative.pk:
        raise ValidationError({"related": "An initiative cannot be related to itself."})
    relation = InitiativeRelation(from_initiative=initiative, to_initiative=related, type=type)
    return _add_child(relation, actor=actor, initiative=initiative)


@transaction.atomic
def document_add(
    *,
    actor: Actor,
    initiative: Initiative,
    title: str,
    url: str = "",
    category: str = "",
    language: str = "",
    source: str = "",
) -> Document:
    _check_code("DocumentCategory", "category", category)
    document = Document(
        initiative=initiative, title=title, url=url, category=category, language=language, source=source
    )
    return _add_child(document, actor=actor, initiative=initiative)


@transaction.atomic
def document_update(*, actor: Actor, document: Document, category: str) -> Document:
    """Changes a document's IATI category, keeping the rest (its language, date and source)."""
    _check_code("DocumentCategory", "category", category)
    document.category = category
    return _add_child(document, actor=actor, initiative=document.initiative)


@transaction.atomic
def session_add(
    *,
    actor: Actor,
    initiative: Initiative,
    title: str,
    date: PartialDate | None = None,
    description: str = "",
) -> Session:
    session = Session(
        initiative=initiative, title=title, description=description, position=initiative.sessions.count()
    )
    _set_partial(session, "date", date)
    return _add_child(session, actor=actor, initiative=initiative)


@transaction.atomic
def presentation_add(
    *,
    actor: Actor,
    initiative: Initiative,
    title: str,
    session: Session | None = None,
    presenter: str = "",
    presenter_position: str = "",
    organisation: Organisation | None = None,
) -> Presentation:
    presentation = Presentation(
        initiative=initiative,
        session=session,
        title=title,
        presenter=presenter,
        presenter_position=presenter_position,
        organisation=organisation,
        position=initiative.presentations.count(),
    )
    return _add_child(presentation, actor=actor, initiative=initiative)


@transaction.atomic
def recommendation_add(
    *, actor: Actor, initiative: Initiative, number: str, text: str, addressee: Organisation | None = None
) -> Recommendation:
    recommendation = Recommendation(
        initiative=initiative,
        number=number,
        text=text,
        addressee=addressee,
        position=initiative.recommendations.count(),
    )
    return _add_child(recommendation, actor=actor, initiative=initiative)


@transaction.atomic
def conflict_flag(
    *, actor: Actor, initiative: Initiative, field: str, values: list[dict[str, Any]], note: str = ""
) -> Conflict:
    """Keeps every disagreeing value with its source and flags the field for a steward."""
    if len(values) < 2 or any("value" not in v or "source" not in v for v in values):
        raise ValidationError({"values": "A conflict needs at least two values, each with its source."})
    conflict = Conflict(initiative=initiative, field=field, values=values, note=note)
    return _add_child(conflict, actor=actor, initiative=initiative)


@transaction.atomic
def conflict_resolve(*, actor: Actor, conflict: Conflict, resolution: str) -> Conflict:
    if not resolution.strip():
        raise ValidationError({"resolution": "Say how the conflict was resolved."})
    conflict.status = "resolved"
    conflict.resolution = resolution
    conflict.resolved_by = actor.user
    conflict.resolved_at = timezone.now()
    return _add_child(conflict, actor=actor, initiative=conflict.initiative)
