"""The engine against a plain-Python reading of docs/compliance.md, on random small histories.

`reference_statuses` is written from the document alone, one person at a time, with dateutil's
`relativedelta` for calendar months; the engine is one set-based SQL query. They must agree on
the status, the deadline and the valid-until of every (person, area, column).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from matrica.compliance import history as compliance_history
from matrica.compliance.scope import ComplianceScope
from matrica.compliance.selectors import status_rows
from matrica.compliance.services import refresh_all
from matrica.framework.models import (
    CompetencyArea,
    FrameworkVersion,
    Level,
    Requirement,
    StaffCategory,
)
from matrica.tenancy.models import Institution
from matrica.tenancy.scoping import SystemUser
from matrica.testing.factories import (
    CompletionFactory,
    StaffMemberFactory,
    StaffRoleFactory,
    category,
)

pytestmark = pytest.mark.django_db

date = datetime.date

PRIMARY_CATEGORIES = ("FLO", "TRS", "SIL", "MGR", "PRO")
ROLES = ("MDT", "TRN")
AREAS = ("RAD", "IDN", "REP", "DYN", "HRL", "MAC")
LEVELS = {"A": 1, "P": 2, "S": 3}


# --- the reference ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    rank: int
    refresher_months: int
    deadline_months: int


@dataclass(frozen=True)
class Role:
    category: str
    start: date
    end: date | None


@dataclass(frozen=True)
class Evidence:
    area: str
    rank: int
    completed_on: date
    valid_until: date


@dataclass(frozen=True)
class Person:
    entry: date
    primary: str
    active: bool
    role: Role | None
    completions: tuple[Evidence, ...]
    leaving: date | None = None  # the last day in post; a leaver is never active


@dataclass(frozen=True)
class Outcome:
    status: str
    deadline: str
    valid_until: str | None


def reference_statuses(
    person: Person,
    on: date,
    cells: dict[tuple[str, str], Cell],
    first_effective: date,
    window_days: int,
) -> dict[tuple[str, str], Outcome]:
    """Every requirement of one person on `on`, keyed by (area code, column code)."""
    # 1. Who is counted: in post on the date (a leaver's last day included); inactive people
    # without a leaving date never.
    in_post = person.active or (person.leaving is not None and person.leaving >= on)
    if not in_post or person.entry > on or on < first_effective:
        return {}
    # 2. The columns held on the date, and since when.
    since = {"ALL": person.entry, person.primary: person.entry}
    role = person.role
    if role is not None and role.start <= on and (role.end is None or role.end >= on):
        since[role.category] = min(since.get(role.category, role.start), role.start)
    result = {}
    for (area, column), cell in cells.items():
        if column not in since:
            continue
        # 3. The deadline, counted from the start but never before the first version.
        start = max(since[column], first_effective)
        deadline = start + relativedelta(months=cell.deadline_months)
        # 4. Satisfying evidence and how long each piece is valid for this requirement.
        valid = [
            min(c.valid_until, c.completed_on + relativedelta(months=cell.refresher_months))
            for c in person.completions
            if c.area == area and c.rank >= cell.rank and c.completed_on <= on
        ]
        latest = max(valid, default=None)
        # 5. The status.
        if latest is not None and latest >= on:
            window_end = on + datetime.timedelta(days=window_days)
            status = "expiring" if latest < window_end else "current"
        elif latest is not None:
            status = "expired"
        elif on <= deadline:
            status = "missing"
        else:
            status = "overdue"
        result[(area, column)] = Outcome(
            status, deadline.isoformat(), None if latest is None else latest.isoformat()
        )
    return result


# --- random histories ---------------------------------------------------------------------------


def days(first: date, last: date) -> st.SearchStrategy[date]:
    return st.dates(min_value=first, max_value=last)


@st.composite
def roles(draw: st.DrawFn) -> Role:
    start = draw(days(date(2019, 1, 1), date(2026, 12, 31)))
    end = draw(st.none() | st.integers(0, 1500).map(lambda n: start + datetime.timedelta(days=n)))
    return Role(draw(st.sampled_from(ROLES)), start, end)


@st.composite
def completions(draw: st.DrawFn) -> Evidence:
    completed_on = draw(days(date(2020, 1, 1), date(2026, 12, 31)))
    months = draw(st.sampled_from((24, 36)))
    return Evidence(
        draw(st.sampled_from(AREAS)),
        draw(st.sampled_from(sorted(LEVELS.values()))),
        completed_on,
        completed_on + relativedelta(months=months),
    )


@st.composite
def people(draw: st.DrawFn) -> Person:
    """In post, left on a date, or inactive from before leaving dates were recorded."""
    entry = draw(days(date(2019, 1, 1), date(2026, 12, 31)))
    standing = draw(st.sampled_from(("active", "active", "active", "left", "inactive")))
    leaving = None
    if standing == "left":
        leaving = entry + datetime.timedelta(days=draw(st.integers(0, 2500)))
    return Person(
        entry=entry,
        primary=draw(st.sampled_from(PRIMARY_CATEGORIES)),
        active=standing == "active",
        role=draw(st.none() | roles()),
        completions=draw(st.lists(completions(), max_size=8).map(tuple)),
        leaving=leaving,
    )


histories = st.lists(people(), min_size=1, max_size=4)
FIRST_ASKED, LAST_ASKED = date(2021, 1, 1), date(2027, 12, 31)


def edges(history: list[Person]) -> list[date]:
    """Dates where a rule changes its answer for this history: entries, leaving days, role
    changes, deadlines, completions, valid-until days and the start of their expiring windows,
    each with the days either side."""
    one, window = datetime.timedelta(days=1), datetime.timedelta(days=90)
    starts = [date(2021, 1, 1)]
    found: list[date] = []
    for entry in history:
        starts.append(entry.entry)
        if entry.leaving is not None:
            found.append(entry.leaving)
        if entry.role is not None:
            starts.append(entry.role.start)
            if entry.role.end is not None:
                found.append(entry.role.end)
        for evidence in entry.completions:
            found.append(evidence.completed_on)
            for end in (
                evidence.valid_until,
                evidence.completed_on + relativedelta(months=24),
                evidence.completed_on + relativedelta(months=36),
            ):
                found += [end, end - window]
    for start in starts:
        found += [start] + [start + relativedelta(months=months) for months in (6, 12, 24)]
    shifted = {day + shift for day in found for shift in (-one, 0 * one, one)}
    return sorted(day for day in shifted if FIRST_ASKED <= day <= LAST_ASKED)


@st.composite
def histories_and_dates(draw: st.DrawFn) -> tuple[list[Person], date]:
    """A history and the date asked: any day of 2021-2027, or one on the edge of a rule."""
    history = draw(histories)
    on_edges = edges(history)
    anywhere = days(FIRST_ASKED, LAST_ASKED)
    on = draw(st.one_of(anywhere, st.sampled_from(on_edges)) if on_edges else anywhere)
    return history, on


# --- the property -------------------------------------------------------------------------------


class Rollback(Exception):
    """Raised to undo one example's rows."""


