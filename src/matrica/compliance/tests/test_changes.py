"""Derived figures follow the changes actions report (`matrica.tenancy.changes.report`): a
change of people redoes those people, a change of an administration's adaptation redoes that
administration alone, a change of the common matrix drops the snapshot. Whatever the path, the
derived tables end as a full refresh would leave them."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.db.models import Model

from matrica.compliance.models import (
    CellCount,
    GroupCount,
    PersonStatus,
    RequirementStatus,
    Snapshot,
    TrendPoint,
)
from matrica.compliance.scope import ComplianceScope
from matrica.compliance.services import BULK_SETTINGS, refresh_all, refresh_trend
from matrica.framework.models import (
    CompetencyArea,
    Deviation,
    FrameworkVersion,
    Level,
    NationalAdaptation,
)
from matrica.staff.models import StaffMember
from matrica.tenancy.changes import Change, report
from matrica.tenancy.scoping import SystemUser
from matrica.testing.factories import CompletionFactory, category

pytestmark = pytest.mark.django_db

date = datetime.date
ON = date(2024, 6, 30)  # the snapshot date of these tests
FRONT_LINE_AREAS = ("RAD", "IDN", "REP", "DYN", "COM", "HRL", "RES", "INT", "REI", "MAC")
DERIVED: tuple[type[Model], ...] = (
    RequirementStatus, PersonStatus, CellCount, GroupCount, TrendPoint,
)  # fmt: skip


def complete(member: StaffMember, area_code: str, level_code: str, completed_on: date) -> None:
    CompletionFactory.create(
        staff_member=member,
        area=CompetencyArea.objects.get(code=area_code),
        level=Level.objects.get(code=level_code),
        completed_on=completed_on,
        valid_until=completed_on + relativedelta(months=36),
    )


def fully_trained(member: StaffMember, completed_on: date) -> None:
    for code in FRONT_LINE_AREAS:
        complete(member, code, "S", completed_on)


def rows(model: type[Model], **filters: Any) -> list[tuple[Any, ...]]:
    """Every row of a derived table (without surrogate ids), in a stable order. A count
    adjusted down to nobody stays as a row of zeros, where a full refresh writes none: both
    read the same, so such rows are left out."""
    fields = [f.attname for f in model._meta.concrete_fields if f.name != "id"]
    queryset = model._default_manager.filter(**filters)
    if model in (CellCount, GroupCount):
        queryset = queryset.exclude(people=0)
    return sorted(queryset.values_list(*fields), key=repr)


def derived(*, trend: bool = True, **filters: Any) -> dict[str, list[tuple[Any, ...]]]:
    return {
        model.__name__: rows(model, **filters)
        for model in DERIVED
        if trend or model is not TrendPoint
    }


def as_a_full_refresh_leaves_them(*, trend: bool = True) -> dict[str, list[tuple[Any, ...]]]:
    """The derived tables after a full refresh. The trend is rebuilt nightly: a change of
    people (evidence, say) redoes their figures for the snapshot date, not the trend."""
    refresh_all(on=ON)
    refresh_trend(until=ON)
    return derived(trend=trend)


@pytest.fixture
def history(world: Any) -> dict[str, StaffMember]:
    """Evidence in both administrations, then a full refresh (statuses and trend) as of ON."""
    rs, me = world["RS"].people, world["ME"].people
    complete(rs[0], "RAD", "A", date(2023, 9, 1))
    fully_trained(rs[2], date(2024, 1, 10))
    fully_trained(me[0], date(2024, 1, 10))
    complete(me[1], "REP", "P", date(2022, 5, 1))
    refresh_all(on=ON)
    refresh_trend(until=ON)
    return {"aware_only": rs[0], "trained": rs[2], "montenegrin": me[0]}


def serbian_deviation(world: Any) -> Deviation:
    """Serbia, from 2024: radicalisation for all staff at practitioner level, refreshed every
    three months. Written through the model, as an action would before reporting it."""
    adaptation = NationalAdaptation.objects.create(
        beneficiary=world["RS"].beneficiary,
        version=FrameworkVersion.objects.get(),
        effective_from=date(2024, 1, 1),
        title="Serbian adaptation 2024",
    )
    return Deviation.objects.create(
        adaptation=adaptation,
        area=CompetencyArea.objects.get(code="RAD"),
        category=category("ALL"),
        level=Level.objects.get(code="P"),
        refresher_months=3,
        deadline_months=6,
        reason="Every officer meets radicalised prisoners on the wings.",
    )


def rad_for_all_staff(member: StaffMember) -> RequirementStatus:
    return RequirementStatus.objects.get(
        staff_member=member,
        area=CompetencyArea.objects.get(code="RAD"),
        category=category("ALL"),
    )


def test_a_change_of_an_administration_redoes_its_figures(world, history):
    serbia = world["RS"]
    snapshot = Snapshot.objects.get()
    before = {code: derived(beneficiary_id=world[code].beneficiary.pk) for code in ("RS", "ME")}
    cell = {"institution": serbia.prison, "area__code": "RAD", "category__code": "ALL"}
    assert CellCount.objects.get(**cell).current == 2
    serbian_deviation(world)

    report(Change.of_administration(serbia.beneficiary.pk))

    assert Snapshot.objects.get() == snapshot
    assert Snapshot.objects.get().as_of == ON
    aware_only, trained = history["aware_only"], history["trained"]
    # Awareness no longer meets the practitioner level; S from January lapsed after 3 months.
    assert (rad_for_all_staff(aware_only).required_rank, rad_for_all_staff(aware_only).status) == (
        2,
        "overdue",
    )
    assert rad_for_all_staff(trained).status == "expired"
    counts = CellCount.objects.get(**cell)
    assert (counts.current, counts.expired, counts.overdue) == (0, 1, 2)
    assert PersonStatus.objects.get(staff_member=trained).satisfied == (
        PersonStatus.objects.get(staff_member=trained).requirements - 1
    )
    # The trend of Serbia's prison: compliant at the end of March, no longer on the 30 June.
    points = dict(
        TrendPoint.objects.filter(
            institution=serbia.prison, primary_category=category("FLO")
        ).values_list("quarter_end", "compliant")
    )
    assert (points[date(2024, 3, 31)], points[ON]) == (1, 0)
    # Montenegro's rows are the very same; Serbia's are not.
    assert derived(beneficiary_id=world["ME"].beneficiary.pk) == before["ME"]
    assert derived(beneficiary_id=serbia.beneficiary.pk) != before["RS"]
    assert ComplianceScope(SystemUser(), on=ON).from_snapshot
    assert derived() == as_a_full_refresh_leaves_them()


def test_a_change_of_an_administration_before_any_refresh_changes_nothing(world):
    complete(world["RS"].people[0], "RAD", "A", date(2023, 9, 1))
    serbian_deviation(world)
    report(Change.of_administration(world["RS"].beneficiary.pk))
    assert not Snapshot.objects.exists()
    assert all(rows == [] for rows in derived().values())


def test_a_change_of_the_common_matrix_drops_the_snapshot(world, history):
    report(Change(common_matrix=True))
    assert not Snapshot.objects.exists()
    assert not ComplianceScope(SystemUser(), on=ON).from_snapshot


def test_a_change_of_people_redoes_those_people(world, history):
    member = history["aware_only"]
    before = rows(PersonStatus, staff_member=member)
    fully_trained(member, date(2024, 2, 1))
    assert rows(PersonStatus, staff_member=member) == before

    report(Change.of_people([member.pk]))

    summary = PersonStatus.objects.get(staff_member=member)
    assert summary.satisfied == summary.requirements
    assert derived(trend=False) == as_a_full_refresh_leaves_them(trend=False)


def test_a_leaver_reported_leaves_the_figures_of_the_days_after_their_last(world, history):
    member = history["trained"]
    member.active, member.leaving_date = False, ON - datetime.timedelta(days=1)
    member.save()
    report(Change.of_people([member.pk]))
    assert not PersonStatus.objects.filter(staff_member=member).exists()
    assert not RequirementStatus.objects.filter(staff_member=member).exists()
    assert derived(trend=False) == as_a_full_refresh_leaves_them(trend=False)


def test_a_leaver_is_still_counted_on_their_last_day(world, history):
    member = history["trained"]
    member.active, member.leaving_date = False, ON
    member.save()
    report(Change.of_people([member.pk]))
    assert PersonStatus.objects.filter(staff_member=member).exists()
    assert derived(trend=False) == as_a_full_refresh_leaves_them(trend=False)


def test_people_and_administrations_in_one_change(world, history):
    member = world["ME"].people[2]
    fully_trained(member, date(2024, 2, 1))
    serbian_deviation(world)
    report(
        Change(
            people=frozenset({member.pk}),
            administrations=frozenset({world["RS"].beneficiary.pk}),
        )
    )
    assert Snapshot.objects.exists()
    serbia = world["RS"].beneficiary.pk
    serbian_trend = rows(TrendPoint, beneficiary_id=serbia)
    assert derived(trend=False) == as_a_full_refresh_leaves_them(trend=False)
    assert serbian_trend == rows(TrendPoint, beneficiary_id=serbia)


def planner_settings_changed() -> list[str]:
    """The bulk settings whose value in this transaction differs from the session's."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM pg_settings WHERE name = ANY(%s) AND setting <> reset_val",
            [list(BULK_SETTINGS)],
        )
        return [name for (name,) in cursor.fetchall()]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner settings")
