"""An institution manager finds their prison's multi-disciplinary team not ready, reads what is
missing, follows the link to an open session that would fix it and nominates the member who
lacks the training, in the system Chromium; every page is checked with axe-core."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from matrica.compliance.services import refresh_all
from matrica.delivery import actions as delivery
from matrica.delivery.models import Enrolment
from matrica.delivery.tests.conftest import make_pool_trainer
from matrica.framework.models import Module
from matrica.teams import actions as teams
from matrica.teams.models import Discipline, Membership
from matrica.tenancy.scoping import SYSTEM
from tests.accessibility import assert_accessible, assert_no_horizontal_scroll
from tests.journeys import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_fixes_a_team_that_is_not_ready(page, live_server, world):
    rs = world["RS"]
    today = timezone.localdate()
    member, trainer = rs.people[0], rs.people[2]  # Ђорђе Ђорђевић, an officer of the prison
    team_practice = Module.objects.get(code="MA")  # multi-agency and team practice
    make_pool_trainer(trainer, team_practice)
    session = delivery.plan_session(
        actor=SYSTEM, module=team_practice, beneficiary_id=rs.beneficiary.pk,
        starts_on=today + datetime.timedelta(days=30), ends_on=today + datetime.timedelta(days=31),
        starts_at=datetime.time(9), ends_at=datetime.time(15), capacity=12,
        venue="Учионица, Ниш", trainers=[trainer], invites_everyone=True,
    )  # fmt: skip
    delivery.open_session(actor=SYSTEM, session=session)
    team = teams.create_team(
        actor=SYSTEM, beneficiary=rs.beneficiary, institution=rs.prison,
        name="МДТ Ниш", formed_on=today - datetime.timedelta(days=60),
    )  # fmt: skip
    teams.add_member(
        actor=SYSTEM, team=team, staff_member=member,
        discipline=Discipline.objects.get(beneficiary=rs.beneficiary, code="OFFICER"),
        role=Membership.Role.LEAD, start_date=today - datetime.timedelta(days=60),
    )  # fmt: skip
    refresh_all(on=today)

    log_in(page, live_server, "manager-rs")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Teams").click()
    expect(page.locator("main")).to_contain_text("МДТ Ниш")
    assert_accessible(page)
    page.get_by_role("link", name="МДТ Ниш").click()

    expect(page.locator("h1")).to_contain_text("МДТ Ниш")
    expect(page.locator("main")).to_contain_text("Not ready")
    expect(page.locator("main")).to_contain_text("no psychologist")
    expect(page.locator("main")).to_contain_text(member.full_name)
    assert_accessible(page)
    page.set_viewport_size({"width": 375, "height": 740})
    assert_no_horizontal_scroll(page)
    page.set_viewport_size({"width": 1280, "height": 900})

    # The session that would fix the member's training, and its nomination page.
    fixes = page.locator("li", has_text=team_practice.title)
    fixes.get_by_role("link", name="Nominate").click()
    expect(page.locator("h1")).to_contain_text("Nominate")
    page.get_by_label("Search").fill("djordjevic")
    page.get_by_role("button", name="Search").click()
    # Typing and the button each swap the list in (htmx, the typing after 300 ms): tick only
    # once both have landed, or the tick goes with the list it was made in.
    expect(page).to_have_url(re.compile(r"q=djordjevic"))
    page.wait_for_timeout(400)
    expect(page.locator(".htmx-request")).to_have_count(0)
    page.get_by_label(re.compile(member.family_name)).check()
    assert_accessible(page)
    page.get_by_role("button", name="Nominate the people ticked").click()
    result = page.locator(".nomination-result")
    expect(result).to_contain_text("1 person nominated")
    expect(result).to_contain_text(member.full_name)
    assert Enrolment.objects.filter(
        session=session, staff_member=member, state=Enrolment.State.NOMINATED
    ).exists()
