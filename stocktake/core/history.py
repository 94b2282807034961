"""Recording changes. Services call these in the same transaction as the write they describe."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from stocktake.core.bulk import insert_rows
from stocktake.core.choices import UNATTENDED_SOURCES, ChangeAction, ChangeSource
from stocktake.core.models import HistoryEntry

M = TypeVar("M", bound=models.Model)

# Called after every recorded change, inside its transaction (the search index registers here to
# follow the registry once the change commits). Functions, not signals: the order is the order added.
_write_hooks: list[Callable[[], None]] = []


def on_history_written(hook: Callable[[], None]) -> None:
    if hook not in _write_hooks:
        _write_hooks.append(hook)


def _written() -> None:
    for hook in _write_hooks:
        hook()


@dataclass(frozen=True)
class Actor:
    """Who is writing and through which door. Every service takes one."""

    source: str
    user: Any = None  # a User, or None for the command line, imports and the system
    label: str = ""
    batch: uuid.UUID | None = field(default=None)

    @property
    def unattended(self) -> bool:
        """A write with no person behind it (command line, import, job, system): trusted as the operator's."""
        return self.user is None and self.source in UNATTENDED_SOURCES

    @property
    def display(self) -> str:
        if self.user is not None:
            return str(self.user.get_username())
        return self.label or str(ChangeSource(self.source).label)

    @classmethod
    def system(cls, label: str = "system", *, source: str = ChangeSource.SYSTEM) -> Actor:
        return cls(source=source, label=label, batch=uuid.uuid4())

    @classmethod
    def from_request(cls, request: Any, *, source: str = ChangeSource.WEB) -> Actor:
        user = request.user if request.user.is_authenticated else None
        return cls(source=source, user=user)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


# Never copied into the history, which stewards read and exports may carry: a password hash, an API
# token's digest. A change to one is recorded by name only (``history_record_states``).
SECRET_FIELDS = frozenset({"password", "digest"})


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The object's own field values (foreign keys as their ids), ready for JSON; no secrets."""
    data: dict[str, Any] = {}
    for model_field in obj._meta.concrete_fields:
        if model_field.name in ("created", "updated") or model_field.name in SECRET_FIELDS:
            continue
        data[model_field.attname] = _plain(getattr(obj, model_field.attname))
    return data


def _entry_values(
    *,
    actor: Actor,
    action: str,
    obj: models.Model,
    before: dict | None,
    after: dict | None,
    parent: models.Model | None,
    note: str,
) -> dict[str, Any]:
    """A history entry's column values, by attribute name: one definition for single and batch writes."""
    parent_type = ContentType.objects.get_for_model(parent).pk if parent is not None else None
    return {
        "actor_id": actor.user.pk if actor.user is not None else None,
        "actor_label": actor.display,
        "source": actor.source,
        "action": action,
        "content_type_id": ContentType.objects.get_for_model(obj).pk,
        "object_id": str(obj.pk),
        "object_repr": str(obj)[:300],
        "parent_content_type_id": parent_type,
        "parent_object_id": str(parent.pk) if parent is not None else "",
        "before": before,
        "after": after,
        "note": note[:500],
        "batch": actor.batch,
    }


def _entry(**fields: Any) -> HistoryEntry:
    return HistoryEntry(**_entry_values(**fields))


def history_record(
    *,
    actor: Actor,
    action: str,
    obj: models.Model,
    before: dict | None = None,
    parent: models.Model | None = None,
    note: str = "",
) -> HistoryEntry | None:
    """Records one change. Returns None, writing nothing, when an update changed nothing."""
    after = None if action == ChangeAction.DELETE else snapshot(obj)
    if action == ChangeAction.UPDATE and before == after:
        return None
    entry = _entry(actor=actor, action=action, obj=obj, before=before, after=after, parent=parent, note=note)
    entry.save()
    _written()
    return entry


def history_record_states(
    *,
    actor: Actor,
    obj: models.Model,
    before: dict,
    after: dict,
    parent: models.Model | None = None,
    note: str = "",
) -> HistoryEntry:
    """Records an update given as explicit states, for what is not a field of its own (tags, say)."""
    entry = _entry(
        actor=actor, action=ChangeAction.UPDATE, obj=obj, before=before, after=after, parent=parent, note=note
    )
    entry.save()
    _written()
    return entry


def save_with_history(obj: M, *, actor: Actor, parent: models.Model | None = None, note: str = "") -> M:
    """Validates and saves ``obj``, recording a create or an update with the stored state before."""
    creating = obj.pk is None or obj._state.adding
    before = None
    if not creating:
        stored = type(obj)._default_manager.filter(pk=obj.pk).first()
        before = snapshot(stored) if stored is not None else None
    obj.full_clean()
    obj.save()
    history_record(
        actor=actor,
        action=ChangeAction.CREATE if creating else ChangeAction.UPDATE,
        obj=obj,
        before=before,
        parent=parent,
        note=note,
    )
    return obj


def delete_with_history(
    obj: models.Model, *, actor: Actor, parent: models.Model | None = None, note: str = ""
) -> None:
    before = snapshot(obj)
    entry = _entry(
        actor=actor, action=ChangeAction.DELETE, obj=obj, before=before, after=None, parent=parent, note=note
    )
    obj.delete()
    entry.save()
    _written()


def history_record_many(
    *,
    actor: Actor,
    changes: list[tuple[str, models.Model, dict | None, dict | None]],
    note: str = "",
) -> None:
    """Records many changes in one insert, for batch services: (action, object, before, after) each.

    ``after`` is given explicitly, so a batch can record a record's state with its child rows.
    """
    now = timezone.now()
    rows = [
        _entry_values(actor=actor, action=action, obj=obj, before=before, after=after, parent=None, note=note)
        | {"time": now}
        for action, obj, before, after in changes
    ]
    insert_rows(HistoryEntry, rows)
    _written()
