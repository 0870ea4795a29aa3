"""Compliance on every date: status spans and count changes (docs/decisions/005).

A person's status against one requirement is a step function of the date. Between the days on
which it can change (a column held begins or ends, the rules change, satisfying evidence raises
the latest valid-until), the requirement, its deadline and that valid-until stay the same: a
*span*. The status of any day inside a span follows from the day alone (`engine.status_sql`),
so one table of spans answers for every date, today included.

The figures of a dashboard are sums over people. Each span is cut into the pieces in which its
status stands still (current, then expiring, then expired; or missing, then overdue), and each
piece adds one to its count on its first day and takes it away the day after its last: *count
changes*, per institution and matrix cell, and (through each person's standing, day by day) per
institution and primary category. They are kept at three grains, years, months and days, so
that the counts on any day are the sum of a few thousand rows, not of every change before it.

Only this module and `services` write these tables. A change to people redoes their spans and
adjusts the counts by the difference, in the action's transaction; a change to the rules marks
the administrations concerned stale, and `rebuild` redoes them in short transactions, a batch of
people at a time, while pages compute on the fly for them.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import count
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from matrica.compliance.engine import Dialect, PeopleFilter, level_rank_sql, status_sql
from matrica.compliance.models import CellChange, Grain, GroupChange, History, StatusSpan
from matrica.compliance.status import Status
from matrica.framework.models import FrameworkVersion, NationalAdaptation, StaffCategory
from matrica.framework.selectors import rules_by_beneficiary
from matrica.staff.models import StaffMember, StaffRole
from matrica.tenancy.models import Beneficiary
from matrica.training.models import Completion

# The last day of an open span, and a day before any: days no date of the application reaches.
END = datetime.date(9999, 12, 31)
BEGINNING = datetime.date(1, 1, 1)
# People per transaction of a rebuild: at most BATCH (about 2 ms a person at 100 000 staff on
# SQLite: docs/performance.md), fewer on a loaded machine, so that a transaction takes about
# TRANSACTION_S and a user's write never waits long for it. Not fewer than MIN_BATCH: each
# transaction has fixed costs (about 0.1 s), and batches of 20 made a loaded rebuild of
# 100 000 people last over an hour.
BATCH = 400
MIN_BATCH = 100
TRANSACTION_S = 0.6
OFFLINE_BATCH = 20_000
# SQLite's busy handler retries a waiting write at most 100 ms apart: a rebuild that began its
# next transaction at once would keep taking the lock before it (a write waited 18 s in the
# benchmark). Pausing longer than that between batches lets the write in.
PAUSE_S = 0.11


def pause_for_writers() -> None:
    """Between two transactions of a long job: let a user's waiting write through (SQLite;
    PostgreSQL queues its writers, and a batch blocks only those of the same administration)."""
    if connection.vendor == "sqlite":
        time.sleep(PAUSE_S)


SPAN_COLUMNS = (
    "staff_member_id", "area_id", "category_id", "starts", "ends", "beneficiary_id",
    "institution_id", "primary_category_id", "required_rank", "deadline", "valid_until",
)  # fmt: skip


def _execute(sql: str, params: Iterable[Any] = ()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.rowcount


# One cell's rule over a stretch of days in one administration: (administration, first day, last
# day, area, category, level rank, refresher months, deadline months).
RulePeriod = tuple[int, datetime.date, datetime.date, int, int, int, int, int]
Cells = set[tuple[int, int]]


def _epochs(beneficiary_ids: list[int]) -> list[RulePeriod]:
    """Per administration and cell, the periods in which its rule stands still: a period may
    begin with each published version and each of its adaptations."""
    versions = FrameworkVersion.objects.published()
    starts = sorted(
        set(versions.values_list("effective_from", flat=True))
        | set(
            NationalAdaptation.objects.filter(
                beneficiary_id__in=beneficiary_ids, version__in=versions
            ).values_list("effective_from", flat=True)
        )
    )
    if not starts:
        return []
    first = min(versions.values_list("effective_from", flat=True))
    starts = [day for day in starts if day >= first]
    periods = []
    for index, day in enumerate(starts):
        ends = starts[index + 1] - datetime.timedelta(days=1) if index + 1 < len(starts) else END
        for beneficiary_id, cells in rules_by_beneficiary(beneficiary_ids, day).items():
            for r in cells.values():
                periods.append((beneficiary_id, day, ends, r.area_id, r.category_id,
                                r.level_rank, r.refresher_months, r.deadline_months))  # fmt: skip
    if len({(p[3], p[4]) for p in periods}) >= 1 << STANDING_BITS:
        raise ValueError("More matrix cells than a packed standing can count (STANDING_BITS).")
    return _merged(periods)


def _merged(periods: list[RulePeriod]) -> list[RulePeriod]:
    """Consecutive periods of a cell under the same rule as one: a version or adaptation that
    leaves a cell as it was then splits none of its spans, and its history has nothing to
    redo (`changed_rules`)."""
    merged: list[RulePeriod] = []
    for period in sorted(periods, key=lambda p: (p[0], p[3], p[4], p[1])):
        last = merged[-1] if merged else None
        if (
            last is not None
            and (last[0], last[3], last[4], last[5:])
            == (period[0], period[3], period[4], period[5:])
            and last[2] + datetime.timedelta(days=1) == period[1]
        ):
            merged[-1] = (last[0], last[1], period[2], *last[3:])
        else:
            merged.append(period)
    return merged


def rule_periods(beneficiary_id: int) -> list[list[Any]]:
    """An administration's rule periods as JSON, kept with its history (`History.rules`)."""
    return [
        [starts.isoformat(), ends.isoformat(), *rest]
        for _, starts, ends, *rest in _epochs([beneficiary_id])
    ]


