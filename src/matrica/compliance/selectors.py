"""Reads of compliance: indicators, the coloured matrix, people behind a cell, the
institution grid, expiring and overdue lists, the trend.

Every figure comes from one relation of per-(person, requirement) statuses and its counts: the
snapshot's tables when the date asked is the snapshot's; otherwise the history's spans and count
changes (`compliance.history`); and while an administration's history is being rebuilt, the
engine run on the fly for the scope. The aggregation SQL is the same every way.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, overload

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Sum

from matrica import disclosure
from matrica.compliance import history
from matrica.compliance.engine import STATUS_COLUMNS, PeopleFilter, status_query
from matrica.compliance.models import (
    CellCount,
    GroupCount,
    PersonStatus,
    RequirementStatus,
    TrendPoint,
)
from matrica.compliance.scope import ComplianceScope
from matrica.compliance.services import materialize_query, snapshot_date
from matrica.compliance.sql import (
    CELL_COLUMNS,
    GROUP_COLUMNS,
    PERSON_COLUMNS,
    per_cell,
    per_group,
    per_person,
)
from matrica.compliance.status import SEVERITY, SEVERITY_SQL, Status
from matrica.framework.models import CompetencyArea, Level, StaffCategory
from matrica.framework.selectors import rules_in_force
from matrica.staff.models import StaffMember
from matrica.tenancy.models import Beneficiary, Institution, Service
from matrica.tenancy.scoping import names_everyone_placed

STATUSES = [status.value for status in Status]


@dataclass(frozen=True)
class Share:
    """A share of people; `suppressed` where disclosure control hides it from the viewer."""

    numerator: int
    denominator: int
    suppressed: bool = False

    @property
    def percent(self) -> float | None:
        if self.suppressed or not self.denominator:
            return None
        return 100.0 * self.numerator / self.denominator

    @property
    def display(self) -> str:
        if self.suppressed:
            return disclosure.hidden_label()
        if not self.denominator:
            return "–"
        return f"{self.percent:.0f}%"


@dataclass(frozen=True)
class Count:
    value: int
    suppressed: bool = False

    @property
    def display(self) -> str:
        return disclosure.hidden_label() if self.suppressed else str(self.value)


def share(numerator: int, denominator: int, suppressed: bool = False) -> Share:
    return Share(numerator, denominator, suppressed)


def count(value: int, suppressed: bool = False) -> Count:
    return Count(value, suppressed)


DATE_COLUMNS = frozenset({"deadline", "valid_until"})


def _fetch(sql: str, params: list[Any]) -> list[dict[str, Any]]:
    """Rows as dictionaries. SQLite gives a date as text when its column is computed or read
    through a subquery it does not flatten: dates are dates whichever relation answered."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [column[0] for column in cursor.description]
        dated = [index for index, name in enumerate(columns) if name in DATE_COLUMNS]
        rows = []
        for values in cursor.fetchall():
            row = dict(zip(columns, values, strict=True))
            for index in dated:
                row[columns[index]] = _as_date(values[index])
            rows.append(row)
        return rows


def _ids_condition(column: str, queryset: Any) -> tuple[str, list[Any]]:
    try:
        # Without the model's default ordering: a set needs none, and sorting 80 000 names in
        # every such subquery cost PostgreSQL 115 ms (spilling to disk) at 100 000 staff.
        sql, params = queryset.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # an empty scope (`.none()`) has no SQL: it matches nothing
        return "1 = 0", []
    return f"{column} IN ({sql})", list(params)


def _reads_spans(
    scope: ComplianceScope, statuses: Sequence[str] = (), *, one_cell: bool = False
) -> bool:
    # A list of some statuses, or of one cell's people, reads the spans on the snapshot's date
    # too, when they answer: their indexes find them where the snapshot's table would be read
    # whole.
    return scope.from_history or bool((statuses or one_cell) and scope.history_ready)


