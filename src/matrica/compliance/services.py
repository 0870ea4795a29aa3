"""Keeping the derived compliance tables in step with evidence, roles and the framework.

Two layers: the snapshot (statuses, summaries and counts for one date, today) and the history
(spans and count changes for every date, `compliance.history`). `refresh_all` moves the snapshot
to today and `history.rebuild` redoes administrations whose rules changed, both in short
transactions a batch of people at a time; `refresh_people` redoes the rows of a few people in
both layers and the counts of their institutions, inside the caller's transaction, so that a
page read right after recording a session already shows its effect, on every date.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import count
from typing import Any

from dateutil.relativedelta import relativedelta
from django.core.exceptions import EmptyResultSet
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from matrica.compliance import history
from matrica.compliance.engine import STATUS_COLUMNS, PeopleFilter, status_query
from matrica.compliance.models import (
    CellCount,
    ExpiryNotice,
    GroupCount,
    PersonStatus,
    RequirementStatus,
    Snapshot,
    TrendPoint,
)
from matrica.compliance.sql import (
    CELL_COLUMNS,
    GROUP_COLUMNS,
    PERSON_COLUMNS,
    per_cell,
    per_group,
    per_person,
)
from matrica.framework.models import StaffCategory
from matrica.staff.models import StaffMember
from matrica.tenancy.changes import Change
from matrica.tenancy.models import Beneficiary


def _execute(sql: str, params: Iterable[Any] = ()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.rowcount


BULK_SETTINGS = {
    "work_mem": "256MB",
    "maintenance_work_mem": "256MB",
    "enable_nestloop": "off",
    "enable_sort": "off",
}


# From this share of the region's staff on, a partial run (an administration's) is faster with
# the bulk settings; below it, with the planner's own choice of index probes (measured on
# PostgreSQL at 10 000 staff, docs/performance.md).
BULK_SHARE = 0.2
PEOPLE_PER_STATEMENT = 5000
# People per transaction when the snapshot moves to a new day: about 0.3 s each at 100 000
# staff on SQLite (docs/performance.md).
REFRESH_BATCH = 2000


@contextmanager
def _bulk_session(enabled: bool = True) -> Iterator[None]:
    """Settings for a run over many people. PostgreSQL underestimates the join of people to the
    rules and would pick per-row index loops and an on-disk sort of millions of rows; hash joins
    and hash aggregates in memory win. The settings are the transaction's own and are put back
    afterwards: the caller's transaction may go on with other work."""
    if not enabled or connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, current_setting(name) FROM unnest(%s::text[]) AS name",
            [list(BULK_SETTINGS)],
        )
        before = dict(cursor.fetchall())
    _set_local(BULK_SETTINGS)
    yield
    _set_local(before)  # an error instead rolls back to a savepoint, which undoes them too


def _set_local(settings: dict[str, str]) -> None:
    for name, value in settings.items():
        _execute("SELECT set_config(%s, %s, true)", [name, value])


def _clear(*models: type) -> None:
    for model in models:
        table = model._meta.db_table  # type: ignore[attr-defined]
        # SQLite's DELETE without WHERE is its truncate; PostgreSQL needs TRUNCATE to be quick.
        _execute(
            f"TRUNCATE {table}" if connection.vendor == "postgresql" else f"DELETE FROM {table}"
        )


def _in(column: str, ids: tuple[int, ...]) -> tuple[str, tuple[int, ...]]:
    if not ids:
        return "1 = 0", ()
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", ids


def _insert_statuses(on: datetime.date, people: PeopleFilter, *, by_person: bool = False) -> None:
    """`by_person` stores each person's rows together, so that redoing a few people later
    reads and rewrites a few pages, not one page per row."""
    query = status_query(on, people)
    if query is None:
        return
    sql, params = query
    columns = ", ".join(STATUS_COLUMNS)
    order = " ORDER BY staff_member_id" if by_person else ""
    _execute(f"INSERT INTO {RequirementStatus._meta.db_table} ({columns}) {sql}{order}", params)


