"""Issue #21's measurements of compliance on past dates, read from the history (status spans and
count changes): the pages on past dates as on today, the history's rows against DuckDB's on each
past date, and users' writes while a rebuild or a refresh runs in another transaction stream.

Used by benchmarks.run, inside its child process (Django is set up there)."""

from __future__ import annotations

import csv
import datetime
import math
import statistics
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import duckdb
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext

from benchmarks import generate, reference
from benchmarks.common import median_seconds
from matrica.accounts.models import User
from matrica.compliance import history, selectors
from matrica.compliance.models import CellChange, GroupChange, StatusSpan
from matrica.compliance.scope import scope_for
from matrica.compliance.services import refresh_all
from matrica.compliance.sql import PERSON_COLUMNS, per_cell, per_group, per_person
from matrica.framework.actions import (
    change_draft_requirement,
    create_draft_version,
    publish_version,
)
from matrica.framework.models import (
    CompetencyArea,
    FrameworkVersion,
    Level,
    Module,
    Requirement,
    StaffCategory,
)
from matrica.staff.models import StaffMember
from matrica.tenancy.models import Beneficiary, Institution
from matrica.tenancy.roles import Role
from matrica.tenancy.scoping import SYSTEM
from matrica.training.actions import record_module_completions

TODAY = generate.TODAY
# The engine's query (status_query) begins so; the history's reads never contain it.
ENGINE_SQL = "WITH rules (beneficiary_id, area_id"
HISTORY_TABLES = tuple(model._meta.db_table for model in (StatusSpan, CellChange, GroupChange))
PAGE_TARGET = 0.3  # issue #21: any date's pages within 0.3× DuckDB's time for the whole table
CELL = ("RAD", "ALL")  # basic awareness of radicalisation, everyone: the matrix's largest cell


def past_dates() -> list[datetime.date]:
    """The end of a year about four years back, the middle of one about two and a half years
    back, and eleven months back: all after the first framework version took effect, so that
    every date has requirements (the generated evidence starts five years back)."""
    dates = [
        datetime.date(TODAY.year - 4, 12, 31),
        datetime.date(TODAY.year - 2, 6, 30),
        TODAY - relativedelta(months=11),
    ]
    first = (
        FrameworkVersion.objects.published()
        .order_by("effective_from")
        .values_list("effective_from", flat=True)
        .first()
    )
    assert first is not None
    assert all(day > first for day in dates), (first, dates)
    return dates


