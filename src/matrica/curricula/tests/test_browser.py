"""The inventory in the system Chromium, on a phone: a course added with its cells through the
form (no JavaScript needed), every page axe-clean and never scrolling sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from tests.accessibility import assert_accessible, assert_no_horizontal_scroll
from tests.journeys import log_in

from matrica.curricula.models import Course

from .conftest import add_course, cell

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def test_a_training_manager_adds_a_course_on_a_phone(page: Page, live_server, world):
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    log_in(page, live_server, "training-me", check=False)
    page.goto(f"{live_server.url}/curricula/new/")
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    page.fill("#id_code", "ME-OSN")
    page.fill("#id_title", "Osnovni kurs")
    page.select_option("#id_kind", "initial")
    page.fill("#id_hours", "16")
    page.get_by_label("Front-line custodial officers").first.check()
    page.select_option(
        "#id_cells-0-area", label="RAD · Understanding radicalisation and violent extremism"
    )
    page.select_option("#id_cells-0-category", label="FLO · Front-line custodial officers")
    page.select_option("#id_cells-0-level", label="A · Awareness")
    page.fill("#id_cells-0-hours", "20")  # more than the course: refused, said above the cells
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".errorlist")).to_contain_text("between 1 and the course's 16")
    assert_accessible(page)
    page.fill("#id_cells-0-hours", "4")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("h1")).to_contain_text("Osnovni kurs")
    assert Course.objects.get(code="ME-OSN").coverage.count() == 1
    assert_accessible(page)
    assert_no_horizontal_scroll(page)


def test_the_coordinator_compares_inventories_on_a_phone(page: Page, live_server, world):
    for code in ("RS", "ME"):
        add_course(world, code, code=f"{code}-LONG-COURSE", title="Početna obuka " * 6,
                   cells=[cell("RAD", "FLO", "A", 8), cell("DYN", "FLO", "P", 16)])  # fmt: skip
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    log_in(page, live_server, "coordinator", check=False)
    page.goto(f"{live_server.url}/curricula/")
    expect(page.locator("tbody tr")).to_have_count(2)
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    page.locator("tbody a").first.click()
    expect(page.locator("h1")).to_contain_text("Početna obuka")
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
