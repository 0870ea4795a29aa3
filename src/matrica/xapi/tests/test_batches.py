"""A batch is one unit: its evidence is recorded set-based, and the compliance figures of
everyone it concerns are redone once, at its end, with all its evidence in place."""

from __future__ import annotations

import pytest

from matrica.tenancy import changes
from matrica.xapi import actions
from matrica.xapi.tests.conftest import BOOK, MODULE_COMPLETION, moodle

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    seen: list[changes.Change] = []
    changes.listen(seen.append)
    yield seen
    changes._listeners.remove(seen.append)


def test_a_batch_of_several_modules_redoes_the_figures_once_for_everyone(platform, world, heard):
    from matrica.framework.models import Module

    admin = world["RS"].users["national_admin"]
    modules = list(Module.objects.filter(conferrals__isnull=False).distinct()[:3])
    batch = []
    for number, (person, module) in enumerate(zip(world["RS"].people, modules, strict=True)):
        activity = f"{BOOK}&n={number}"
        actions.resolve_activity(
            actor=admin, source=platform.source, activity_id=activity, module=module
        )
        key = f"account:http://www.example.org|{number}"
        actions.resolve_actor(
            actor=admin, source=platform.source, actor_key=key, staff_member=person
        )
        statement = moodle(MODULE_COMPLETION)[0]
        statement["actor"]["account"]["name"] = str(number)
        statement["object"]["id"] = activity
        batch.append(statement)
    heard.clear()
    assert platform.post(batch).status_code == 200
    assert len(heard) == 1
    assert heard[0].people == frozenset(p.pk for p in world["RS"].people)
