import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from matrica.audit.models import AuditEvent
from matrica.framework.actions import add_deviation
from matrica.framework.models import (
    CompetencyArea,
    Deviation,
    Level,
    NationalAdaptation,
    StaffCategory,
)
from matrica.framework.selectors import framework_matrix, rules_in_force
from matrica.tenancy.scoping import SYSTEM

pytestmark = pytest.mark.django_db


@pytest.fixture
def adaptation(world, framework):
    return NationalAdaptation.objects.create(
        beneficiary=world["RS"].beneficiary, version=framework,
        effective_from=datetime.date(2023, 1, 1), title="Serbian adaptation 2023",
    )  # fmt: skip


def tighten(adaptation, user, **overrides):
    values = {
        "area": CompetencyArea.objects.get(code="DYN"),
        "category": StaffCategory.objects.get(code="FLO"),
        "level": Level.objects.get(code="S"),
        "refresher_months": 24,
        "deadline_months": 12,
        "reason": "High-security units need specialists in dynamic security.",
        **overrides,
    }
    return add_deviation(actor=user, adaptation=adaptation, **values)


def test_national_adaptation_tightens_a_cell_with_a_recorded_reason(world, adaptation):
    tighten(adaptation, world["RS"].users["national_admin"])
    _version, _adaptation, rules = rules_in_force(
        beneficiary_id=world["RS"].beneficiary.pk, on=datetime.date(2024, 1, 1)
    )
    dyn_flo = rules[
        (CompetencyArea.objects.get(code="DYN").pk, StaffCategory.objects.get(code="FLO").pk)
    ]
    assert dyn_flo.level_rank == 3
    assert dyn_flo.deviation_reason.startswith("High-security")
    event = AuditEvent.objects.get(object_type__model="deviation")
    assert event.beneficiary == world["RS"].beneficiary


def test_adaptation_applies_only_from_its_date_and_only_to_its_administration(world, adaptation):
    tighten(adaptation, SYSTEM)
    key = (CompetencyArea.objects.get(code="DYN").pk, StaffCategory.objects.get(code="FLO").pk)
    before = rules_in_force(beneficiary_id=world["RS"].beneficiary.pk, on=datetime.date(2022, 6, 1))
    other = rules_in_force(beneficiary_id=world["ME"].beneficiary.pk, on=datetime.date(2024, 1, 1))
    assert before[2][key].level_rank == 2
    assert other[2][key].level_rank == 2


@pytest.mark.parametrize(
    ("field", "value"),
    [("level", "A"), ("refresher_months", 48), ("deadline_months", 36), ("reason", "  ")],
)
def test_an_adaptation_cannot_loosen_the_common_floor(world, adaptation, field, value):
    override = {field: Level.objects.get(code=value) if field == "level" else value}
    with pytest.raises(ValidationError) as error:
        tighten(adaptation, SYSTEM, **override)
    assert field in error.value.message_dict
    assert not Deviation.objects.exists()


def test_a_deviation_without_reason_is_refused_by_the_database(adaptation):
    with pytest.raises(IntegrityError):
        Deviation.objects.create(
            adaptation=adaptation, area=CompetencyArea.objects.get(code="DYN"),
            category=StaffCategory.objects.get(code="FLO"), level=Level.objects.get(code="S"),
            refresher_months=24, deadline_months=12, reason="",
        )  # fmt: skip


def test_the_matrix_marks_the_deviating_cell(world, adaptation):
    tighten(adaptation, SYSTEM)
    matrix = framework_matrix(beneficiary=world["RS"].beneficiary, on=datetime.date(2024, 1, 1))
    assert matrix is not None
    deviating = [
        (area.code, cell.level.code)
        for area, cells in matrix.rows
        for cell in cells
        if cell.rule and cell.rule.deviation_reason and cell.level
    ]
    assert deviating == [("DYN", "S")]