def status_relation(
    scope: ComplianceScope,
    *,
    personal: bool,
    statuses: Sequence[str] = (),
    held: bool = True,
    one_cell: bool = False,
    listed: bool = False,
) -> tuple[str, list[Any]]:
    """SELECT of STATUS_COLUMNS for the scope on its date: from the derived table when the date
    is the snapshot's, else from the history's spans, else from the scope's statuses computed
    once for the request. `personal` restricts it to the people the user may see by name;
    otherwise to the institutions whose aggregates they may see. `statuses`, when the caller
    keeps only these, and `one_cell`, when it keeps one cell of the matrix, let the spans be
    found by their indexes; `listed`, when it keeps a few people named by id (a page), lets
    their ids find them, the people the user may see checked row by row (SQLite read every
    span of a 7 585-person institution to show a page of 50: 0.2 s)."""
    if personal:
        people = "+staff_member_id" if listed else "staff_member_id"
        condition, params = _ids_condition(people, scope.people())
    else:
        condition, params = _ids_condition("institution_id", scope.institutions())
    if _reads_spans(scope, statuses, one_cell=one_cell):
        if personal:
            # Where people are placed narrows the spans read by their index. For a list of
            # some statuses or the people of one cell, an index by institution finds them
            # (span_lapse, span_cell): the people the user may see are then checked row by row
            # ("+" keeps the database from reading the spans person by person instead, 80 000
            # of them for Türkiye), unless the user may see everyone placed there.
            by_index = bool(statuses) or one_cell
            placed, placed_params = _institution_ids(scope)
            if by_index and names_everyone_placed(scope.user):
                condition, params = placed, placed_params
            else:
                people = "+staff_member_id" if by_index or listed else "staff_member_id"
                condition, params = _ids_condition(people, scope.people())
                condition, params = f"{placed} AND {condition}", [*placed_params, *params]
        return history.statuses_on(scope.on, condition, params, statuses, held=held)
    table = RequirementStatus._meta.db_table if scope.from_snapshot else scope.adhoc_table
    return f"SELECT {', '.join(STATUS_COLUMNS)} FROM {table} WHERE {condition}", params


def _institution_id_list(scope: ComplianceScope) -> list[int]:
    return _memo(
        scope, "institution ids", lambda: list(scope.institutions().values_list("pk", flat=True))
    )


def _institution_ids(scope: ComplianceScope) -> tuple[str, list[Any]]:
    """`institution_id` among the scope's institutions, named: the count changes are keyed by
    institution first, and a list lets every database read each one's rows by the key."""
    ids = _institution_id_list(scope)
    if not ids:
        return "1 = 0", []
    return f"institution_id IN ({', '.join(['%s'] * len(ids))})", ids


def _cell_source(scope: ComplianceScope) -> tuple[str, list[Any]]:
    """Counts per institution and matrix cell, shaped like CellCount."""
    if scope.from_history:
        return history.cell_counts_on(scope.on, *_institution_ids(scope))
    if scope.from_snapshot:
        condition, params = _ids_condition("institution_id", scope.institutions())
        columns = ", ".join(("beneficiary_id", "institution_id", "area_id", "category_id",
                             *CELL_COLUMNS))  # fmt: skip
        return f"SELECT {columns} FROM {CellCount._meta.db_table} WHERE {condition}", params
    relation, params = status_relation(scope, personal=False)
    return per_cell(f"({relation}) statuses"), params


def _group_source(scope: ComplianceScope) -> tuple[str, list[Any]]:
    """Counts per institution and primary category, shaped like GroupCount."""
    if scope.from_history:
        # Read by the headline and every breakdown: summed from the changes once.
        def counts() -> str:
            return materialize_query(*history.group_counts_on(scope.on, *_institution_ids(scope)))

        return f"SELECT * FROM {_memo(scope, 'group counts', counts)}", []
    if scope.from_snapshot:
        condition, params = _ids_condition("institution_id", scope.institutions())
        columns = ", ".join(("beneficiary_id", "institution_id", "primary_category_id",
                             *GROUP_COLUMNS))  # fmt: skip
        return f"SELECT {columns} FROM {GroupCount._meta.db_table} WHERE {condition}", params
    relation, params = status_relation(scope, personal=False)
    all_staff = StaffCategory.objects.get(applies_to_all=True).pk
    standing = per_person(
        f"({relation}) statuses",
        all_staff=all_staff,
        columns=tuple(column for column in PERSON_COLUMNS if column != "severity"),
    )
    return per_group(f"({standing}) standing"), params


