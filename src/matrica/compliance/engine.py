"""The compliance engine: one set-based SQL query that turns the framework, the people and
their evidence into a status per (person, requirement) on a date.

The rules it applies are written down in docs/compliance.md. The query runs unchanged on SQLite
and PostgreSQL; the only dialect differences are month arithmetic and the two-argument
minimum/maximum, supplied by `Dialect`. Calendar months follow dateutil's `relativedelta`: 31
January plus one month is the last day of February on both databases.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection

from matrica.compliance.status import Status
from matrica.framework.models import FrameworkVersion, Level, StaffCategory
from matrica.framework.selectors import Rule, rules_by_beneficiary
from matrica.staff.models import StaffMember, StaffRole
from matrica.tenancy.models import Beneficiary
from matrica.training.models import Completion


class Dialect:
    def __init__(self, vendor: str) -> None:
        self.vendor = vendor

    def add_months(self, date: str, months: str) -> str:
        if self.vendor == "postgresql":
            return f"CAST({date} + make_interval(months => {months}) AS date)"
        # SQLite rolls 31 January + 1 month over to 3 March; clamp to the month's last day.
        # Days up to the 28th exist in every month: those take the plain (fast) modifier.
        plain = f"date({date}, '+' || ({months}) || ' months')"
        start = f"date({date}, 'start of month', '+' || ({months}) || ' months')"
        last_day = (
            f"CAST(strftime('%%d', date({date}, 'start of month', "
            f"'+' || (({months}) + 1) || ' months', '-1 day')) AS INTEGER)"
        )
        day = f"MIN(CAST(substr({date}, 9, 2) AS INTEGER), {last_day})"
        clamped = f"date({start}, '+' || ({day} - 1) || ' days')"
        return f"(CASE WHEN substr({date}, 9, 2) <= '28' THEN {plain} ELSE {clamped} END)"

    def least(self, a: str, b: str) -> str:
        return f"LEAST({a}, {b})" if self.vendor == "postgresql" else f"MIN({a}, {b})"

    def greatest(self, a: str, b: str) -> str:
        return f"GREATEST({a}, {b})" if self.vendor == "postgresql" else f"MAX({a}, {b})"

    def date_param(self) -> str:
        return "CAST(%s AS date)" if self.vendor == "postgresql" else "%s"

    def date_literal(self, day: datetime.date) -> str:
        quoted = f"'{day.isoformat()}'"
        return f"DATE {quoted}" if self.vendor == "postgresql" else quoted

    def add_days(self, date: str, days: int) -> str:
        if self.vendor == "postgresql":
            return f"CAST(({date}) + {int(days)} AS date)"
        return f"date({date}, '{int(days):+d} days')"

    def same(self, a: str, b: str) -> str:
        """Equal, NULL equal to NULL."""
        if self.vendor == "postgresql":
            return f"{a} IS NOT DISTINCT FROM {b}"
        return f"{a} IS {b}"

    def start_of(self, date: str, unit: str) -> str:
        """The first day of the month or year of `date`."""
        if self.vendor == "postgresql":
            return f"CAST(date_trunc('{unit}', {date}) AS date)"
        return f"date({date}, 'start of {unit}')"


def level_rank_sql(level_column: str) -> str:
    """The rank of a level, inline: levels are a handful of rows, a join per completion costs
    more than the CASE."""
    return (
        f"CASE {level_column} "
        + " ".join(
            f"WHEN {pk} THEN {level_rank}"
            for pk, level_rank in Level.objects.values_list("pk", "rank")
        )
        + " END"
    )


def status_sql(on: str, window_end: str) -> str:
    """The status on the date `on` (SQL) of a row with `valid_until` (the latest valid-until of
    satisfying evidence gained by then) and `deadline` (docs/compliance.md §4)."""
    return f"""CASE
           WHEN valid_until >= {on} THEN
               CASE WHEN valid_until < {window_end} THEN '{Status.EXPIRING}'
                    ELSE '{Status.CURRENT}' END
           WHEN valid_until IS NOT NULL THEN '{Status.EXPIRED}'
           WHEN {on} <= deadline THEN '{Status.MISSING}'
           ELSE '{Status.OVERDUE}'
       END"""


@dataclass(frozen=True)
class PeopleFilter:
    """Which people a computation covers: a SQL condition on `s` (the staff table) with its
    parameters: everyone, a list of people, the people of some administrations, or of some
    institutions (a subquery)."""

    condition: str = ""
    params: tuple[Any, ...] = ()
    # The administrations these people belong to, when known: only their rules are needed.
    beneficiary_ids: list[int] | None = None

    @classmethod
    def everyone(cls) -> PeopleFilter:
        return cls()

    @classmethod
    def ids(cls, staff_ids: Iterable[int]) -> PeopleFilter:
        ids = tuple(sorted(set(staff_ids)))
        if not ids:
            return cls("1 = 0")
        beneficiaries = sorted(
            set(StaffMember.objects.filter(pk__in=ids).values_list("beneficiary_id", flat=True))
        )
        return cls(f"s.id IN ({', '.join(['%s'] * len(ids))})", ids, beneficiaries)

    @classmethod
    def administrations(cls, beneficiary_ids: Iterable[int]) -> PeopleFilter:
        """Everyone of these administrations (only their rules are read)."""
        ids = tuple(sorted(set(beneficiary_ids)))
        if not ids:
            return cls("1 = 0")
        return cls(f"s.beneficiary_id IN ({', '.join(['%s'] * len(ids))})", ids, list(ids))


STATUS_COLUMNS = (
    "staff_member_id", "beneficiary_id", "institution_id", "primary_category_id", "area_id",
    "category_id", "required_rank", "held_rank", "deadline", "valid_until", "status",
)  # fmt: skip


def _rules_for(on: datetime.date, beneficiary_ids: list[int]) -> list[tuple[int, Rule]]:
    by_beneficiary = rules_by_beneficiary(beneficiary_ids, on)
    return [(b, rule) for b, cells in by_beneficiary.items() for rule in cells.values()]


def _evidence_cte(
    dialect: Dialect, on: datetime.date, rank: str, refreshed_until: str
) -> tuple[str, list[Any]]:
    """Per requirement: the latest valid-until of satisfying evidence, and the highest level
    held on the date. Evidence counts at its level or higher, until the module's validity or
    the requirement's refresher interval ends, whichever comes first.

    Same result, two plans: SQLite answers fastest with two index probes per requirement;
    PostgreSQL with one hash join and aggregate over all of them."""
    d = dialect.date_param()
    table = Completion._meta.db_table
    keys = (
        "q.staff_id, q.beneficiary_id, q.institution_id, q.primary_category_id, "
        "q.category_id, q.area_id, q.required_rank, q.deadline"
    )
    same_area = (
        f"c.staff_member_id = q.staff_id AND c.area_id = q.area_id AND c.completed_on <= {d}"
    )
    if dialect.vendor == "postgresql":
        # A person holds one requirement per cell, so (person, area, column) is the group; the
        # other columns follow from it. Grouping on three integers instead of all eight keys
        # halves the time of the aggregate over millions of rows.
        carried = ", ".join(
            f"MIN({column}) AS {column.removeprefix('q.')}"
            for column in ("q.beneficiary_id", "q.institution_id", "q.primary_category_id",
                           "q.required_rank", "q.deadline")
        )  # fmt: skip
        sql = f"""evidence AS (
    SELECT q.staff_id, q.area_id, q.category_id, {carried},
           MAX(CASE WHEN {rank} >= q.required_rank THEN {refreshed_until} END) AS valid_until,
           MAX(CASE WHEN c.valid_until >= {d} THEN {rank} END) AS held_rank
    FROM req q LEFT JOIN {table} c ON {same_area}
    GROUP BY q.staff_id, q.area_id, q.category_id
)"""
        return sql, [on.isoformat()] * 2
    # Materialised, so that each subquery runs once although the status reads its result often.
    sql = f"""evidence AS MATERIALIZED (
    SELECT {keys},
           (SELECT MAX(CASE WHEN {rank} >= q.required_rank THEN {refreshed_until} END)
            FROM {table} c WHERE {same_area}) AS valid_until,
           (SELECT MAX(CASE WHEN c.valid_until >= {d} THEN {rank} END)
            FROM {table} c WHERE {same_area}) AS held_rank
    FROM req q
)"""
    return sql, [on.isoformat()] * 3


def status_query(on: datetime.date, people: PeopleFilter) -> tuple[str, list[Any]] | None:
    """SELECT of every (person, requirement) status on `on`, with the STATUS_COLUMNS.

    None when no framework version was in force on that date."""
    first_version = FrameworkVersion.objects.published().order_by("effective_from").first()
    if first_version is None or first_version.effective_from > on:
        return None
    rules = _rules_for(
        on, people.beneficiary_ids or list(Beneficiary.objects.values_list("pk", flat=True))
    )
    if not rules:
        return None
    dialect = Dialect(connection.vendor)
    d = dialect.date_param()
    window_end = on + datetime.timedelta(days=settings.MATRICA_EXPIRING_WINDOW_DAYS)
    all_staff = StaffCategory.objects.get(applies_to_all=True).pk
    staff, role = StaffMember._meta.db_table, StaffRole._meta.db_table
    params: list[Any] = []
    deadline = dialect.add_months("h.since", "ru.deadline_months")
    rank = level_rank_sql("c.level_id")
    refreshed_until = dialect.least(
        "c.valid_until", dialect.add_months("c.completed_on", "q.refresher_months")
    )

    # The rules are integers read from the database: inline, like the level ranks, they spare
    # the driver and the planner hundreds of parameters on every run.
    values = ", ".join(
        "(" + ", ".join(str(int(number)) for number in (
            beneficiary_id, rule.area_id, rule.category_id, rule.level_rank,
            rule.refresher_months, rule.deadline_months,
        )) + ")"
        for beneficiary_id, rule in rules
    )  # fmt: skip
    people_condition = f"AND {people.condition}" if people.condition else ""
    params += [on.isoformat(), on.isoformat(), *people.params]
    params += [first_version.effective_from.isoformat(), all_staff, on.isoformat(), on.isoformat()]
    evidence, evidence_params = _evidence_cte(dialect, on, rank, refreshed_until)
    params += evidence_params
    params += [on.isoformat(), window_end.isoformat(), on.isoformat()]
    sql = f"""