def _person_summary_sql(where: str) -> str:
    """Fill PersonStatus for the people whose requirement rows match `where`."""
    columns = ", ".join(("staff_member_id", "beneficiary_id", "institution_id",
                         "primary_category_id", *PERSON_COLUMNS))  # fmt: skip
    summary = per_person(
        RequirementStatus._meta.db_table, all_staff=_all_staff_category(), where=where
    )
    return f"INSERT INTO {PersonStatus._meta.db_table} ({columns}) {summary}"


CELL_KEYS = ("institution_id", "area_id", "category_id")
GROUP_KEYS = ("institution_id", "primary_category_id")
CELL_TABLE = ("beneficiary_id", *CELL_KEYS, *CELL_COLUMNS)
GROUP_TABLE = ("beneficiary_id", *GROUP_KEYS, *GROUP_COLUMNS)


def _cell_select(where: str, sign: int = 1) -> str:
    return per_cell(RequirementStatus._meta.db_table, where=where, sign=sign)


def _group_select(where: str, sign: int = 1) -> str:
    return per_group(PersonStatus._meta.db_table, where=where, sign=sign)


def _upsert(
    model: type,
    columns: tuple[str, ...],
    keys: tuple[str, ...],
    counts: tuple[str, ...],
    select: str,
) -> str:
    """Add the selected counts to the stored ones (a negative sign takes them away). Only the
    counts add up: the other columns (the administration) stay as they are."""
    table = model._meta.db_table  # type: ignore[attr-defined]
    updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in counts)
    # "WHERE true" lets SQLite parse INSERT … SELECT … ON CONFLICT unambiguously.
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM ({select}) delta WHERE true "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
    )


def _count_sqls(where: str) -> list[str]:
    return [
        f"INSERT INTO {CellCount._meta.db_table} ({', '.join(CELL_TABLE)}) {_cell_select(where)}",
        f"INSERT INTO {GroupCount._meta.db_table} ({', '.join(GROUP_TABLE)}) "
        f"{_group_select(where)}",
    ]


def _adjust_counts(where: str, params: tuple[int, ...], sign: int) -> None:
    cells = _upsert(CellCount, CELL_TABLE, CELL_KEYS, CELL_COLUMNS, _cell_select(where, sign))
    groups = _upsert(GroupCount, GROUP_TABLE, GROUP_KEYS, GROUP_COLUMNS, _group_select(where, sign))
    _execute(cells, params)
    _execute(groups, params)


def _all_staff_category() -> int:
    return StaffCategory.objects.get(applies_to_all=True).pk


def _record_snapshot(
    on: datetime.date, seconds: float | None = None, *, complete: bool = True
) -> None:
    snapshot = Snapshot.objects.first() or Snapshot(as_of=on)
    snapshot.as_of = on
    snapshot.complete = complete
    if seconds is not None:
        snapshot.seconds = seconds
    snapshot.save()


def refresh_all(
    *,
    on: datetime.date | None = None,
    offline: bool = False,
    progress: history.Progress | None = None,
) -> float:
    """Move the snapshot to `on` (today): every status, summary and count, in transactions of
    REFRESH_BATCH people each, so that users' writes never wait long for it. Meanwhile the
    snapshot is marked incomplete: pages read the history (or compute on the fly) instead, and
    writers keep the snapshot's rows in step for `on`. Returns the seconds taken. A refresh
    that stops half-way leaves the snapshot incomplete; the next one finishes it."""
    on = on or timezone.localdate()
    started = time.perf_counter()
    with transaction.atomic():
        if snapshot_date(complete=False) != on:
            _record_snapshot(on, complete=False)
    staff = list(StaffMember.objects.order_by("pk").values_list("pk", flat=True))
    table = StaffMember._meta.db_table
    size = history.OFFLINE_BATCH if offline else REFRESH_BATCH
    batches = range(0, len(staff), size)
    for done, start in enumerate(batches, start=1):
        low, high = staff[start], staff[min(start + size, len(staff)) - 1]
        with transaction.atomic():
            history.serialize(
                StaffMember.objects.filter(pk__range=(low, high))
                .order_by()
                .values_list("beneficiary_id", flat=True)
                .distinct()
            )
            _redo_people(
                on, "staff_member_id BETWEEN %s AND %s", (low, high),
                PeopleFilter("s.id BETWEEN %s AND %s", (low, high), None),
            )  # fmt: skip
        if not offline:
            history.pause_for_writers()
        if progress:
            progress(done, len(batches) + 1)
    with transaction.atomic():
        # Rows of people no longer on the register (their deletion cascades through the ORM,
        # a raw delete of the register would not).
        for personal in (RequirementStatus._meta.db_table, PersonStatus._meta.db_table):
            _execute(
                f"DELETE FROM {personal} WHERE staff_member_id NOT IN (SELECT id FROM {table})"
            )
        # Fresh statistics, or the planner takes the rebuilt tables for empty and scans millions
        # of rows where an index finds thirty (measured: 7.6 s instead of 0.05 s at a million
        # staff).
        for model in (RequirementStatus, PersonStatus, CellCount, GroupCount):
            _execute(f"ANALYZE {model._meta.db_table}")
        seconds = time.perf_counter() - started
        _record_snapshot(on, seconds, complete=True)
    if progress:
        progress(len(batches) + 1, len(batches) + 1)
    return seconds


