"""The inventory's actions: who may write, what they refuse, what the trail keeps."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from matrica.audit.models import AuditEvent
from matrica.curricula import actions
from matrica.curricula.models import Course, CourseCoverage

from .conftest import add_course, categories, cell

pytestmark = pytest.mark.django_db


def events(model: type) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(object_type=ContentType.objects.get_for_model(model)).order_by(
            "pk"
        )
    )


def test_a_national_administrator_adds_a_course_with_its_cells(world):
    course = add_course(world, cells=[cell("RAD", "FLO", "A", 8), cell("COM", "FLO", "P", 12)])
    assert [c.code for c in course.target_categories.all()] == ["FLO"]
    assert sorted((c.area.code, c.level.code, c.hours) for c in course.coverage.all()) == [
        ("COM", "P", 12), ("RAD", "A", 8),
    ]  # fmt: skip
    assert [e.action for e in events(Course)] == [AuditEvent.Action.CREATE]
    assert len(events(CourseCoverage)) == 2


def test_a_training_manager_may_keep_the_inventory(world):
    course = actions.create_course(
        actor=world["ME"].users["training_manager"], beneficiary=world["ME"].beneficiary,
        code="VE-B", title="Basic course", kind=Course.Kind.INITIAL, hours=16,
        target_categories=categories("FLO", "TRS"),
    )  # fmt: skip
    assert course.beneficiary == world["ME"].beneficiary


@pytest.mark.parametrize("role", ["institution_manager", "trainer", "staff"])
def test_roles_without_the_verb_are_refused(world, role):
    with pytest.raises(PermissionDenied):
        actions.create_course(
            actor=world["RS"].users[role], beneficiary=world["RS"].beneficiary, code="X",
            title="X", kind=Course.Kind.INITIAL, hours=8, target_categories=categories("FLO"),
        )  # fmt: skip
    assert not Course.objects.exists()


def test_the_coordinator_reads_but_does_not_write(world):
    with pytest.raises(PermissionDenied):
        actions.create_course(
            actor=world.coordinator, beneficiary=world["RS"].beneficiary, code="X", title="X",
            kind=Course.Kind.INITIAL, hours=8, target_categories=categories("FLO"),
        )  # fmt: skip


def test_another_administrations_inventory_is_out_of_reach(world):
    course = add_course(world, "ME")
    with pytest.raises(Http404):
        actions.create_course(
            actor=world["RS"].users["national_admin"], beneficiary=world["ME"].beneficiary,
            code="Z", title="Z", kind=Course.Kind.INITIAL, hours=8,
            target_categories=categories("FLO"),
        )  # fmt: skip
    with pytest.raises(Http404):
        actions.change_course(actor=world["RS"].users["national_admin"], course=course, hours=9)
    with pytest.raises(Http404):
        actions.withdraw_course(
            actor=world["RS"].users["national_admin"], course=course, reason="error"
        )
    assert Course.objects.get(pk=course.pk).hours == 40


def test_a_cell_cannot_take_more_hours_than_the_course(world):
    with pytest.raises(ValidationError) as refusal:
        add_course(world, hours=10, cells=[cell("RAD", "FLO", "A", 12)])
    assert "between 1 and the course's 10" in str(refusal.value)
    assert not Course.objects.exists()


def test_a_cell_is_given_once(world):
    with pytest.raises(ValidationError) as refusal:
        add_course(world, cells=[cell("RAD", "FLO", "A", 4), cell("RAD", "FLO", "P", 4)])
    assert "RAD × FLO is given twice" in str(refusal.value)
    assert not CourseCoverage.objects.exists()


def test_a_course_says_whom_it_is_for(world):
    with pytest.raises(ValidationError) as refusal:
        add_course(world, target_categories=[])
    assert "target_categories" in refusal.value.error_dict


def test_codes_are_unique_within_an_administration_only(world):
    add_course(world, "RS")
    add_course(world, "ME")  # the same code in another administration
    with pytest.raises(ValidationError):
        add_course(world, "RS")


def test_shortening_a_course_below_a_cells_hours_is_refused_and_nothing_changes(world):
    course = add_course(world, hours=40, cells=[cell("RAD", "FLO", "A", 30)])
    with pytest.raises(ValidationError):
        actions.change_course(actor=world["RS"].users["national_admin"], course=course, hours=20)
    assert Course.objects.get(pk=course.pk).hours == 40
    assert course.hours == 40


def test_changing_nothing_writes_nothing(world):
    course = add_course(world, cells=[cell("RAD", "FLO", "A", 8)])
    before = AuditEvent.objects.count()
    actions.change_course(
        actor=world["RS"].users["national_admin"], course=course, title="Osnovna obuka",
        hours=40, target_categories=categories("FLO"), cells=[cell("RAD", "FLO", "A", 8)],
    )  # fmt: skip
    assert AuditEvent.objects.count() == before


def test_a_change_audits_only_what_differs(world):
    course = add_course(world, cells=[cell("RAD", "FLO", "A", 8), cell("COM", "FLO", "A", 8)])
    before = AuditEvent.objects.count()
    actions.change_course(
        actor=world["RS"].users["national_admin"], course=course, hours=48,
        target_categories=categories("FLO", "TRS"),
        cells=[cell("RAD", "FLO", "P", 8), cell("COM", "FLO", "A", 8), cell("RAD", "TRS", "A", 4)],
    )  # fmt: skip
    new = list(AuditEvent.objects.order_by("pk")[before:])
    # the course's hours, its target groups, RAD×FLO replaced (delete + create), RAD×TRS added
    assert len(new) == 5
    assert any("Target groups: FLO, TRS" in e.message for e in new)
    held = {(c.area.code, c.category.code, c.level.code) for c in course.coverage.all()}
    assert held == {("RAD", "FLO", "P"), ("COM", "FLO", "A"), ("RAD", "TRS", "A")}


def test_removing_every_cell(world):
    course = add_course(world)
    actions.change_course(actor=world["RS"].users["national_admin"], course=course, cells=[])
    assert not course.coverage.exists()


def test_fields_outside_the_inventory_cannot_be_changed(world):
    course = add_course(world)
    with pytest.raises(ValidationError):
        actions.change_course(
            actor=world["RS"].users["national_admin"], course=course,
            beneficiary=world["ME"].beneficiary,
        )  # fmt: skip


def test_withdrawing_needs_a_reason_and_keeps_it_on_the_trail(world):
    course = add_course(world)
    admin = world["RS"].users["national_admin"]
    with pytest.raises(ValidationError):
        actions.withdraw_course(actor=admin, course=course, reason="  ")
    actions.withdraw_course(actor=admin, course=course, reason="Entered twice")
    assert not Course.objects.exists()
    assert not CourseCoverage.objects.exists()
    deleted = events(Course)[-1]
    assert deleted.action == AuditEvent.Action.DELETE
    assert deleted.message == "Entered twice"
