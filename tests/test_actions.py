"""The write path, as a specification: who may do what (a table of role × action), every rule
refused with its field and nothing written, the audit row in the same transaction, and derived
figures following the change."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from matrica.accounts import actions as account_actions
from matrica.accounts.models import User
from matrica.audit.models import AuditEvent
from matrica.compliance.models import PersonStatus
from matrica.compliance.services import refresh_all
from matrica.credentials import actions as credentials_actions
from matrica.credentials.models import Certificate
from matrica.delivery import actions as delivery_actions
from matrica.delivery.models import Attendance, Enrolment, TrainerAuthorisation, TrainingSession
from matrica.delivery.tests.conftest import make_pool_trainer
from matrica.evaluation import actions as evaluation_actions
from matrica.evaluation.models import ModuleTest, TestResult
from matrica.framework import actions as framework_actions
from matrica.framework.models import (
    CompetencyArea,
    Deviation,
    FrameworkVersion,
    Level,
    Module,
    NationalAdaptation,
)
from matrica.staff import actions as staff_actions
from matrica.staff.models import StaffMember, StaffRole
from matrica.tenancy import actions as tenancy_actions
from matrica.tenancy import changes
from matrica.tenancy.models import Beneficiary, Institution, Service
from matrica.tenancy.scoping import SYSTEM
from matrica.testing.factories import CompletionFactory, category
from matrica.training import actions as training_actions
from matrica.training.models import Completion

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
LAST_YEAR = TODAY - datetime.timedelta(days=365)


def area(code: str) -> CompetencyArea:
    return CompetencyArea.objects.get(code=code)


def level(code: str) -> Level:
    return Level.objects.get(code=code)


def adaptation_of(beneficiary: Beneficiary) -> NationalAdaptation:
    return NationalAdaptation.objects.create(
        beneficiary=beneficiary, version=FrameworkVersion.objects.get(),
        effective_from=datetime.date(2024, 1, 1), title="National adaptation",
    )  # fmt: skip


def pool_session(rs: Any, *, days_ago: int = 0) -> TrainingSession:
    """An open basic-awareness session of Serbia's, delivered by the trainer account's person
    (made a pool trainer), with the first person confirmed; it started `days_ago`."""
    module = Module.objects.get(code="BA")
    make_pool_trainer(rs.people[2], module)
    starts_on = TODAY - datetime.timedelta(days=days_ago)
    session = delivery_actions.plan_session(
        actor=SYSTEM,
        module=module,
        beneficiary_id=rs.beneficiary.pk,
        starts_on=starts_on,
        ends_on=starts_on,
        starts_at=datetime.time(9),
        ends_at=datetime.time(12),
        capacity=5,
        venue="Niš",
        trainers=[rs.people[2]],
        invites_everyone=True,
    )
    delivery_actions.open_session(actor=SYSTEM, session=session)
    if days_ago:
        delivery_actions.nominate(actor=SYSTEM, session=session, staff_members=[rs.people[0]])
        delivery_actions.confirm(actor=SYSTEM, session=session)
    return session


def closed_session(rs: Any) -> TrainingSession:
    session = pool_session(rs, days_ago=2)
    delivery_actions.record_attendance(
        actor=SYSTEM, day=session.days.get(), present=[rs.people[0].pk]
    )
    delivery_actions.mark_held(actor=SYSTEM, session=session)
    delivery_actions.close_session(actor=SYSTEM, session=session)
    return session


def session_with_a_test(rs: Any) -> TrainingSession:
    """An open session that started yesterday, of a module with a (common) knowledge test."""
    session = pool_session(rs, days_ago=1)
    ModuleTest.objects.create(module=session.module)
    return session


# Each action, done to Serbia's records; the table below says who may do it.
ACTIONS: dict[str, Callable[[Any, Any], Any]] = {
    "create_staff_member": lambda actor, rs: staff_actions.create_staff_member(
        actor=actor, institution=rs.prison, employee_number="RS-900", given_name="İlker",
        family_name="Şahin", primary_category=category("FLO"), entry_date=LAST_YEAR,
    ),
    "update_staff_member": lambda actor, rs: staff_actions.update_staff_member(
        actor=actor, staff_member=rs.people[0], family_name="Đorđević-Petrović"
    ),
    "record_leaving": lambda actor, rs: staff_actions.record_leaving(
        actor=actor, staff_member=rs.people[0], leaving_date=TODAY
    ),
    "assign_role": lambda actor, rs: staff_actions.assign_role(
        actor=actor, staff_member=rs.people[0], category=category("TRN"), start_date=LAST_YEAR
    ),
    "record_evidence": lambda actor, rs: training_actions.record_evidence(
        actor=actor, staff_member=rs.people[0], area=area("RAD"), level=level("A"),
        completed_on=LAST_YEAR, valid_until=TODAY + datetime.timedelta(days=700),
        source=Completion.Source.PRIOR_LEARNING, note="Ministry course, certificate seen",
    ),
    "record_module_completions": lambda actor, rs: training_actions.record_module_completions(
        actor=actor, module=Module.objects.get(code="BA"), completed_on=LAST_YEAR,
        staff_members=rs.people,
    ),
    "void_evidence": lambda actor, rs: training_actions.void_evidence(
        actor=actor, completion=CompletionFactory.create(staff_member=rs.people[0]),
        reason="Recorded for the wrong person",
    ),
    "create_adaptation": lambda actor, rs: framework_actions.create_adaptation(
        actor=actor, beneficiary=rs.beneficiary, version=FrameworkVersion.objects.get(),
        effective_from=datetime.date(2025, 1, 1), title="Adaptation 2025",
    ),
    "add_deviation": lambda actor, rs: framework_actions.add_deviation(
        actor=actor, adaptation=adaptation_of(rs.beneficiary), area=area("DYN"),
        category=category("FLO"), level=level("S"), refresher_months=24, deadline_months=12,
        reason="High-security units",
    ),
    "create_institution": lambda actor, rs: tenancy_actions.create_institution(
        actor=actor, service=Service.objects.get(beneficiary=rs.beneficiary, kind="prison"),
        name="KPZ Niš", kind=Institution.Kind.PRISON, city="Niš",
    ),
    "create_administration": lambda actor, rs: tenancy_actions.create_administration(
        actor=actor, code="TR", name="Türkiye"
    ),
    "plan_session": lambda actor, rs: delivery_actions.plan_session(
        actor=actor, module=Module.objects.get(code="HR"), beneficiary_id=rs.beneficiary.pk,
        starts_on=TODAY + datetime.timedelta(days=30), ends_on=TODAY + datetime.timedelta(days=30),
        starts_at=datetime.time(9), ends_at=datetime.time(17), capacity=20, venue="Beograd",
        invites_everyone=True,
    ),
    "nominate": lambda actor, rs: delivery_actions.nominate(
        actor=actor, session=pool_session(rs), staff_members=[rs.people[0]]
    ),
    "record_attendance": lambda actor, rs: delivery_actions.record_attendance(
        actor=actor, day=pool_session(rs, days_ago=1).days.get(), present=[rs.people[0].pk]
    ),
    "reopen_session": lambda actor, rs: delivery_actions.reopen_session(
        actor=actor, session=closed_session(rs), reason="Register corrected"
    ),
    "authorise_trainer": lambda actor, rs: delivery_actions.authorise_trainer(
        actor=actor, staff_member=rs.people[1], module=Module.objects.get(code="RI"),
        granted_on=TODAY, reason="Runs the reintegration unit's own course",
    ),
    "save_test": lambda actor, rs: evaluation_actions.save_test(
        actor=actor, module=Module.objects.get(code="BA"), beneficiary_id=rs.beneficiary.pk,
        pass_mark=60,
    ),
    "record_scores": lambda actor, rs: evaluation_actions.record_scores(
        actor=actor, session=session_with_a_test(rs), phase="pre",
        scores={rs.people[0].enrolments.get().pk: Decimal(55)},
    ),
    "revoke_certificate": lambda actor, rs: credentials_actions.revoke_certificate(
        actor=actor, certificate=Certificate.objects.get(session=closed_session(rs)),
        reason="Issued to the wrong person",
    ),
    "create_account": lambda actor, rs: account_actions.create_user(
        actor=actor, username="new-trainer", role="trainer", beneficiary=rs.beneficiary,
        institution=rs.prison, staff_member=rs.people[1],
    ),
}  # fmt: skip

OK, FORBIDDEN, ABSENT, INVALID = "ok", 403, 404, "invalid"
STAFF_WORK = {
    "admin-rs": OK, "training-rs": OK, "root": OK, "admin-me": ABSENT, "training-me": ABSENT,
    "coordinator": FORBIDDEN, "manager-rs": FORBIDDEN, "trainer-rs": FORBIDDEN,
    "staff-rs": FORBIDDEN,
}  # fmt: skip
NATIONAL_ADMINISTRATION = {**STAFF_WORK, "training-rs": FORBIDDEN, "training-me": FORBIDDEN}
SUPERUSER_ONLY = dict.fromkeys(STAFF_WORK, FORBIDDEN) | {"root": OK}
EXPECTED = {
    "create_staff_member": STAFF_WORK,
    "update_staff_member": STAFF_WORK,
    "record_leaving": STAFF_WORK,
    "assign_role": STAFF_WORK,
    "record_evidence": STAFF_WORK,
    "record_module_completions": STAFF_WORK,
    "void_evidence": STAFF_WORK,
    "create_adaptation": NATIONAL_ADMINISTRATION,
    "add_deviation": NATIONAL_ADMINISTRATION,
    "create_institution": NATIONAL_ADMINISTRATION,
    "create_administration": SUPERUSER_ONLY,
    "plan_session": STAFF_WORK,
    # Institution managers put their own people forward; trainers keep their sessions' register.
    "nominate": STAFF_WORK | {"manager-rs": OK},
    "record_attendance": STAFF_WORK | {"trainer-rs": OK},
    "reopen_session": NATIONAL_ADMINISTRATION,
    "authorise_trainer": STAFF_WORK,
    "save_test": STAFF_WORK,
    # Paper scores go with the register: the session's trainer too.
    "record_scores": STAFF_WORK | {"trainer-rs": OK},
    "revoke_certificate": NATIONAL_ADMINISTRATION,
    # The coordinator manages accounts, but only national administrators': a field error.
    "create_account": NATIONAL_ADMINISTRATION | {"coordinator": INVALID},
}


# These build the record they act on first, so the count of rows moves before the refusal.
BUILD_THEIR_TARGET = {
    "void_evidence", "add_deviation", "nominate", "record_attendance", "reopen_session",
    "record_scores", "revoke_certificate",
}  # fmt: skip


def written() -> tuple[int, ...]:
    models = (StaffMember, StaffRole, Completion, NationalAdaptation, Deviation, Institution,
              Beneficiary, User, AuditEvent, TrainingSession, Enrolment, Attendance,
              TrainerAuthorisation, ModuleTest, TestResult, Certificate)  # fmt: skip
    return tuple(model.objects.count() for model in models)


@pytest.mark.parametrize(
    ("action", "username"),
    [(action, username) for action, table in EXPECTED.items() for username in table],
)
def test_who_may_do_what(world, action, username):
    actor = User.objects.get(username=username)
    expected = EXPECTED[action][username]
    do = ACTIONS[action]
    if expected == OK:
        before = AuditEvent.objects.count()
        do(actor, world["RS"])
        assert AuditEvent.objects.count() > before, "every write is audited"
        assert AuditEvent.objects.latest("pk").user == actor
        return
    # The records the action needs exist before the attempt, so only the refusal is measured.
    refusal = {FORBIDDEN: PermissionDenied, ABSENT: Http404, INVALID: ValidationError}[expected]
    before = written()
    with pytest.raises(refusal):
        do(actor, world["RS"])
    if action not in BUILD_THEIR_TARGET:
        assert written() == before


def fields_refused(error: pytest.ExceptionInfo[ValidationError]) -> set[str]:
    return set(error.value.message_dict)


def refuses(do: Callable[[], Any], *fields: str) -> None:
    before = written()
    with pytest.raises(ValidationError) as error:
        do()
    assert fields_refused(error) == set(fields)
    assert written() == before, "a refused action writes nothing, not even an audit row"


@pytest.fixture
def manager(world):
    return world["RS"].users["training_manager"]


def test_a_second_person_with_the_same_employee_number_is_refused(world, manager):
    refuses(
        lambda: staff_actions.create_staff_member(
            actor=manager, institution=world["RS"].prison, employee_number="RS-001",
            given_name="Ana", family_name="Anić", primary_category=category("FLO"),
            entry_date=LAST_YEAR,
        ),
        "__all__",
    )  # fmt: skip


def test_a_role_is_not_a_primary_category(world, manager):
    refuses(
        lambda: staff_actions.update_staff_member(
            actor=manager, staff_member=world["RS"].people[0], primary_category=category("TRN")
        ),
        "primary_category",
    )


def test_a_person_cannot_move_to_another_administrations_institution(world):
    root = world.superuser
    refuses(
        lambda: staff_actions.update_staff_member(
            actor=root, staff_member=world["RS"].people[0], institution=world["ME"].prison
        ),
        "institution",
    )


@pytest.mark.parametrize(
    ("leaving_date", "field_message"),
    [
        (datetime.date(2010, 1, 1), "before their entry"),
        (TODAY + datetime.timedelta(days=1), "future"),
    ],
)
def test_a_leaving_date_must_be_after_entry_and_not_in_the_future(
    world, manager, leaving_date, field_message
):
    before = written()
    with pytest.raises(ValidationError) as error:
        staff_actions.record_leaving(
            actor=manager, staff_member=world["RS"].people[0], leaving_date=leaving_date
        )
    assert field_message in " ".join(error.value.message_dict["leaving_date"])
    assert written() == before


def test_leaving_twice_is_refused_and_reinstating_brings_a_person_back(world, manager):
    person = world["RS"].people[0]
    staff_actions.record_leaving(actor=manager, staff_member=person, leaving_date=TODAY)
    refuses(
        lambda: staff_actions.record_leaving(
            actor=manager, staff_member=person, leaving_date=TODAY
        ),
        "leaving_date",
    )
    staff_actions.reinstate_staff_member(actor=manager, staff_member=person)
    person.refresh_from_db()
    assert (person.active, person.leaving_date) == (True, None)


def test_role_rules(world, manager):
    person = world["RS"].people[0]
    refuses(
        lambda: staff_actions.assign_role(
            actor=manager, staff_member=person, category=category("FLO"), start_date=LAST_YEAR
        ),
        "category",
    )
    staff_actions.assign_role(
        actor=manager, staff_member=person, category=category("TRN"), start_date=LAST_YEAR
    )
    refuses(
        lambda: staff_actions.assign_role(
            actor=manager, staff_member=person, category=category("TRN"), start_date=TODAY
        ),
        "start_date",
    )
    role = StaffRole.objects.get(staff_member=person)
    refuses(
        lambda: staff_actions.end_role(
            actor=manager, role=role, end_date=LAST_YEAR - datetime.timedelta(days=1)
        ),
        "end_date",
    )
    staff_actions.end_role(actor=manager, role=role, end_date=TODAY)
    role.refresh_from_db()
    assert role.end_date == TODAY


def test_evidence_rules(world, manager):
    person = world["RS"].people[0]

    def record(**overrides: Any) -> Completion:
        values = {
            "actor": manager, "staff_member": person, "area": area("RAD"), "level": level("A"),
            "completed_on": LAST_YEAR, "valid_until": TODAY + datetime.timedelta(days=400),
            "source": Completion.Source.MANUAL,
            "note": "Paper register of 2025",
        }  # fmt: skip
        return training_actions.record_evidence(**(values | overrides))

    refuses(lambda: record(completed_on=TODAY + datetime.timedelta(days=1)), "completed_on")
    refuses(lambda: record(note="   "), "note")
    refuses(lambda: record(valid_until=LAST_YEAR), "valid_until")
    completion = record()
    refuses(
        lambda: training_actions.correct_evidence(
            actor=manager, completion=completion, reason="", completed_on=LAST_YEAR
        ),
        "reason",
    )
    refuses(
        lambda: training_actions.void_evidence(actor=manager, completion=completion, reason=""),
        "reason",
    )


def test_voided_evidence_stays_in_the_trail_with_the_reason(world, manager):
    completion = CompletionFactory.create(staff_member=world["RS"].people[0])
    pk = completion.pk
    training_actions.void_evidence(actor=manager, completion=completion, reason="Wrong person")
    assert not Completion.objects.filter(pk=pk).exists()
    event = AuditEvent.objects.get(object_type__model="completion", object_id=str(pk))
    assert event.action == AuditEvent.Action.DELETE
    assert event.message == "Wrong person"
    assert event.before["area_id"] == completion.area_id
    assert event.user == manager


def test_a_deviation_cannot_loosen_the_common_cell(world):
    admin = world["RS"].users["national_admin"]
    adaptation = adaptation_of(world["RS"].beneficiary)
    # HRL × front-line is P every 36 months in the common matrix.
    refuses(
        lambda: framework_actions.add_deviation(
            actor=admin, adaptation=adaptation, area=area("HRL"), category=category("FLO"),
            level=level("A"), refresher_months=240, deadline_months=12, reason="Fewer trainers",
        ),
        "level", "refresher_months",
    )  # fmt: skip
    refuses(
        lambda: framework_actions.add_deviation(
            actor=admin, adaptation=adaptation, area=area("HRL"), category=category("FLO"),
            level=level("S"), refresher_months=24, deadline_months=12, reason=" ",
        ),
        "reason",
    )  # fmt: skip


@pytest.mark.parametrize("code", ["R/S", "rs", "SERBIA", "R"])
def test_an_administration_code_is_two_to_four_capital_letters(world, code):
    refuses(
        lambda: tenancy_actions.update_administration(
            actor=world.superuser, beneficiary=world["RS"].beneficiary, code=code
        ),
        "code",
    )


def test_is_demo_cannot_be_set_through_an_action(world):
    with pytest.raises(TypeError):
        tenancy_actions.update_administration(
            actor=world.superuser, beneficiary=world["RS"].beneficiary, is_demo=True
        )


def test_nobody_hands_out_their_own_role_or_a_wider_one(world):
    admin = world["RS"].users["national_admin"]
    refuses(
        lambda: account_actions.create_user(
            actor=admin, username="second-admin", role="national_admin",
            beneficiary=world["RS"].beneficiary,
        ),
        "role",
    )  # fmt: skip
    trainer_account = world["RS"].users["trainer"]
    refuses(
        lambda: account_actions.update_user(
            actor=admin, user=trainer_account, role="national_admin"
        ),
        "role",
    )
    with pytest.raises(Http404):  # another national administrator's account is not theirs
        account_actions.update_user(
            actor=admin, user=world["ME"].users["national_admin"], first_name="X"
        )


def test_the_coordinator_manages_national_administrators_only(world):
    coordinator = world.coordinator
    created = account_actions.create_user(
        actor=coordinator, username="admin-rs-2", role="national_admin",
        beneficiary=world["RS"].beneficiary, password="a-Long-enough-passphrase-2026",
    )  # fmt: skip
    assert created.is_staff
    assert created.has_usable_password()
    refuses(
        lambda: account_actions.create_user(
            actor=coordinator, username="t", role="training_manager",
            beneficiary=world["RS"].beneficiary,
        ),
        "role",
    )  # fmt: skip


def test_an_action_and_its_audit_row_roll_back_together(world, manager, monkeypatch):
    def failing_listener(change: changes.Change) -> None:
        raise RuntimeError("derived figures could not follow")

    monkeypatch.setattr(changes, "_listeners", [*changes._listeners, failing_listener])
    before = written()
    with pytest.raises(RuntimeError):
        ACTIONS["create_staff_member"](manager, world["RS"])
    assert written() == before


def test_actions_report_exactly_who_changed(world, manager, monkeypatch):
    heard: list[changes.Change] = []
    monkeypatch.setattr(changes, "_listeners", [heard.append])
    person = world["RS"].people[0]
    ACTIONS["record_evidence"](manager, world["RS"])
    ACTIONS["add_deviation"](world["RS"].users["national_admin"], world["RS"])
    tenancy_actions.update_institution(
        actor=world.superuser, institution=world["RS"].prison, city="Niš"
    )
    assert heard == [
        # Evidence says which requirements it can change, and from when.
        changes.Change.of_evidence([person.pk], [area("RAD").pk], [LAST_YEAR]),
        changes.Change.of_administration(world["RS"].beneficiary.pk, datetime.date(2024, 1, 1)),
    ], "an institution's city changes no figure"


def test_derived_figures_follow_recorded_evidence(world, manager):
    refresh_all(on=TODAY)
    person = world["RS"].people[0]
    before = PersonStatus.objects.get(staff_member=person)
    ACTIONS["record_module_completions"](manager, world["RS"])
    after = PersonStatus.objects.get(staff_member=person)
    assert after.satisfied > before.satisfied


def test_derived_figures_follow_a_leaving(world, manager):
    refresh_all(on=TODAY)
    person = world["RS"].people[0]
    assert PersonStatus.objects.filter(staff_member=person).exists()
    staff_actions.record_leaving(
        actor=manager, staff_member=person, leaving_date=TODAY - datetime.timedelta(days=1)
    )
    assert not PersonStatus.objects.filter(staff_member=person).exists()


def test_names_keep_one_unicode_form(world, manager):
    decomposed = "C\u030colakovic\u0301"  # Č and ć typed as letter + combining mark
    member = staff_actions.update_staff_member(
        actor=manager, staff_member=world["RS"].people[0], family_name=f"  {decomposed} "
    )
    member.refresh_from_db()
    assert member.family_name == "Čolaković"
    assert member.search_text.startswith("ana") is False  # folded forms were refreshed
    assert "colakovic" in member.search_text


def test_evidence_from_a_session_names_its_module(world, manager):
    refuses(
        lambda: training_actions.record_evidence(
            actor=manager, staff_member=world["RS"].people[0], area=area("RAD"),
            level=level("A"), completed_on=LAST_YEAR, valid_until=TODAY,
            source=Completion.Source.SESSION,
        ),
        "module",
    )  # fmt: skip


def test_a_role_lies_within_the_persons_time_in_post(world, manager):
    person = world["RS"].people[0]  # in post since 2015-03-01
    refuses(
        lambda: staff_actions.assign_role(
            actor=manager, staff_member=person, category=category("TRN"),
            start_date=datetime.date(2014, 1, 1),
        ),
        "start_date",
    )  # fmt: skip
    staff_actions.record_leaving(actor=manager, staff_member=person, leaving_date=LAST_YEAR)
    refuses(
        lambda: staff_actions.assign_role(
            actor=manager, staff_member=person, category=category("TRN"), start_date=TODAY
        ),
        "start_date",
    )


def test_a_refused_update_leaves_the_record_as_it_was(world, manager):
    person = world["RS"].people[0]
    with pytest.raises(ValidationError):
        staff_actions.update_staff_member(
            actor=manager, staff_member=person, family_name="Nova", primary_category=category("TRN")
        )
    assert person.family_name == "Ђорђевић"
    assert person.primary_category.code == "FLO"