def _sorts_by_person() -> bool:
    return connection.vendor == "postgresql"


def snapshot_date(*, complete: bool = True) -> datetime.date | None:
    """The date the snapshot answers for; None while it is being moved to another date (or
    never built). `complete=False` gives the date being built: writers keep its rows in step."""
    snapshot = Snapshot.objects.first()
    if snapshot is None or (complete and not snapshot.complete):
        return None
    return snapshot.as_of


def apply_change(change: Change) -> None:
    """The one way derived figures follow a change reported by an action
    (`matrica.tenancy.changes.report`), inside the action's transaction: a change to the common
    matrix drops the snapshot; a change to an administration's adaptation redoes that
    administration; a change to people redoes those people."""
    if change.forgotten:
        # The notices stay (their dates count for "once per lapse"); whom they went to goes.
        ExpiryNotice.objects.filter(staff_member_id__in=change.forgotten).update(recipients=[])
    if change.common_matrix:
        framework_changed()  # everyone is computed again: nothing else is left to redo
        return
    with transaction.atomic():
        if change.administrations:
            history.mark_stale(change.administrations, rules=True)
        refresh_administrations(change.administrations, since=change.since)
        refresh_people(change.people, areas=change.areas, since=change.since)


def refresh_people(
    staff_ids: Iterable[int],
    *,
    areas: Iterable[int] | None = None,
    since: datetime.date | None = None,
) -> None:
    """Redo the derived rows of these people and adjust the counts of their institutions by
    the difference: the cost follows the people changed, not the size of their institution.
    Their spans and the count changes of every date follow too (for more than
    PEOPLE_PER_STATEMENT people, an imported roster, their administrations' history is marked
    stale instead, for the next refresh). `areas` and `since`: only their requirements in these
    competency areas can have changed, from that day on (their evidence did), and only those
    spans are redone. Runs in the caller's transaction; the snapshot is left alone before the
    first full refresh."""
    on = snapshot_date(complete=False)
    ids = sorted(set(staff_ids))
    if not ids or (areas is not None and not areas):
        return
    with transaction.atomic():
        if len(ids) <= PEOPLE_PER_STATEMENT:
            by_person, params = _in("staff_member_id", tuple(ids))
            people = PeopleFilter.ids(ids)
            history.serialize(people.beneficiary_ids or ())
            cells = None if areas is None else history.cells_of_areas(areas)
            history.redo_people(by_person, params, people, cells=cells, since=since)
            if on is not None:
                _redo_people(on, by_person, params, people)
            return
        # Many people (an imported roster): named once, in a table of their own, instead of
        # in statements of tens of thousands of parameters.
        with _people_table(ids) as table, _bulk_session():
            subquery = f"(SELECT id FROM {table})"
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT DISTINCT beneficiary_id FROM {StaffMember._meta.db_table} "
                    f"WHERE id IN {subquery}"
                )
                beneficiaries = sorted(row[0] for row in cursor.fetchall())
            history.serialize(beneficiaries)
            by_person = f"staff_member_id IN {subquery}"
            people = PeopleFilter(f"s.id IN {subquery}", (), beneficiaries)
            # Every date of tens of thousands of people is a rebuild's work, minutes at the
            # region's size, not a write's: their administrations' history is marked stale (pages
            # of other dates compute on the fly) until `matrica compliance refresh` redoes it.
            history.mark_stale(beneficiaries)
            if on is not None:
                _redo_people(on, by_person, (), people)