def changed_rules(
    built_with: list[list[Any]] | None, now: list[list[Any]]
) -> tuple[Cells, datetime.date | None] | None:
    """The cells whose rules differ, on any day, between the periods a history was built with
    and those in force now, and the first day on which any of them differs (None: not known,
    every cell and every day)."""
    if built_with is None:
        return None

    def by_cell(periods: list[list[Any]]) -> dict[tuple[int, int], set[tuple[Any, ...]]]:
        cells: dict[tuple[int, int], set[tuple[Any, ...]]] = {}
        for period in periods:
            cells.setdefault((period[2], period[3]), set()).add(tuple(period))
        return cells

    before, after = by_cell(built_with), by_cell(now)
    cells = {cell for cell in before.keys() | after.keys() if before.get(cell) != after.get(cell)}
    days = [_first_difference(before.get(cell, set()), after.get(cell, set())) for cell in cells]
    return cells, min((day for day in days if day is not None), default=None)


def _first_difference(
    before: set[tuple[Any, ...]], after: set[tuple[Any, ...]]
) -> datetime.date | None:
    """The first day on which two sets of one cell's periods (JSON) give different rules: the
    rules change only where a period begins or ends."""

    def rule_on(periods: set[tuple[Any, ...]], day: str) -> tuple[Any, ...] | None:
        return next((p[4:] for p in periods if p[0] <= day <= p[1]), None)

    edges = {p[0] for p in before | after} | {
        (datetime.date.fromisoformat(p[1]) + datetime.timedelta(days=1)).isoformat()
        for p in before | after
        if p[1] < END.isoformat()
    }
    for day in sorted(edges):
        if rule_on(before, day) != rule_on(after, day):
            return datetime.date.fromisoformat(day)
    return None


def cells_of_areas(areas: Iterable[int]) -> Cells:
    """Every cell of these competency areas."""
    categories = list(StaffCategory.objects.values_list("pk", flat=True))
    return {(int(area), category) for area in areas for category in categories}


def cells_condition(cells: Cells | None, alias: str = "") -> str:
    """SQL true for the rows of `alias` in these cells (every row: None)."""
    if cells is None:
        return "1 = 1"
    if not cells:
        return "1 = 0"
    # "+": the spans of a batch of people are found by their key; with the cells usable, SQLite
    # read each cell's spans of every institution instead (10 s a batch at 100 000 staff).
    prefix = f"+{alias}." if alias else "+"
    by_area: dict[int, set[int]] = {}
    for area, category in cells:
        by_area.setdefault(int(area), set()).add(int(category))

    def among(column: str, values: Iterable[int]) -> str:
        return f"{prefix}{column} IN ({', '.join(str(v) for v in sorted(values))})"

    categories = {frozenset(chosen) for chosen in by_area.values()}
    if len(categories) == 1:  # every area in the same categories (an evidence's areas: all)
        return f"({among('area_id', by_area)} AND {among('category_id', categories.pop())})"
    return (
        "("
        + " OR ".join(
            f"({prefix}area_id = {area} AND {among('category_id', by_area[area])})"
            for area in sorted(by_area)
        )
        + ")"
    )


