"""A session of basic awareness in Serbia, planned by the training manager, with a pool trainer
(the world's trainer account, holding training-of-trainers evidence and the module)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from matrica.delivery import actions
from matrica.framework.models import CompetencyArea, Level, Module
from matrica.testing.factories import CompletionFactory


def make_pool_trainer(member, module: Module) -> None:
    """Training-of-trainers evidence and the module itself, both current."""
    today = timezone.localdate()
    CompletionFactory.create(
        staff_member=member, area=CompetencyArea.objects.get(code="TOT"),
        level=Level.objects.get(code="S"), completed_on=today - datetime.timedelta(days=100),
        valid_until=today + datetime.timedelta(days=900), module=Module.objects.get(code="TT"),
    )  # fmt: skip
    CompletionFactory.create(
        staff_member=member, area=CompetencyArea.objects.get(code="RAD"),
        level=Level.objects.get(code="A"), completed_on=today - datetime.timedelta(days=200),
        valid_until=today + datetime.timedelta(days=500), module=module,
    )  # fmt: skip


@pytest.fixture
def serbia(world):
    return world["RS"]


@pytest.fixture
def basic_awareness(framework):
    return Module.objects.get(code="BA")


@pytest.fixture
def trainer(serbia, basic_awareness):
    member = serbia.users["trainer"].staff_member
    make_pool_trainer(member, basic_awareness)
    return member


def plan(serbia, module, trainer, *, starts_on=None, days=2, capacity=10, **extra):
    starts_on = starts_on or timezone.localdate() + datetime.timedelta(days=14)
    extra.setdefault("invites_everyone", True)
    return actions.plan_session(
        actor=serbia.users["training_manager"], module=module,
        beneficiary_id=serbia.beneficiary.pk, starts_on=starts_on,
        ends_on=starts_on + datetime.timedelta(days=days - 1),
        starts_at=datetime.time(9), ends_at=datetime.time(13), capacity=capacity,
        venue="Training centre, Niš", trainers=[trainer], **extra,
    )  # fmt: skip


@pytest.fixture
def session(serbia, basic_awareness, trainer):
    return plan(serbia, basic_awareness, trainer)
