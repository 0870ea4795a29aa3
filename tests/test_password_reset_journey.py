"""Browser journey: a person who forgot their password asks for a link on the log-in page,
follows it from the email, sets a new password and logs in with it; and the page a locked-out
sign-in gets. Every page is checked for accessibility on the way."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from matrica.accounts.models import User
from matrica.audit.models import AuditEvent
from tests.accessibility import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW = "Зелена-Шума-472-нова"


def test_a_forgotten_password_is_reset_by_email_and_the_new_one_logs_in(
    page: Page, live_server, world, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    manager = world["RS"].users["institution_manager"]
    manager.email = "manager-rs@example.org"
    manager.save()

    page.goto(f"{live_server.url}/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", name="Reset your password")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Email").fill("manager-rs@example.org")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    assert_accessible(page)

    [message] = mail.outbox
    assert message.to == ["manager-rs@example.org"]
    link = re.search(r"https?://\S+/password/reset/\S+/", message.body)
    assert link, message.body
    page.goto(link.group(0))
    expect(page.get_by_role("heading", name="Set a new password")).to_be_visible()
    assert_accessible(page)
    # Too weak first: the policy says why, next to the field.
    page.locator("#id_new_password1").fill("84736251")
    page.locator("#id_new_password2").fill("84736251")
    page.get_by_role("button", name="Set password").click()
    expect(page.locator(".errorlist").first).to_be_visible()
    assert_accessible(page)
    page.locator("#id_new_password1").fill(NEW)
    page.locator("#id_new_password2").fill(NEW)
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("heading", name="Password set")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Log in").last.click()
    page.fill("#id_username", "manager-rs")
    page.fill("#id_password", NEW)
    page.click("button[type=submit]")
    expect(page.locator("nav a").first).to_be_visible()  # logged in: the main menu is there
    assert User.objects.get(pk=manager.pk).check_password(NEW)
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.PASSWORD_CHANGE, user=manager
    ).exists()


def test_a_locked_out_sign_in_gets_a_page_that_says_what_to_do(
    page: Page, live_server, world, settings
):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", "manager-rs")
        page.fill("#id_password", "not the password at all")
        page.click("button[type=submit]")
    expect(page.get_by_role("heading", name="Log-in locked")).to_be_visible()
    expect(page.get_by_role("link", name="Forgot your password?")).to_be_visible()
    assert_accessible(page)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOCKOUT, user_name="manager-rs")