def spans_query(
    people: PeopleFilter, cells: Cells | None = None, ending_from: datetime.date | None = None
) -> tuple[str, list[Any]] | None:
    """SELECT of the SPAN_COLUMNS of these people, for every date (of the requirements in
    `cells` only, if given; only the spans that end on `ending_from` or later, if given). None
    before any framework version is published."""
    first_version = FrameworkVersion.objects.published().order_by("effective_from").first()
    if first_version is None:
        return None
    beneficiaries = people.beneficiary_ids or list(Beneficiary.objects.values_list("pk", flat=True))
    epochs = [
        e
        for e in _epochs(beneficiaries)
        if (cells is None or (e[3], e[4]) in cells) and (ending_from is None or e[2] >= ending_from)
    ]
    if not epochs:
        return None
    dialect = Dialect(connection.vendor)
    lit = dialect.date_literal
    end = lit(END)
    first = lit(first_version.effective_from)
    all_staff = StaffCategory.objects.get(applies_to_all=True).pk
    staff, role = StaffMember._meta.db_table, StaffRole._meta.db_table
    completion = Completion._meta.db_table
    rules = ", ".join(
        f"({int(b)}, {lit(starts)}, {lit(ends)}, {', '.join(str(int(n)) for n in numbers)})"
        for b, starts, ends, *numbers in epochs
    )
    least, greatest = dialect.least, dialect.greatest
    condition = f"AND {people.condition}" if people.condition else ""
    recent, recent_requirements = "1 = 1", ""
    if ending_from is not None:
        recent = f"ends >= {lit(ending_from)}"
        recent_requirements = f"WHERE {least('h.ends', 'ru.ends')} >= {lit(ending_from)}"
    requirement = "staff_id, area_id, category_id, starts"
    plain = (
        "staff_id, area_id, category_id, starts, ends, beneficiary_id, institution_id, "
        "primary_category_id, required_rank, refresher_months, deadline"
    )
    carried = ", ".join(f"q.{column.strip()}" for column in plain.split(","))
    counts_until = least(
        "c.valid_until", dialect.add_months("c.completed_on", "q.refresher_months")
    )

    def until(next_day: str) -> str:
        """A span's last day: the requirement's, or the day before `next_day`."""
        return least("ends", f"COALESCE({dialect.add_days(next_day, -1)}, {end})")

    sql = f"""
WITH rules (beneficiary_id, starts, ends, area_id, category_id, required_rank, refresher_months,
            deadline_months) AS (VALUES {rules}),
people AS MATERIALIZED (
    -- Counted from their entry, to their last day in post (inactive people without one never).
    SELECT s.id AS staff_id, s.beneficiary_id, s.institution_id, s.primary_category_id,
           s.entry_date, CASE WHEN s.active THEN {end} ELSE s.leaving_date END AS leaves
    FROM {staff} s
    WHERE (s.active OR s.leaving_date IS NOT NULL) {condition}
),
entries AS (
    -- Each reason to hold a column: from when, to when, and the day its clock starts.
    SELECT staff_id, primary_category_id AS category_id, entry_date AS starts, leaves AS ends,
           entry_date AS since
    FROM people
    UNION ALL
    SELECT staff_id, {int(all_staff)}, entry_date, leaves, entry_date FROM people
    UNION ALL
    SELECT p.staff_id, r.category_id, {greatest("r.start_date", "p.entry_date")},
           {least(f"COALESCE(r.end_date, {end})", "p.leaves")}, r.start_date
    FROM people p JOIN {role} r ON r.staff_member_id = p.staff_id
),
live AS MATERIALIZED (SELECT * FROM entries WHERE starts <= ends),
bounds AS (
    SELECT staff_id, category_id, starts AS day FROM live
    UNION
    SELECT staff_id, category_id, {dialect.add_days("ends", 1)} FROM live WHERE ends < {end}
),
pieces AS (
    SELECT staff_id, category_id, day AS starts,
           LEAD(day) OVER (PARTITION BY staff_id, category_id ORDER BY day) AS next_day
    FROM bounds
),
held AS MATERIALIZED (
    -- Each stretch in which a column is held for the same reasons, and the deadline's clock.
    SELECT g.staff_id, g.category_id, g.starts,
           COALESCE({dialect.add_days("g.next_day", -1)}, {end}) AS ends,
           {greatest("MIN(e.since)", first)} AS since
    FROM pieces g
    JOIN live e ON e.staff_id = g.staff_id AND e.category_id = g.category_id
               AND e.starts <= g.starts AND g.starts <= e.ends
    GROUP BY g.staff_id, g.category_id, g.starts, g.next_day
),
req AS MATERIALIZED (
    SELECT h.staff_id, p.beneficiary_id, p.institution_id, p.primary_category_id,
           h.category_id, ru.area_id, ru.required_rank, ru.refresher_months,
           {greatest("h.starts", "ru.starts")} AS starts, {least("h.ends", "ru.ends")} AS ends,
           {dialect.add_months("h.since", "ru.deadline_months")} AS deadline
    FROM held h
    JOIN people p ON p.staff_id = h.staff_id
    JOIN rules ru ON ru.beneficiary_id = p.beneficiary_id AND ru.category_id = h.category_id
                 AND ru.starts <= h.ends AND h.starts <= ru.ends
    {recent_requirements}
),
evidence AS (
    -- Satisfying evidence, the day it was gained and until when it counts; a requirement
    -- without any keeps one row without a day.
    SELECT {carried}, c.completed_on AS gained, {counts_until} AS counts_until
    FROM req q
    LEFT JOIN {completion} c ON c.staff_member_id = q.staff_id AND c.area_id = q.area_id
                            AND c.completed_on <= q.ends
                            AND {level_rank_sql("c.level_id")} >= q.required_rank
),
ranked AS MATERIALIZED (
    -- From each piece of evidence to the next, the latest valid-until gained so far: one
    -- window, one sort. (Evidence that does not push the valid-until further only splits a
    -- span in two alike; pieces of the same day leave an empty span, dropped below.) Every
    -- function names the same frame, which LEAD and ROW_NUMBER ignore and FIRST_VALUE
    -- shares: SQLite evaluates one window in one pass, two frames in two (a fifth of a batch).
    SELECT {plain}, gained,
           MAX(counts_until) OVER by_day AS valid_until,
           LEAD(gained) OVER by_day AS next_gained,
           FIRST_VALUE(gained) OVER by_day AS first_gained,
           ROW_NUMBER() OVER by_day AS nth
    FROM evidence
    WINDOW by_day AS (PARTITION BY {requirement} ORDER BY gained ROWS UNBOUNDED PRECEDING)
),
spans AS (
    -- Each piece of evidence opens a span to the next (part 1); the first row of each
    -- requirement also gives the span before any evidence (part 0).
    SELECT staff_id, area_id, category_id,
           CASE part WHEN 1 THEN {greatest("starts", "gained")} ELSE starts END AS starts,
           CASE part WHEN 1 THEN {until("next_gained")} ELSE {until("first_gained")} END AS ends,
           beneficiary_id, institution_id, primary_category_id, required_rank, deadline,
           CASE part WHEN 1 THEN valid_until END AS valid_until
    FROM ranked CROSS JOIN {_numbers("part", (0, 1))}
    WHERE (part = 1 AND gained IS NOT NULL) OR (part = 0 AND nth = 1)
)
SELECT staff_id AS staff_member_id, area_id, category_id, starts, ends, beneficiary_id,
       institution_id, primary_category_id, required_rank, deadline, valid_until
FROM spans
WHERE starts <= ends AND {recent}
"""
    return sql, list(people.params)


# --- Count changes --------------------------------------------------------------------------------


def _numbers(name: str, values: Iterable[int]) -> str:
    """A tiny constant relation with one column, to join with. (SQLite computes a CTE again for
    each arm of a UNION ALL that reads it: one scan joined to a few numbers instead.)"""
    return "(" + " UNION ALL ".join(f"SELECT {int(v)} AS {name}" for v in values) + f") {name}s"


def _pieces(source: str, carried: str) -> str:
    """The pieces of the spans in `source` in which the status stands still: `status`, from `f`
    to `t` (inclusive, maybe empty), with the span's placement and the `carried` columns. A
    span without evidence is missing, then overdue; one with, current, expiring, expired. SQL
    of a CTE body."""
    dialect = Dialect(connection.vendor)
    least, greatest, days = dialect.least, dialect.greatest, dialect.add_days
    window = settings.MATRICA_EXPIRING_WINDOW_DAYS
    kinds = [
        (Status.MISSING, "starts", least("ends", "deadline")),
        (Status.OVERDUE, greatest("starts", days("deadline", 1)), "ends"),
        (Status.CURRENT, "starts", least("ends", days("valid_until", -window))),
        (Status.EXPIRING, greatest("starts", days("valid_until", 1 - window)),
         least("ends", "valid_until")),
        (Status.EXPIRED, greatest("starts", days("valid_until", 1)), "ends"),
    ]  # fmt: skip

    def by_kind(column: int) -> str:
        whens = " ".join(
            f"WHEN {n} THEN {kind[column] if column else repr(str(kind[0]))}"
            for n, kind in enumerate(kinds)
        )
        return f"CASE kind {whens} END"

    return f"""
SELECT staff_member_id, beneficiary_id, institution_id, primary_category_id, area_id,
       category_id, {carried}, {by_kind(0)} AS status, {by_kind(1)} AS f, {by_kind(2)} AS t
FROM {source} CROSS JOIN {_numbers("kind", range(len(kinds)))}
WHERE (kind < 2 AND valid_until IS NULL) OR (kind >= 2 AND valid_until IS NOT NULL)
"""


