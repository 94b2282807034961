"""History entries and field values made readable: field labels, names instead of ids, word diffs."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext as _
from markupsafe import Markup, escape

from stocktake.core.models import HistoryEntry
from stocktake.core.partial_dates import PartialDate
from stocktake.initiatives.choices import DpgStatus, Kind, Outcome, PartnerRole, Scope
from stocktake.organisations.models import Organisation
from stocktake.vocabularies.selectors import code_name, countries_by_code, regions_by_code

# Bookkeeping columns a reader does not need to see change.
HIDDEN = {"id", "code_normalised", "version", "name_normalised", "normalised"}
LONG_TEXT = 120  # longer texts, or texts over several lines, are shown as a word diff


@dataclass
class FieldChange:
    label: str
    before: str
    after: str
    words: Markup | None = None  # a word diff, for long texts


@dataclass
class Row:
    entry: HistoryEntry
    summary: str
    changes: list[FieldChange] = field(default_factory=list)


def word_diff(before: str, after: str) -> Markup:
    """The two texts as one, removed words in <del>, added ones in <ins> (every word escaped)."""
    old, new = re.split(r"(\s+)", before), re.split(r"(\s+)", after)
    parts: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag == "equal":
            parts.append(str(escape("".join(old[i1:i2]))))
            continue
        if i2 > i1:
            parts.append(f"<del>{escape(''.join(old[i1:i2]))}</del>")
        if j2 > j1:
            parts.append(f"<ins>{escape(''.join(new[j1:j2]))}</ins>")
    return Markup("".join(parts))  # noqa: S704 - every piece above is escaped


class _Names:
    """Names of the objects that history rows point at by id, looked up once per page."""

    def __init__(self) -> None:
        self.cache: dict[tuple[type, Any], str] = {}

    def name(self, model: type[models.Model], pk: Any) -> str:
        key = (model, pk)
        if key not in self.cache:
            obj = model._default_manager.filter(pk=pk).first()
            self.cache[key] = str(obj) if obj is not None else f"#{pk}"
        return self.cache[key]


def _field(model: type[models.Model] | None, attname: str) -> models.Field | None:
    if model is None:
        return None
    for model_field in model._meta.concrete_fields:
        if model_field.attname == attname:
            return model_field
    try:
        found = model._meta.get_field(attname)
    except FieldDoesNotExist:
        return None
    return found if isinstance(found, models.Field) else None


def _display(model_field: models.Field | None, value: Any, names: _Names, precision: str | None) -> str:
    if value is None or value == "" or value == []:
        return ""
    if model_field is not None and model_field.is_relation and model_field.related_model is not None:
        return names.name(model_field.related_model, value)
    if precision:
        try:
            return PartialDate(PartialDate.parse(str(value)[:10]).value, precision).iso()
        except ValueError:
            return str(value)
    if model_field is not None and model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def _label(model_field: models.Field | None, attname: str) -> str:
    if model_field is not None:
        return str(model_field.verbose_name)
    return attname.replace("_", " ")


def field_changes(entry: HistoryEntry, names: _Names | None = None) -> list[FieldChange]:
    """The fields an update changed, each with its label and readable before and after."""
    names = names or _Names()
    model = entry.content_type.model_class()
    before, after = entry.before or {}, entry.after or {}
    changes: list[FieldChange] = []
    keys = [key for key in dict.fromkeys([*before, *after]) if key not in HIDDEN]
    for key in keys:
        if key.endswith("_precision"):
            base = key.removesuffix("_precision")
            if base in before or base in after:
                continue  # shown with its date
        old, new = before.get(key), after.get(key)
        precision_key = f"{key}_precision"
        old_precision = before.get(precision_key) if precision_key in before else None
        new_precision = after.get(precision_key) if precision_key in after else None
        if old == new and old_precision == new_precision:
            continue
        model_field = _field(model, key)
        old_text = _display(model_field, old, names, old_precision)
        new_text = _display(model_field, new, names, new_precision)
        if old_text == new_text and entry.action == "update":
            continue
        change = FieldChange(_label(model_field, key), old_text, new_text)
        if (
            isinstance(old, str)
            and isinstance(new, str)
            and (max(len(old), len(new)) > LONG_TEXT or "\n" in old or "\n" in new)
        ):
            change.words = word_diff(old, new)
        changes.append(change)
    return changes


def history_rows(entries: list[HistoryEntry]) -> list[Row]:
    """History entries as the history tab shows them."""
    names = _Names()
    rows = []
    for entry in entries:
        kind = str(entry.content_type.name) if entry.content_type_id else ""
        if entry.action == "create":
            summary = _("Added %(kind)s “%(object)s”") % {"kind": kind, "object": entry.object_repr}
        elif entry.action == "delete":
            summary = _("Removed %(kind)s “%(object)s”") % {"kind": kind, "object": entry.object_repr}
        else:
            summary = _("Changed %(kind)s “%(object)s”") % {"kind": kind, "object": entry.object_repr}
        changes = field_changes(entry, names) if entry.action == "update" else []
        rows.append(Row(entry=entry, summary=summary, changes=changes))
    return rows


# Values of the record form, for the merge page --------------------------------------------------

_CHOICES: dict[str, Any] = {
    "kind": Kind,
    "outcome": Outcome,
    "scope": Scope,
    "dpg_status": DpgStatus,
}


def value_display(name: str, value: Any) -> str:
    """A record form value (see ``governance.forms``) in words."""
    if value in ("", (), None):
        return ""
    if name in _CHOICES:
        choices = dict(_CHOICES[name].choices)
        return str(choices.get(value, value))
    if name == "status":
        return code_name("ActivityStatus", value)
    if name == "venue_country":
        country = countries_by_code().get(value)
        return country.name if country else value
    if name == "countries":
        by_code = countries_by_code()
        return ", ".join(by_code[code].name if code in by_code else code for code in value)
    if name == "regions":
        regions = regions_by_code()
        return ", ".join(regions[code].name if code in regions else code for code in value)
    if name == "partners":
        pairs = [item.split("|", 1) for item in value]
        by_slug = Organisation.objects.in_bulk([slug for slug, _role in pairs], field_name="slug")
        roles = dict(PartnerRole.choices)
        return "; ".join(f"{by_slug.get(slug, slug)} ({roles.get(role, role)})" for slug, role in pairs)
    if isinstance(value, tuple):
        return ", ".join(value)
    return str(value)