def iso(value: Any) -> str | None:
    return None if value is None else str(value)[:10]


def framework_cells(framework: FrameworkVersion) -> dict[tuple[str, str], Cell]:
    return {
        (r.area.code, r.category.code): Cell(r.level.rank, r.refresher_months, r.deadline_months)
        for r in Requirement.objects.filter(version=framework).select_related(
            "area", "category", "level"
        )
    }


def record(history: list[Person], institution: Institution) -> list[int]:
    areas = {area.code: area for area in CompetencyArea.objects.all()}
    levels = {level.rank: level for level in Level.objects.all()}
    ids = []
    for entry in history:
        member = StaffMemberFactory.create(
            institution=institution,
            entry_date=entry.entry,
            primary_category=category(entry.primary),
            active=entry.active,
            leaving_date=entry.leaving,
        )
        if entry.role is not None:
            StaffRoleFactory.create(
                staff_member=member,
                category=category(entry.role.category),
                start_date=entry.role.start,
                end_date=entry.role.end,
            )
        for evidence in entry.completions:
            CompletionFactory.create(
                staff_member=member,
                area=areas[evidence.area],
                level=levels[evidence.rank],
                completed_on=evidence.completed_on,
                valid_until=evidence.valid_until,
            )
        ids.append(member.pk)
    return ids