# --- Pages --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    key: str
    label: str
    client: Client
    url: Callable[[datetime.date], str]  # the URL asked on a date, `?on=` included
    # Read through a ComplianceScope: on a past date every figure must come from the history.
    scoped: bool = True
    target: float | None = PAGE_TARGET


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def pages(
    coordinator: User, institution: Institution, dates: Sequence[datetime.date]
) -> list[Page]:
    """The pages issue #21 times: the region's dashboard as its coordinator; the largest
    administration's dashboard, matrix cell, expiring and overdue lists (and their downloads)
    as its national administrator; the largest institution's grid, first and last page, as
    its administration's national administrator; a person's record."""
    largest = Beneficiary.objects.annotate(people=Count("staff")).order_by("-people", "pk").first()
    assert largest is not None
    national = User.objects.create(
        username="bench-history-national", role=Role.NATIONAL_ADMIN,
        beneficiary=largest,
    )  # fmt: skip
    grid_admin = User.objects.create(
        username="bench-history-grid", role=Role.NATIONAL_ADMIN,
        beneficiary=institution.beneficiary,
    )  # fmt: skip
    # Someone in post on every date asked, with a record reaching back before the first.
    person = (
        StaffMember.objects.filter(institution=institution, active=True, entry_date__lt=min(dates))
        .order_by("pk")
        .first()
    )
    assert person is not None
    regional, administration, grid = _client(coordinator), _client(national), _client(grid_admin)
    area, category = CELL

    def last_grid_page(on: datetime.date) -> int:
        scope = scope_for(grid_admin, on, institution_id=institution.pk)
        people = selectors.people_by_standing(scope).count()
        return max(1, math.ceil(people / settings.MATRICA_PAGE_SIZE))

    def on(day: datetime.date) -> str:
        return f"on={day.isoformat()}"

    grid_url = f"/compliance/institution/{institution.pk}/"
    return [
        Page("regional_dashboard", "regional dashboard (coordinator)", regional,
             lambda d: f"/compliance/?{on(d)}"),
        Page("administration_dashboard", f"dashboard of {largest.code} (largest administration)",
             administration, lambda d: f"/compliance/?{on(d)}"),
        Page("grid_first", "institution grid, largest institution, first page", grid,
             lambda d: f"{grid_url}?{on(d)}"),
        Page("grid_last", "institution grid, largest institution, last page", grid,
             lambda d: f"{grid_url}?{on(d)}&page={last_grid_page(d)}"),
        Page("cell_people", f"people behind cell {area} × {category}, {largest.code}",
             administration, lambda d: f"/compliance/cell/{area}/{category}/?{on(d)}"),
        Page("expiring", f"expiring list, {largest.code}", administration,
             lambda d: f"/compliance/expiring/?{on(d)}"),
        Page("overdue", f"overdue list, {largest.code}", administration,
             lambda d: f"/compliance/overdue/?{on(d)}"),
        Page("expiring_csv", f"expiring list CSV, {largest.code}", administration,
             lambda d: f"/compliance/expiring/export.csv?{on(d)}"),
        Page("overdue_csv", f"overdue list CSV, {largest.code}", administration,
             lambda d: f"/compliance/overdue/export.csv?{on(d)}"),
        # Every person of the largest cell, with their grid: not one of the targets.
        Page("cell_csv", f"people behind cell {area} × {category} CSV, {largest.code}",
             administration, lambda d: f"/compliance/cell/{area}/{category}/export.csv?{on(d)}",
             target=None),
        # The record reads one person's statuses (selectors.person_statuses), not a scope.
        Page("person", "a person's record", grid, lambda d: f"/staff/{person.pk}/?{on(d)}",
             scoped=False),
    ]  # fmt: skip


def time_pages(
    results: dict[str, object], page_list: list[Page], dates: Sequence[datetime.date], repeat: int
) -> None:
    """Median seconds of each page on today and on each past date, through Django's test client
    (templates rendered). Each URL is asked once first with its queries captured: it must
    answer 200 and, on a past date, a scoped page must read the history, never the engine."""
    days = [TODAY, *dates]
    timed: list[dict[str, object]] = []
    for page in page_list:
        seconds: dict[str, float] = {}
        engine: dict[str, int] = {}
        read: dict[str, int] = {}
        for day in days:
            url = page.url(day)
            with CaptureQueriesContext(connection) as captured:
                response = page.client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            queries = [query["sql"] for query in captured.captured_queries]
            engine[day.isoformat()] = sum(ENGINE_SQL in sql for sql in queries)
            read[day.isoformat()] = sum(
                any(table in sql for table in HISTORY_TABLES) for sql in queries
            )
            if day != TODAY and page.scoped:
                assert engine[day.isoformat()] == 0, f"{url} ran the engine"
                assert read[day.isoformat()] > 0, f"{url} did not read the history"
            seconds[day.isoformat()] = median_seconds(partial(page.client.get, url), repeat)
        timed.append({
            "key": page.key, "label": page.label, "target": page.target, "seconds": seconds,
            "engine_queries": engine, "history_queries": read,
        })  # fmt: skip
    results["page_dates"] = [day.isoformat() for day in days]
    results["pages"] = timed


# --- The history against DuckDB -----------------------------------------------------------------


def export_history_rows(path: Path, on: datetime.date) -> int:
    """Everyone's STATUS_COLUMNS on `on`, read from the spans, as a CSV file like the
    snapshot's export. Returns the rows written."""
    sql, params = history.statuses_on(on, "1 = 1", [])
    written = 0
    with path.open("w", newline="") as handle, connection.chunked_cursor() as cursor:
        writer = csv.writer(handle)
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(20_000):
            writer.writerows(["" if value is None else value for value in row] for row in rows)
            written += len(rows)
    return written


