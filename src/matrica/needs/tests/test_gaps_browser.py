"""The gap analysis in the system Chromium: axe-clean, and on a phone the page never scrolls
sideways (the matrix scrolls within its own region)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from tests.accessibility import assert_accessible, assert_no_horizontal_scroll
from tests.journeys import log_in

from matrica.curricula.actions import Cell, create_course
from matrica.framework.models import CompetencyArea, Level
from matrica.testing.factories import category

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("username", ["admin-rs", "coordinator"])
def test_the_gap_analysis_is_accessible_on_a_phone(page: Page, live_server, world, username):
    serbia = world["RS"]
    create_course(
        actor=serbia.users["national_admin"], beneficiary=serbia.beneficiary, code="PRO-1",
        title="Probation basics", kind="initial", hours=40, target_categories=[category("PRO")],
        cells=[Cell(CompetencyArea.objects.get(code="RAD"), category("PRO"),
                    Level.objects.get(code="P"), 16)],
    )  # fmt: skip
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    log_in(page, live_server, username)
    page.goto(f"{live_server.url}/needs/gaps/?administration=RS")
    expect(page.locator("h1")).to_contain_text("Gap analysis")
    expect(page.locator("td[data-coverage=strength]")).to_have_count(1)
    expect(page.locator("td[data-coverage=strength]")).to_have_text("Strength")
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
