"""Keeping the derived compliance tables in step with evidence, roles and the framework.

`refresh_all` rebuilds everything for today; `refresh_people` redoes the rows of a few people and
the counts of their institutions, inside the caller's transaction, so that a page read right
after recording a session already shows its effect.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable, Iterable
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db import connection, transaction
from django.utils import timezone

from matrica.compliance.engine import STATUS_COLUMNS, PeopleFilter, status_query
from matrica.compliance.models import (
    CellCount,
    GroupCount,
    PersonStatus,
    RequirementStatus,
    Snapshot,
    TrendPoint,
)
from matrica.compliance.status import Status
from matrica.framework.models import StaffCategory
from matrica.staff.models import StaffMember

Progress = Callable[[str], None]


def _execute(sql: str, params: Iterable[Any] = ()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.rowcount


def _in(column: str, ids: tuple[int, ...]) -> tuple[str, tuple[int, ...]]:
    if not ids:
        return "1 = 0", ()
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", ids


def _insert_statuses(on: datetime.date, people: PeopleFilter) -> None:
    query = status_query(on, people)
    if query is None:
        return
    sql, params = query
    columns = ", ".join(STATUS_COLUMNS)
    _execute(f"INSERT INTO {RequirementStatus._meta.db_table} ({columns}) {sql}", params)


def _person_summary_sql(where: str) -> str:
    """Per person, from the requirement rows: how many are satisfied, whether basic awareness
    (the all-staff column) and their own category's level are held, and the worst status."""
    satisfied = f"status IN ('{Status.CURRENT}', '{Status.EXPIRING}')"
    worst = " ".join(
        f"WHEN SUM(CASE WHEN status = '{status}' THEN 1 ELSE 0 END) > 0 THEN '{status}'"
        for status in (Status.OVERDUE, Status.EXPIRED, Status.MISSING, Status.EXPIRING)
    )
    return f"""
INSERT INTO {PersonStatus._meta.db_table}
    (staff_member_id, beneficiary_id, institution_id, primary_category_id, requirements,
     satisfied, aware, at_level, expiring, overdue, worst)
SELECT staff_member_id, beneficiary_id, institution_id, primary_category_id, COUNT(*),
       SUM(CASE WHEN {satisfied} THEN 1 ELSE 0 END),
       SUM(CASE WHEN category_id = %s AND NOT ({satisfied}) THEN 1 ELSE 0 END) = 0,
       SUM(CASE WHEN category_id = primary_category_id AND NOT ({satisfied}) THEN 1 ELSE 0 END) = 0,
       SUM(CASE WHEN status = '{Status.EXPIRING}' THEN 1 ELSE 0 END),
       SUM(CASE WHEN status = '{Status.OVERDUE}' THEN 1 ELSE 0 END),
       CASE {worst} ELSE '{Status.CURRENT}' END
FROM {RequirementStatus._meta.db_table}
WHERE {where}
GROUP BY staff_member_id, beneficiary_id, institution_id, primary_category_id
"""


def _count_sqls(where: str) -> list[str]:
    def count(status: Status) -> str:
        return f"SUM(CASE WHEN status = '{status}' THEN 1 ELSE 0 END)"

    cells = f"""
INSERT INTO {CellCount._meta.db_table}
    (beneficiary_id, institution_id, area_id, category_id, people, current, expiring, expired,
     missing, overdue)
SELECT beneficiary_id, institution_id, area_id, category_id, COUNT(*),
       {count(Status.CURRENT)}, {count(Status.EXPIRING)}, {count(Status.EXPIRED)},
       {count(Status.MISSING)}, {count(Status.OVERDUE)}
FROM {RequirementStatus._meta.db_table}
WHERE {where}
GROUP BY beneficiary_id, institution_id, area_id, category_id
"""
    groups = f"""
INSERT INTO {GroupCount._meta.db_table}
    (beneficiary_id, institution_id, primary_category_id, people, compliant, aware, at_level,
     with_expiring, with_overdue)
SELECT beneficiary_id, institution_id, primary_category_id, COUNT(*),
       SUM(CASE WHEN satisfied = requirements THEN 1 ELSE 0 END),
       SUM(CASE WHEN aware THEN 1 ELSE 0 END), SUM(CASE WHEN at_level THEN 1 ELSE 0 END),
       SUM(CASE WHEN expiring > 0 THEN 1 ELSE 0 END), SUM(CASE WHEN overdue > 0 THEN 1 ELSE 0 END)
FROM {PersonStatus._meta.db_table}
WHERE {where}
GROUP BY beneficiary_id, institution_id, primary_category_id
"""
    return [cells, groups]


def _all_staff_category() -> int:
    return StaffCategory.objects.get(applies_to_all=True).pk