# How a breakdown joins to get its label; `g` is the group source.
BREAKDOWNS = {
    "administration": ("g.beneficiary_id", ""),
    "service": (
        "sv.kind",
        f"JOIN {Institution._meta.db_table} i ON i.id = g.institution_id "
        f"JOIN {Service._meta.db_table} sv ON sv.id = i.service_id",
    ),
    "institution": ("g.institution_id", ""),
    "category": ("g.primary_category_id", ""),
}


@dataclass
class Indicators:
    people: Count
    compliant: Share
    aware: Share
    front_line_at_level: Share
    with_expiring: Count
    with_overdue: Count


@dataclass
class BreakdownRow:
    key: Any
    label: str
    indicators: Indicators


def _indicators(row: dict[str, Any], *, hidden: bool, front_line_hidden: bool) -> Indicators:
    """A group's indicators, all suppressed together; the front-line share (about a group of
    its own, the group's front-line officers) also where that group is suppressed."""
    people = int(row.get("people") or 0)
    front_line_hidden = front_line_hidden or hidden
    return Indicators(
        people=count(people, hidden),
        compliant=share(int(row.get("compliant") or 0), people, hidden),
        aware=share(int(row.get("aware") or 0), people, hidden),
        front_line_at_level=share(
            int(row.get("fl_at_level") or 0), int(row.get("fl_people") or 0), front_line_hidden
        ),
        with_expiring=count(int(row.get("with_expiring") or 0), hidden),
        with_overdue=count(int(row.get("with_overdue") or 0), hidden),
    )


SUMS = (
    "SUM(g.people) AS people, SUM(g.compliant) AS compliant, SUM(g.aware) AS aware, "
    "SUM(g.at_level) AS at_level, SUM(g.with_expiring) AS with_expiring, "
    "SUM(g.with_overdue) AS with_overdue, "
    "SUM(CASE WHEN g.primary_category_id = %s THEN g.people ELSE 0 END) AS fl_people, "
    "SUM(CASE WHEN g.primary_category_id = %s THEN g.at_level ELSE 0 END) AS fl_at_level"
)


def _memo(scope: ComplianceScope, name: Any, compute: Any) -> Any:
    """A figure computed once per scope: a page shows the same numbers in several tables, and
    disclosure control needs them all at once. A scope lives for one request."""
    cache = scope.__dict__.setdefault("_figures", {})
    if name not in cache:
        cache[name] = compute()
    return cache[name]


def _front_line(scope: ComplianceScope) -> int:
    return int(_memo(scope, "front_line", lambda: StaffCategory.objects.get(code="FLO").pk))


def _headline_row(scope: ComplianceScope) -> dict[str, Any]:
    def compute() -> dict[str, Any]:
        source, params = _group_source(scope)
        front_line = _front_line(scope)
        rows = _fetch(f"SELECT {SUMS} FROM ({source}) g", [front_line, front_line, *params])
        return rows[0] if rows else {}

    return dict(_memo(scope, "headline", compute))


def _breakdown_rows(scope: ComplianceScope, dimension: str) -> list[dict[str, Any]]:
    def compute() -> list[dict[str, Any]]:
        key, join = BREAKDOWNS[dimension]
        source, params = _group_source(scope)
        front_line = _front_line(scope)
        return _fetch(
            f"SELECT {key} AS key, {SUMS} FROM ({source}) g {join} GROUP BY {key}",
            [front_line, front_line, *params],
        )

    return list(_memo(scope, ("breakdown", dimension), compute))


def _cell_rows(scope: ComplianceScope) -> dict[tuple[int, int], dict[str, Any]]:
    """Counts per matrix cell (area, category)."""

    def compute() -> dict[tuple[int, int], dict[str, Any]]:
        source, params = _cell_source(scope)
        rows = _fetch(
            "SELECT c.area_id, c.category_id, SUM(c.people) AS people, "
            + ", ".join(f"SUM(c.{status}) AS {status}" for status in STATUSES)
            + f" FROM ({source}) c GROUP BY c.area_id, c.category_id",
            params,
        )
        return {(row["area_id"], row["category_id"]): row for row in rows}

    return dict(_memo(scope, "cells", compute))


# --- Disclosure control ---------------------------------------------------------------------------
# The groups of a dashboard, as disclosure.suppress sees them.
TOTAL = ("total",)
TOTAL_FRONT_LINE = ("total", "front-line")


def dashboard_dimensions(scope: ComplianceScope) -> tuple[str, ...]:
    """The breakdowns a dashboard of this scope publishes beside its headline."""
    if scope.institution is not None:
        return ("category", "service")
    first = "institution" if scope.beneficiary is not None else "administration"
    return (first, "category", "service")


