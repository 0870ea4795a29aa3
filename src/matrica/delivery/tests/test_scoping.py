"""Who sees which sessions, and whose enrolments and attendance: every role, through
`visible_to`."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.utils import timezone

from matrica.accounts.models import User
from matrica.delivery import actions
from matrica.delivery.models import Attendance, Enrolment, TrainingSession
from matrica.staff.models import StaffMember
from matrica.tenancy.roles import Role
from matrica.testing.factories import StaffMemberFactory, UserFactory

from .conftest import make_pool_trainer

pytestmark = pytest.mark.django_db


@dataclass
class Scene:
    everyone: TrainingSession  # last week, the whole of Serbia invited, the world's trainer
    prison: TrainingSession  # the prison invited, another trainer
    probation: TrainingSession  # the probation office invited, another trainer
    prison_service: TrainingSession  # the prison service invited, another trainer
    montenegro: TrainingSession
    other_trainer: User
    officer: StaffMember  # a probation officer, in the session for everyone


def new_session(administration, module, trainer, *, starts_on, **invited) -> TrainingSession:
    manager = administration.users["training_manager"]
    session = actions.plan_session(
        actor=manager, module=module, beneficiary_id=administration.beneficiary.pk,
        starts_on=starts_on, ends_on=starts_on + datetime.timedelta(days=1),
        starts_at=datetime.time(9), ends_at=datetime.time(13), capacity=10, venue="Centre",
        trainers=[trainer], **invited,
    )  # fmt: skip
    actions.open_session(actor=manager, session=session)
    return session


@pytest.fixture
def scene(world, serbia, basic_awareness, trainer) -> Scene:
    today = timezone.localdate()
    last_week = today - datetime.timedelta(days=today.weekday() + 7)
    in_a_month = last_week + datetime.timedelta(days=35)
    manager = serbia.users["training_manager"]
    officer = StaffMemberFactory.create(institution=serbia.probation)
    colleague = StaffMemberFactory.create(institution=serbia.probation)
    make_pool_trainer(colleague, basic_awareness)
    other_trainer = UserFactory.create(
        username="trainer-rs-2", role=Role.TRAINER, beneficiary=serbia.beneficiary,
        institution=serbia.probation, staff_member=colleague,
    )  # fmt: skip

    everyone = new_session(serbia, basic_awareness, trainer, starts_on=last_week,
                           invites_everyone=True)  # fmt: skip
    actions.nominate(actor=manager, session=everyone, staff_members=[officer])
    actions.confirm(actor=manager, session=everyone)
    actions.record_attendance(actor=manager, day=everyone.days.all()[0], present=[officer.pk])
    prison = new_session(serbia, basic_awareness, colleague, starts_on=in_a_month,
                         invited_institutions=[serbia.prison])  # fmt: skip
    # The staff member, and the world's trainer as a participant.
    actions.nominate(actor=manager, session=prison, staff_members=[serbia.people[0], trainer])
    probation = new_session(serbia, basic_awareness, colleague, starts_on=in_a_month,
                            invited_institutions=[serbia.probation])  # fmt: skip
    prison_service = new_session(serbia, basic_awareness, colleague, starts_on=in_a_month,
                                 invited_services=[serbia.prison.service])  # fmt: skip
    montenegro = world["ME"]
    me_trainer = montenegro.users["trainer"].staff_member
    make_pool_trainer(me_trainer, basic_awareness)
    me_session = new_session(montenegro, basic_awareness, me_trainer, starts_on=in_a_month,
                             invites_everyone=True)  # fmt: skip
    return Scene(everyone, prison, probation, prison_service, me_session, other_trainer, officer)


def seen(user) -> set[int]:
    return set(TrainingSession.objects.visible_to(user).values_list("pk", flat=True))


def ids(*sessions) -> set[int]:
    return {session.pk for session in sessions}


@pytest.mark.parametrize("role", ["national_admin", "training_manager"])
def test_national_roles_see_their_administration_s_sessions(world, serbia, scene, role):
    assert seen(serbia.users[role]) == ids(
        scene.everyone, scene.prison, scene.probation, scene.prison_service
    )
    assert seen(world["ME"].users[role]) == ids(scene.montenegro)


def test_the_coordinator_sees_every_session_but_nobody_in_them(world, scene):
    assert seen(world.coordinator) == ids(
        scene.everyone, scene.prison, scene.probation, scene.prison_service, scene.montenegro
    )
    assert Enrolment.objects.exists()
    assert not Enrolment.objects.visible_to(world.coordinator).exists()
    assert not Attendance.objects.visible_to(world.coordinator).exists()


def test_an_institution_manager_sees_the_sessions_open_to_their_institution(serbia, scene):
    assert seen(serbia.users["institution_manager"]) == ids(
        scene.everyone, scene.prison, scene.prison_service
    )


def test_a_trainer_sees_the_sessions_they_deliver_or_attend(serbia, scene):
    assert seen(serbia.users["trainer"]) == ids(scene.everyone, scene.prison)
    assert seen(scene.other_trainer) == ids(scene.prison, scene.probation, scene.prison_service)


def test_staff_see_only_the_sessions_they_are_enrolled_in(world, serbia, scene):
    assert seen(serbia.users["staff"]) == ids(scene.prison)
    assert seen(world["ME"].users["staff"]) == set()


def test_anonymous_people_see_no_session(scene):
    assert seen(AnonymousUser()) == set()


def enrolled(user, session) -> set[int]:
    return set(
        Enrolment.objects.visible_to(user)
        .filter(session=session)
        .values_list("staff_member_id", flat=True)
    )


def test_the_trainer_of_a_session_sees_its_enrolments_and_attendance(serbia, scene):
    trainer = serbia.users["trainer"]
    assert enrolled(trainer, scene.everyone) == {scene.officer.pk}
    assert (
        Attendance.objects.visible_to(trainer)
        .filter(enrolment__staff_member=scene.officer)
        .exists()
    )


def test_a_trainer_of_another_session_does_not(serbia, scene):
    other = scene.other_trainer
    assert enrolled(other, scene.everyone) == set()
    assert not Attendance.objects.visible_to(other).exists()
    # Attending a session is not delivering it: the world's trainer sees their own place in
    # the prison session, not the others'.
    assert enrolled(serbia.users["trainer"], scene.prison) == {
        serbia.users["trainer"].staff_member_id
    }
    assert enrolled(other, scene.prison) == {
        serbia.people[0].pk,
        serbia.users["trainer"].staff_member_id,
    }


def test_staff_see_their_own_enrolment_only(serbia, scene):
    assert set(
        Enrolment.objects.visible_to(serbia.users["staff"]).values_list(
            "staff_member_id", flat=True
        )
    ) == {serbia.people[0].pk}


def test_an_institution_manager_sees_their_own_people_s_enrolments(serbia, scene):
    manager = serbia.users["institution_manager"]
    assert enrolled(manager, scene.prison) == {
        serbia.people[0].pk,
        serbia.users["trainer"].staff_member_id,
    }
    assert enrolled(manager, scene.everyone) == set()  # a probation officer


def test_only_the_session_s_own_trainer_keeps_its_register(serbia, scene):
    day = scene.everyone.days.all()[0]
    with pytest.raises(Http404):
        actions.record_attendance(actor=scene.other_trainer, day=day, present=[])
    assert Attendance.objects.get(day=day).present  # the officer is still present
    actions.record_attendance(actor=serbia.users["trainer"], day=day, present=[])
    assert not Attendance.objects.get(day=day).present
