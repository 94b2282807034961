"""Inserting many rows at once: one INSERT run with executemany, without building model instances.

For batch services (imports) only, which validate the values themselves and record history; at tens of
thousands of rows a second, model instances and the ORM's per-value preparation cost more than the
database does. Values are given by attribute name (``organisation_id``); those left out take the field's
default. No primary keys come back.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import connection, models


def _preparer(model_field: models.Field) -> Any:
    """What get_db_prep_save does for a column, without its per-value overhead; None: taken as it is."""
    ops = connection.ops
    if isinstance(model_field, models.JSONField):
        return partial(ops.adapt_json_value, encoder=model_field.encoder)
    if isinstance(model_field, models.DecimalField):
        return partial(
            ops.adapt_decimalfield_value,
            max_digits=model_field.max_digits,
            decimal_places=model_field.decimal_places,
        )
    if isinstance(model_field, models.DateTimeField):
        return ops.adapt_datetimefield_value
    if isinstance(model_field, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(model_field, models.UUIDField):
        return partial(model_field.get_db_prep_value, connection=connection)
    return None


def insert_rows(model: type[models.Model], rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    columns = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_default() for f in columns}
    preparers = [(f.attname, _preparer(f)) for f in columns]
    quote = connection.ops.quote_name
    # Names come from the model, never from input; values go as parameters.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        quote(model._meta.db_table),
        ", ".join(quote(str(f.column)) for f in columns),
        ", ".join(["%s"] * len(columns)),
    )
    params = []
    for values in rows:
        values = {**defaults, **values}
        params.append(
            [values[name] if prepare is None else prepare(values[name]) for name, prepare in preparers]
        )
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