def _row_group(scope: ComplianceScope, dimension: str, key: Any) -> Any:
    # The front-line officers' row of the category breakdown is the same people as the
    # headline's front-line share: one group, so both are suppressed or shown together.
    if dimension == "category" and key == _front_line(scope):
        return TOTAL_FRONT_LINE
    return (dimension, key)


def _front_line_group(scope: ComplianceScope, dimension: str, key: Any) -> Any:
    if dimension == "category" and key == _front_line(scope):
        return TOTAL_FRONT_LINE
    return (dimension, key, "front-line")


def hidden_groups(scope: ComplianceScope, *, also: str | None = None) -> frozenset[Any]:
    """The groups of the scope's dashboard that the viewer may not see (none for national and
    institution users). `also` adds a breakdown the dashboard does not publish, so that asking
    for it never bypasses the rules."""
    if not scope.regional:
        return frozenset()
    dimensions = dashboard_dimensions(scope)
    if also is not None and also not in dimensions:
        dimensions = (*dimensions, also)
    return frozenset(_memo(scope, ("hidden", dimensions), lambda: _protect(scope, dimensions)))


def _protect(scope: ComplianceScope, dimensions: tuple[str, ...]) -> frozenset[Any]:
    head = _headline_row(scope)
    sizes: dict[Any, int] = {
        TOTAL: int(head.get("people") or 0),
        TOTAL_FRONT_LINE: int(head.get("fl_people") or 0),
    }
    links: list[disclosure.Linked] = []
    for dimension in dimensions:
        parts, front_line_parts = [], []
        for row in _breakdown_rows(scope, dimension):
            group = _row_group(scope, dimension, row["key"])
            front_line = _front_line_group(scope, dimension, row["key"])
            sizes[group] = int(row["people"] or 0)
            sizes[front_line] = int(row["fl_people"] or 0)
            parts.append(group)
            front_line_parts.append(front_line)
        links.append(disclosure.Linked(tuple(parts), TOTAL))
        links.append(disclosure.Linked(tuple(front_line_parts), TOTAL_FRONT_LINE))
    # The matrix: each area's cells add up to the area's row of the per-area table; a column is
    # kept together too. A cell about everyone (or about one category's people) is linked to the
    # headline (or that category's row) when it counts the same number of people.
    everyone = set(StaffCategory.objects.filter(applies_to_all=True).values_list("pk", flat=True))
    areas: dict[int, list[Any]] = defaultdict(list)
    columns: dict[int, list[Any]] = defaultdict(list)
    for (area_id, category_id), row in _cell_rows(scope).items():
        cell = ("cell", area_id, category_id)
        sizes[cell] = int(row["people"] or 0)
        sizes[("area", area_id)] = sizes.get(("area", area_id), 0) + sizes[cell]
        areas[area_id].append(cell)
        columns[category_id].append(cell)
        same = TOTAL if category_id in everyone else _row_group(scope, "category", category_id)
        if sizes.get(same) == sizes[cell]:
            links.append(disclosure.same_people(cell, same))
    links += [disclosure.Linked(tuple(cells), ("area", area)) for area, cells in areas.items()]
    links += [disclosure.Linked(tuple(cells)) for cells in columns.values()]
    return disclosure.suppress(sizes, links, forced=_hidden_above(scope))


def _hidden_above(scope: ComplianceScope) -> set[Any]:
    """An institution (administration) suppressed on its administration's (the region's)
    dashboard stays suppressed on its own: otherwise its own page would give it back."""
    if scope.institution is not None:
        parent = ComplianceScope(scope.user, scope.on, beneficiary=scope.institution.beneficiary)
        group: Any = ("institution", scope.institution.pk)
    elif scope.beneficiary is not None:
        parent = ComplianceScope(scope.user, scope.on)
        group = ("administration", scope.beneficiary.pk)
    else:
        return set()
    return {TOTAL} if group in hidden_groups(parent) else set()


def headline(scope: ComplianceScope) -> Indicators:
    """The headline indicators for the whole scope."""
    hidden = hidden_groups(scope)
    return _indicators(
        _headline_row(scope),
        hidden=TOTAL in hidden,
        front_line_hidden=TOTAL_FRONT_LINE in hidden,
    )


