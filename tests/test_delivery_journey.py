"""A training manager runs a session from plan to evidence, in the system Chromium: plan it with a
pool trainer, open it, nominate front-line officers by rule, give places, keep the register on a
phone-sized screen, mark it held, close it, and see a participant's status turn current on their
record. Every page is checked with axe-core."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from matrica.compliance.services import refresh_all
from matrica.delivery.models import Enrolment, TrainingSession
from matrica.delivery.tests.conftest import make_pool_trainer
from matrica.framework.models import Module
from tests.accessibility import assert_accessible, assert_no_horizontal_scroll
from tests.journeys import log_in, requirement

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}


def test_a_session_from_plan_to_evidence(page, live_server, world):
    rs = world["RS"]
    today = timezone.localdate()
    participant, trainer = rs.people[0], rs.people[2]  # Ђорђе Ђорђевић; Марко Јовановић
    make_pool_trainer(trainer, Module.objects.get(code="BA"))
    refresh_all(on=today)

    log_in(page, live_server, "training-rs")
    page.get_by_role("link", name="Training sessions").first.click()
    expect(page.locator("h1")).to_have_text("Training sessions")
    assert_accessible(page)

    # Plan: basic awareness today, in Niš, with the pool trainer.
    page.get_by_role("link", name="Plan a session").click()
    expect(page.locator("h1")).to_have_text("Plan a session")
    basic_awareness = Module.objects.get(code="BA")
    page.get_by_label("Module").select_option(value=str(basic_awareness.pk))
    page.get_by_label("First day").fill(today.isoformat())
    page.get_by_label("Last day").fill(today.isoformat())
    page.get_by_label("Each day from").fill("08:00")
    page.get_by_label("Each day until").fill("12:00")
    page.get_by_label("Places").fill("10")
    page.get_by_label("Venue").fill("Учионица, Ниш")
    trainer_box = page.get_by_label(trainer.full_name)
    expect(trainer_box).to_be_visible()
    trainer_box.check()
    page.get_by_label("Open to every institution of the administration").check()
    assert_accessible(page)
    page.get_by_role("button", name="Plan", exact=True).click()

    expect(page.locator("h1")).to_contain_text("Basic awareness")
    session = TrainingSession.objects.get()
    assert list(session.trainers.all()) == [trainer]
    assert_accessible(page)
    page.get_by_role("button", name="Open for nominations").click()
    expect(page.locator(".status")).to_have_text("Open for nominations")

    # Nominate by rule: the prison's front-line officers whose basic awareness is not current.
    page.get_by_role("link", name="Nominate by rule").click()
    page.get_by_label("Institution").select_option(label="RS prison")
    page.get_by_label("Staff category").select_option(label="Front-line custodial officers")
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#rule-preview")
    expect(preview).to_contain_text(participant.family_name)
    expect(preview).not_to_contain_text("Milica")  # a treatment specialist
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("^Nominate th")).click()
    result = page.locator(".nomination-result")
    expect(result).to_contain_text("people nominated")
    expect(result).to_contain_text(participant.full_name)
    assert Enrolment.objects.filter(session=session, staff_member=participant).exists()

    # Places, in nomination order.
    page.goto(f"{live_server.url}/delivery/{session.pk}/")
    page.get_by_role("button", name=re.compile("^Give places")).click()
    expect(page.locator("h1")).to_have_text("Places given")
    page.get_by_role("link", name="Back to the session", exact=True).click()
    expect(page.locator("section.roster")).to_contain_text("Confirmed")

    # The register on a phone.
    page.set_viewport_size(PHONE)
    page.get_by_role("link", name=today.isoformat()).first.click()
    expect(page.locator("h1")).to_have_text(f"Register of {today.isoformat()}")
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    page.get_by_label(re.compile(participant.family_name)).check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("The register is saved.")
    page.set_viewport_size({"width": 1280, "height": 900})

    # Held, then closed: the evidence is created and compliance follows.
    page.goto(f"{live_server.url}/delivery/{session.pk}/")
    page.get_by_role("button", name="Mark as held").click()
    expect(page.locator(".status")).to_have_text("Held")
    page.get_by_role("button", name="Close the session").click()
    expect(page.locator(".status")).to_have_text("Closed")
    assert_accessible(page)
    states = dict(session.enrolments.values_list("staff_member_id", "state"))
    assert states[participant.pk] == Enrolment.State.ATTENDED

    page.goto(f"{live_server.url}/staff/{participant.pk}/")
    expect(requirement(page, "Understanding radicalisation", "All staff")).to_contain_text(
        "Current"
    )
    assert_accessible(page)

    # The pages around the sessions: the modules and their pool, the joint figures, the feeds.
    for address in (
        "/delivery/modules/",
        f"/delivery/modules/{basic_awareness.pk}/",
        f"/delivery/modules/{basic_awareness.pk}/trainers/",
        f"/delivery/trainers/{trainer.pk}/",
        "/delivery/joint/",
        "/delivery/feeds/",
        "/delivery/?view=list",
    ):
        page.goto(f"{live_server.url}{address}")
        expect(page.locator("h1")).to_be_visible()
        assert_accessible(page)

    # The calendar on a phone shows the session, closed.
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/delivery/")
    expect(page.locator("main")).to_contain_text("Basic awareness")
    assert_no_horizontal_scroll(page)
    assert_accessible(page)
