"""The coordinator compares the administrations, drafts the next matrix from the comparison,
raises one cell's level, sees it beside the version in force and publishes it; on a phone-sized
viewport, every page checked with axe-core."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect
from tests.accessibility import assert_accessible, assert_no_horizontal_scroll
from tests.journeys import log_in

from matrica.framework.models import FrameworkVersion

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_coordinator_drafts_and_publishes_the_next_matrix(page, live_server, world):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server, "coordinator")
    page.goto(f"{live_server.url}/needs/comparison/")
    expect(page.locator("h1")).to_have_text("Regional comparison")
    expect(page.locator("main")).to_contain_text("Montenegro")
    assert_accessible(page)
    assert_no_horizontal_scroll(page)

    page.get_by_label("Code of the draft").fill("2027.1")
    page.get_by_label("Title").fill("Next matrix")
    page.get_by_role("button", name="Create a draft").click()
    expect(page.locator("h1")).to_contain_text("Draft 2027.1")
    expect(page.locator("main")).to_contain_text("0 cells differ")
    assert_accessible(page)
    assert_no_horizontal_scroll(page)

    page.get_by_role("link", name="Change RAD × ALL").click()
    page.get_by_label("Required level").select_option(label="Specialist")
    page.get_by_role("button", name="Save the cell").click()
    expect(page.locator("main")).to_contain_text("1 cell differs")
    row = page.locator("tr.difference-changed")
    expect(row).to_contain_text("Changed: level")
    assert_accessible(page)

    effective = FrameworkVersion.objects.get(published=True).effective_from
    page.get_by_label("In force from").fill((effective + datetime.timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Publish the draft").click()
    expect(page.locator("main")).to_contain_text("Version 2027.1 is published")
    assert FrameworkVersion.objects.get(code="2027.1").published