def _labels(dimension: str, keys: list[Any]) -> dict[Any, str]:
    if dimension == "administration":
        return {b.pk: b.name for b in Beneficiary.objects.filter(pk__in=keys)}
    if dimension == "institution":
        return dict(Institution.objects.filter(pk__in=keys).values_list("pk", "name"))
    if dimension == "category":
        return {c.pk: c.local_title for c in StaffCategory.objects.filter(pk__in=keys)}
    return {kind: str(label) for kind, label in Service.Kind.choices}


def breakdown(scope: ComplianceScope, dimension: str) -> list[BreakdownRow]:
    """The indicators per administration, service, institution or category."""
    rows = _breakdown_rows(scope, dimension)
    hidden = hidden_groups(scope, also=dimension)
    labels = _labels(dimension, [row["key"] for row in rows])
    result = [
        BreakdownRow(
            key=row["key"],
            label=labels.get(row["key"], str(row["key"])),
            indicators=_indicators(
                row,
                hidden=_row_group(scope, dimension, row["key"]) in hidden,
                front_line_hidden=_front_line_group(scope, dimension, row["key"]) in hidden,
            ),
        )
        for row in rows
    ]
    return sorted(result, key=lambda r: r.label)


@dataclass
class AreaRow:
    area: CompetencyArea
    satisfied: Share
    expiring: Count
    overdue: Count


def by_area(scope: ComplianceScope) -> list[AreaRow]:
    """Share of requirements satisfied in each competency area: the matrix's rows summed."""
    totals: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for (area_id, _category_id), row in _cell_rows(scope).items():
        for column in ("people", *STATUSES):
            totals[area_id][column] += int(row[column] or 0)
    hidden = hidden_groups(scope)
    areas = {area.pk: area for area in CompetencyArea.objects.all()}
    result = []
    for area_id, row in totals.items():
        suppressed = ("area", area_id) in hidden
        met = row[Status.CURRENT] + row[Status.EXPIRING]
        result.append(
            AreaRow(
                areas[area_id],
                share(met, row["people"], suppressed),
                count(row[Status.EXPIRING], suppressed),
                count(row[Status.OVERDUE], suppressed),
            )
        )
    return sorted(result, key=lambda r: r.area.order)


@dataclass
class DashboardCell:
    category: StaffCategory
    current: Share | None = None
    counts: dict[str, Count] = field(default_factory=dict)

    @property
    def band(self) -> str:
        """Colour band of the cell: how much of it is trained to the required level."""
        if self.current is None:
            return "none"
        if self.current.percent is None:
            return "suppressed" if self.current.suppressed else "none"
        if self.current.percent >= 80:
            return "good"
        if self.current.percent >= 50:
            return "fair"
        return "poor"


def matrix_dashboard(
    scope: ComplianceScope,
) -> tuple[list[StaffCategory], list[tuple[CompetencyArea, list[DashboardCell]]]]:
    """The matrix, each cell the share of its people holding the required level on the date."""
    cells = _cell_rows(scope)
    hidden = hidden_groups(scope)
    categories = list(StaffCategory.objects.all())
    matrix = []
    for area in CompetencyArea.objects.all():
        line = []
        for category in categories:
            row = cells.get((area.pk, category.pk))
            if row is None:
                line.append(DashboardCell(category))
                continue
            suppressed = ("cell", area.pk, category.pk) in hidden
            people = int(row["people"])
            ok = int(row[Status.CURRENT]) + int(row[Status.EXPIRING])
            line.append(
                DashboardCell(
                    category,
                    share(ok, people, suppressed),
                    {s: count(int(row[s]), suppressed) for s in STATUSES},
                )
            )
        matrix.append((area, line))
    return categories, matrix


@dataclass
class PersonLine:
    member: StaffMember
    worst: str
    by_area: dict[int, str]
    valid_until: dict[int, datetime.date | None]


