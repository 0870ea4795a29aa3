"""Browser journeys in the system Chromium (Playwright)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from matrica.compliance.services import refresh_all
from matrica.framework.models import Module
from matrica.tenancy.scoping import SYSTEM
from matrica.training.actions import record_module_completions
from tests.accessibility import assert_accessible, assert_no_horizontal_scroll
from tests.journeys import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# One user of every role in the test world (matrica.testing.world); the password is "pw".
USERNAMES = ["coordinator", "admin-rs", "training-rs", "manager-rs", "trainer-rs", "staff-rs"]
PHONE = {"width": 390, "height": 844}


def pages_of(page: Page, world, username: str) -> list[str]:
    """The pages a user reaches: home, every link of the main menu, a staff record (their own if
    they have one), and the compliance lists the dashboard links to."""
    menu = page.locator("nav a").evaluate_all("links => links.map(a => a.pathname)")
    rs = world["RS"]
    own = next((u.staff_member for u in rs.users.values() if u.username == username), None)
    record = f"/staff/{(own or rs.people[0]).pk}/"
    extra = ["/", record, "/compliance/overdue/", "/compliance/expiring/"]
    return list(dict.fromkeys([*menu, *extra]))


def test_institution_manager_clicks_a_red_cell_and_lands_on_its_people(page, live_server, world):
    today = timezone.localdate()
    # Everyone holds basic awareness; nobody holds the front-line practitioner level.
    record_module_completions(
        actor=SYSTEM, module=Module.objects.get(code="BA"),
        completed_on=today - datetime.timedelta(days=30), staff_members=world["RS"].people,
    )  # fmt: skip
    refresh_all(on=today)

    log_in(page, live_server, "manager-rs")
    page.click("nav >> text=Compliance")
    expect(page.locator("h1")).to_contain_text("RS prison")
    assert_accessible(page)
    rad = page.locator("table.matrix.dashboard tbody tr", has_text="Understanding radicalisation")
    expect(rad.locator("td").nth(0)).to_have_class("band-good")  # all staff: aware
    red = rad.locator("td").nth(1)  # front-line custodial officers
    expect(red).to_have_class("band-poor")
    expect(red).to_have_text("0%")
    red.locator("a").click()
    expect(page.locator("h1")).to_contain_text("Understanding radicalisation")
    assert_accessible(page)
    rows = page.locator("table.list tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("table.list")).to_contain_text("Ђорђевић")
    expect(page.locator("table.list")).to_contain_text("Јовановић")
    expect(page.locator("table.list")).not_to_contain_text("Đorđević")  # a specialist, not FLO


def test_search_finds_cyrillic_names_typed_in_latin(page, live_server, world):
    log_in(page, live_server, "admin-rs")
    page.goto(f"{live_server.url}/staff/")
    assert_accessible(page)
    page.fill("input[name=q]", "djordjevic")
    expect(page.locator("#staff-table tbody tr")).to_have_count(2)
    expect(page.locator("#staff-table")).to_contain_text("Ђорђевић")
    expect(page.locator("#staff-table")).to_contain_text("Đorđević")
    assert_accessible(page)  # the table as htmx swapped it in


def test_every_role_walks_its_pages_without_serious_accessibility_violations(
    page, live_server, world
):
    refresh_all()  # dashboards, lists and the trend have figures to show
    page.goto(f"{live_server.url}/login/")
    assert_accessible(page)
    for username in USERNAMES:
        page.context.clear_cookies()
        log_in(page, live_server, username, check=False)
        menu = page.locator("nav a").evaluate_all("links => links.map(a => a.pathname)")
        visited = []
        for path in pages_of(page, world, username):
            response = page.goto(f"{live_server.url}{path}")
            assert response is not None
            if path not in menu and response.status in (403, 404):
                continue  # not this role's page: refused exactly as the tenancy tests expect
            assert response.status == 200, f"{username}: {path} answers {response.status}"
            assert_accessible(page)
            visited.append(path)
        assert {"/", "/framework/", "/administrations/"} <= set(visited), (username, visited)


def test_pages_fit_a_phone_without_scrolling_sideways(page, live_server, world):
    refresh_all()
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/login/")
    assert_no_horizontal_scroll(page)
    assert_accessible(page)
    for username in ["admin-rs", "coordinator"]:  # everything of one administration; the region
        page.context.clear_cookies()
        log_in(page, live_server, username, check=False)
        for path in pages_of(page, world, username):
            response = page.goto(f"{live_server.url}{path}")
            assert response is not None
            if response.status in (403, 404):
                continue
            assert_accessible(page)
            assert_no_horizontal_scroll(page)
