"""National modules: an administration adds modules to the common catalogue through two
actions that check the planner's permission, validate every rule and audit the change."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from matrica.audit.models import AuditEvent
from matrica.compliance.scope import ComplianceScope
from matrica.compliance.selectors import status_rows
from matrica.framework.actions import change_national_module, create_national_module
from matrica.framework.models import CompetencyArea, Level, Module
from matrica.tenancy.scoping import SYSTEM, SystemUser
from matrica.testing.factories import category
from matrica.training.actions import record_module_completions
from matrica.training.models import Completion

pytestmark = pytest.mark.django_db


def area(code: str) -> CompetencyArea:
    return CompetencyArea.objects.get(code=code)


def level(code: str) -> Level:
    return Level.objects.get(code=code)


def values(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": "RS-RAD2", "title": "Радикализација у пракси",
        "translations": {"sr": {"title": "Радикализација у пракси"},
                         "sr-latn": {"title": "Radikalizacija u praksi"}},
        "summary": "Prepoznavanje znakova.", "learning_outcomes": "Zna da prepozna znakove.",
        "hours": 8, "validity_months": 36, "delivery_modes": ["classroom", "online_live"],
        "languages": ["sr", "sr-latn"], "joint_delivery": True, "attendance_threshold": 80,
        "prerequisites": [], "conferrals": [(area("RAD"), level("P"))],
    }  # fmt: skip
    data.update(overrides)
    return data


def create(world: Any, role: str = "training_manager", admin: str = "RS", **overrides: Any):
    administration = world[admin]
    return create_national_module(
        actor=administration.users[role], beneficiary=administration.beneficiary,
        **values(**overrides),
    )  # fmt: skip


def test_a_training_manager_adds_a_national_module_with_its_conferrals(world):
    module = create(world, prerequisites=[Module.objects.get(code="BA")])
    assert module.beneficiary == world["RS"].beneficiary
    assert list(module.conferrals.values_list("area__code", "level__code")) == [("RAD", "P")]
    assert [m.code for m in module.prerequisites_any_of.all()] == ["BA"]
    assert module.translations["sr-latn"] == {"title": "Radikalizacija u praksi"}
    assert module.attendance_threshold == 80


@pytest.mark.parametrize("role", ["national_admin", "training_manager"])
def test_national_planners_may_add_a_module(world, role):
    assert create(world, role).pk


@pytest.mark.parametrize("role", ["institution_manager", "trainer", "staff"])
def test_other_national_roles_are_refused_with_403(world, role):
    with pytest.raises(PermissionDenied):
        create(world, role)
    assert not Module.objects.filter(code="RS-RAD2").exists()


def test_the_coordinator_may_not_add_a_national_module(world):
    with pytest.raises(PermissionDenied):
        create_national_module(
            actor=world.coordinator, beneficiary=world["RS"].beneficiary, **values()
        )


def test_a_planner_of_another_administration_gets_404(world):
    with pytest.raises(Http404):
        create_national_module(
            actor=world["ME"].users["training_manager"], beneficiary=world["RS"].beneficiary,
            **values(),
        )  # fmt: skip


def test_a_module_without_administration_is_refused(world):
    with pytest.raises(PermissionDenied):
        create_national_module(
            actor=world["RS"].users["national_admin"], beneficiary=None, **values(code="XX9")
        )


def test_the_code_starts_with_the_administrations_code(world):
    with pytest.raises(ValidationError) as refused:
        create(world, code="ME-RAD2")
    assert "code" in refused.value.message_dict


def test_a_module_confers_at_least_one_area(world):
    with pytest.raises(ValidationError) as refused:
        create(world, conferrals=[])
    assert "conferrals" in refused.value.message_dict


def test_a_module_confers_one_level_per_area(world):
    with pytest.raises(ValidationError) as refused:
        create(world, conferrals=[(area("RAD"), level("A")), (area("RAD"), level("P"))])
    assert "conferrals" in refused.value.message_dict


def test_every_error_is_reported_at_once(world):
    with pytest.raises(ValidationError) as refused:
        create(world, code="RAD2", conferrals=[], hours=None)
    assert {"code", "conferrals", "hours"} <= set(refused.value.message_dict)


def test_a_prerequisite_of_another_administration_is_refused(world):
    montenegrin = create(world, admin="ME", role="national_admin", code="ME-X1")
    with pytest.raises(ValidationError) as refused:
        create(world, prerequisites=[montenegrin])
    assert "prerequisites" in refused.value.message_dict


def test_a_module_is_not_its_own_prerequisite(world):
    module = create(world)
    with pytest.raises(ValidationError):
        change_national_module(
            actor=world["RS"].users["training_manager"], module=module, prerequisites=[module]
        )


def test_creating_writes_audit_rows_for_the_module_and_its_conferrals(world):
    module = create(world)
    events = AuditEvent.objects.filter(object_id=str(module.pk), object_type__model="module")
    assert {event.action for event in events} == {
        AuditEvent.Action.CREATE,
        AuditEvent.Action.UPDATE,
    }
    relations = events.get(action=AuditEvent.Action.UPDATE)
    assert relations.after["conferrals"] == ["RAD-P"]
    # Scoped to the administration, so its own audit trail shows them.
    assert {event.beneficiary_id for event in events} == {world["RS"].beneficiary.pk}


def test_changing_a_module_is_audited_with_before_and_after(world):
    module = create(world)
    change_national_module(
        actor=world["RS"].users["national_admin"], module=module, hours=12,
        conferrals=[(area("RAD"), level("S")), (area("RSK"), level("A"))], reason="Revised",
    )  # fmt: skip
    module.refresh_from_db()
    assert module.hours == 12
    latest = AuditEvent.objects.filter(object_id=str(module.pk)).latest("pk")
    assert latest.before["conferrals"] == ["RAD-P"]
    assert latest.after["conferrals"] == ["RAD-S", "RSK-A"]
    assert latest.message == "Revised"


def test_a_refused_change_leaves_the_module_unchanged(world):
    module = create(world)
    with pytest.raises(ValidationError):
        change_national_module(
            actor=world["RS"].users["training_manager"], module=module, hours=99, conferrals=[]
        )
    assert module.hours == 8
    module.refresh_from_db()
    assert module.hours == 8
    assert module.conferrals.count() == 1


def test_common_modules_are_never_changed_here(world):
    common = Module.objects.get(code="BA")
    with pytest.raises(PermissionDenied):
        change_national_module(actor=world["RS"].users["national_admin"], module=common, hours=1)
    with pytest.raises(PermissionDenied):
        change_national_module(actor=world.superuser, module=common, hours=1)


def test_another_administrations_planner_cannot_change_it(world):
    module = create(world)
    with pytest.raises(Http404):
        change_national_module(actor=world["ME"].users["national_admin"], module=module, hours=1)


def test_changing_conferrals_reports_no_change_because_completions_keep_their_own(
    world, monkeypatch
):
    module = create(world)
    member = world["RS"].people[0]
    record_module_completions(
        actor=SYSTEM, module=module, completed_on=datetime.date(2024, 6, 1),
        staff_members=[member],
    )  # fmt: skip
    reported: list[Any] = []
    monkeypatch.setattr("matrica.framework.actions.report", reported.append)
    change_national_module(
        actor=world["RS"].users["training_manager"], module=module,
        conferrals=[(area("RSK"), level("A"))],
    )  # fmt: skip
    assert reported == []
    kept = Completion.objects.filter(staff_member=member, module=module)
    assert list(kept.values_list("area__code", "level__code")) == [("RAD", "P")]


def test_a_national_modules_completion_counts_as_evidence(world):
    module = create(world)
    member = world["RS"].people[0]  # front-line officer: RAD is required of them
    assert category("FLO") == member.primary_category
    record_module_completions(
        actor=world["RS"].users["training_manager"], module=module,
        completed_on=datetime.date(2024, 6, 1), staff_members=[member],
    )  # fmt: skip
    completion = Completion.objects.get(staff_member=member, module=module)
    assert (completion.area.code, completion.level.code) == ("RAD", "P")
    rows = status_rows(
        ComplianceScope(SystemUser(), on=datetime.date(2024, 6, 30)),
        staff_member_ids=[member.pk], area_id=area("RAD").pk, category_id=category("FLO").pk,
    )  # fmt: skip
    assert [row["status"] for row in rows] == ["current"]