class SqlRows(Sequence[dict[str, Any]]):
    """Rows of a query, counted and sliced in SQL, so a paginator never loads them all."""

    def __init__(
        self, sql: str, params: list[Any], order_by: str, held_on: datetime.date | None = None
    ) -> None:
        """`held_on`: the rows are statuses whose held level is read, on that date, for the
        rows of the page only (`history.held_rank_sql`)."""
        self.sql, self.params, self.order_by, self.held_on = sql, params, order_by, held_on

    def count(self) -> int:  # type: ignore[override]
        return int(_fetch(f"SELECT COUNT(*) AS n FROM ({self.sql}) counted", self.params)[0]["n"])

    def __len__(self) -> int:
        return self.count()

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, int):
            return self[index : index + 1][0]
        page, params = self._page(int(index.start or 0), index.stop)
        if self.held_on is None:
            return _fetch(page, params)
        columns = ", ".join(c for c in STATUS_COLUMNS if c != "held_rank")
        day = self.held_on.isoformat()
        return _fetch(
            f"SELECT {columns}, {history.held_rank_sql('page')} AS held_rank "
            f"FROM ({page}) page ORDER BY {self.order_by}",
            [day, day, *params],
        )

    def _page(self, start: int, stop: int | None) -> tuple[str, list[Any]]:
        """SELECT of the rows from `start` to `stop` (None: to the end), in order."""
        limit = "" if stop is None else f"LIMIT {int(stop) - start}"
        # SQLite takes no OFFSET without a LIMIT; every row (`[:]`, a download) needs neither.
        offset = f"OFFSET {start}" if start else ""
        return (
            f"SELECT * FROM ({self.sql}) paged ORDER BY {self.order_by} {limit} {offset}",
            self.params,
        )


class LapseRows(SqlRows):
    """The requirements of one status (expiring or overdue) on a date, read from the spans, for
    a user who may see by name everyone placed in the scope's institutions. The total is the
    status's figure, summed from the count changes; a page merges the first rows of each
    institution, which its index gives in the list's order, so the database reads a page's
    worth per institution instead of sorting every lapse of the administration."""

    # SQLite allows 500 terms in one compound SELECT: the institutions' terms go in groups.
    GROUP = 100

    def __init__(
        self,
        scope: ComplianceScope,
        status: Status,
        order_by: str,
        fallback: tuple[str, list[Any]],
        held_on: datetime.date | None,
    ) -> None:
        super().__init__(*fallback, order_by, held_on=held_on)
        self.scope, self.status = scope, status

    @property
    def _index_order(self) -> str:
        # Overdue spans have no valid-until: ordered by it first, they are in the order of the
        # index (institution, valid-until, deadline, …), which PostgreSQL then reads and stops.
        prefix = "valid_until, " if self.status == Status.OVERDUE else ""
        return prefix + self.order_by

    def count(self) -> int:  # type: ignore[override]
        places, params = _institution_ids(self.scope)
        counts, counts_params = history.cell_counts_on(self.scope.on, places, params)
        total = _fetch(
            f"SELECT COALESCE(SUM({self.status.value}), 0) AS n FROM ({counts}) counts",
            counts_params,
        )
        return int(total[0]["n"])

    def _page(self, start: int, stop: int | None) -> tuple[str, list[Any]]:
        institutions = _institution_id_list(self.scope)
        if stop is None or not institutions:
            return super()._page(start, stop)
        groups, params = [], []
        for first in range(0, len(institutions), self.GROUP):
            terms = []
            for institution_id in institutions[first : first + self.GROUP]:
                sql, term_params = history.statuses_on(
                    self.scope.on, "institution_id = %s", [institution_id], [self.status],
                    held=False,
                )  # fmt: skip
                terms.append(
                    f"SELECT * FROM ({sql} ORDER BY {self._index_order} LIMIT {int(stop)}) term"
                )
                params += term_params
            groups.append(f"SELECT * FROM ({' UNION ALL '.join(terms)}) terms")
        merged = " UNION ALL ".join(groups)
        offset = f"OFFSET {start}" if start else ""
        return (
            f"SELECT * FROM ({merged}) merged ORDER BY {self.order_by} "
            f"LIMIT {int(stop) - start} {offset}",
            params,
        )