def engine_outcomes(ids: list[int], on: date) -> dict[tuple[int, str, str], Outcome]:
    areas = dict(CompetencyArea.objects.values_list("pk", "code"))
    columns = dict(StaffCategory.objects.values_list("pk", "code"))
    rows = status_rows(ComplianceScope(SystemUser(), on=on), staff_member_ids=ids)
    return {
        (row["staff_member_id"], areas[row["area_id"]], columns[row["category_id"]]): Outcome(
            row["status"], str(iso(row["deadline"])), iso(row["valid_until"])
        )
        for row in rows
    }


def expected_outcomes(
    history: list[Person], ids: list[int], on: date, framework: FrameworkVersion
) -> dict[tuple[int, str, str], Outcome]:
    cells = framework_cells(framework)
    first = FrameworkVersion.objects.order_by("effective_from").first()
    assert first is not None
    expected = {}
    for staff_id, entry in zip(ids, history, strict=True):
        for (area, column), outcome in reference_statuses(
            entry, on, cells, first.effective_from, settings.MATRICA_EXPIRING_WINDOW_DAYS
        ).items():
            expected[(staff_id, area, column)] = outcome
    return expected


def check(history: list[Person], on: date, framework: Any, world: Any, *, snapshot: bool) -> None:
    try:
        with transaction.atomic():
            ids = record(history, world["RS"].prison)
            if snapshot:
                refresh_all(on=on)
                assert ComplianceScope(SystemUser(), on=on).from_snapshot
            got = engine_outcomes(ids, on)
            expected = expected_outcomes(history, ids, on, framework)
            assert got == expected
            raise Rollback
    except Rollback:
        pass


@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=histories_and_dates())
def test_engine_agrees_with_the_reference_on_the_fly(framework, world, case):
    history, on = case
    check(history, on, framework, world, snapshot=False)


@hypothesis_settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=histories_and_dates())
def test_derived_tables_agree_with_the_reference(framework, world, case):
    history, on = case
    check(history, on, framework, world, snapshot=True)


@st.composite
def histories_and_many_dates(draw: st.DrawFn) -> tuple[list[Person], list[date]]:
    """A history and several dates asked of it, most on the edge of a rule."""
    history = draw(histories)
    on_edges = edges(history)
    anywhere = days(FIRST_ASKED, LAST_ASKED)
    one = st.one_of(anywhere, st.sampled_from(on_edges)) if on_edges else anywhere
    return history, draw(st.lists(one, min_size=4, max_size=8, unique=True))


@hypothesis_settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=histories_and_many_dates())
def test_the_history_agrees_with_the_reference_on_every_date(framework, world, case):
    """The spans, built once, answer every date asked of them as the document does."""
    history, dates = case
    try:
        with transaction.atomic():
            ids = record(history, world["RS"].prison)
            compliance_history.rebuild()
            for on in dates:
                assert ComplianceScope(SystemUser(), on=on).from_history
                assert engine_outcomes(ids, on) == expected_outcomes(history, ids, on, framework)
            raise Rollback
    except Rollback:
        pass


def test_reference_clamps_months_like_the_document():
    cells = {("RAD", "ALL"): Cell(1, 24, 6)}
    person = Person(date(2023, 8, 31), "FLO", True, None, ())
    outcome = reference_statuses(person, date(2023, 9, 1), cells, date(2021, 1, 1), 90)
    assert outcome[("RAD", "ALL")] == Outcome("missing", "2024-02-29", None)
