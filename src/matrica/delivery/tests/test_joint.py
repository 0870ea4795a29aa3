"""Joint sessions: people from both the prison and the probation service taking part, kept by
the enrolment actions and counted by administration, module and year."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from matrica.delivery import actions, selectors
from matrica.delivery.models import TrainingSession
from matrica.framework.models import Module
from matrica.testing.factories import InstitutionFactory, StaffMemberFactory, category

from .conftest import make_pool_trainer, plan

pytestmark = pytest.mark.django_db


def last_week() -> datetime.date:
    today = timezone.localdate()
    return today - datetime.timedelta(days=today.weekday() + 7)  # a Monday


def probation_officer(administration):
    return StaffMemberFactory.create(
        institution=administration.probation, primary_category=category("PRO")
    )


def held(administration, module, trainer, people, *, starts_on=None) -> TrainingSession:
    """A session that took place last week with these people confirmed."""
    manager = administration.users["training_manager"]
    session = plan(administration, module, trainer, starts_on=starts_on or last_week())
    actions.open_session(actor=manager, session=session)
    actions.nominate(actor=manager, session=session, staff_members=people)
    actions.confirm(actor=manager, session=session)
    actions.mark_held(actor=manager, session=session)
    session.refresh_from_db()
    return session


def enrolment_of(session, member):
    return session.enrolments.select_related("staff_member").get(staff_member=member)


def test_prison_and_probation_people_taking_part_make_a_session_joint(
    serbia, basic_awareness, trainer
):
    manager = serbia.users["training_manager"]
    officer = probation_officer(serbia)
    session = plan(serbia, basic_awareness, trainer)
    actions.open_session(actor=manager, session=session)
    actions.nominate(actor=manager, session=session, staff_members=[serbia.people[0], officer])
    session.refresh_from_db()
    assert not session.is_joint  # nominated is not yet taking part
    actions.confirm(actor=manager, session=session)
    session.refresh_from_db()
    assert session.is_joint

    actions.withdraw(actor=manager, enrolment=enrolment_of(session, officer))
    session.refresh_from_db()
    assert not session.is_joint


def test_people_of_two_prisons_do_not_make_a_session_joint(serbia, basic_awareness, trainer):
    manager = serbia.users["training_manager"]
    other_prison = StaffMemberFactory.create(
        institution=InstitutionFactory.create(service=serbia.prison.service)
    )
    session = plan(serbia, basic_awareness, trainer)
    actions.open_session(actor=manager, session=session)
    actions.nominate(actor=manager, session=session, staff_members=[serbia.people[0], other_prison])
    actions.confirm(actor=manager, session=session)
    session.refresh_from_db()
    assert not session.is_joint


def test_a_no_show_from_probation_leaves_a_closed_session_not_joint_until_reopened(
    serbia, basic_awareness, trainer
):
    manager = serbia.users["training_manager"]
    officer = probation_officer(serbia)
    session = held(serbia, basic_awareness, trainer, [serbia.people[0], officer])
    assert session.is_joint
    for day in session.days.all():
        actions.record_attendance(actor=manager, day=day, present=[serbia.people[0].pk])
    actions.close_session(actor=manager, session=session)
    session.refresh_from_db()
    assert not session.is_joint  # only the prison officer attended

    # Regression: reopening put the probation officer back to confirmed, but the session was
    # still counted as not joint.
    actions.reopen_session(
        actor=serbia.users["national_admin"], session=session, reason="Register corrected"
    )
    session.refresh_from_db()
    assert session.is_joint


@pytest.fixture
def shares(world, serbia, basic_awareness, trainer):
    """Serbia: two basic-awareness sessions held last week (one joint), one held a year earlier
    (joint), one human-rights session (not joint) and one planned joint-to-be session that does
    not count; Montenegro: one joint session."""
    officer = probation_officer(serbia)
    prison_officer = serbia.people[0]
    held(serbia, basic_awareness, trainer, [prison_officer, officer])
    held(
        serbia,
        basic_awareness,
        trainer,
        [prison_officer],
        starts_on=last_week() + datetime.timedelta(days=2),
    )
    earlier = held(serbia, basic_awareness, trainer, [prison_officer, officer],
                   starts_on=last_week() - datetime.timedelta(days=7))  # fmt: skip
    year_before = datetime.timedelta(days=364)
    TrainingSession.objects.filter(pk=earlier.pk).update(
        starts_on=earlier.starts_on - year_before, ends_on=earlier.ends_on - year_before
    )
    human_rights = Module.objects.get(code="HR")
    make_pool_trainer(trainer, human_rights)
    held(serbia, human_rights, trainer, [serbia.people[1]],
         starts_on=last_week() - datetime.timedelta(days=14))  # fmt: skip
    plan(serbia, basic_awareness, trainer)
    montenegro = world["ME"]
    me_trainer = montenegro.users["trainer"].staff_member
    make_pool_trainer(me_trainer, basic_awareness)
    held(montenegro, basic_awareness, me_trainer, [montenegro.people[0], montenegro.people[1]])
    return earlier


def as_tuples(rows):
    return [(row.key, row.sessions, row.joint) for row in rows]


def test_joint_share_by_administration(world, serbia, shares):
    assert as_tuples(selectors.joint_share(world.coordinator, "administration")) == [
        ("ME", 1, 1),
        ("RS", 4, 2),
    ]
    # A national administrator counts their own administration's sessions only.
    assert as_tuples(selectors.joint_share(serbia.users["national_admin"], "administration")) == [
        ("RS", 4, 2)
    ]


def test_joint_share_by_module(serbia, shares):
    rows = selectors.joint_share(serbia.users["training_manager"], "module")
    assert as_tuples(rows) == [("BA", 3, 2), ("HR", 1, 0)]
    assert rows[0].percent == pytest.approx(66.7)
    assert rows[1].percent == 0


def test_joint_share_by_year(serbia, shares):
    rows = selectors.joint_share(serbia.users["training_manager"], "year")
    by_year = {row.key: (row.sessions, row.joint) for row in rows}
    shares.refresh_from_db()
    expected: dict[int, list[int]] = {}
    for session in TrainingSession.objects.filter(
        beneficiary=serbia.beneficiary, state__in=["held", "closed"]
    ):
        counts = expected.setdefault(session.starts_on.year, [0, 0])
        counts[0] += 1
        counts[1] += session.is_joint
    assert by_year == {year: tuple(counts) for year, counts in expected.items()}
    assert len(by_year) >= 2  # the session of a year before counts in its own year
    assert by_year[shares.starts_on.year][1] >= 1
