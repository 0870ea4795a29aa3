"""The session state machine, pair by pair: a move the machine allows goes through its action
and is audited; any other is refused with a message naming both states, and nothing is
written."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from matrica.audit.models import AuditEvent
from matrica.delivery import actions
from matrica.delivery.models import TrainingSession

from .conftest import plan

pytestmark = pytest.mark.django_db

State = TrainingSession.State
PAIRS = [(source, target) for source in State for target in State]


def last_week() -> datetime.date:
    today = timezone.localdate()
    return today - datetime.timedelta(days=today.weekday() + 7)  # a Monday


def move(serbia, session: TrainingSession, target: str) -> None:
    """Ask for `target` through the action that leads there."""
    manager = serbia.users["training_manager"]
    if target == State.OPEN:
        actions.open_session(actor=manager, session=session)
    elif target == State.HELD and session.state == State.CLOSED:
        actions.reopen_session(
            actor=serbia.users["national_admin"], session=session, reason="Register corrected"
        )
    elif target == State.HELD:
        actions.mark_held(actor=manager, session=session)
    elif target == State.CLOSED:
        actions.close_session(actor=manager, session=session)
    elif target == State.CANCELLED:
        actions.cancel_session(actor=manager, session=session, reason="The trainer is ill")
    else:
        # No action takes a session back to planning: the guard every action calls decides.
        actions.check_session_move(session, target)


@pytest.mark.parametrize(("source", "target"), PAIRS, ids=[f"{s}->{t}" for s, t in PAIRS])
def test_session_moves_follow_the_state_machine(serbia, basic_awareness, trainer, source, target):
    session = plan(serbia, basic_awareness, trainer, starts_on=last_week())
    TrainingSession.objects.filter(pk=session.pk).update(state=source)
    session.refresh_from_db()
    events = AuditEvent.objects.count()

    if target in actions.SESSION_MOVES[source]:
        move(serbia, session, target)
        session.refresh_from_db()
        assert session.state == target
        assert AuditEvent.objects.count() > events
    else:
        with pytest.raises(ValidationError) as refused:
            move(serbia, session, target)
        message = " ".join(refused.value.messages)
        assert f"“{State(source).label}”" in message
        assert f"“{State(target).label}”" in message
        session.refresh_from_db()
        assert session.state == source
        assert AuditEvent.objects.count() == events


def test_every_state_has_its_moves_listed():
    assert set(actions.SESSION_MOVES) == set(State)
    assert actions.SESSION_MOVES[State.CANCELLED] == frozenset()


def test_a_session_is_marked_held_only_from_its_last_day(serbia, basic_awareness, trainer):
    session = plan(serbia, basic_awareness, trainer)  # in two weeks
    actions.open_session(actor=serbia.users["training_manager"], session=session)
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError, match="can be marked held from that day"):
        actions.mark_held(actor=serbia.users["training_manager"], session=session)
    session.refresh_from_db()
    assert session.state == State.OPEN
    assert AuditEvent.objects.count() == events


def test_a_session_opens_only_with_a_trainer(serbia, basic_awareness, trainer):
    session = plan(serbia, basic_awareness, trainer)
    session.trainers.clear()
    with pytest.raises(ValidationError, match="Assign a trainer"):
        actions.open_session(actor=serbia.users["training_manager"], session=session)
    session.refresh_from_db()
    assert session.state == State.PLANNED


def test_cancelling_needs_a_reason_and_withdraws_everyone(serbia, basic_awareness, trainer):
    manager = serbia.users["training_manager"]
    session = plan(serbia, basic_awareness, trainer)
    actions.open_session(actor=manager, session=session)
    actions.nominate(actor=manager, session=session, staff_members=serbia.people[:2])
    with pytest.raises(ValidationError):
        actions.cancel_session(actor=manager, session=session, reason="  ")
    actions.cancel_session(actor=manager, session=session, reason="The venue is closed")
    session.refresh_from_db()
    assert session.state == State.CANCELLED
    assert set(session.enrolments.values_list("state", flat=True)) == {"withdrawn"}


def test_marking_held_lapses_the_nominations_nobody_confirmed(serbia, basic_awareness, trainer):
    manager = serbia.users["training_manager"]
    session = plan(serbia, basic_awareness, trainer, starts_on=last_week(), capacity=1)
    actions.open_session(actor=manager, session=session)
    actions.nominate(actor=manager, session=session, staff_members=serbia.people[:1])
    actions.confirm(actor=manager, session=session)
    actions.nominate(actor=manager, session=session, staff_members=serbia.people[1:2])
    actions.mark_held(actor=manager, session=session)
    states = dict(session.enrolments.values_list("staff_member_id", "state"))
    assert states == {serbia.people[0].pk: "confirmed", serbia.people[1].pk: "withdrawn"}
