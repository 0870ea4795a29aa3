"""The training plan in the system Chromium: axe-clean, and on a phone the page never scrolls
sideways (the tables scroll within their own regions, the timeline scales); accepting from the
page plans the sessions kept."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from tests.accessibility import assert_accessible, assert_no_horizontal_scroll
from tests.journeys import log_in

from matrica.compliance.services import refresh_all
from matrica.delivery.models import TrainingSession
from matrica.delivery.tests.conftest import make_pool_trainer
from matrica.framework.models import Module

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_plan_is_accessible_on_a_phone_and_accepted_from_it(page: Page, live_server, world):
    serbia = world["RS"]
    for institution in (serbia.prison, serbia.probation):
        institution.city = "Niš"
        institution.save()
    make_pool_trainer(serbia.users["trainer"].staff_member, Module.objects.get(code="HR"))
    refresh_all()
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    log_in(page, live_server, "training-rs")
    page.goto(f"{live_server.url}/needs/plans/RS/?module=HR")
    expect(page.locator("h1")).to_contain_text("Training plan")
    expect(page.locator("tr[data-session]")).to_have_count(1)
    assert_accessible(page)
    assert_no_horizontal_scroll(page)

    page.get_by_role("button", name="Accept: plan the sessions kept").click()

    expect(page.locator(".messages")).to_contain_text("sessions planned")
    assert TrainingSession.objects.filter(module__code="HR").count() == 1
