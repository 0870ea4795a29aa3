"""A national administrator makes a token for the HR system, in the system Chromium: the token
is shown once, works against the API, and stops working once revoked. The page is checked with
axe-core, on a phone-sized screen too."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.accessibility import assert_accessible, assert_no_horizontal_scroll
from tests.journeys import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}


def test_a_token_is_made_used_and_revoked(page, live_server, world):
    log_in(page, live_server, "admin-rs")
    page.get_by_role("link", name="API", exact=True).click()
    expect(page.locator("h1")).to_have_text("API tokens")
    assert_accessible(page)

    page.get_by_label("Name").fill("HR system")
    page.get_by_role("button", name="Create the token").click()
    token = page.locator("#new-token code").inner_text()
    assert token.startswith("mtr_")
    assert_accessible(page)
    page.set_viewport_size(PHONE)
    assert_no_horizontal_scroll(page)
    page.set_viewport_size({"width": 1280, "height": 900})

    api = page.request
    answer = api.get(f"{live_server.url}/api/staff", headers={"Authorization": f"Bearer {token}"})
    assert answer.status == 200
    assert {item["administration"] for item in answer.json()["items"]} == {"RS"}

    page.get_by_role("button", name="Revoke HR system").click()
    expect(page.locator(".messages")).to_contain_text("revoked")
    answer = api.get(f"{live_server.url}/api/staff", headers={"Authorization": f"Bearer {token}"})
    assert answer.status == 401
