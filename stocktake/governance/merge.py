"""Merging two edits of one record, field by field.

Three versions of each field meet: the value the person started from (base), the value someone saved
meanwhile (theirs) and the person's own (mine). A field only one side changed takes that side's value;
a field both changed differently is the person's to choose.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from stocktake.governance.diffs import value_display
from stocktake.governance.forms import (
    DOCUMENT_PREFIXES,
    LINK_FIELDS,
    OWN_FIELDS,
    RecordForm,
    Values,
    data_from_values,
    document_parts,
    values_from_snapshot,
)
from stocktake.governance.selectors import initiative_state_at
from stocktake.initiatives.models import Initiative
from stocktake.vocabularies.selectors import code_name

BASE_SALT = "stocktake.governance.edit-base"
MINE, THEIRS, CHOOSE = "mine", "theirs", "choose"
LINK_LABELS = {
    "partners": _("Partners and their roles"),
    "budgets": _("Budgets"),
    "documents": _("Documents and links"),
}


@dataclass(frozen=True)
class MergeRow:
    name: str
    label: str
    base: str | None  # None: the value started from is not known
    theirs: str
    mine: str
    outcome: str  # MINE or THEIRS when merged without asking, CHOOSE when both changed the field


def sign_links(values: Values) -> str:
    """The links the form started from, carried by the form (history snapshots hold no links).

    Compressed: the narrative sections' texts make it the form's largest field.
    """
    data = {
        name: value if isinstance(value, str) else list(value)
        for name, value in values.items()
        if name in LINK_FIELDS
    }
    return signing.dumps(data, salt=BASE_SALT, compress=True)


def unsign_links(token: str) -> Values:
    try:
        data = signing.loads(token, salt=BASE_SALT)
    except signing.BadSignature:
        return {}
    return {
        name: value if isinstance(value, str) else tuple(value)
        for name, value in data.items()
        if name in LINK_FIELDS
    }


def base_values(initiative: Initiative, version: int, links_token: str) -> Values:
    """What the person started from: own fields from the history as of ``version``, links from the form."""
    values: Values = {}
    state = initiative_state_at(initiative, version)
    if state is not None:
        values.update(values_from_snapshot(state))
    values.update(unsign_links(links_token))
    return values


def _display(name: str, value: Any) -> str:
    if name == "documents":
        shown = []
        for item in value or ():
            title, url, category = document_parts(item)
            parts = [title, url, code_name("DocumentCategory", category) if category else ""]
            shown.append(" · ".join(part for part in parts if part))
        return "; ".join(shown)
    return value_display(name, value)


def _label(name: str) -> str:
    if name in LINK_LABELS:
        return str(LINK_LABELS[name])
    return str(RecordForm.base_fields[name].label)


def merge(base: Values, theirs: Values, mine: Values) -> tuple[Values, list[MergeRow]]:
    """The merged values (the person's where both changed a field) and a row per field that differs."""
    merged: Values = {}
    rows: list[MergeRow] = []
    for name in (*OWN_FIELDS, *LINK_FIELDS):
        if name not in mine:
            continue
        my_value, their_value = mine[name], theirs.get(name)
        known = name in base
        base_value = base.get(name)
        if my_value == their_value:
            merged[name] = my_value
            continue
        if known and my_value == base_value:
            outcome, merged[name] = THEIRS, their_value
        elif known and their_value == base_value:
            outcome, merged[name] = MINE, my_value
        else:
            outcome, merged[name] = CHOOSE, my_value
        rows.append(
            MergeRow(
                name=name,
                label=_label(name),
                base=_display(name, base_value) if known else None,
                theirs=_display(name, their_value),
                mine=_display(name, my_value),
                outcome=outcome,
            )
        )
    return merged, rows


ROW_PREFIXES = {
    "partners": ("partner_org_", "partner_role_"),
    "budgets": ("budget_amount_", "budget_currency_"),
    "documents": DOCUMENT_PREFIXES,
}
MULTI_FIELDS = ("countries", "regions", "action_lines", "sdg_targets")


def apply_choices(data: QueryDict, theirs: Values) -> dict[str, Any]:
    """The posted form data with the "keep theirs" fields replaced by the record's current values."""
    result: dict[str, Any] = {
        key: data.getlist(key) if key in MULTI_FIELDS else data.get(key) for key in data
    }
    for key, value in data.items():
        name = key.removeprefix("resolve_")
        if not key.startswith("resolve_") or value != THEIRS or name not in theirs:
            continue
        if name in ROW_PREFIXES:
            result = {
                field: item for field, item in result.items() if not field.startswith(ROW_PREFIXES[name])
            }
        result.update(data_from_values({name: theirs[name]}))
    return result
