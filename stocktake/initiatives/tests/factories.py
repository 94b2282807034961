"""Initiatives made through the service, so they carry history and pass validation like real ones."""

from itertools import count
from typing import Any

from stocktake.core.history import Actor
from stocktake.initiatives.choices import Kind
from stocktake.initiatives.models import Initiative
from stocktake.initiatives.services import initiative_create

_numbers = count(1)


def make_initiative(**fields: Any) -> Initiative:
    number = next(_numbers)
    fields.setdefault("code", f"TST/{number:05d}")
    fields.setdefault("kind", Kind.PROJECT)
    fields.setdefault("title", f"Test initiative {number}")
    return initiative_create(actor=Actor.system("factory"), **fields)