def _day_events(keys: str, measures: dict[str, str], source: str) -> str:
    """Per piece of `source` (columns `keys`, `f`, `t` and what `measures` read): the measures
    added on its first day and taken away the day after its last."""
    dialect = Dialect(connection.vendor)
    counted = ", ".join(f"side * ({expression}) AS {name}" for name, expression in measures.items())
    day = f"CASE side WHEN 1 THEN f ELSE {dialect.add_days('t', 1)} END"
    return f"""
SELECT {keys}, {day} AS day, {counted}
FROM {source} CROSS JOIN {_numbers("side", (1, -1))}
WHERE f <= t AND (side = 1 OR t < {dialect.date_literal(END)})
"""


def _grains(keys: str, measures: tuple[str, ...], daily: str) -> str:
    """The daily changes in `daily` (columns `keys`, `day`, `measures`) at the three grains,
    without rows that change nothing."""
    dialect = Dialect(connection.vendor)
    sums = ", ".join(f"SUM({m}) AS {m}" for m in measures)
    nonzero = " OR ".join(f"SUM({m}) <> 0" for m in measures)
    starts = (
        f"CASE grain WHEN {int(Grain.DAY)} THEN day "
        f"WHEN {int(Grain.MONTH)} THEN {dialect.start_of('day', 'month')} "
        f"ELSE {dialect.start_of('day', 'year')} END"
    )
    return f"""
SELECT grain, {starts} AS starts, {keys}, {sums}
FROM {daily} CROSS JOIN {_numbers("grain", Grain.values)}
GROUP BY grain, {starts}, {keys}
HAVING {nonzero}
"""


CELL_MEASURES = ("people", *(status.value for status in Status))
CELL_KEYS = "beneficiary_id, institution_id, area_id, category_id"
GROUP_MEASURES = ("people", "compliant", "aware", "at_level", "with_expiring", "with_overdue")
GROUP_KEYS = "beneficiary_id, institution_id, primary_category_id"


def _upsert(model: type, keys: str, conflict: str, measures: tuple[str, ...], sql: str) -> str:
    table = model._meta.db_table  # type: ignore[attr-defined]
    columns = f"grain, starts, {keys}, {', '.join(measures)}"
    updates = ", ".join(f"{m} = {table}.{m} + excluded.{m}" for m in measures)
    # "WHERE true" lets SQLite parse INSERT … SELECT … ON CONFLICT unambiguously.
    return (
        f"INSERT INTO {table} ({columns}) SELECT * FROM ({sql}) changes WHERE true "
        f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}"
    )


def _diff(by_person: str, new: str, cells: Cells | None) -> str:
    """SELECT of the spans that differ between those stored for the people (`by_person`) and
    the table `new` of their spans as they are now (in `cells` if given: those are compared,
    the others stay as stored): the stored ones that went (`side` -1) and the new ones that
    came (1)."""
    span = ", ".join(SPAN_COLUMNS)
    compared = (
        f"SELECT {span} FROM {StatusSpan._meta.db_table} "
        f"WHERE {by_person} AND {cells_condition(cells)}"
    )
    return f"""
SELECT {span}, -1 AS side FROM ({compared} EXCEPT SELECT {span} FROM {new}) gone
UNION ALL
SELECT {span}, 1 AS side FROM (SELECT {span} FROM {new} EXCEPT {compared}) came
"""


def _sides(by_person: str, new: str, diff: str) -> str:
    """CTEs `old` (the stored spans of the people), `new` (the table of their spans as they
    are now), the spans that differ (`gone`, `came`, from the table `diff`), and per person
    `since`: the first day on which their statuses may differ. A span that only ends sooner or
    later than it did (new evidence cuts the last one short) differs from the day after the
    sooner end."""
    dialect = Dialect(connection.vendor)
    span = ", ".join(SPAN_COLUMNS)
    key = ("staff_member_id", "area_id", "category_id", "starts")
    same_key = " AND ".join(f"b.{column} = a.{column}" for column in key)
    alike = " AND ".join(
        dialect.same("a." + column, "b." + column)
        for column in SPAN_COLUMNS
        if column not in (*key, "ends")
    )
    sooner = dialect.add_days(dialect.least("a.ends", "b.ends"), 1)
    first_day = (
        f"CASE WHEN b.staff_member_id IS NOT NULL AND {alike} THEN {sooner} ELSE a.starts END"
    )

    return f"""old AS (SELECT {span} FROM {StatusSpan._meta.db_table} WHERE {by_person}),
new AS (SELECT {span} FROM {new}),
gone AS (SELECT {span} FROM {diff} WHERE side = -1),
came AS (SELECT {span} FROM {diff} WHERE side = 1),
first_days AS (
    SELECT a.staff_member_id, {first_day} AS day
    FROM gone a LEFT JOIN came b ON {same_key}
    UNION ALL
    SELECT a.staff_member_id, {first_day} AS day
    FROM came a LEFT JOIN gone b ON {same_key}
),
since AS MATERIALIZED (
    SELECT staff_member_id, MIN(day) AS day FROM first_days GROUP BY staff_member_id
)"""


def _changed_pieces(by_person: str, new: str, *, diff: str | None, cells: Cells | None) -> str:
    """SELECT of the pieces that change the counts (the span's placement, area and category,
    `sign`, `status`, `f`, `t`): those of the people's new spans (sign 1) and of their stored
    ones (sign -1), from each person's first day that differs on (a piece that began before it
    is cut there: the days before add up alike on both sides). `diff`: the table of the spans
    that differ (`_diff`); None: nothing is stored for them yet (a rebuild), all of `new`
    counts. `cells`: `new` holds the spans of these cells only; the stored ones of the others
    stand on both sides (a person's standing counts all of their requirements) and come once,
    with sign 0."""
    dialect = Dialect(connection.vendor)
    if diff is None:
        beginning = dialect.date_literal(BEGINNING)
        sides = f"sided AS (SELECT n.*, 1 AS sign, {beginning} AS since FROM {new} n)"
    else:
        in_cells = cells_condition(cells, "o")
        sides = f"""{_sides(by_person, new, diff)},
sided AS (
    SELECT o.*, CASE WHEN {in_cells} THEN -1 ELSE 0 END AS sign, s.day AS since
    FROM old o JOIN since s ON s.staff_member_id = o.staff_member_id WHERE o.ends >= s.day
    UNION ALL
    SELECT n.*, 1 AS sign, s.day AS since
    FROM new n JOIN since s ON s.staff_member_id = n.staff_member_id WHERE n.ends >= s.day
)"""
    return f"""
WITH {sides},
pieces AS MATERIALIZED ({_pieces("sided", "sign, since")})
SELECT staff_member_id, beneficiary_id, institution_id, primary_category_id, area_id,
       category_id, sign, status, {dialect.greatest("f", "since")} AS f, t
FROM pieces
WHERE t >= since AND {dialect.greatest("f", "since")} <= t
"""


