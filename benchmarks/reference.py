"""The per-person status table computed by DuckDB over the same rows: the set-based limit to
compare against, written plainly from docs/compliance.md, independently of the engine."""

from __future__ import annotations

import csv
import datetime
import time
from pathlib import Path

import duckdb

from matrica.framework.models import FrameworkVersion, Level, StaffCategory
from matrica.framework.selectors import rules_in_force
from matrica.tenancy.models import Beneficiary


def write_rules(folder: Path, on: datetime.date) -> None:
    """The rules in force on `on` per administration, as the engine sees them."""
    with (folder / "rules.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        for beneficiary_id in Beneficiary.objects.values_list("pk", flat=True):
            _version, _adaptation, rules = rules_in_force(beneficiary_id=beneficiary_id, on=on)
            for rule in rules.values():
                writer.writerow([beneficiary_id, rule.area_id, rule.category_id, rule.level_rank,
                                 rule.refresher_months, rule.deadline_months])  # fmt: skip
    with (folder / "level.csv").open("w", newline="") as handle:
        csv.writer(handle).writerows(Level.objects.values_list("pk", "rank"))


SCHEMAS = {
    "staff": "id BIGINT, beneficiary_id INT, institution_id INT, employee_number VARCHAR, "
    "given_name VARCHAR, family_name VARCHAR, primary_category_id INT, entry_date DATE, "
    "active INT, search_text VARCHAR, sort_name VARCHAR, leaving_date DATE",
    "role": "id BIGINT, staff_id BIGINT, category_id INT, start_date DATE",
    "completion": "id BIGINT, staff_id BIGINT, area_id INT, level_id INT, completed_on DATE, "
    "valid_until DATE",
    "rules": "beneficiary_id INT, area_id INT, category_id INT, required_rank INT, "
    "refresher_months INT, deadline_months INT",
    "level": "id INT, rank INT",
}


def _load(db: duckdb.DuckDBPyConnection, folder: Path, table: str) -> None:
    columns = SCHEMAS[table]
    spec = ", ".join(f"'{c.split()[0]}': '{c.split()[1]}'" for c in columns.split(", "))
    db.execute(
        f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM read_csv('{folder / table}.csv', "
        f"header = false, columns = {{{spec}}})"
    )


def connect(folder: Path) -> duckdb.DuckDBPyConnection:
    db = duckdb.connect()
    for table in SCHEMAS:
        _load(db, folder, table)
    return db


def load_rules(db: duckdb.DuckDBPyConnection, folder: Path) -> None:
    """Read rules.csv again: after `write_rules` for another date, the rules in force then."""
    _load(db, folder, "rules")


def status_sql(on: datetime.date, window_days: int) -> str:
    first = FrameworkVersion.objects.order_by("effective_from").values_list(
        "effective_from", flat=True
    )[0]
    all_staff = StaffCategory.objects.get(applies_to_all=True).pk
    d = f"DATE '{on.isoformat()}'"
    return f"""
WITH people AS (
    -- in post on the date: entered by then, and active or not yet past their last day
    SELECT * FROM staff WHERE entry_date <= {d} AND (active = 1 OR leaving_date >= {d})
),
held AS (
    SELECT staff_id, category_id, greatest(min(since), DATE '{first.isoformat()}') AS since
    FROM (
        SELECT id AS staff_id, primary_category_id AS category_id, entry_date AS since FROM people
        UNION ALL SELECT id, {all_staff}, entry_date FROM people
        UNION ALL SELECT r.staff_id, r.category_id, r.start_date FROM role r
                  JOIN people p ON p.id = r.staff_id WHERE r.start_date <= {d}
    ) GROUP BY ALL
),
req AS (
    SELECT p.id AS staff_id, p.beneficiary_id, p.institution_id, p.primary_category_id,
           h.category_id, ru.area_id, ru.required_rank, ru.refresher_months,
           CAST(h.since + to_months(ru.deadline_months) AS DATE) AS deadline
    FROM people p JOIN held h ON h.staff_id = p.id
    JOIN rules ru ON ru.beneficiary_id = p.beneficiary_id AND ru.category_id = h.category_id
),
ev AS (
    SELECT q.staff_id, q.category_id, q.area_id,
           max(CASE WHEN l.rank >= q.required_rank THEN
               least(c.valid_until, CAST(c.completed_on + to_months(q.refresher_months) AS DATE))
           END) AS valid_until,
           max(CASE WHEN c.valid_until >= {d} THEN l.rank END) AS held_rank
    FROM req q JOIN completion c
      ON c.staff_id = q.staff_id AND c.area_id = q.area_id AND c.completed_on <= {d}
    JOIN level l ON l.id = c.level_id
    GROUP BY ALL
)
SELECT q.staff_id, q.beneficiary_id, q.institution_id, q.primary_category_id, q.area_id,
       q.category_id, q.required_rank, e.held_rank, q.deadline, e.valid_until,
       CASE WHEN e.valid_until >= {d} THEN
                CASE WHEN e.valid_until < {d} + INTERVAL {window_days} DAY THEN 'expiring'
                     ELSE 'current' END
            WHEN e.valid_until IS NOT NULL THEN 'expired'
            WHEN {d} <= q.deadline THEN 'missing' ELSE 'overdue' END AS status
FROM req q LEFT JOIN ev e
  ON e.staff_id = q.staff_id AND e.category_id = q.category_id AND e.area_id = q.area_id
"""


def time_reference(db: duckdb.DuckDBPyConnection, sql: str, repeat: int = 3) -> float:
    """Median seconds to compute the full table (materialised, so nothing is skipped)."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        db.execute(f"CREATE OR REPLACE TEMP TABLE reference AS {sql}")
        times.append(time.perf_counter() - started)
    return sorted(times)[len(times) // 2]


def mismatches(db: duckdb.DuckDBPyConnection, engine_csv: Path) -> int:
    """Rows in one table and not the other, both ways (the tables must agree row for row)."""
    db.execute(
        f"CREATE OR REPLACE TEMP TABLE engine AS SELECT * FROM read_csv('{engine_csv}', "
        "header = false, columns = {'staff_id': 'BIGINT', 'beneficiary_id': 'INT', "
        "'institution_id': 'INT', 'primary_category_id': 'INT', 'area_id': 'INT', "
        "'category_id': 'INT', 'required_rank': 'INT', 'held_rank': 'INT', 'deadline': 'DATE', "
        "'valid_until': 'DATE', 'status': 'VARCHAR'})"
    )
    result = db.execute(
        "SELECT (SELECT count(*) FROM (SELECT * FROM engine EXCEPT ALL SELECT * FROM reference)) "
        "+ (SELECT count(*) FROM (SELECT * FROM reference EXCEPT ALL SELECT * FROM engine))"
    ).fetchone()
    return int(result[0]) if result else -1
