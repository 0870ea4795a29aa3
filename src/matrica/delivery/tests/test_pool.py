"""The trainer pool: training-of-trainers evidence valid on the day and the module taken, or an
authorisation valid on the day; only the pool's trainers can be given a session."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from matrica.delivery import actions, selectors
from matrica.delivery.models import TrainingSession
from matrica.framework.models import CompetencyArea, Level, Module
from matrica.staff import actions as staff_actions
from matrica.testing.factories import CompletionFactory

from .conftest import make_pool_trainer, plan

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


def tot(member, *, level="S", completed_on=None, valid_until=None) -> None:
    CompletionFactory.create(
        staff_member=member, area=CompetencyArea.objects.get(code="TOT"),
        level=Level.objects.get(code=level), completed_on=completed_on or days(-400),
        valid_until=valid_until or days(700), module=Module.objects.get(code="TT"),
    )  # fmt: skip


def took(member, module) -> None:
    CompletionFactory.create(
        staff_member=member, module=module, completed_on=days(-300), valid_until=days(800)
    )


def in_pool(member, module, on=TODAY) -> bool:
    return selectors.trainer_pool(module, on).filter(pk=member.pk).exists()


def test_valid_training_of_trainers_and_the_module_taken_put_someone_in_the_pool(
    serbia, basic_awareness
):
    member = serbia.people[1]
    assert not in_pool(member, basic_awareness)
    make_pool_trainer(member, basic_awareness)
    assert in_pool(member, basic_awareness)


def test_training_of_trainers_without_the_module_is_not_enough(serbia, basic_awareness):
    member = serbia.people[1]
    tot(member)
    assert not in_pool(member, basic_awareness)
    took(member, Module.objects.get(code="HR"))
    assert not in_pool(member, basic_awareness)


def test_the_module_without_training_of_trainers_is_not_enough(serbia, basic_awareness):
    member = serbia.people[1]
    took(member, basic_awareness)
    tot(member, level="A")  # awareness of training others is not a trainer's level
    assert not in_pool(member, basic_awareness)


def test_expired_training_of_trainers_takes_someone_out_of_the_pool(serbia, basic_awareness):
    member = serbia.people[1]
    took(member, basic_awareness)
    tot(member, completed_on=days(-1200), valid_until=days(-10))
    assert not in_pool(member, basic_awareness)
    assert in_pool(member, basic_awareness, on=days(-11))  # a session planned while valid


def test_an_authorisation_puts_someone_in_the_pool_while_it_lasts(serbia, basic_awareness):
    member = serbia.people[1]
    authorisation = actions.authorise_trainer(
        actor=serbia.users["training_manager"], staff_member=member, module=basic_awareness,
        granted_on=days(-30), reason="Trained the module abroad",
    )  # fmt: skip
    assert in_pool(member, basic_awareness)
    assert not in_pool(member, basic_awareness, on=days(-31))
    assert not in_pool(member, Module.objects.get(code="HR"))

    actions.withdraw_authorisation(
        actor=serbia.users["training_manager"], authorisation=authorisation, ends_on=days(-1),
        reason="Left the trainers' network",
    )  # fmt: skip
    assert not in_pool(member, basic_awareness)
    assert in_pool(member, basic_awareness, on=days(-2))


def test_an_authorisation_needs_a_reason(serbia, basic_awareness):
    with pytest.raises(ValidationError):
        actions.authorise_trainer(
            actor=serbia.users["training_manager"], staff_member=serbia.people[1],
            module=basic_awareness, granted_on=days(-30), reason="   ",
        )  # fmt: skip
    assert not in_pool(serbia.people[1], basic_awareness)


def test_someone_who_left_is_not_in_the_pool_after_leaving(serbia, basic_awareness):
    member = serbia.people[1]
    make_pool_trainer(member, basic_awareness)
    staff_actions.record_leaving(
        actor=serbia.users["national_admin"], staff_member=member, leaving_date=days(-5)
    )
    assert not in_pool(member, basic_awareness)


def test_planning_with_a_trainer_outside_the_pool_names_them(serbia, basic_awareness, trainer):
    outsider = serbia.people[1]
    sessions = TrainingSession.objects.count()
    with pytest.raises(ValidationError) as refused:
        plan(serbia, basic_awareness, outsider)
    assert outsider.full_name in " ".join(refused.value.messages)
    assert trainer.full_name not in " ".join(refused.value.messages)
    assert TrainingSession.objects.count() == sessions


def test_a_pool_trainer_of_another_administration_is_refused(world, serbia, basic_awareness):
    foreign = world["ME"].users["trainer"].staff_member
    make_pool_trainer(foreign, basic_awareness)  # the module is common to every administration
    with pytest.raises(ValidationError, match="another administration"):
        plan(serbia, basic_awareness, foreign)
    assert not TrainingSession.objects.exists()


def test_changing_the_trainers_keeps_to_the_pool(serbia, basic_awareness, trainer, session):
    outsider = serbia.people[1]
    with pytest.raises(ValidationError, match=outsider.full_name):
        actions.change_session(
            actor=serbia.users["training_manager"], session=session, trainers=[outsider]
        )
    assert list(session.trainers.all()) == [trainer]
