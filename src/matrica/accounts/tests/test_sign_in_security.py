"""Sign-in hardening: lock-out after failed sign-ins (per account and per address, on the pages'
and the admin's log-in), recorded on the trail and lifted by an administrator; password reset by
email through the audited action; the password policy; idle and absolute session time-outs."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client
from django.urls import reverse

from matrica.accounts import actions
from matrica.accounts.middleware import LAST_SEEN, STARTED
from matrica.accounts.models import User
from matrica.audit.models import AuditEvent
from matrica.testing.world import World

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.7"
OTHER_ADDRESS = "198.51.100.9"
PASSWORD = "Тајна-Лозинка-2026"
WRONG = "Погрешна-Лозинка-77"
NEW = "Зелена-Шума-472-нова"
LIMIT = 5


@pytest.fixture(autouse=True)
def lock_after_five(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT


@pytest.fixture
def manager(world: World) -> User:
    user = world["RS"].users["institution_manager"]
    user.set_password(PASSWORD)
    user.email = "manager-rs@example.org"
    user.save()
    return user


@pytest.fixture
def training(world: World) -> User:
    user = world["RS"].users["training_manager"]
    user.set_password(PASSWORD)
    user.save()
    return user


def log_in(
    client: Client, username: str, password: str, *, address: str = ADDRESS, url: str = ""
) -> Any:
    return client.post(
        url or reverse("login"), {"username": username, "password": password},
        REMOTE_ADDR=address,
    )  # fmt: skip


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


# Lock-out -------------------------------------------------------------------------------------


def test_an_account_locks_after_the_limit_and_refuses_even_the_right_password(client, manager):
    for _ in range(LIMIT - 1):
        assert log_in(client, "manager-rs", WRONG).status_code == 200
    assert log_in(client, "manager-rs", WRONG).status_code == 429  # the fifth locks
    response = log_in(client, "manager-rs", PASSWORD)
    assert response.status_code == 429
    assert not logged_in(client)
    assert "Log-in locked" in response.content.decode()
    assert PASSWORD not in response.content.decode()


def test_the_lock_is_per_account_whatever_the_address(client, manager):
    for index in range(LIMIT):
        log_in(client, "manager-rs", WRONG, address=f"192.0.2.{index + 1}")
    assert log_in(client, "manager-rs", PASSWORD, address=OTHER_ADDRESS).status_code == 429
    assert not logged_in(client)


def test_the_lock_is_per_address_whatever_the_account(client, manager, training):
    for index in range(LIMIT):
        log_in(client, f"guess-{index}", WRONG)
    # A different account from the same address is refused…
    assert log_in(client, "training-rs", PASSWORD).status_code == 429
    assert not logged_in(client)
    # …and the account itself is not locked elsewhere.
    assert log_in(client, "training-rs", PASSWORD, address=OTHER_ADDRESS).status_code == 302
    assert logged_in(client)


def test_the_admin_log_in_locks_too(client, training):
    url = reverse("admin:login")
    for _ in range(LIMIT):
        log_in(client, "training-rs", WRONG, url=url)
    assert log_in(client, "training-rs", PASSWORD, url=url).status_code == 429
    assert not logged_in(client)
    # The lock is the account's, on the pages' log-in as well.
    assert log_in(client, "training-rs", PASSWORD).status_code == 429


def test_failures_and_the_lock_out_are_on_the_trail_without_the_password(client, manager):
    for _ in range(LIMIT + 2):
        log_in(client, "manager-rs", WRONG)
    failed = events(AuditEvent.Action.LOGIN_FAILED)
    assert len(failed) == LIMIT + 2
    [lockout] = events(AuditEvent.Action.LOCKOUT)  # once, when the limit is reached
    assert (lockout.user, lockout.user_name, lockout.remote_addr) == (
        manager,
        "manager-rs",
        ADDRESS,
    )
    assert lockout.beneficiary_id == manager.beneficiary_id  # the administration reads it
    trail = str(list(AuditEvent.objects.values()))
    assert WRONG not in trail
    assert PASSWORD not in trail


def test_an_unknown_name_locked_out_is_recorded_as_typed(client, world):
    for _ in range(LIMIT):
        log_in(client, "нико", WRONG)
    [lockout] = events(AuditEvent.Action.LOCKOUT)
    assert (lockout.user, lockout.user_name, lockout.remote_addr) == (None, "нико", ADDRESS)


def test_the_lock_lifts_after_the_cool_off(client, manager, settings):
    from axes.models import AccessAttempt

    for _ in range(LIMIT):
        log_in(client, "manager-rs", WRONG)
    assert actions.is_locked_out(manager)
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time
        - (settings.AXES_COOLOFF_TIME)
        - settings.AXES_COOLOFF_TIME
    )
    assert not actions.is_locked_out(manager)
    assert log_in(client, "manager-rs", PASSWORD).status_code == 302
    assert logged_in(client)


def test_a_successful_log_in_forgets_earlier_failures(client, manager):
    for _ in range(LIMIT - 1):
        log_in(client, "manager-rs", WRONG)
    assert log_in(client, "manager-rs", PASSWORD).status_code == 302
    client.logout()
    for _ in range(LIMIT - 1):
        assert log_in(client, "manager-rs", WRONG).status_code == 200
    assert log_in(client, "manager-rs", PASSWORD).status_code == 302


# Unlocking --------------------------------------------------------------------------------------


def lock(client: Client, username: str) -> None:
    for _ in range(LIMIT):
        log_in(client, username, WRONG)


def test_the_national_administrator_unlocks_an_account_and_it_is_audited(client, world, manager):
    lock(client, "manager-rs")
    assert actions.is_locked_out(manager)
    admin = world["RS"].users["national_admin"]
    actions.unlock_account(actor=admin, user=manager)
    assert not actions.is_locked_out(manager)
    [unlock] = events(AuditEvent.Action.UNLOCK)
    assert (unlock.user, unlock.object_id, unlock.beneficiary_id) == (
        admin, str(manager.pk), manager.beneficiary_id,
    )  # fmt: skip
    assert log_in(client, "manager-rs", PASSWORD).status_code == 302
    assert logged_in(client)


def test_nobody_else_unlocks_an_account(client, world, manager):
    lock(client, "manager-rs")
    with pytest.raises(Http404):
        actions.unlock_account(actor=world["ME"].users["national_admin"], user=manager)
    with pytest.raises((Http404, PermissionDenied)):
        actions.unlock_account(actor=world["RS"].users["trainer"], user=manager)
    assert actions.is_locked_out(manager)
    assert not events(AuditEvent.Action.UNLOCK)


def test_the_admin_action_unlocks_the_selected_accounts(client, world, manager):
    lock(client, "manager-rs")
    admin_client = Client()
    admin_client.force_login(world["RS"].users["national_admin"])
    response = admin_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "unlock_sign_in", "_selected_action": [manager.pk]},
    )
    assert response.status_code == 302
    assert not actions.is_locked_out(manager)
    assert len(events(AuditEvent.Action.UNLOCK)) == 1


def test_only_a_superuser_unlocks_an_address(client, world, manager, training):
    for index in range(LIMIT):
        log_in(client, f"guess-{index}", WRONG)
    with pytest.raises(PermissionDenied):
        actions.unlock_address(actor=world["RS"].users["national_admin"], address=ADDRESS)
    assert log_in(client, "training-rs", PASSWORD).status_code == 429
    assert actions.unlock_address(actor=world.superuser, address=ADDRESS) > 0
    [unlock] = events(AuditEvent.Action.UNLOCK)
    assert ADDRESS in unlock.message
    assert log_in(client, "training-rs", PASSWORD).status_code == 302


# Password reset by email --------------------------------------------------------------------------


def reset_link(client: Client, email: str) -> str:
    response = client.post(reverse("password_reset"), {"email": email})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    [message] = mail.outbox
    match = re.search(r"https?://[^/\s]+(/password/reset/\S+/)", str(message.body))
    assert match, message.body
    return match.group(1)


def test_the_login_page_offers_the_reset(client, world):
    page = client.get(reverse("login")).content.decode()
    assert reverse("password_reset") in page
    assert "Forgot your password?" in page


def test_a_password_reset_by_email_goes_through_the_audited_action(client, manager, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    link = reset_link(client, "manager-rs@example.org")
    form = client.get(link, follow=True)
    assert form.status_code == 200
    response = client.post(form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert response["Location"] == reverse("password_reset_complete")
    manager.refresh_from_db()
    assert manager.check_password(NEW)
    [change] = events(AuditEvent.Action.PASSWORD_CHANGE)
    assert (change.user, change.object_id) == (manager, str(manager.pk))
    assert NEW not in str(list(AuditEvent.objects.values()))
    assert log_in(Client(), "manager-rs", NEW).status_code == 302


def test_a_reset_refuses_a_weak_password(client, manager, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    link = reset_link(client, "manager-rs@example.org")
    form = client.get(link, follow=True)
    response = client.post(
        form.redirect_chain[-1][0], {"new_password1": "84736251", "new_password2": "84736251"}
    )
    assert response.status_code == 200
    manager.refresh_from_db()
    assert manager.check_password(PASSWORD)
    assert not events(AuditEvent.Action.PASSWORD_CHANGE)


def test_an_unknown_email_sends_nothing_and_says_the_same(client, world, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert response["Location"] == reverse("password_reset_done")
    assert not mail.outbox


# Password policy ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    ["84736251", "123456789012", "password1234", "short-Pw1", "manager-rs-2026", "qwertyuiop12"],
)
def test_the_policy_refuses_weak_passwords(manager, password):
    with pytest.raises(ValidationError):
        actions.set_password(actor=manager, user=manager, password=password)
    manager.refresh_from_db()
    assert manager.check_password(PASSWORD)


def test_the_policy_accepts_a_long_passphrase(manager):
    actions.set_password(actor=manager, user=manager, password="Зелена шума иза реке")
    manager.refresh_from_db()
    assert manager.check_password("Зелена шума иза реке")


def test_the_password_change_page_refuses_84736251(client, manager):
    client.force_login(manager)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "84736251", "new_password2": "84736251"},
    )
    assert response.status_code == 200
    manager.refresh_from_db()
    assert manager.check_password(PASSWORD)


# Session time-outs ----------------------------------------------------------------------------


def set_session(client: Client, **values: float) -> None:
    session = client.session
    for key, value in values.items():
        session[key] = value
    session.save()


def test_a_session_lasts_at_most_the_absolute_age(settings):
    assert settings.SESSION_COOKIE_AGE == settings.MATRICA_SESSION_MAX_HOURS * 3600
    assert settings.MATRICA_SESSION_MAX_HOURS == 12
    assert settings.MATRICA_IDLE_TIMEOUT_MINUTES == 30


def test_a_session_idle_too_long_is_logged_out_with_a_message(client, manager):
    assert log_in(client, "manager-rs", PASSWORD).status_code == 302
    assert client.get(reverse("home")).status_code == 200
    set_session(client, **{LAST_SEEN: time.time() - 31 * 60 - 60})
    response = client.get(reverse("staff:list"), follow=True)
    assert not logged_in(client)
    assert response.redirect_chain[0][0].startswith(reverse("login"))
    assert "without activity" in response.content.decode()
    assert events(AuditEvent.Action.LOGOUT)


def test_a_session_active_within_the_idle_time_stays(client, manager):
    log_in(client, "manager-rs", PASSWORD)
    set_session(client, **{LAST_SEEN: time.time() - 29 * 60})
    assert client.get(reverse("home")).status_code == 200
    assert logged_in(client)
    # …and the activity was written again, since the stored one was over a minute old.
    assert time.time() - client.session[LAST_SEEN] < 5


def test_the_last_activity_is_written_at_most_once_a_minute(client, manager):
    log_in(client, "manager-rs", PASSWORD)
    recent = time.time() - 30
    set_session(client, **{LAST_SEEN: recent})
    client.get(reverse("home"))
    assert client.session[LAST_SEEN] == recent


def test_a_busy_session_ends_after_the_absolute_time(client, manager):
    log_in(client, "manager-rs", PASSWORD)
    set_session(client, **{STARTED: time.time() - 12 * 3600 - 1, LAST_SEEN: time.time()})
    response = client.get(reverse("home"), follow=True)
    assert not logged_in(client)
    assert "Your session has ended after 12 hours" in response.content.decode()


def test_the_time_outs_are_configurable(client, manager, settings):
    settings.MATRICA_IDLE_TIMEOUT_MINUTES = 5
    log_in(client, "manager-rs", PASSWORD)
    set_session(client, **{LAST_SEEN: time.time() - 7 * 60})
    client.get(reverse("home"))
    assert not logged_in(client)


def test_the_unlock_command_lifts_an_account_and_an_address_as_the_system(client, manager):
    from django.core.management import call_command

    lock(client, "manager-rs")
    call_command("unlock", user="manager-rs")
    assert not actions.is_locked_out(manager)
    for index in range(LIMIT):
        log_in(client, f"guess-{index}", WRONG)
    call_command("unlock", address=ADDRESS)
    assert log_in(client, "manager-rs", PASSWORD).status_code == 302
    assert [e.user_name for e in events(AuditEvent.Action.UNLOCK)] == ["system", "system"]