WITH rules (beneficiary_id, area_id, category_id, required_rank, refresher_months, deadline_months)
    AS (VALUES {values}),
people AS (
    SELECT s.id AS staff_id, s.beneficiary_id, s.institution_id, s.primary_category_id,
           s.entry_date
    FROM {staff} s
    -- In post on the date: entered by then, and not left before it (a leaver's last day still
    -- counts). Inactive people without a leaving date are never counted.
    WHERE s.entry_date <= {d} AND (s.active OR s.leaving_date >= {d}) {people_condition}
),
held AS (
    -- The columns of the matrix a person is in on the date, and since when (the deadline
    -- clock starts no earlier than the first framework version). Carrying the administration
    -- lets the rules join on (administration, column) directly.
    SELECT staff_id, beneficiary_id, institution_id, primary_category_id, category_id,
           {dialect.greatest("MIN(since)", d)} AS since
    FROM (
        SELECT staff_id, beneficiary_id, institution_id, primary_category_id,
               primary_category_id AS category_id, entry_date AS since
        FROM people
        UNION ALL
        SELECT staff_id, beneficiary_id, institution_id, primary_category_id, %s, entry_date
        FROM people
        UNION ALL
        SELECT p.staff_id, p.beneficiary_id, p.institution_id, p.primary_category_id,
               r.category_id, r.start_date
        FROM people p JOIN {role} r ON r.staff_member_id = p.staff_id
        WHERE r.start_date <= {d} AND (r.end_date IS NULL OR r.end_date >= {d})
    ) columns_held
    GROUP BY staff_id, beneficiary_id, institution_id, primary_category_id, category_id
),
req AS (
    SELECT h.staff_id, h.beneficiary_id, h.institution_id, h.primary_category_id,
           h.category_id, ru.area_id, ru.required_rank, ru.refresher_months,
           {deadline} AS deadline
    FROM held h
    JOIN rules ru ON ru.beneficiary_id = h.beneficiary_id AND ru.category_id = h.category_id
),
{evidence}
SELECT staff_id AS staff_member_id, beneficiary_id, institution_id, primary_category_id,
       area_id, category_id, required_rank, held_rank, deadline, valid_until,
       {status_sql(d, d)} AS status
FROM evidence
"""
    return sql, params