def _redo_people(
    on: datetime.date, by_person: str, params: tuple[int, ...], people: PeopleFilter
) -> None:
    _adjust_counts(by_person, params, -1)
    _execute(f"DELETE FROM {RequirementStatus._meta.db_table} WHERE {by_person}", params)
    _execute(f"DELETE FROM {PersonStatus._meta.db_table} WHERE {by_person}", params)
    _insert_statuses(on, people)
    _execute(_person_summary_sql(by_person), params)
    _adjust_counts(by_person, params, 1)


@contextmanager
def _people_table(ids: list[int]) -> Iterator[str]:
    """A temporary table of these people's ids, for this transaction's statements."""
    name = f"matrica_people_{next(_ADHOC_NUMBERS)}"
    _execute(f"CREATE TEMPORARY TABLE {name} (id bigint PRIMARY KEY)")
    with connection.cursor() as cursor:
        for start in range(0, len(ids), PEOPLE_PER_STATEMENT):
            chunk = ids[start : start + PEOPLE_PER_STATEMENT]
            cursor.execute(
                f"INSERT INTO {name} (id) VALUES {', '.join(['(%s)'] * len(chunk))}", chunk
            )
    _execute(f"ANALYZE {name}")
    try:
        yield name
    finally:
        _execute(f"DROP TABLE {name}")