def _add_changes(
    model: type, keys: str, conflict: str, measures: tuple[str, ...], steps: str, daily: str
) -> str:
    """INSERT adding to `model` the changes of each day that `daily` (CTEs `steps`, then a
    SELECT of `keys`, `day` and `measures` to be summed per key and day) gives, at every
    grain."""
    sql = f"""
WITH {steps},
daily AS MATERIALIZED ({daily} GROUP BY {keys}, day)
{_grains(keys, measures, "daily")}
"""
    return _upsert(model, keys, conflict, measures, sql)


def _cell_changes(pieces: str) -> str:
    """The cell counts change by the pieces that came, less those that went (those that stand
    on both sides, sign 0, change nothing)."""
    measures = {"people": "sign"} | {
        status.value: f"CASE WHEN status = '{status}' THEN sign ELSE 0 END" for status in Status
    }
    events = _day_events(CELL_KEYS, measures, f"(SELECT * FROM {pieces} WHERE sign <> 0) p")
    sums = ", ".join(f"SUM({m}) AS {m}" for m in CELL_MEASURES)
    return _add_changes(
        CellChange, CELL_KEYS, "institution_id, grain, starts, area_id, category_id",
        CELL_MEASURES, f"events AS ({events})", f"SELECT {CELL_KEYS}, day, {sums} FROM events",
    )  # fmt: skip


# A person's running counts on one day, packed in one integer of STANDING_BITS bits a count
# (requirements, unmet, unmet in the all-staff column, unmet in their own, expiring, overdue):
# sums of packed counts are the packed sums, so a day's changes and the running standing are
# two sums a row instead of twelve (the heaviest statement of a write and of a rebuild). A
# count never exceeds the requirements a person holds on one day (at most the matrix's cells).
STANDING = ("requirements", "unmet", "unmet_all", "unmet_own", "expiring", "overdue")
STANDING_BITS = 10


def _standing(name: str, packed: str) -> str:
    """SQL of one count of a packed standing (non-negative)."""
    place = 1 << (STANDING_BITS * STANDING.index(name))
    # No "%": the statements go through the driver's placeholder syntax.
    return f"(({packed}) / {place} - ({packed}) / {place << STANDING_BITS} * {1 << STANDING_BITS})"


def _headline(flag: str, packed: str) -> str:
    """SQL, 1 or 0: a headline flag of a person of this packed standing."""
    counted = f"{_standing('requirements', packed)} > 0"
    condition = {
        "people": counted,
        "compliant": f"{counted} AND {_standing('unmet', packed)} = 0",
        "aware": f"{counted} AND {_standing('unmet_all', packed)} = 0",
        "at_level": f"{counted} AND {_standing('unmet_own', packed)} = 0",
        "with_expiring": f"{_standing('expiring', packed)} > 0",
        "with_overdue": f"{_standing('overdue', packed)} > 0",
    }[flag]
    return f"CASE WHEN {condition} THEN 1 ELSE 0 END"


def _group_changes(pieces: str, all_staff: int) -> str:
    """A person's standing changes on the days their pieces begin or end: their running counts
    (`STANDING`) give the headline flags of each day, and each flag's change is a change of
    their group's numerators (docs/compliance.md §6). The old timeline of each person (pieces
    of sign -1 and 0) and the new one (0 and 1) run side by side, in one row a day, from the
    first day that differs; the change of their difference is the change of the counts."""
    unmet = f"CASE WHEN status NOT IN ('{Status.CURRENT}', '{Status.EXPIRING}') THEN 1 ELSE 0 END"
    counts = {
        "requirements": "1",
        "unmet": unmet,
        "unmet_all": f"CASE WHEN category_id = {int(all_staff)} THEN {unmet} ELSE 0 END",
        "unmet_own": f"CASE WHEN category_id = primary_category_id THEN {unmet} ELSE 0 END",
        "expiring": f"CASE WHEN status = '{Status.EXPIRING}' THEN 1 ELSE 0 END",
        "overdue": f"CASE WHEN status = '{Status.OVERDUE}' THEN 1 ELSE 0 END",
    }
    packed = " + ".join(
        f"{1 << (STANDING_BITS * STANDING.index(name))} * ({expression})"
        for name, expression in counts.items()
    )
    person = f"staff_member_id, {GROUP_KEYS}"
    events = _day_events(f"{person}, sign", {"standing": packed}, pieces)
    # PostgreSQL sums bigints as numerics: cast back, for integer division.
    timelines = {"old": "sign <= 0", "new": "sign >= 0"}
    per_day = ", ".join(
        f"CAST(SUM(CASE WHEN {on_it} THEN standing ELSE 0 END) AS BIGINT) AS {timeline}_day"
        for timeline, on_it in timelines.items()
    )
    running = ", ".join(
        f"{t}_day, CAST(SUM({t}_day) OVER by_day AS BIGINT) AS {t}_after" for t in timelines
    )

    def change(flag: str, timeline: str) -> str:
        after = f"{timeline}_after"
        before = f"{timeline}_after - {timeline}_day"
        return f"({_headline(flag, after)} - {_headline(flag, before)})"

    deltas = ", ".join(
        f"{change(flag, 'new')} - {change(flag, 'old')} AS {flag}" for flag in GROUP_MEASURES
    )
    group_sums = ", ".join(f"SUM({m}) AS {m}" for m in GROUP_MEASURES)
    steps = f"""events AS ({events}),
per_day AS (SELECT {person}, day, {per_day} FROM events GROUP BY {person}, day),
standing AS (
    SELECT {person}, day, {running} FROM per_day
    WINDOW by_day AS (PARTITION BY staff_member_id ORDER BY day ROWS UNBOUNDED PRECEDING)
),
changed AS (SELECT {GROUP_KEYS}, day, {deltas} FROM standing)"""
    return _add_changes(
        GroupChange, GROUP_KEYS, "institution_id, grain, starts, primary_category_id",
        GROUP_MEASURES, steps, f"SELECT {GROUP_KEYS}, day, {group_sums} FROM changed",
    )  # fmt: skip


