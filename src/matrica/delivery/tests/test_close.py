"""Closing a session into evidence, all or nothing, by the module's attendance threshold; and
reopening it (a national administrator, with a reason) taking the evidence back."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from matrica.audit.models import AuditEvent
from matrica.compliance.models import RequirementStatus
from matrica.compliance.services import refresh_all
from matrica.compliance.status import Status
from matrica.delivery import actions
from matrica.delivery.models import Enrolment, TrainingSession
from matrica.framework.models import Level, Module
from matrica.training import actions as training
from matrica.training.models import Completion

from .conftest import plan

pytestmark = pytest.mark.django_db

E = Enrolment.State


def last_week() -> datetime.date:
    today = timezone.localdate()
    return today - datetime.timedelta(days=today.weekday() + 7)  # a Monday


@pytest.fixture
def held(serbia, basic_awareness, trainer):
    """Last week's two-day session, two people confirmed, marked held."""
    manager = serbia.users["training_manager"]
    session = plan(serbia, basic_awareness, trainer, starts_on=last_week(), days=2)
    actions.open_session(actor=manager, session=session)
    actions.nominate(actor=manager, session=session, staff_members=serbia.people[:2])
    actions.confirm(actor=manager, session=session)
    actions.mark_held(actor=manager, session=session)
    session.refresh_from_db()
    return session


def register(serbia, session, *, first_day: list, second_day: list) -> None:
    day_one, day_two = session.days.all()
    trainer = serbia.users["trainer"]
    actions.record_attendance(actor=trainer, day=day_one, present=[m.pk for m in first_day])
    actions.record_attendance(actor=trainer, day=day_two, present=[m.pk for m in second_day])


def states(session) -> dict[int, str]:
    return dict(session.enrolments.values_list("staff_member_id", "state"))


def test_a_failure_while_recording_evidence_leaves_everything_as_it_was(serbia, held, monkeypatch):
    everyone = serbia.people[:2]
    register(serbia, held, first_day=everyone, second_day=everyone)
    real = training.record_module_completions

    def fails_after_writing(**kwargs):
        real(**kwargs)  # the completions and their audit rows are written, then it fails
        raise RuntimeError("disk full")

    monkeypatch.setattr(training, "record_module_completions", fails_after_writing)
    before = (states(held), Completion.objects.count(), AuditEvent.objects.count())

    with pytest.raises(RuntimeError):
        actions.close_session(actor=serbia.users["training_manager"], session=held)

    held.refresh_from_db()
    assert held.state == TrainingSession.State.HELD
    assert (states(held), Completion.objects.count(), AuditEvent.objects.count()) == before
    assert set(states(held).values()) == {E.CONFIRMED}


@pytest.mark.parametrize(("threshold", "outcome"), [(50, E.ATTENDED), (100, E.NO_SHOW)])
def test_one_day_of_two_is_enough_only_under_a_threshold_of_half(
    serbia, held, basic_awareness, threshold, outcome
):
    Module.objects.filter(pk=basic_awareness.pk).update(attendance_threshold=threshold)
    held.module.refresh_from_db()
    person, other = serbia.people[:2]
    register(serbia, held, first_day=[person, other], second_day=[other])

    attended = actions.close_session(actor=serbia.users["training_manager"], session=held)

    assert states(held) == {person.pk: outcome, other.pk: E.ATTENDED}
    assert (person.pk in {e.staff_member_id for e in attended}) == (outcome == E.ATTENDED)
    assert Completion.objects.filter(staff_member=person, module=basic_awareness).exists() == (
        outcome == E.ATTENDED
    )


def test_evidence_is_dated_on_the_last_day_and_remembered_on_the_enrolment(
    serbia, held, basic_awareness
):
    person = serbia.people[0]
    register(serbia, held, first_day=[person], second_day=[person])
    actions.close_session(actor=serbia.users["training_manager"], session=held)
    completions = Completion.objects.filter(staff_member=person, module=basic_awareness)
    assert set(completions.values_list("completed_on", flat=True)) == {held.ends_on}
    enrolment = held.enrolments.get(staff_member=person)
    assert sorted(enrolment.completion_ids) == sorted(completions.values_list("pk", flat=True))
    assert completions.count() == basic_awareness.conferrals.count()


def rad_status(person) -> set[str]:
    """Where the person stands in radicalisation where awareness, which the module confers, is
    enough (one row per category requiring it)."""
    awareness = Level.objects.get(code="A").rank
    return set(
        RequirementStatus.objects.filter(
            staff_member=person, area__code="RAD", required_rank__lte=awareness
        ).values_list("status", flat=True)
    )


def test_reopening_takes_the_evidence_back_and_the_status_with_it(serbia, held):
    person = serbia.people[0]
    refresh_all(on=timezone.localdate())
    status_before = rad_status(person)
    assert status_before
    assert Status.CURRENT not in status_before
    register(serbia, held, first_day=[person], second_day=[person])
    actions.close_session(actor=serbia.users["training_manager"], session=held)
    assert rad_status(person) == {Status.CURRENT}

    actions.reopen_session(
        actor=serbia.users["national_admin"], session=held, reason="Wrong person marked present"
    )

    assert not Completion.objects.filter(staff_member=person, module=held.module).exists()
    assert rad_status(person) == status_before
    assert set(states(held).values()) == {E.CONFIRMED}
    assert held.enrolments.get(staff_member=person).completion_ids == []
    held.refresh_from_db()
    assert held.state == TrainingSession.State.HELD


@pytest.fixture
def closed(serbia, held):
    person = serbia.people[0]
    register(serbia, held, first_day=[person], second_day=[person])
    actions.close_session(actor=serbia.users["training_manager"], session=held)
    return held


def test_a_training_manager_cannot_reopen_a_session(serbia, closed):
    completions = Completion.objects.count()
    with pytest.raises(PermissionDenied):
        actions.reopen_session(
            actor=serbia.users["training_manager"], session=closed, reason="Mistake"
        )
    closed.refresh_from_db()
    assert closed.state == TrainingSession.State.CLOSED
    assert Completion.objects.count() == completions


def test_reopening_needs_a_reason(serbia, closed):
    events, completions = AuditEvent.objects.count(), Completion.objects.count()
    with pytest.raises(ValidationError, match="Say why"):
        actions.reopen_session(actor=serbia.users["national_admin"], session=closed, reason=" ")
    closed.refresh_from_db()
    assert closed.state == TrainingSession.State.CLOSED
    assert (AuditEvent.objects.count(), Completion.objects.count()) == (events, completions)


def test_another_administration_cannot_reopen_a_session(world, closed):
    with pytest.raises(Http404):
        actions.reopen_session(
            actor=world["ME"].users["national_admin"], session=closed, reason="Mistake"
        )
    closed.refresh_from_db()
    assert closed.state == TrainingSession.State.CLOSED