def refresh_administrations(
    beneficiary_ids: Iterable[int], *, since: datetime.date | None = None
) -> None:
    """An administration's rules changed (its adaptation, a deviation) from `since` on: redo the
    derived figures of its people for the snapshot date (statuses, summaries and its
    institutions' counts) and at the points of the trend from `since` on; earlier points, and
    other administrations' rows and the snapshot, stay as they are. An adaptation taking effect
    after the snapshot date changes nothing yet. Runs in the caller's transaction; a no-op
    before the first full refresh. (Their history is marked stale by `apply_change`.)"""
    on = snapshot_date(complete=False)
    ids = tuple(sorted(set(beneficiary_ids)))
    if on is None or not ids or (since is not None and since > on):
        return
    people = PeopleFilter.administrations(ids)
    by_administration, params = _in("beneficiary_id", ids)
    # Per-person rows are found through their key (the administration's people), counts and
    # trend points by their administration.
    their_people = (
        f"staff_member_id IN (SELECT id FROM {StaffMember._meta.db_table} "
        f"WHERE {by_administration})"
    )
    staff = StaffMember.objects
    many = staff.filter(beneficiary_id__in=ids).count() >= BULK_SHARE * staff.count()
    with transaction.atomic(), _bulk_session(many):
        history.serialize(ids)
        for table, where in (
            (CellCount._meta.db_table, by_administration),
            (GroupCount._meta.db_table, by_administration),
            (RequirementStatus._meta.db_table, their_people),
            (PersonStatus._meta.db_table, their_people),
        ):
            _execute(f"DELETE FROM {table} WHERE {where}", params)
        _insert_statuses(on, people, by_person=_sorts_by_person())
        _execute(_person_summary_sql(their_people), params)
        for sql in _count_sqls(their_people):
            _execute(sql, params)
        points = TrendPoint.objects.filter(beneficiary_id__in=ids)
        if since is not None:
            points = points.filter(quarter_end__gte=since)
        ends = sorted(set(TrendPoint.objects.values_list("quarter_end", flat=True)))
        ends = [end for end in ends if since is None or end >= since]
        points.delete()
        all_staff = _all_staff_category()
        for end in ends:
            _insert_trend_point(end, people, all_staff)


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
    category: read from the count changes of administrations whose history is ready; for the
    others (their rules changed since), the engine run once per quarter, aggregated in SQL."""
    until = until or timezone.localdate()
    ends = quarter_ends(until)
    all_staff = _all_staff_category()
    ready = tuple(sorted(history.ready_administrations()))
    stale = sorted(set(Beneficiary.objects.values_list("pk", flat=True)) - set(ready))
    with _bulk_session(bool(stale)):
        _clear(TrendPoint)
        for index, end in enumerate(ends, start=1):
            if ready:
                condition, params = _in("beneficiary_id", ready)
                sql, counts_params = history.group_counts_on(end, condition, list(params))
                _execute(
                    f"INSERT INTO {TrendPoint._meta.db_table} ({', '.join(TREND_COLUMNS)}) "
                    f"SELECT %s, {', '.join(TREND_COLUMNS[1:])} FROM ({sql}) counts",
                    [end.isoformat(), *counts_params],
                )
            if stale:
                _insert_trend_point(end, PeopleFilter.administrations(stale), all_staff)
            if progress:
                progress(index, len(ends))
    return len(ends)


TREND_COLUMNS = ("quarter_end", "beneficiary_id", "institution_id", "primary_category_id",
                 "people", "compliant")  # fmt: skip


def _insert_trend_point(end: datetime.date, people: PeopleFilter, all_staff: int) -> None:
    """The trend at `end` for these people: per institution and category, how many were
    counted and how many were compliant (the engine for that date, aggregated in SQL)."""
    query = status_query(end, people)
    if query is None:
        return
    sql, params = query
    standing = per_person(
        f"({sql}) statuses", all_staff=all_staff, columns=("requirements", "satisfied")
    )
    counts = per_group(f"({standing}) standing", columns=("people", "compliant"))
    _execute(
        f"INSERT INTO {TrendPoint._meta.db_table} ({', '.join(TREND_COLUMNS)}) "
        f"SELECT %s, {', '.join(TREND_COLUMNS[1:])} FROM ({counts}) counts",
        [end.isoformat(), *params],
    )


def framework_changed() -> None:
    """The matrix changed: every figure may change. The snapshot is dropped and every
    administration's history marked stale, so pages compute on the fly (correct, slower) until
    the next `matrica compliance refresh` rebuilds them."""
    Snapshot.objects.all().delete()
    history.mark_stale(rules=True)


def materialize_statuses(on: datetime.date, institutions: Any) -> str:
    """Run the engine once for the people of `institutions` on `on` into a temporary table
    (private to this database connection, gone when it closes or the request ends) and return
    its name."""
    try:
        sql, params = institutions.values("pk").query.sql_with_params()
        people = PeopleFilter(f"s.institution_id IN ({sql})", tuple(params))
    except EmptyResultSet:
        people = PeopleFilter("1 = 0")
    name = f"matrica_adhoc_{next(_ADHOC_NUMBERS)}"
    query = status_query(on, people)
    columns = ", ".join(STATUS_COLUMNS)
    if query is None:
        _execute(
            f"CREATE TEMPORARY TABLE {name} AS SELECT {columns} "
            f"FROM {RequirementStatus._meta.db_table} WHERE 1 = 0"
        )
    else:
        _execute(f"CREATE TEMPORARY TABLE {name} AS {query[0]}", query[1])
    _execute(f"CREATE INDEX {name}_staff ON {name} (staff_member_id)")
    _adhoc_tables(connection).append(name)
    return name


def materialize_query(sql: str, params: list[Any]) -> str:
    """The rows of a query, once, into a temporary table that the request's other reads use
    (dropped at the end of the request, like `materialize_statuses`'); returns its name."""
    name = f"matrica_adhoc_{next(_ADHOC_NUMBERS)}"
    _execute(f"CREATE TEMPORARY TABLE {name} AS {sql}", params)
    _adhoc_tables(connection).append(name)
    return name


_ADHOC_NUMBERS = count(1)


def _adhoc_tables(conn: Any) -> list[str]:
    if not hasattr(conn, "matrica_adhoc_tables"):
        conn.matrica_adhoc_tables = []
    return conn.matrica_adhoc_tables


def drop_adhoc_tables(**_kwargs: Any) -> None:
    """At the end of each request: drop the temporary tables it made (a pooled connection
    would otherwise keep them)."""
    tables = _adhoc_tables(connection)
    while tables:
        name = tables.pop()
        try:
            _execute(f"DROP TABLE IF EXISTS {name}")
        except DatabaseError:  # a broken connection takes its temporary tables with it
            tables.clear()
