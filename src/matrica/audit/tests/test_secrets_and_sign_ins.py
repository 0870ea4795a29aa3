"""The audit trail keeps no secret, and records who signed in, failed to, signed out and
changed a password: when, from where, never with the password."""

from __future__ import annotations

import importlib
import json
from typing import Any

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from matrica.accounts import actions as account_actions
from matrica.accounts.models import User
from matrica.audit.models import AuditEvent
from matrica.audit.services import record
from matrica.testing.world import World

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.7"  # a documentation address (RFC 5737), set as the client's REMOTE_ADDR
TYPED = "Тајна-Лозинка-2026"  # a password as a person would type it
WRONG = "Погрешна-Лозинка-77"
NEW = "Зелена-Шума-472"

scrub_secrets = importlib.import_module(
    "matrica.audit.migrations.0003_sign_ins_and_no_secrets"
).scrub_secrets


def everything_on_the_trail() -> str:
    """Every value of every audit row, as one text to search."""
    return json.dumps(list(AuditEvent.objects.values()), default=str, ensure_ascii=False)


def snapshots() -> list[tuple[str, Any]]:
    return [
        (f"event {event.pk} ({event.action}) {side}", getattr(event, side))
        for event in AuditEvent.objects.all()
        for side in ("before", "after")
        if getattr(event, side) is not None
    ]


def assert_no_secret_on_the_trail(*hashes: str) -> None:
    for where, data in snapshots():
        text = json.dumps(data, ensure_ascii=False)
        assert "password" not in text, f"{where} holds a password field: {text}"
        for value in hashes:
            assert value not in text, f"{where} holds a password hash"
    trail = everything_on_the_trail()
    for value in hashes:
        assert value not in trail
    for typed in (TYPED, WRONG, NEW):
        assert typed not in trail


@pytest.fixture
def trainer(world: World) -> User:
    user = world["RS"].users["trainer"]
    user.set_password(TYPED)
    user.save()
    return user


# No secret in the trail ------------------------------------------------------------------


@pytest.mark.parametrize("editor", ["root", "admin-rs"])
def test_the_account_page_never_shows_the_password_hash(client, world, trainer, editor):
    client.force_login(User.objects.get(username=editor))
    response = client.get(reverse("admin:accounts_user_change", args=[trainer.pk]))
    assert response.status_code == 200
    assert trainer.password not in response.content.decode()


def test_a_superuser_editing_an_account_in_the_admin_leaves_no_hash_on_the_trail(
    client, world, trainer
):
    rs = world["RS"]
    hashed = trainer.password
    client.force_login(world.superuser)
    response = client.post(
        reverse("admin:accounts_user_change", args=[trainer.pk]),
        {
            "username": trainer.username, "first_name": "Марко", "last_name": "Јовановић",
            "email": "marko@example.org", "role": trainer.role, "beneficiary": rs.beneficiary.pk,
            "institution": rs.prison.pk, "staff_member": rs.people[2].pk, "is_active": "on",
        },
    )  # fmt: skip
    assert response.status_code == 302, response.context["adminform"].form.errors
    trainer.refresh_from_db()
    assert trainer.first_name == "Марко"
    assert trainer.password == hashed  # editing names leaves the password alone
    event = AuditEvent.objects.get(object_type__model="user", action=AuditEvent.Action.UPDATE)
    assert ("first_name", "", "Марко") in event.changed_fields()
    assert_no_secret_on_the_trail(hashed)


def test_editing_an_account_through_its_action_leaves_no_hash_on_the_trail(world, trainer):
    hashed = trainer.password
    account_actions.update_user(actor=world.superuser, user=trainer, first_name="Марко")
    event = AuditEvent.objects.get(object_type__model="user", action=AuditEvent.Action.UPDATE)
    assert ("first_name", "", "Марко") in event.changed_fields()
    assert_no_secret_on_the_trail(hashed)


