"""Loading the benchmark CSV files into the project's database (SQLite or PostgreSQL)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

# table -> (columns in the CSV, constant columns appended to every row)
LAYOUT: dict[str, tuple[str, list[str], dict[str, object]]] = {
    "beneficiary": ("tenancy_beneficiary", ["id", "code", "name"],
                    {"authority": "", "languages": "[]", "footnote": "", "is_demo": False,
                     "retention_years": 10}),
    "service": ("tenancy_service", ["id", "beneficiary_id", "kind", "name"], {}),
    "institution": ("tenancy_institution",
                    ["id", "service_id", "beneficiary_id", "name", "kind", "city"], {}),
    "staff": ("staff_staffmember",
              ["id", "beneficiary_id", "institution_id", "employee_number", "given_name",
               "family_name", "primary_category_id", "entry_date", "active", "search_text",
               "sort_name", "leaving_date"],
              {"preferred_language": "en", "email": ""}),
    "role": ("staff_staffrole", ["id", "staff_member_id", "category_id", "start_date"], {}),
    "completion": ("training_completion",
                   ["id", "staff_member_id", "area_id", "level_id", "completed_on",
                    "valid_until"],
                   {"source": "session", "note": ""}),
}  # fmt: skip
BATCH = 50_000


NULLABLE = ("leaving_date",)  # an empty field is NULL
UPDATED = ("staff", "completion")  # tables with an `updated_at` (what API clients sync on)


def _rows(
    path: Path, constants: list[object], booleans: set[int], nullable: set[int]
) -> Iterator[list[object]]:
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.reader(handle):
            values: list[object] = list(row)
            for index in booleans:
                values[index] = values[index] == "1"
            for index in nullable:
                values[index] = values[index] or None
            yield values + constants


def load(folder: Path) -> None:
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        for name, (table, columns, fixed) in LAYOUT.items():
            constants = list(fixed.values())
            names = [*columns, *fixed]
            if name == "completion":
                names.append("recorded_at")
                constants.append(now)
            if name in UPDATED:  # `auto_now`, which a raw load must fill in itself
                names.append("updated_at")
                constants.append(now)
            booleans = {columns.index("active")} if "active" in columns else set()
            nullable = {columns.index(column) for column in NULLABLE if column in columns}
            rows = _rows(folder / f"{name}.csv", constants, booleans, nullable)
            if connection.vendor == "postgresql":
                raw = cursor.cursor
                with raw.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                raw.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                )
            else:
                sql = (
                    f"INSERT INTO {table} ({', '.join(names)}) "
                    f"VALUES ({', '.join(['%s'] * len(names))})"
                )
                batch: list[list[object]] = []
                for row in rows:
                    batch.append(row)
                    if len(batch) == BATCH:
                        cursor.executemany(sql, batch)
                        batch = []
                if batch:
                    cursor.executemany(sql, batch)
    # The state a database is in a minute after a bulk load: PostgreSQL's autovacuum (which
    # runs after inserts too, since version 13) sets the visibility map that lets the engine
    # read evidence from the covering index alone; measured right after COPY, it cannot.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
