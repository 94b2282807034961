"""Writing many initiatives at once, for importers: the batch service.

An importer builds each initiative (an unsaved model instance, or a stored one with new values) and its
child rows (``ChildRow``: a table and its column values, lighter than model instances, which matters at
tens of thousands of rows a second), checked with the rules the single-record services apply, and hands
a batch to ``initiatives_write_batch``. It inserts them with one statement per table (executemany) and
records one history entry per initiative holding its whole state (fields and child rows), so a bulk
import is as visible in the history as a form. On update, the imported rows are replaced; rows an editor
added (any basis other than "imported" on the tables that have one) are kept.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from stocktake.core.bulk import insert_rows
from stocktake.core.choices import Basis, ChangeAction
from stocktake.core.history import Actor, history_record_many, snapshot
from stocktake.initiatives.models import (
    Budget,
    Document,
    IatiActivity,
    Initiative,
    InitiativeActionLine,
    InitiativeCountry,
    InitiativeCountryGroup,
    InitiativeIdentifier,
    InitiativeRegion,
    InitiativeSdgGoal,
    InitiativeSdgTarget,
    InitiativeSector,
    Participation,
    Section,
    Transaction,
)

# The child tables a batch writes, in insert order; the name is the key in the recorded state.
CHILD_MODELS: dict[str, type[models.Model]] = {
    "identifiers": InitiativeIdentifier,
    "sections": Section,
    "participations": Participation,
    "budgets": Budget,
    "countries": InitiativeCountry,
    "regions": InitiativeRegion,
    "country_groups": InitiativeCountryGroup,
    "action_lines": InitiativeActionLine,
    "sdg_goals": InitiativeSdgGoal,
    "sdg_targets": InitiativeSdgTarget,
    "sectors": InitiativeSector,
    "documents": Document,
    "transactions": Transaction,
    "iati": IatiActivity,
}
CHILD_NAMES = {model: name for name, model in CHILD_MODELS.items()}
TagLink = Initiative.tags.through
_LEFT_OUT = {"id", "initiative_id"}


class ChildRow:
    """A row of a child table: the model and its column values by attribute name (``organisation_id``).

    Columns left out take the field's default; ``initiative_id`` is set when the batch is written.
    """

    __slots__ = ("model", "values")

    def __init__(self, model: type[models.Model], **values: Any) -> None:
        self.model = model
        self.values = values

    def __repr__(self) -> str:
        return f"ChildRow({self.model.__name__}, {self.values!r})"


@dataclass
class InitiativeDraft:
    """One initiative to write: a new unsaved instance, or a stored one with its new field values."""

    initiative: Initiative
    children: list[ChildRow] = field(default_factory=list)
    tag_ids: list[int] = field(default_factory=list)

    @property
    def creating(self) -> bool:
        return self.initiative.pk is None


def _row_state(obj: models.Model) -> dict[str, Any]:
    return {key: value for key, value in snapshot(obj).items() if key not in _LEFT_OUT}


def draft_state(draft: InitiativeDraft) -> dict[str, Any]:
    """The state history records: the initiative's fields and its child rows by table."""
    state = snapshot(draft.initiative)
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for child in draft.children:
        rows[CHILD_NAMES[child.model]].append(child.values)
    if draft.tag_ids:
        rows["tags"] = [{"tag_id": tag_id} for tag_id in sorted(draft.tag_ids)]
    state["rows"] = dict(rows)
    return state


def _replaceable(model: type[models.Model]) -> models.QuerySet:
    queryset = model._default_manager.all()
    if any(f.name == "basis" for f in model._meta.concrete_fields):
        queryset = queryset.filter(basis=Basis.IMPORTED)
    return queryset


def stored_states(ids: list[int]) -> dict[int, dict[str, Any]]:
    """The recorded state of stored initiatives, in the shape of ``draft_state``, read per table."""
    states = {i.pk: snapshot(i) | {"rows": defaultdict(list)} for i in Initiative.objects.filter(pk__in=ids)}
    for name, model in CHILD_MODELS.items():
        for row in _replaceable(model).filter(initiative_id__in=ids).order_by("pk"):
            states[row.initiative_id]["rows"][name].append(_row_state(row))
    for initiative_id, tag_id in TagLink.objects.filter(initiative_id__in=ids).values_list(
        "initiative_id", "tag_id"
    ):
        states[initiative_id]["rows"]["tags"].append({"tag_id": tag_id})
    for state in states.values():
        state["rows"] = dict(state["rows"])
    return states


@transaction.atomic
def initiatives_write_batch(*, actor: Actor, drafts: list[InitiativeDraft], note: str = "") -> None:
    """Creates or replaces the drafts' initiatives with their child rows, and records the history.

    The caller has checked every value (the ``check_*`` rules); database constraints still hold, and
    a violation rolls the whole batch back, so the caller can retry record by record.
    """
    if not drafts:
        return
    now = timezone.now()
    creating = [draft.creating for draft in drafts]  # read before the inserts give the new ones a pk
    updating = [draft for draft in drafts if not draft.creating]
    update_ids = [draft.initiative.pk for draft in updating]
    before = stored_states(update_ids) if updating else {}

    new = [draft.initiative for draft in drafts if draft.creating]
    _insert_initiatives(new, now)
    for draft in updating:
        draft.initiative.version += 1
        draft.initiative.updated = now
        draft.initiative.save()
    if update_ids:
        for model in CHILD_MODELS.values():
            _replaceable(model).filter(initiative_id__in=update_ids).delete()
        TagLink.objects.filter(initiative_id__in=update_ids).delete()

    by_model: dict[type[models.Model], list[dict[str, Any]]] = defaultdict(list)
    tag_links = []
    for draft in drafts:
        pk = draft.initiative.pk
        for child in draft.children:
            by_model[child.model].append({**child.values, "initiative_id": pk})
        tag_links += [{"initiative_id": pk, "tag_id": tag_id} for tag_id in draft.tag_ids]
    for model in CHILD_MODELS.values():
        insert_rows(model, by_model[model])
    insert_rows(TagLink, tag_links)

    history_record_many(
        actor=actor,
        changes=[
            (
                ChangeAction.CREATE if created else ChangeAction.UPDATE,
                draft.initiative,
                None if created else before.get(draft.initiative.pk),
                draft_state(draft),
            )
            for draft, created in zip(drafts, creating, strict=True)
        ],
        note=note,
    )


def _insert_initiatives(initiatives: list[Initiative], now: Any) -> None:
    """Inserts new initiatives in one executemany, then reads their keys back by their unique code.

    Cheaper than bulk_create (which compiles every value of every row), and the same on every database.
    """
    if not initiatives:
        return
    columns = [f.attname for f in Initiative._meta.concrete_fields if not f.primary_key]
    for initiative in initiatives:
        initiative.created = initiative.updated = now
    insert_rows(Initiative, [{name: getattr(i, name) for name in columns} for i in initiatives])
    by_code = {initiative.code_normalised: initiative for initiative in initiatives}
    stored = Initiative.objects.filter(code_normalised__in=list(by_code)).values_list("code_normalised", "pk")
    for code, pk in stored:
        by_code[code].pk = pk
        by_code[code]._state.adding = False