def test_a_password_set_in_the_admin_is_recorded_without_the_password(client, world, trainer):
    old = trainer.password
    client.force_login(world.superuser)
    response = client.post(
        reverse("admin:auth_user_password_change", args=[trainer.pk]),
        {"usable_password": "true", "password1": NEW, "password2": NEW, "set-password": "1"},
        REMOTE_ADDR=ADDRESS,
    )
    assert response.status_code == 302
    trainer.refresh_from_db()
    assert trainer.check_password(NEW)
    event = AuditEvent.objects.get(action=AuditEvent.Action.PASSWORD_CHANGE)
    assert (event.user, event.user_name, event.object_repr) == (
        world.superuser,
        "root",
        "trainer-rs",
    )
    assert event.remote_addr == ADDRESS
    assert_no_secret_on_the_trail(old, trainer.password)


def test_password_log_in_disabled_in_the_admin_is_recorded_without_the_password(
    client, world, trainer
):
    old = trainer.password
    client.force_login(world.superuser)
    client.raise_request_exception = False
    response = client.post(
        reverse("admin:auth_user_password_change", args=[trainer.pk]),
        {"usable_password": "false", "unset-password": "1"},
    )
    assert response.status_code == 302
    trainer.refresh_from_db()
    assert not trainer.has_usable_password()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.PASSWORD_CHANGE).exists()
    assert_no_secret_on_the_trail(old, trainer.password)


def test_a_password_set_through_its_action_is_recorded_without_the_password(world, trainer):
    old = trainer.password
    admin = world["RS"].users["national_admin"]
    account_actions.set_password(actor=admin, user=trainer, password=NEW)
    trainer.refresh_from_db()
    assert trainer.check_password(NEW)
    event = AuditEvent.objects.get(action=AuditEvent.Action.PASSWORD_CHANGE)
    assert (event.user, event.object_repr) == (admin, "trainer-rs")
    assert event.beneficiary == world["RS"].beneficiary  # on Serbia's trail, like the account
    assert_no_secret_on_the_trail(old, trainer.password)


def test_the_upgrade_takes_hashes_out_of_events_written_before(world, trainer):
    hashed = "argon2$argon2id$v=19$m=102400,t=2,p=8$c2FsdA$aGFzaA"
    user_type = ContentType.objects.get_for_model(User)
    old = AuditEvent.objects.create(
        user=world.superuser, user_name="root", action=AuditEvent.Action.UPDATE,
        object_type=user_type, object_id=str(trainer.pk), object_repr=trainer.username,
        before={"id": trainer.pk, "password": "md5$old$hash", "first_name": ""},
        after={"id": trainer.pk, "password": hashed, "first_name": "Марко"},
    )  # fmt: skip
    person = world["RS"].people[0]
    other = record(
        actor=world.superuser, action=AuditEvent.Action.UPDATE, obj=person,
        before={"family_name": "Ђорђевић"}, after={"family_name": "Ђорђевић-Б"},
    )  # fmt: skip

    scrub_secrets(apps, None)

    old.refresh_from_db()
    assert old.before == {"id": trainer.pk, "first_name": ""}
    assert old.after == {"id": trainer.pk, "first_name": "Марко"}
    assert ("first_name", "", "Марко") in old.changed_fields()
    other.refresh_from_db()
    assert other.after == {"family_name": "Ђорђевић-Б"}
    assert_no_secret_on_the_trail(hashed, "md5$old$hash")


# Sign-ins ---------------------------------------------------------------------------------


def sign_in_events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action))


def log_in(client: Client, username: str, password: str) -> Any:
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ADDRESS
    )


def test_a_log_in_is_recorded_with_who_and_where(client, trainer):
    response = log_in(client, "trainer-rs", TYPED)
    assert response.status_code == 302
    [event] = sign_in_events(AuditEvent.Action.LOGIN)
    assert (event.user, event.user_name, event.remote_addr) == (trainer, "trainer-rs", ADDRESS)
    assert event.timestamp is not None
    assert_no_secret_on_the_trail(trainer.password)


def test_a_wrong_password_is_recorded_under_the_account_without_what_was_typed(client, trainer):
    response = log_in(client, "trainer-rs", WRONG)
    assert response.status_code == 200  # the form again, with its error
    assert not sign_in_events(AuditEvent.Action.LOGIN)
    [event] = sign_in_events(AuditEvent.Action.LOGIN_FAILED)
    assert (event.user, event.user_name, event.remote_addr) == (trainer, "trainer-rs", ADDRESS)
    assert_no_secret_on_the_trail(trainer.password)