def history_mismatches(
    results: dict[str, object],
    folder: Path,
    duck: duckdb.DuckDBPyConnection,
    dates: Sequence[datetime.date],
) -> None:
    """Per date (today, where users' writes landed, and the past dates): the rows in which the
    history's table and DuckDB's (under the rules in force on that date) differ, both ways; and
    the counts of the history's changes on that date that differ from the counts of its rows."""
    mismatched: dict[str, int] = {}
    counts: dict[str, dict[str, int]] = {}
    rows: dict[str, int] = {}
    duck_seconds: dict[str, float] = {}
    window = settings.MATRICA_EXPIRING_WINDOW_DAYS
    for on in [TODAY, *dates]:
        day = on.isoformat()
        path = folder / f"history-{connection.vendor}-{day}.csv"
        rows[day] = export_history_rows(path, on)
        reference.write_rules(folder, on)
        reference.load_rules(duck, folder)
        sql = reference.status_sql(on, window)
        duck_seconds[day] = reference.time_reference(duck, sql)
        mismatched[day] = reference.mismatches(duck, path)  # leaves the rows in table `engine`
        counts[day] = count_mismatches(duck, on)
    results["history_mismatched_rows"] = mismatched
    results["history_count_mismatches"] = counts
    results["history_rows"] = rows
    results["history_duckdb_s"] = duck_seconds


def _keyed(rows: list[tuple[Any, ...]], keys: int) -> dict[tuple[int, ...], tuple[int, ...]]:
    return {
        tuple(int(v) for v in row[:keys]): tuple(int(v or 0) for v in row[keys:]) for row in rows
    }


def _differing(a: dict[Any, Any], b: dict[Any, Any]) -> int:
    return sum(a.get(key) != b.get(key) for key in a.keys() | b.keys())


def count_mismatches(duck: duckdb.DuckDBPyConnection, on: datetime.date) -> dict[str, int]:
    """The history's counts on `on` (cells, groups) against the same sums (compliance.sql's) of
    its rows on that date, which DuckDB holds in table `engine`: how many institution × cell
    and institution × category rows differ. Catches changes that drifted from the spans."""
    all_staff = StaffCategory.objects.get(applies_to_all=True).pk
    duck.execute(
        "CREATE OR REPLACE TEMP VIEW statuses AS "
        "SELECT staff_id AS staff_member_id, * EXCLUDE (staff_id) FROM engine"
    )
    standing = per_person("statuses", all_staff=all_staff, columns=PERSON_COLUMNS[:-1])
    expected = {
        "cells": _keyed(duck.execute(per_cell("statuses")).fetchall(), 4),
        "groups": _keyed(duck.execute(per_group(f"({standing}) standing")).fetchall(), 3),
    }
    found = {}
    for name, query in (("cells", history.cell_counts_on), ("groups", history.group_counts_on)):
        sql, params = query(on, "1 = 1", [])
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found[name] = _keyed(cursor.fetchall(), 4 if name == "cells" else 3)
    return {name: _differing(expected[name], found[name]) for name in expected}


# --- Writes while a rebuild or a refresh runs ---------------------------------------------------


