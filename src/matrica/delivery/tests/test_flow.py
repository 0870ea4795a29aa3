"""A session from plan to evidence, through the actions."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from matrica.delivery import actions
from matrica.delivery.models import Enrolment, TrainingSession
from matrica.training.models import Completion

from .conftest import plan

pytestmark = pytest.mark.django_db(transaction=False)


def test_a_session_from_plan_to_evidence(
    serbia, basic_awareness, trainer, django_capture_on_commit_callbacks
):
    manager = serbia.users["training_manager"]
    today = timezone.localdate()
    past = today - datetime.timedelta(days=today.weekday() + 7)  # a Monday of last week
    session = plan(serbia, basic_awareness, trainer, starts_on=past, days=2)
    actions.open_session(actor=manager, session=session)
    with django_capture_on_commit_callbacks(execute=True):
        result = actions.nominate(actor=manager, session=session, staff_members=serbia.people[:2])
    assert [m.pk for m in result.nominated] == sorted(
        [p.pk for p in serbia.people[:2]],
        key=lambda pk: next(p.sort_name for p in serbia.people if p.pk == pk),
    )
    confirmed, waitlisted = actions.confirm(actor=manager, session=session)
    assert len(confirmed) == 2
    assert not waitlisted
    first_day, second_day = session.days.all()
    present = [serbia.people[0].pk]
    actions.record_attendance(actor=serbia.users["trainer"], day=first_day, present=present)
    actions.record_attendance(actor=serbia.users["trainer"], day=second_day, present=present)
    actions.mark_held(actor=manager, session=session)
    attended = actions.close_session(actor=manager, session=session)
    assert [e.staff_member_id for e in attended] == present
    session.refresh_from_db()
    assert session.state == TrainingSession.State.CLOSED
    assert Completion.objects.filter(staff_member=serbia.people[0], module=basic_awareness).exists()
    assert not Completion.objects.filter(
        staff_member=serbia.people[1], module=basic_awareness
    ).exists()
    states = dict(session.enrolments.values_list("staff_member_id", "state"))
    assert states[serbia.people[1].pk] == Enrolment.State.NO_SHOW

    actions.reopen_session(
        actor=serbia.users["national_admin"], session=session, reason="Register corrected"
    )
    assert not Completion.objects.filter(
        staff_member=serbia.people[0], module=basic_awareness
    ).exists()
    session.refresh_from_db()
    assert session.state == TrainingSession.State.HELD