def test_an_unknown_name_is_recorded_as_typed_without_the_password(client, world):
    response = log_in(client, "непознат-корисник", WRONG)
    assert response.status_code == 200
    [event] = sign_in_events(AuditEvent.Action.LOGIN_FAILED)
    assert (event.user, event.user_name, event.remote_addr) == (
        None,
        "непознат-корисник",
        ADDRESS,
    )
    assert_no_secret_on_the_trail()


def test_a_log_out_is_recorded_with_who_and_where(client, trainer):
    log_in(client, "trainer-rs", TYPED)
    client.raise_request_exception = False
    response = client.post(reverse("logout"), REMOTE_ADDR=ADDRESS)
    assert response.status_code in (200, 302)
    # Logged out indeed: the next page asks to log in.
    assert client.get(reverse("audit:list"))["Location"].startswith(reverse("login"))
    [event] = sign_in_events(AuditEvent.Action.LOGOUT)
    assert (event.user, event.user_name, event.remote_addr) == (trainer, "trainer-rs", ADDRESS)


def test_logging_out_without_a_session_records_nothing(client, world):
    client.post(reverse("logout"), REMOTE_ADDR=ADDRESS)
    assert not sign_in_events(AuditEvent.Action.LOGOUT)


def test_changing_ones_own_password_is_recorded_without_the_password(client, world):
    admin = world["RS"].users["national_admin"]
    old = admin.password
    client.force_login(admin)
    response = client.post(
        reverse("admin:password_change"),
        {"old_password": "pw", "new_password1": NEW, "new_password2": NEW},
        REMOTE_ADDR=ADDRESS,
    )
    assert response.status_code == 302
    admin.refresh_from_db()
    assert admin.check_password(NEW)
    [event] = sign_in_events(AuditEvent.Action.PASSWORD_CHANGE)
    assert (event.user, event.user_name, event.remote_addr) == (admin, "admin-rs", ADDRESS)
    assert_no_secret_on_the_trail(old, admin.password)


# Who reads the trail: decided once, the same on /audit/ and in the admin ------------------

READERS = [
    "root", "coordinator", "admin-rs", "training-rs", "manager-rs", "trainer-rs", "staff-rs",
    "admin-me", "training-me",
]  # fmt: skip


def user_named(world: World, username: str) -> User:
    return User.objects.get(username=username)


@pytest.fixture
def trail(world: World) -> dict[str, str]:
    """One event in each administration and one on the common matrix, by what each shows."""
    for code in ("RS", "ME"):
        person = world[code].people[0]
        record(actor=world[code].users["national_admin"], action=AuditEvent.Action.UPDATE,
               obj=person)  # fmt: skip
    framework = AuditEvent.objects.get(object_type__model="frameworkversion")
    return {
        "RS": world["RS"].people[0].full_name,
        "ME": world["ME"].people[0].full_name,
        "region": framework.object_repr,
    }


@pytest.mark.parametrize("username", READERS)
def test_the_audit_page_and_the_admin_agree_on_who_reads_what(client, world, trail, username):
    client.force_login(user_named(world, username))
    page = client.get(reverse("audit:list"))
    in_admin = client.get(reverse("admin:audit_auditevent_changelist"))
    assert page.status_code in (200, 403)
    # Refused in the admin: 403, or its log-in page for a role that does not use the admin.
    assert in_admin.status_code in (200, 302, 403)
    assert (page.status_code == 200) == (in_admin.status_code == 200)
    if page.status_code == 200:
        shown = {where for where, text in trail.items() if text in page.content.decode()}
        in_admin_shown = {
            where for where, text in trail.items() if text in in_admin.content.decode()
        }
        assert shown == in_admin_shown
        assert shown  # everyone who reads the trail reads something of it


@pytest.mark.parametrize(
    ("username", "readable"),
    [
        ("root", {"RS", "ME", "region"}),
        ("coordinator", {"region"}),
        ("admin-rs", {"RS"}),
        ("admin-me", {"ME"}),
        ("training-rs", set()),
        ("manager-rs", set()),
        ("staff-rs", set()),
    ],
)
def test_each_role_reads_the_part_of_the_trail_it_may(client, world, trail, username, readable):
    client.force_login(user_named(world, username))
    page = client.get(reverse("audit:list"))
    shown = {where for where, text in trail.items() if text in page.content.decode()}
    assert page.status_code == (200 if readable else 403)
    assert shown == readable