def _record_snapshot(on: datetime.date, seconds: float | None = None) -> None:
    snapshot = Snapshot.objects.first() or Snapshot(as_of=on)
    snapshot.as_of = on
    if seconds is not None:
        snapshot.seconds = seconds
    snapshot.save()


@transaction.atomic
def refresh_all(*, on: datetime.date | None = None, progress: Progress | None = None) -> float:
    """Rebuild every derived status and count as of `on` (today). Returns the seconds taken."""
    on = on or timezone.localdate()
    started = time.perf_counter()
    step = progress or (lambda _label: None)
    for model in (CellCount, GroupCount, PersonStatus, RequirementStatus):
        _execute(f"DELETE FROM {model._meta.db_table}")
    step("statuses")
    _insert_statuses(on, PeopleFilter.everyone())
    step("people")
    _execute(_person_summary_sql("1 = 1"), [_all_staff_category()])
    step("counts")
    for sql in _count_sqls("1 = 1"):
        _execute(sql)
    seconds = time.perf_counter() - started
    _record_snapshot(on, seconds)
    return seconds


def snapshot_date() -> datetime.date | None:
    snapshot = Snapshot.objects.first()
    return snapshot.as_of if snapshot else None


def refresh_people(staff_ids: Iterable[int]) -> None:
    """Redo the derived rows of these people and the counts of the institutions they are (or
    were) in. Runs in the caller's transaction; a no-op before the first full refresh."""
    on = snapshot_date()
    ids = tuple(sorted(set(staff_ids)))
    if on is None or not ids:
        return
    with transaction.atomic():
        by_person, person_params = _in("staff_member_id", ids)
        institutions = set(
            RequirementStatus.objects.filter(staff_member_id__in=ids).values_list(
                "institution_id", flat=True
            )
        ) | set(StaffMember.objects.filter(pk__in=ids).values_list("institution_id", flat=True))
        _execute(f"DELETE FROM {RequirementStatus._meta.db_table} WHERE {by_person}", person_params)
        _execute(f"DELETE FROM {PersonStatus._meta.db_table} WHERE {by_person}", person_params)
        _insert_statuses(on, PeopleFilter.ids(ids))
        _execute(_person_summary_sql(by_person), [_all_staff_category(), *person_params])
        refresh_institution_counts(tuple(sorted(institutions)))


def refresh_institution_counts(institution_ids: tuple[int, ...]) -> None:
    by_institution, params = _in("institution_id", institution_ids)
    for model in (CellCount, GroupCount):
        _execute(f"DELETE FROM {model._meta.db_table} WHERE {by_institution}", params)
    for sql in _count_sqls(by_institution):
        _execute(sql, params)


def quarter_ends(until: datetime.date, years: int = 5) -> list[datetime.date]:
    """The last day of each quarter over `years` years, ending with the quarter before
    `until`, followed by `until` itself."""
    first_of_quarter = until.replace(month=((until.month - 1) // 3) * 3 + 1, day=1)
    ends = [first_of_quarter - relativedelta(months=3 * n) - datetime.timedelta(days=1)
            for n in range(years * 4 - 1, -1, -1)]  # fmt: skip
    return [*ends, until]


@transaction.atomic
def refresh_trend(
    *, until: datetime.date | None = None, progress: Callable[[int, int], None] | None = None
) -> int:
    """Share compliant at each quarter end of the last five years, per institution and
    category: the engine run once per quarter, aggregated in SQL."""
    until = until or timezone.localdate()
    _execute(f"DELETE FROM {TrendPoint._meta.db_table}")
    ends = quarter_ends(until)
    satisfied = f"status IN ('{Status.CURRENT}', '{Status.EXPIRING}')"
    for index, end in enumerate(ends, start=1):
        query = status_query(end, PeopleFilter.everyone())
        if query is not None:
            sql, params = query
            _execute(
                f"""
INSERT INTO {TrendPoint._meta.db_table}
    (quarter_end, beneficiary_id, institution_id, primary_category_id, people, compliant)
SELECT %s, beneficiary_id, institution_id, primary_category_id, COUNT(*), SUM(compliant)
FROM (
    SELECT staff_member_id, beneficiary_id, institution_id, primary_category_id,
           MIN(CASE WHEN {satisfied} THEN 1 ELSE 0 END) AS compliant
    FROM ({sql}) statuses
    GROUP BY staff_member_id, beneficiary_id, institution_id, primary_category_id
) people
GROUP BY beneficiary_id, institution_id, primary_category_id
""",
                [end.isoformat(), *params],
            )
        if progress:
            progress(index, len(ends))
    return len(ends)


def framework_changed() -> None:
    """The matrix changed: every figure may change. The snapshot is dropped, so pages compute on
    the fly (correct, slower) until the next `matrica compliance refresh` rebuilds it."""
    Snapshot.objects.all().delete()
