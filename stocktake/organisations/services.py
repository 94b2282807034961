"""Writing organisations. Every change is validated and recorded in the history."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from stocktake.core.history import Actor, delete_with_history, save_with_history
from stocktake.core.text import normalise_name
from stocktake.organisations.models import Organisation, OrganisationAlias
from stocktake.vocabularies.selectors import is_code

EDITABLE_FIELDS = (
    "name",
    "acronym",
    "stakeholder_group",
    "iati_type",
    "iati_identifier",
    "country",
    "city",
    "website",
    "description",
    "parent",
    "provenance",
)


def _unique_slug(base: str) -> str:
    root = slugify(base)[:90] or "organisation"
    slug, number = root, 2
    while Organisation.objects.filter(slug=slug).exists():
        slug, number = f"{root}-{number}", number + 1
    return slug


def _check_iati_type(value: str) -> None:
    if value and not is_code("OrganisationType", value):
        raise ValidationError({"iati_type": f"{value!r} is not an IATI OrganisationType code"})


@transaction.atomic
def organisation_create(
    *, actor: Actor, name: str, slug: str | None = None, aliases: list[str] | None = None, **fields: Any
) -> Organisation:
    """Creates an organisation with its aliases."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"unknown organisation fields: {', '.join(sorted(unknown))}")
    _check_iati_type(fields.get("iati_type", ""))
    organisation = Organisation(name=name, slug=slug or _unique_slug(fields.get("acronym") or name), **fields)
    organisation.name_normalised = normalise_name(name)
    save_with_history(organisation, actor=actor)
    for alias in aliases or []:
        alias_add(actor=actor, organisation=organisation, name=alias)
    return organisation


@transaction.atomic
def organisation_update(*, actor: Actor, organisation: Organisation, **changes: Any) -> Organisation:
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"unknown organisation fields: {', '.join(sorted(unknown))}")
    _check_iati_type(changes.get("iati_type", ""))
    for name, value in changes.items():
        setattr(organisation, name, value)
    organisation.name_normalised = normalise_name(organisation.name)
    save_with_history(organisation, actor=actor)
    return organisation


@transaction.atomic
def organisation_delete(*, actor: Actor, organisation: Organisation) -> None:
    for alias in organisation.aliases.all():
        delete_with_history(alias, actor=actor, parent=organisation)
    delete_with_history(organisation, actor=actor)


@transaction.atomic
def alias_add(*, actor: Actor, organisation: Organisation, name: str) -> OrganisationAlias | None:
    """Adds another name; returns None when the organisation already goes by it."""
    normalised = normalise_name(name)
    if (
        normalised == organisation.name_normalised
        or organisation.aliases.filter(name_normalised=normalised).exists()
    ):
        return None
    alias = OrganisationAlias(organisation=organisation, name=name, name_normalised=normalised)
    save_with_history(alias, actor=actor, parent=organisation)
    return alias
