"""Joint training wherever possible: when a session is open to both services, it is offered
before sessions open to one service only, even a sooner one."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from matrica.delivery import actions, selectors

from .conftest import plan

pytestmark = pytest.mark.django_db


def test_a_session_open_to_both_services_is_offered_first(client, serbia, basic_awareness, trainer):
    manager = serbia.users["training_manager"]
    soon = timezone.localdate() + datetime.timedelta(days=7)
    prison_only = plan(
        serbia, basic_awareness, trainer, starts_on=soon, invites_everyone=False,
        invited_institutions=[serbia.prison],
    )  # fmt: skip
    both = plan(
        serbia, basic_awareness, trainer, starts_on=soon + datetime.timedelta(days=14),
        invites_everyone=False, invited_institutions=[serbia.prison, serbia.probation],
    )  # fmt: skip
    planned_only = plan(serbia, basic_awareness, trainer, starts_on=soon)
    for session in (prison_only, both):
        actions.open_session(actor=manager, session=session)

    offered = list(selectors.open_for_nomination(manager))
    assert offered == [both, prison_only]  # a planned session takes no nominations yet
    assert planned_only not in offered
    assert [s.open_to_both for s in offered] == [True, False]  # type: ignore[attr-defined]

    client.force_login(manager)
    page = client.get("/delivery/?view=list").content.decode()
    section = page.split("Open for nominations", 1)[1].split("Upcoming and under way", 1)[0]
    assert section.index(f"/delivery/{both.pk}/") < section.index(f"/delivery/{prison_only.pk}/")
    assert "Open to prison and probation" in section


def test_people_who_nominate_nobody_are_not_offered_sessions(client, serbia):
    client.force_login(serbia.users["staff"])
    assert "Open for nominations" not in client.get("/delivery/?view=list").content.decode()