def redo_people(
    by_person: str,
    params: tuple[Any, ...],
    people: PeopleFilter,
    *,
    fresh: bool = False,
    cells: Cells | None = None,
    since: datetime.date | None = None,
) -> None:
    """Redo the spans of these people (`by_person`: a condition on `staff_member_id`) and adjust
    the count changes by the difference, in the caller's transaction. Their spans as they are
    now go to a temporary table first; only spans that differ from the stored ones are written,
    and only the days from the first that differs are counted again. `fresh`: nothing is
    stored for these people (a rebuild deleted it). `cells`: only the requirements of these
    cells can have changed (their rules did, or their evidence in those areas), the others are
    kept as stored. `since`: their statuses before this day stand (their evidence changed from
    it on), so spans that end before its eve stand too and are neither computed nor compared:
    new evidence splits the span that holds its day, ending the first part on the eve."""
    all_staff = StaffCategory.objects.get(applies_to_all=True).pk
    span = ", ".join(SPAN_COLUMNS)
    table = StatusSpan._meta.db_table
    number = next(_TABLE_NUMBERS)
    new, diff, pieces = (f"matrica_{name}_{number}" for name in ("spans", "diff", "pieces"))
    ending_from = None if since is None else since - datetime.timedelta(days=1)
    query = spans_query(people, cells, ending_from)
    if ending_from is not None:
        recent = Dialect(connection.vendor).date_literal(ending_from)
        by_person = f"{by_person} AND ends >= {recent}"
    temporary = [new]
    with transaction.atomic():
        if query is None:
            _execute(f"CREATE TEMPORARY TABLE {new} AS SELECT {span} FROM {table} WHERE 1 = 0")
        else:
            _execute(f"CREATE TEMPORARY TABLE {new} AS {query[0]}", query[1])
        try:
            if not fresh:
                _execute(
                    f"CREATE TEMPORARY TABLE {diff} AS {_diff(by_person, new, cells)}", params * 2
                )
                temporary.append(diff)
            _execute(
                f"CREATE TEMPORARY TABLE {pieces} AS "
                f"{_changed_pieces(by_person, new, diff=None if fresh else diff, cells=cells)}",
                () if fresh else params,
            )
            temporary.append(pieces)
            _execute(_cell_changes(pieces))
            _execute(_group_changes(pieces, all_staff))
            if fresh:
                _execute(f"INSERT INTO {table} ({span}) SELECT {span} FROM {new}")
                return
            key = "staff_member_id, area_id, category_id, starts"
            _execute(
                f"DELETE FROM {table} WHERE {by_person} "
                f"AND ({key}) IN (SELECT {key} FROM {diff} WHERE side = -1)",
                params,
            )
            _execute(f"INSERT INTO {table} ({span}) SELECT {span} FROM {diff} WHERE side = 1")
        finally:
            for name in reversed(temporary):
                _execute(f"DROP TABLE {name}")


_TABLE_NUMBERS = count(1)


# Advisory locks of this application's own namespace (PostgreSQL's two-integer form).
_LOCKS = 0x4D41  # "MA"


def serialize(beneficiary_ids: Iterable[int]) -> None:
    """Let one transaction at a time redo the derived rows of an administration's people, until
    it ends: two that redo the same people would both see their old rows and write the new ones
    twice, and two that add to the same counts in different orders deadlock. PostgreSQL only:
    SQLite lets one transaction write at a time anyway. Locks are taken in order of id."""
    if connection.vendor != "postgresql":
        return
    for beneficiary_id in sorted(set(beneficiary_ids)):
        _execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCKS, int(beneficiary_id)])


# --- Readiness and rebuilds -----------------------------------------------------------------------


def ready_administrations() -> set[int]:
    return set(History.objects.filter(ready=True).values_list("beneficiary_id", flat=True))


def mark_stale(beneficiary_ids: Iterable[int] | None = None, *, rules: bool = False) -> None:
    """These administrations (all: None) changed: pages stop reading their spans and changes
    until `rebuild` has redone them. `rules`: only their rules changed, and a rebuild redoes
    the cells whose rules differ; otherwise (people changed unseen, an imported roster) it
    redoes every requirement of every person."""
    histories = History.objects.all()
    if beneficiary_ids is not None:
        histories = histories.filter(beneficiary_id__in=list(beneficiary_ids))
    fields: dict[str, Any] = {"ready": False}
    if not rules:
        fields["rules"] = None  # not known what changed: the rebuild redoes every cell
    histories.update(**fields)


Progress = Callable[[int, int], None]


