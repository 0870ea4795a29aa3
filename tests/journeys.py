"""What the browser journeys share: signing in through the form, and finding a requirement on a
person's training record."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

from tests.accessibility import assert_accessible


def log_in(page: Page, live_server, username: str, *, check: bool = True) -> None:
    """Log in through the form; with `check`, the log-in page and the landing page are checked
    for accessibility on the way."""
    page.goto(f"{live_server.url}/login/")
    if check:
        assert_accessible(page)
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    expect(page.locator("nav a").first).to_be_visible()  # logged in: the main menu is there
    if check:
        assert_accessible(page)


def requirement(page: Page, area: str, column: str) -> Locator:
    """The row of the record's requirements table for one (area, column)."""
    table = page.get_by_role("region", name="Requirements and where this person stands")
    return table.locator("tbody tr", has_text=area).filter(has_text=column)
