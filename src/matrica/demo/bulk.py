"""Writing the demo's millions of generated rows as plain tuples: no model instance and no
per-value preparation by Django for each row, which `bulk_create` spends most of its time on.
SQLite runs one prepared INSERT over many rows, PostgreSQL takes them through COPY (an INSERT
per row costs it about twenty times as much). The database assigns the ids.

For rows the demo generates itself: nothing is validated, and the values must be what the
driver takes as they are (dates, numbers, strings, None; `now` for a timestamp, `json_text`
for a JSON column).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Sequence
from typing import Any, cast

from django.db import connection, models
from django.utils import timezone

BATCH = 5000


def insert_rows(
    model: type[models.Model], fields: Sequence[str], rows: Iterable[tuple[Any, ...]]
) -> None:
    """INSERT `rows` into `model`'s table, each a value for each of `fields` in that order.
    The model's `auto_now` and `auto_now_add` columns not among `fields` get the current time,
    as `bulk_create` would give them; columns neither given nor stamped are left to the
    database (NULL)."""
    stamped = [
        field.name
        for field in model._meta.concrete_fields
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        if field.name not in fields
    ]
    if stamped:
        stamp = (now(),) * len(stamped)
        rows = (row + stamp for row in rows)
    names = [*fields, *stamped]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(
        connection.ops.quote_name(
            cast("models.Field[Any, Any]", model._meta.get_field(name)).column
        )
        for name in names
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        statement = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(names))})"
        remaining = iter(rows)
        while batch := list(itertools.islice(remaining, BATCH)):
            cursor.executemany(statement, batch)


def now() -> Any:
    """The current time as the database's driver takes it."""
    return connection.ops.adapt_datetimefield_value(timezone.now())


def json_text(value: object) -> str:
    """A JSON column's value, encoded as `JSONField` encodes it."""
    return json.dumps(value)