def rebuild(
    beneficiary_ids: Iterable[int] | None = None,
    *,
    only_stale: bool = False,
    from_scratch: bool = False,
    offline: bool = False,
    progress: Progress | None = None,
) -> float:
    """Rebuild the spans and changes of these administrations (all: None; `only_stale`: those
    not ready), each in short transactions of at most BATCH people, so that users' writes go on
    meanwhile. An administration built before is redone like a write, in the cells whose rules
    differ from those it was built with only: their spans are computed again, and only what
    differs is written and counted, so a new version or adaptation costs its cells from the day
    it takes effect on. One never built (or all, `from_scratch`) is emptied and built whole.
    `offline`: nobody else is writing (a demo, a maintenance window): large batches, no pauses.
    `progress` is told of people and administrations done. Returns the seconds taken. Must not
    run inside a transaction."""
    started = time.perf_counter()
    ids = sorted(beneficiary_ids or Beneficiary.objects.values_list("pk", flat=True))
    if only_stale:
        ids = [b for b in ids if b not in ready_administrations()]
    built = dict(
        History.objects.filter(beneficiary_id__in=ids, built_at__isnull=False).values_list(
            "beneficiary_id", "rules"
        )
    )
    people = _people(ids)
    total = sum(len(pks) for places in people.values() for _, pks in places) + len(ids)
    # Begun small: the first transaction's pace is not known yet.
    redone = False
    done, pace = 0, Pace(OFFLINE_BATCH if offline else max(MIN_BATCH, BATCH // 4))
    for beneficiary_id in ids:
        whole = from_scratch or beneficiary_id not in built
        rules = rule_periods(beneficiary_id)
        changed = None if whole else changed_rules(built[beneficiary_id], rules)
        cells, since = (None, None) if changed is None else changed
        _start_rebuild(beneficiary_id, clear=whole)
        done += 1
        if cells == set():  # no rule of theirs changed: nothing to redo
            done += sum(len(pks) for _, pks in people[beneficiary_id])
        else:
            for batch in _batches(people[beneficiary_id], pace):
                redone = True
                took = _redo_batch(beneficiary_id, batch, cells=cells, since=since)
                if not offline:
                    pace.size = _next_size(len(batch.pks), took)
                    pause_for_writers()
                done += len(batch.pks)
                if progress:
                    progress(done, total)
        if progress:
            progress(done, total)
        _finish_rebuild(beneficiary_id, started, rules)
    if redone:  # fresh statistics for the planner (about 20 s at 100 000 staff)
        _analyze()
    return time.perf_counter() - started


@dataclass(frozen=True)
class Batch:
    """The people of one transaction of a rebuild: whole institutions, or a slice of the ids
    of one (`sliced`)."""

    institutions: tuple[int, ...]
    pks: list[int]
    sliced: bool = False

    def condition(self, prefix: str = "") -> tuple[str, tuple[int, ...]]:
        """SQL on StaffMember's columns (with `prefix`), and its parameters."""
        marks = ", ".join(["%s"] * len(self.institutions))
        sql = f"{prefix}institution_id IN ({marks})"
        if not self.sliced:
            return sql, self.institutions
        return f"{sql} AND {prefix}id BETWEEN %s AND %s", (
            *self.institutions, self.pks[0], self.pks[-1],
        )  # fmt: skip


@dataclass
class Pace:
    """People in the next transaction of a rebuild."""

    size: int


def _batches(places: list[tuple[int, list[int]]], pace: Pace) -> Iterator[Batch]:
    """An administration's people (per institution, ids in order) in batches of at most
    `pace.size` as it stands when each is taken: small institutions together, a large one in
    slices. (The counts are kept per institution: a whole institution adds its rows once, not
    once per batch.)"""
    together: list[int] = []
    pks: list[int] = []
    for institution_id, members in places:
        if len(pks) + len(members) <= pace.size:
            together.append(institution_id)
            pks.extend(members)
            continue
        if together:
            yield Batch(tuple(together), pks)
        together, pks = [], []
        if len(members) <= pace.size:
            together, pks = [institution_id], list(members)
            continue
        first = 0
        while first < len(members):
            part = members[first : first + pace.size]
            yield Batch((institution_id,), part, sliced=True)
            first += len(part)
    if together:
        yield Batch(tuple(together), pks)


def _redo_batch(
    beneficiary_id: int, batch: Batch, *, cells: Cells | None, since: datetime.date | None
) -> float:
    """Redo a batch of one administration's people in one transaction (in `cells` from
    `since` on, if given; None: whole); returns its seconds."""
    started = time.perf_counter()
    with transaction.atomic():
        serialize([beneficiary_id])
        condition, params = batch.condition()
        of_staff = batch.condition("s.")[0]
        by_person = (
            f"staff_member_id IN (SELECT id FROM {StaffMember._meta.db_table} WHERE {condition})"
        )
        redo_people(
            by_person, params,
            PeopleFilter(of_staff, params, [beneficiary_id]),
            # A user's write since the rebuild began may have redone some of them.
            fresh=cells is None and not _stored(of_staff, params),
            cells=cells,
            since=since,
        )  # fmt: skip
    return time.perf_counter() - started


def _next_size(people: int, seconds: float) -> int:
    """People in the next transaction of a rebuild: as many as take TRANSACTION_S at the pace
    of the last one, within MIN_BATCH and BATCH. A loaded machine thus gets shorter
    transactions, and a user's write never waits for a long one."""
    if seconds <= 0:
        return BATCH
    return min(BATCH, max(MIN_BATCH, int(people * TRANSACTION_S / seconds)))


def _stored(condition: str, params: tuple[Any, ...]) -> bool:
    """Whether any of the people matching `condition` (on StaffMember `s`) has spans stored. Asked
    from the people's side: PostgreSQL answered "any span of these people?" with LIMIT 1 by
    reading every span of the table when there was none (1 s a batch at 100 000 staff)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {StaffMember._meta.db_table} s WHERE {condition} AND EXISTS ("
            f"SELECT 1 FROM {StatusSpan._meta.db_table} sp WHERE sp.staff_member_id = s.id"
            ") LIMIT 1",
            list(params),
        )
        return cursor.fetchone() is not None


def _people(beneficiary_ids: list[int]) -> dict[int, list[tuple[int, list[int]]]]:
    """Per administration, its institutions and their people's ids in order. A rebuild's
    batches keep to one institution: the counts are kept per institution, so a batch within
    one adds its rows once instead of every batch adding to the same."""
    people: dict[int, list[tuple[int, list[int]]]] = {b: [] for b in beneficiary_ids}
    rows = (
        StaffMember.objects.filter(beneficiary_id__in=beneficiary_ids)
        .order_by("beneficiary_id", "institution_id", "pk")
        .values_list("beneficiary_id", "institution_id", "pk")
    )
    for beneficiary_id, institution_id, pk in rows.iterator(chunk_size=10_000):
        places = people[beneficiary_id]
        if not places or places[-1][0] != institution_id:
            places.append((institution_id, []))
        places[-1][1].append(pk)
    return people


@transaction.atomic
def _start_rebuild(beneficiary_id: int, *, clear: bool) -> None:
    serialize([beneficiary_id])
    History.objects.update_or_create(beneficiary_id=beneficiary_id, defaults={"ready": False})
    if not clear:
        return
    for model in (StatusSpan, CellChange, GroupChange):
        table = model._meta.db_table
        _execute(f"DELETE FROM {table} WHERE beneficiary_id = %s", [beneficiary_id])


@transaction.atomic
def _finish_rebuild(beneficiary_id: int, started: float, rules: list[list[Any]]) -> None:
    """Ready, with the rules it was built with; still stale if those changed meanwhile (a
    version published during the rebuild), for the next one to redo."""
    History.objects.filter(beneficiary_id=beneficiary_id).update(
        ready=rule_periods(beneficiary_id) == rules,
        built_at=timezone.now(),
        seconds=time.perf_counter() - started,
        rules=rules,
    )


# --- Reads ----------------------------------------------------------------------------------------


def statuses_on(
    on: datetime.date,
    condition: str,
    params: list[Any],
    statuses: Iterable[str] = (),
    *,
    held: bool = True,
) -> tuple[str, list[Any]]:
    """SELECT of the engine's STATUS_COLUMNS on `on` for the spans matching `condition`. The
    held level is read from the evidence for each row (`held=False`: left empty, for a caller
    that reads it for the rows of one page only, with `held_rank_sql`). Asking for some
    statuses only lets the database find them by the span index: expiring is a narrow range of
    valid-until, overdue a span without evidence past its deadline."""
    dialect = Dialect(connection.vendor)
    d = dialect.date_param()
    window_end = on + datetime.timedelta(days=settings.MATRICA_EXPIRING_WINDOW_DAYS)
    narrowing, extra = [], []
    wanted = set(statuses)
    if wanted and wanted <= {Status.EXPIRING, Status.OVERDUE}:
        if Status.EXPIRING in wanted:
            narrowing.append(f"(valid_until >= {d} AND valid_until < {d})")
            extra += [on.isoformat(), window_end.isoformat()]
        if Status.OVERDUE in wanted:
            narrowing.append(f"(valid_until IS NULL AND deadline < {d})")
            extra.append(on.isoformat())
    narrowed = f"AND ({' OR '.join(narrowing)})" if narrowing else ""
    held_params = [on.isoformat()] * 2 if held else []
    held_rank = held_rank_sql("sp") if held else "NULL"
    sql = f"""
SELECT staff_member_id, beneficiary_id, institution_id, primary_category_id, area_id,
       category_id, required_rank, {held_rank} AS held_rank, deadline, valid_until,
       {status_sql(d, d)} AS status
FROM {StatusSpan._meta.db_table} sp
WHERE ({condition}) AND starts <= {d} AND ends >= {d} {narrowed}
"""
    day = on.isoformat()
    return sql, [*held_params, day, window_end.isoformat(), day, *params, day, day, *extra]


def held_rank_sql(rows: str) -> str:
    """The highest level each row of `rows` (a person and an area) holds on the date given
    twice as parameters: read from the evidence, for the rows a page shows."""
    d = Dialect(connection.vendor).date_param()
    return (
        f"(SELECT MAX(CASE WHEN c.valid_until >= {d} THEN {level_rank_sql('c.level_id')} END) "
        f"FROM {Completion._meta.db_table} c WHERE c.staff_member_id = {rows}.staff_member_id "
        f"AND c.area_id = {rows}.area_id AND c.completed_on <= {d})"
    )


def _at(on: datetime.date) -> list[tuple[str, list[Any]]]:
    """The rows of changes whose sum is the counts on `on`: the years before its year, the
    months of its year before its month, the days of its month up to it. Three ranges of the
    changes' key (institution, grain, starts), each read by the index."""
    year, month = on.replace(month=1, day=1), on.replace(day=1)
    d = Dialect(connection.vendor).date_param()
    return [
        (f"grain = {int(Grain.YEAR)} AND starts < {d}", [year]),
        (f"grain = {int(Grain.MONTH)} AND starts >= {d} AND starts < {d}", [year, month]),
        (f"grain = {int(Grain.DAY)} AND starts >= {d} AND starts <= {d}", [month, on]),
    ]


def cell_counts_on(on: datetime.date, condition: str, params: list[Any]) -> tuple[str, list[Any]]:
    """SELECT shaped like CellCount: the counts per institution and cell on `on`, for the
    institutions matching `condition` (on `institution_id`)."""
    return _counts_on(CellChange, CELL_KEYS, CELL_MEASURES, on, condition, params)


def group_counts_on(on: datetime.date, condition: str, params: list[Any]) -> tuple[str, list[Any]]:
    """SELECT shaped like GroupCount, on `on`."""
    return _counts_on(GroupChange, GROUP_KEYS, GROUP_MEASURES, on, condition, params)


def _counts_on(
    model: type, keys: str, measures: tuple[str, ...], on: datetime.date, condition: str,
    params: list[Any],
) -> tuple[str, list[Any]]:  # fmt: skip
    sums = ", ".join(f"SUM({m}) AS {m}" for m in measures)
    table = model._meta.db_table  # type: ignore[attr-defined]
    arms, arm_params = [], []
    for at, at_params in _at(on):
        arms.append(
            f"SELECT {keys}, {', '.join(measures)} FROM {table} WHERE ({condition}) AND {at}"
        )
        arm_params += [*params, *at_params]
    return (
        f"SELECT {keys}, {sums} FROM ({' UNION ALL '.join(arms)}) changes "
        f"GROUP BY {keys} HAVING SUM(people) > 0",
        arm_params,
    )


def _analyze() -> None:
    """Fresh statistics for the planner. PostgreSQL also vacuums, outside a transaction: the
    pages' reads are index-only scans (the spans' indexes, the count changes' covering ones),
    which visit the table for every row on a page not yet marked all-visible (a past date's
    dashboard 0.6 s instead of 0.07 s, a cell's people 0.55 s instead of 0.26 s)."""
    vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
    for model in (StatusSpan, CellChange, GroupChange):
        _execute(f"{'VACUUM ANALYZE' if vacuum else 'ANALYZE'} {model._meta.db_table}")