def _filtered(
    scope: ComplianceScope,
    *,
    area_id: int | None = None,
    category_id: int | None = None,
    statuses: list[str] | None = None,
    primary_category_id: int | None = None,
    staff_member_ids: list[int] | None = None,
    held: bool = True,
) -> tuple[str, list[Any]]:
    relation, params = status_relation(
        scope, personal=True, statuses=statuses or (), held=held,
        one_cell=area_id is not None and category_id is not None,
        listed=staff_member_ids is not None,
    )  # fmt: skip
    conditions: list[str] = ["1 = 1"]
    extra: list[Any] = []
    for column, value in (
        ("area_id", area_id), ("category_id", category_id),
        ("primary_category_id", primary_category_id),
    ):  # fmt: skip
        if value is not None:
            conditions.append(f"{column} = %s")
            extra.append(value)
    if statuses:
        conditions.append(f"status IN ({', '.join(['%s'] * len(statuses))})")
        extra += statuses
    if staff_member_ids is not None:
        placeholders = ", ".join(["%s"] * len(staff_member_ids)) or "NULL"
        conditions.append(f"staff_member_id IN ({placeholders})")
        extra += staff_member_ids
    return f"SELECT * FROM ({relation}) r WHERE {' AND '.join(conditions)}", [*params, *extra]


def status_rows(scope: ComplianceScope, **filters: Any) -> list[dict[str, Any]]:
    """Per (person, requirement) rows the user may see by name, filtered in SQL."""
    sql, params = _filtered(scope, **filters)
    return _fetch(sql, params)


def person_statuses(member: StaffMember, on: datetime.date) -> list[dict[str, Any]]:
    """One person's rows (the caller fetched the person through their scope): from the derived
    table on the snapshot date, otherwise the engine run for this person alone."""
    if snapshot_date() == on:
        columns = ", ".join(STATUS_COLUMNS)
        table = RequirementStatus._meta.db_table
        return _fetch(f"SELECT {columns} FROM {table} WHERE staff_member_id = %s", [member.pk])
    query = status_query(on, PeopleFilter.ids([member.pk]))
    return _fetch(*query) if query else []


def status_list(scope: ComplianceScope, status: Status, *, held: bool = True) -> SqlRows:
    """Requirements in one status, soonest date first: expiring by expiry, overdue by deadline.
    `held`: with the level each person holds (the API's); the page and its downloads show
    none, and a download of 400 000 lapses would read each one's evidence for nothing."""
    spans = _reads_spans(scope, [status])
    sql, params = _filtered(scope, statuses=[status], held=not spans)
    when = "valid_until" if status == Status.EXPIRING else "deadline"
    order = f"{when}, staff_member_id, area_id, category_id"
    held_on = scope.on if spans and held else None
    if spans and names_everyone_placed(scope.user):
        return LapseRows(scope, status, order, (sql, params), held_on)
    return SqlRows(sql, params, order, held_on=held_on)


def people_by_standing(
    scope: ComplianceScope, *, worst_status: str | None = None, **filters: Any
) -> SqlRows:
    """One row per person (staff_member_id, worst), worst standing first, then by name;
    `worst_status` keeps people with at least one requirement in that status."""
    if scope.from_snapshot and set(filters) <= {"primary_category_id"}:
        return _people_from_summary(scope, worst_status, filters.get("primary_category_id"))
    sql, params = _filtered(scope, held=False, **filters)
    having, extra = "", []
    if worst_status:
        having, extra = "HAVING SUM(CASE WHEN status = %s THEN 1 ELSE 0 END) > 0", [worst_status]
    staff = StaffMember._meta.db_table
    # Each person's worst first, then their name: one look-up per person, not per requirement
    # (PostgreSQL joined 81 000 requirements to the register for 5 000 people: twice as long).
    grouped = (
        f"SELECT g.staff_member_id, g.worst, s.sort_name FROM ("
        f"SELECT staff_member_id, MIN({SEVERITY_SQL}) AS worst FROM ({sql}) r "
        f"GROUP BY staff_member_id {having}) g JOIN {staff} s ON s.id = g.staff_member_id"
    )
    order = "worst, sort_name, staff_member_id"
    one_cell = filters.get("area_id") is not None and filters.get("category_id") is not None
    if _reads_spans(scope, one_cell=one_cell):
        # A page counts its people, then shows some: their standings are worked out once.
        return SqlRows(f"SELECT * FROM {materialize_query(grouped, [*params, *extra])}", [], order)
    return SqlRows(grouped, [*params, *extra], order)