def writers_people(count: int, offset: int) -> list[StaffMember]:
    """`count` active people spread over the whole register (every administration, every
    batch of a rebuild); `offset` picks another set for another measurement."""
    ids = list(StaffMember.objects.filter(active=True).order_by("pk").values_list("pk", flat=True))
    step = max(1, len(ids) // count)
    chosen = ids[offset % step :: step][:count]
    found = StaffMember.objects.in_bulk(chosen)
    return [found[pk] for pk in chosen]


def writes_during(
    action: Callable[[], object] | None,
    people: Sequence[StaffMember],
    module: Module,
    *,
    interval: float = 0.2,
    idle_writes: int = 10,
) -> dict[str, object]:
    """Run `action` in this thread while another thread (its own database connection) records
    one module completion for one person every `interval` seconds, as a user would; without an
    action, `idle_writes` writes alone. The seconds each write took, and the failed ones."""
    stop = threading.Event()
    took: list[float] = []
    failures: list[str] = []

    def write() -> None:
        try:
            for person in people:
                if stop.is_set():
                    break
                started = time.perf_counter()
                try:
                    record_module_completions(
                        actor=SYSTEM, module=module, completed_on=TODAY, staff_members=[person]
                    )
                except Exception as error:  # a failed write is what is measured
                    failures.append(f"{type(error).__name__}: {error}")
                took.append(time.perf_counter() - started)
                stop.wait(interval)
        finally:
            connection.close()  # this thread's own connection

    people = people if action is not None else people[:idle_writes]
    writer = threading.Thread(target=write, name="bench-writer")
    action_error = None
    started = time.perf_counter()
    writer.start()
    try:
        if action is not None:
            action()
    except Exception as error:  # the action failing under concurrent writes is a finding too
        action_error = f"{type(error).__name__}: {error}"
        traceback.print_exc()
        print(f"failed under concurrent writes: {action_error.splitlines()[0]}", flush=True)
    finally:
        action_seconds = time.perf_counter() - started
        if action is not None:
            stop.set()
        writer.join()
    assert action is None or len(took) < len(people), "the writer ran out of people"
    if action is not None and action_error is not None:
        action()  # alone this time: leave the tables complete for the comparisons that follow
    return {
        "action_s": action_seconds if action is not None else None,
        "action_error": action_error,
        "writes": len(took),
        "failed": len(failures),
        "errors": failures[:3],
        "max_s": max(took) if took else None,
        "median_s": statistics.median(took) if took else None,
        "over_1s": sum(seconds > 1 for seconds in took),
    }


# A new version of the common matrix for the framework change: three cells changed, in force
# from the middle of the year before TODAY, so that one past date falls under each version.
CHANGE_FROM = datetime.date(TODAY.year - 1, 7, 1)
CHANGED_CELLS = [  # area, category, level, refresher months, deadline months (None: as it was)
    ("RAD", "ALL", None, 24, None),  # everyone's refresher: 36 → 24 months
    ("HRL", "ALL", None, None, 3),  # everyone's deadline: 6 → 3 months
    ("INT", "FLO", "P", None, None),  # front-line officers: awareness → practitioner
]


def framework_change() -> float:
    """A change to the common matrix as a coordinator makes it: a new version published (three
    cells differ), then what `matrica compliance refresh` does: the administrations' history,
    all marked stale by the publication, rebuilt, and the snapshot (dropped by it) moved to
    today. Seconds from the publication to the snapshot's return."""
    current = FrameworkVersion.objects.published().order_by("-effective_from").first()
    assert current is not None
    draft = create_draft_version(
        actor=SYSTEM, source=current, code="bench-2", title="Benchmark: three cells changed"
    )
    for area_code, category_code, level_code, refresher, deadline in CHANGED_CELLS:
        area = CompetencyArea.objects.get(code=area_code)
        category = StaffCategory.objects.get(code=category_code)
        cell = Requirement.objects.select_related("level").get(
            version=draft, area=area, category=category
        )
        change_draft_requirement(
            actor=SYSTEM, version=draft, area=area, category=category,
            level=Level.objects.get(code=level_code) if level_code else cell.level,
            refresher_months=refresher or cell.refresher_months,
            deadline_months=deadline or cell.deadline_months,
        )  # fmt: skip
    assert CHANGE_FROM < TODAY
    started = time.perf_counter()
    publish_version(actor=SYSTEM, version=draft, effective_from=CHANGE_FROM)
    assert not history.ready_administrations()
    history.rebuild(only_stale=True)
    refresh_all(on=TODAY)
    return time.perf_counter() - started


def redo_everyone() -> float:
    """The nightly rebuild at its largest: every administration stale for its people (as after
    an imported roster), every person's spans computed again and compared, in short
    transactions. (A change of rules redoes only its cells; `--history`, a repair from scratch,
    first empties each administration in one transaction and is for a maintenance window.)"""
    history.mark_stale()
    return history.rebuild(only_stale=True)


def contention(results: dict[str, object], module: Module) -> None:
    """Writes alone, while every person's history is redone (`redo_everyone`), and while the
    snapshot is moved to today."""
    results["writes_idle"] = writes_during(None, writers_people(10, 0), module)
    # Enough people for a write every 0.2 s over the longest of the two runs measured before.
    longest = max(float(results["history_rebuild_s"]), float(results["full_recompute_s"]))  # type: ignore[arg-type]
    enough = int(longest * 10) + 500
    results["writes_during_rebuild"] = writes_during(
        redo_everyone, writers_people(enough, 1), module
    )
    results["writes_during_refresh"] = writes_during(
        lambda: refresh_all(on=TODAY), writers_people(enough, 2), module
    )
