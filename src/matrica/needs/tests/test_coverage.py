"""The coverage of each matrix cell, on small hand-made curricula: one cell per status."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from matrica.compliance.selectors import Share
from matrica.curricula.actions import Cell, change_course, create_course
from matrica.framework.models import CompetencyArea, Level
from matrica.needs.coverage import CellCoverage, Coverage, classify, coverage_matrix, lagging
from matrica.testing.factories import CompletionFactory, category

ON = datetime.date(2025, 6, 1)


def cell(area: str, cat: str, level: str, hours: int) -> Cell:
    return Cell(
        CompetencyArea.objects.get(code=area), category(cat), Level.objects.get(code=level), hours
    )


def add_course(world, code: str, cells: list[Cell], *, hours: int = 40, active: bool = True):
    admin = world["RS"]
    return create_course(
        actor=admin.users["national_admin"], beneficiary=admin.beneficiary, code=code,
        title=f"Course {code}", kind="in_service", hours=hours,
        target_categories=[category("PRO"), category("FLO")], cells=cells, active=active,
    )  # fmt: skip


def by_cell(cells: list[CellCoverage]) -> dict[tuple[str, str], Any]:
    return {(c.area.code, c.category.code): c for c in cells}


def matrix(world, user=None, code: str = "RS", on: datetime.date = ON):
    user = user or world[code].users["national_admin"]
    return coverage_matrix(user=user, beneficiary=world[code].beneficiary, on=on)


@pytest.fixture
def curriculum(world):
    """RS has no probation officers (their cells have nobody in them) and two front-line
    officers, untrained: any covered front-line cell lags in delivery."""
    add_course(world, "PRO-1", [
        cell("RAD", "PRO", "P", 16),  # required P; shortest module at P: MG, 12 h -> strength
        cell("IDN", "PRO", "P", 8),  # required P; shortest module at P: 16 h -> partial hours
        cell("REP", "PRO", "A", 8),  # required P; only awareness -> partial level
        cell("RAD", "FLO", "P", 16),  # covered, but nobody trained -> delivery lag
    ])  # fmt: skip
    add_course(world, "OLD", [cell("COM", "PRO", "P", 20)], active=False)  # not run: COM gap
    return world


def test_each_status_on_hand_made_data(curriculum):
    world = curriculum
    cells = by_cell(matrix(world))
    strength = cells[("RAD", "PRO")]
    assert strength.status == Coverage.STRENGTH
    assert strength.required_level.code == "P"
    assert strength.recommended_hours == 12
    assert (strength.best_level.code, strength.course_hours) == ("P", 16)
    assert strength.courses == ("PRO-1",)
    assert strength.compliance is None  # nobody in the cell

    hours = cells[("IDN", "PRO")]
    assert hours.status == Coverage.PARTIAL_HOURS
    assert (hours.recommended_hours, hours.course_hours, hours.hours_short) == (16, 8, 8)

    level = cells[("REP", "PRO")]
    assert level.status == Coverage.PARTIAL_LEVEL
    assert level.best_level.code == "A"

    gap = cells[("COM", "PRO")]  # only an inactive course covers it
    assert gap.status == Coverage.GAP
    assert (gap.best_level, gap.course_hours, gap.courses) == (None, 0, ())

    lag = cells[("RAD", "FLO")]
    assert lag.status == Coverage.DELIVERY_LAG
    assert lag.curriculum_status == Coverage.STRENGTH
    assert (lag.compliance.numerator, lag.compliance.denominator) == (0, 2)


def test_cells_are_the_rules_in_force(curriculum):
    world = curriculum
    cells = matrix(world)
    assert len(cells) == 81  # every requirement of the common matrix, none other
    assert ("DYN", "ALL") not in by_cell(cells)
    before_framework = matrix(world, on=datetime.date(2019, 1, 1))
    assert before_framework == []


def test_trained_people_lift_the_lag(curriculum):
    world = curriculum
    for member in world["RS"].people:
        if member.primary_category.code == "FLO":
            CompletionFactory.create(
                staff_member=member, area=CompetencyArea.objects.get(code="RAD"),
                level=Level.objects.get(code="P"), completed_on=datetime.date(2025, 1, 10),
            )  # fmt: skip
    cells = by_cell(matrix(world))
    assert cells[("RAD", "FLO")].status == Coverage.STRENGTH
    assert cells[("RAD", "FLO")].compliance.percent == 100


def test_the_best_course_decides_and_every_course_is_named(curriculum):
    world = curriculum
    add_course(world, "PRO-2", [cell("IDN", "PRO", "S", 20)])
    cells = by_cell(matrix(world))
    idn = cells[("IDN", "PRO")]
    assert idn.status == Coverage.STRENGTH
    assert (idn.best_level.code, idn.course_hours) == ("S", 20)
    assert idn.courses == ("PRO-1", "PRO-2")


def test_a_withdrawn_from_use_course_leaves_a_gap(curriculum):
    world = curriculum
    course = world["RS"].beneficiary.courses.get(code="PRO-1")
    change_course(actor=world["RS"].users["national_admin"], course=course, active=False)
    cells = by_cell(matrix(world))
    assert {c.status for c in cells.values()} == {Coverage.GAP}


def test_another_administrations_courses_do_not_count(curriculum):
    world = curriculum
    cells = matrix(world, code="ME")
    assert {c.status for c in cells} == {Coverage.GAP}


def test_a_share_hidden_from_the_coordinator_never_classifies(curriculum):
    """Two front-line officers: the coordinator sees their share suppressed, and the cell by
    its curriculum alone (a lag would tell that few of them are trained)."""
    world = curriculum
    cells = by_cell(matrix(world, world.coordinator))
    lag = cells[("RAD", "FLO")]
    assert lag.compliance is not None
    assert lag.compliance.suppressed
    assert lag.status == Coverage.STRENGTH


def test_query_count_does_not_grow_with_cells(curriculum, django_assert_max_num_queries):
    world = curriculum
    with django_assert_max_num_queries(30):
        matrix(world)


@pytest.mark.parametrize(
    ("offers", "recommended", "share", "expected"),
    [
        ([], 12, None, Coverage.GAP),
        ([(2, 12)], 12, None, Coverage.STRENGTH),
        ([(3, 1)], None, None, Coverage.STRENGTH),  # no recommendation: the level alone decides
        ([(2, 11)], 12, None, Coverage.PARTIAL_HOURS),
        ([(1, 40)], 12, None, Coverage.PARTIAL_LEVEL),
        ([(1, 40), (2, 4)], 12, None, Coverage.PARTIAL_HOURS),
        ([(2, 12)], 12, Share(5, 10), Coverage.DELIVERY_LAG),
        ([(1, 4)], 12, Share(5, 10), Coverage.DELIVERY_LAG),
        ([(2, 12)], 12, Share(6, 10), Coverage.STRENGTH),  # 60 % is not low
        ([], 12, Share(0, 10), Coverage.GAP),  # nothing taught is a gap, not a lag
        ([(2, 12)], 12, Share(0, 10, suppressed=True), Coverage.STRENGTH),
        ([(2, 12)], 12, Share(0, 0), Coverage.STRENGTH),
    ],
)
def test_classify(offers, recommended, share, expected):
    status, _best = classify(
        required_rank=2, recommended_hours=recommended, offers=offers, compliance=share
    )
    assert status == expected


def test_lagging():
    assert lagging(Share(59, 100))
    assert not lagging(Share(60, 100))
    assert not lagging(None)
