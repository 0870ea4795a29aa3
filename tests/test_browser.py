"""Browser journeys in the system Chromium (Playwright)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from matrica.compliance.services import refresh_all
from matrica.framework.models import Module
from matrica.training.services import record_module_completions

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")


def test_institution_manager_clicks_a_red_cell_and_lands_on_its_people(page, live_server, world):
    today = timezone.localdate()
    # Everyone holds basic awareness; nobody holds the front-line practitioner level.
    record_module_completions(
        actor=None, module=Module.objects.get(code="BA"),
        completed_on=today - datetime.timedelta(days=30), staff_members=world["RS"].people,
    )  # fmt: skip
    refresh_all(on=today)

    log_in(page, live_server, "manager-rs")
    page.click("nav >> text=Compliance")
    expect(page.locator("h1")).to_contain_text("RS prison")
    rad = page.locator("table.matrix.dashboard tbody tr", has_text="Understanding radicalisation")
    expect(rad.locator("td").nth(0)).to_have_class("band-good")  # all staff: aware
    red = rad.locator("td").nth(1)  # front-line custodial officers
    expect(red).to_have_class("band-poor")
    expect(red).to_have_text("0%")
    red.locator("a").click()
    expect(page.locator("h1")).to_contain_text("Understanding radicalisation")
    rows = page.locator("table.list tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("table.list")).to_contain_text("Ђорђевић")
    expect(page.locator("table.list")).to_contain_text("Јовановић")
    expect(page.locator("table.list")).not_to_contain_text("Đorđević")  # a specialist, not FLO


def test_search_finds_cyrillic_names_typed_in_latin(page, live_server, world):
    log_in(page, live_server, "admin-rs")
    page.goto(f"{live_server.url}/staff/")
    page.fill("input[name=q]", "djordjevic")
    expect(page.locator("#staff-table tbody tr")).to_have_count(2)
    expect(page.locator("#staff-table")).to_contain_text("Ђорђевић")
    expect(page.locator("#staff-table")).to_contain_text("Đorđević")
