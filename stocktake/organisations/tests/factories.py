"""Organisations made through the service, so they carry history like real ones."""

from itertools import count
from typing import Any

from stocktake.core.history import Actor
from stocktake.organisations.models import Organisation
from stocktake.organisations.services import organisation_create

_numbers = count(1)


def make_organisation(**fields: Any) -> Organisation:
    fields.setdefault("name", f"Organisation {next(_numbers)}")
    return organisation_create(actor=Actor.system("factory"), **fields)