def test_the_bulk_settings_end_with_the_refresh_of_an_administration(world, history):
    # Serbia holds half of this world's staff: its figures are redone with the bulk settings,
    # which must not outlast them in the action's transaction (nor those of the full refresh).
    assert planner_settings_changed() == []
    serbian_deviation(world)
    report(Change.of_administration(world["RS"].beneficiary.pk))
    assert planner_settings_changed() == []


def test_an_adaptation_leaves_the_trend_before_it_took_effect_alone(world):
    from matrica.compliance.models import TrendPoint
    from matrica.compliance.services import refresh_administrations, refresh_all, refresh_trend

    refresh_all(on=datetime.date(2026, 6, 30))
    refresh_trend(until=datetime.date(2026, 6, 30))
    rs = world["RS"].beneficiary
    since = datetime.date(2025, 1, 1)
    before = set(TrendPoint.objects.filter(beneficiary=rs).values_list("pk", "quarter_end"))
    refresh_administrations([rs.pk], since=since)
    after = set(TrendPoint.objects.filter(beneficiary=rs).values_list("pk", "quarter_end"))
    kept = {point for point in before if point[1] < since}
    assert kept
    assert kept <= after, "points before the adaptation are the same rows"
    assert not ({point for point in before if point[1] >= since} & after), "later points redone"
    assert {end for _pk, end in before} == {end for _pk, end in after}
