"""Sessions run to a given state through the real delivery actions, for the tests of the apps
that build on delivery (evaluation, credentials)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.utils import timezone

from matrica.delivery import actions
from matrica.delivery.models import TrainingSession
from matrica.delivery.tests.conftest import make_pool_trainer, plan
from matrica.framework.models import Module
from matrica.staff.models import StaffMember
from matrica.testing.world import Administration


def last_week() -> datetime.date:
    today = timezone.localdate()
    return today - datetime.timedelta(days=today.weekday() + 7)  # a Monday


def held_session(
    admin: Administration,
    *,
    module_code: str = "BA",
    people: Sequence[StaffMember] | None = None,
    starts_on: datetime.date | None = None,
    days: int = 2,
) -> TrainingSession:
    """A session of `module_code` run by the administration's trainer account, `people` (by
    default the administration's first two) confirmed, every day attended, marked held."""
    manager = admin.users["training_manager"]
    module = Module.objects.get(code=module_code)
    trainer = admin.users["trainer"].staff_member
    make_pool_trainer(trainer, module)
    people = list(admin.people[:2] if people is None else people)
    session = plan(admin, module, trainer, starts_on=starts_on or last_week(), days=days)
    actions.open_session(actor=manager, session=session)
    actions.nominate(actor=manager, session=session, staff_members=people)
    actions.confirm(actor=manager, session=session)
    actions.mark_held(actor=manager, session=session)
    for day in session.days.all():
        actions.record_attendance(
            actor=admin.users["trainer"], day=day, present=[m.pk for m in people]
        )
    session.refresh_from_db()
    return session


def closed_session(admin: Administration, **options: object) -> TrainingSession:
    """`held_session`, then closed by the training manager."""
    session = held_session(admin, **options)  # type: ignore[arg-type]
    actions.close_session(actor=admin.users["training_manager"], session=session)
    session.refresh_from_db()
    return session