def _people_from_summary(
    scope: ComplianceScope, worst_status: str | None, primary_category_id: int | None
) -> SqlRows:
    """The same ordering from the per-person summary (indexed by institution and severity)."""
    visible, params = _ids_condition("p.staff_member_id", scope.people())
    conditions = [visible]
    if scope.institution is not None:
        conditions.append("p.institution_id = %s")
        params.append(scope.institution.pk)
    if primary_category_id is not None:
        conditions.append("p.primary_category_id = %s")
        params.append(primary_category_id)
    if worst_status:
        conditions.append(
            f"EXISTS (SELECT 1 FROM {RequirementStatus._meta.db_table} r "
            "WHERE r.staff_member_id = p.staff_member_id AND r.status = %s)"
        )
        params.append(worst_status)
    sql = (
        f"SELECT p.staff_member_id, p.severity AS worst, s.sort_name "
        f"FROM {PersonStatus._meta.db_table} p "
        f"JOIN {StaffMember._meta.db_table} s ON s.id = p.staff_member_id "
        f"WHERE {' AND '.join(conditions)}"
    )
    return SqlRows(sql, params, "worst, sort_name, staff_member_id")


def people_grid(
    scope: ComplianceScope, people: list[dict[str, Any]], **filters: Any
) -> list[PersonLine]:
    """The given people (a page of `people_by_standing`) with their worst status per area."""
    ids = [row["staff_member_id"] for row in people]
    if not ids:
        return []
    rows = _fetch(*_filtered(scope, staff_member_ids=ids, **filters))
    per_person: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        per_person[row["staff_member_id"]].append(row)
    members = StaffMember.objects.select_related("primary_category", "institution").in_bulk(ids)
    lines = []
    for staff_id in ids:
        areas: dict[int, list[str]] = defaultdict(list)
        until: dict[int, datetime.date | None] = {}
        for row in per_person[staff_id]:
            areas[row["area_id"]].append(row["status"])
            until[row["area_id"]] = _as_date(row["valid_until"])
        lines.append(
            PersonLine(
                member=members[staff_id],
                worst=_worst([status for statuses in areas.values() for status in statuses]),
                by_area={area: _worst(s) for area, s in areas.items()},
                valid_until=until,
            )
        )
    return lines


def _worst(statuses: list[str]) -> str:
    return min(statuses, key=lambda s: SEVERITY.index(Status(s)))


def _as_date(value: Any) -> datetime.date | None:
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value))


@dataclass
class TrendRow:
    quarter_end: datetime.date
    compliant: Share


def trend(scope: ComplianceScope) -> list[TrendRow]:
    """Share compliant at each quarter end of the last five years. For a viewer under
    disclosure control a quarter of fewer than MATRICA_SMALL_CELL people is suppressed, and the
    whole trend where the scope's own total is (its quarters would give that group back)."""
    rows = (
        TrendPoint.objects.filter(institution__in=scope.institutions())
        .values("quarter_end")
        .order_by("quarter_end")
    )
    totals = rows.annotate(people=Sum("people"), compliant=Sum("compliant"))
    whole = scope.regional and TOTAL in hidden_groups(scope)
    return [
        TrendRow(
            row["quarter_end"],
            share(
                row["compliant"],
                row["people"],
                scope.regional and (whole or disclosure.small(row["people"])),
            ),
        )
        for row in totals
    ]


def person_entries(member: StaffMember, on: datetime.date) -> list[dict[str, Any]]:
    """One person's status against each requirement on `on`, as the engine answers it, with the
    area, column and levels to show, the national deviation's reason where the administration
    tightened the cell, and the dates as dates (SQLite returns them as text). The caller fetched
    the person through their scope."""
    rows = person_statuses(member, on)
    _version, _adaptation, rules = rules_in_force(beneficiary_id=member.beneficiary_id, on=on)
    areas = {a.pk: a for a in CompetencyArea.objects.all()}
    categories = {c.pk: c for c in StaffCategory.objects.all()}
    levels = {level.rank: level for level in Level.objects.all()}
    return sorted(
        (
            {**row, "area": areas[row["area_id"]], "category": categories[row["category_id"]],
             "required": levels[row["required_rank"]], "held": levels.get(row["held_rank"]),
             "deadline": _as_date(row["deadline"]), "valid_until": _as_date(row["valid_until"]),
             "deviation_reason": getattr(rules.get((row["area_id"], row["category_id"])),
                                         "deviation_reason", "")}
            for row in rows
        ),
        key=lambda e: (e["area"].order, e["category"].order),
    )  # fmt: skip
