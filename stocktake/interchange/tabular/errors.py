"""A row refused while it is applied, with the column each problem concerns."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from stocktake.interchange.tabular.reading import Row


class RowError(Exception):
    """Problems of one row: (column, message) pairs; column "" when it concerns the whole row."""

    def __init__(self, row: Row | None, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(message for _column, message in problems))
        self.row = row
        self.problems = problems


def validation_problems(
    error: ValidationError, column: str, fields: Mapping[str, str]
) -> list[tuple[str, str]]:
    """A service's ValidationError as (column, message): a field named in ``fields`` is its column,
    anything else is ``column``."""
    if not hasattr(error, "error_dict"):
        return [(column, message) for message in error.messages]
    problems: list[tuple[str, str]] = []
    for name, messages in error.message_dict.items():
        target = column if name == NON_FIELD_ERRORS else fields.get(name, column)
        problems.extend((target, message) for message in messages)
    return problems


@contextmanager
def service_errors(row: Row | None, column: str, fields: Mapping[str, str] | None = None) -> Iterator[None]:
    """Turns a service's ValidationError into a RowError on the columns its fields come from."""
    try:
        yield
    except ValidationError as error:
        raise RowError(row, validation_problems(error, column, fields or {})) from error
