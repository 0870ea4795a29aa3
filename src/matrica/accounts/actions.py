"""Writes to user accounts, within the actor's reach: a national administrator manages the
accounts of their own administration below their own role, the regional coordinator the national
administrators, the system's superusers everyone. Nobody widens their own reach. Passwords are
set here too, and the trail says that one changed, never what it is."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth.password_validation import validate_password
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from matrica.accounts.models import User
from matrica.audit.context import current_request
from matrica.audit.models import AuditEvent
from matrica.audit.services import record, write, write_changes
from matrica.staff.models import StaffMember
from matrica.tenancy.models import Beneficiary, Institution
from matrica.tenancy.permissions import (
    ADMIN_SITE_ROLES,
    Verb,
    holds,
    may_manage_account,
    reaches,
)
from matrica.tenancy.roles import ROLE_REACH, Reach
from matrica.text import clean_text

if TYPE_CHECKING:
    from matrica.tenancy.scoping import Actor

ACCOUNT_FIELDS = frozenset(
    {"first_name", "last_name", "email", "role", "beneficiary", "institution", "staff_member",
     "is_active"}
)  # fmt: skip


def _require_account(actor: Actor, role: str, beneficiary_id: int | None) -> None:
    """403 without the verb; 404 for an administration out of reach; a field error for a role
    the actor may not hand out (their own, or a wider one)."""
    if not holds(actor, Verb.MANAGE_USERS):
        raise PermissionDenied
    if not may_manage_account(actor, role, beneficiary_id) and not (
        reaches(actor, beneficiary_id) or ROLE_REACH.get(actor.role) is Reach.REGION
    ):
        raise Http404
    if not may_manage_account(actor, role, beneficiary_id):
        raise ValidationError({"role": _("You may not give an account this role.")})


def _require_reach(actor: Actor, user: User) -> None:
    """An account the actor may not manage is, to them, an account that does not exist."""
    if not may_manage_account(actor, user.role, user.beneficiary_id):
        raise Http404


def _admin_site_access(user: User) -> None:
    # The admin site is a screen of some roles, not a privilege granted separately.
    user.is_staff = user.is_superuser or user.role in ADMIN_SITE_ROLES


@transaction.atomic
def create_user(
    *,
    actor: Actor,
    username: str,
    role: str,
    password: str | None = None,
    beneficiary: Beneficiary | None = None,
    institution: Institution | None = None,
    staff_member: StaffMember | None = None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> User:
    """A new account; without a password it cannot log in until one is set."""
    if beneficiary is None and institution is not None:
        beneficiary = institution.beneficiary
    _require_account(actor, role, beneficiary.pk if beneficiary else None)
    user = User(
        username=clean_text(username), role=role, beneficiary=beneficiary,
        institution=institution, staff_member=staff_member, first_name=clean_text(first_name),
        last_name=clean_text(last_name), email=clean_text(email),
    )  # fmt: skip
    _admin_site_access(user)
    if password:
        validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    write(actor=actor, obj=user, exclude=["password"])
    return user


@transaction.atomic
def update_user(*, actor: Actor, user: User, **changes: Any) -> User:
    """Change an account's names, role, anchors or whether it may log in. The actor must be
    able to manage the account both as it was and as it becomes."""
    _require_reach(actor, user)
    if user.pk == getattr(actor, "pk", None) and {"role", "beneficiary", "is_active"} & set(
        changes
    ):
        raise ValidationError({"role": _("You cannot change your own role or access.")})
    if "is_staff" in changes:
        raise TypeError("admin-site access follows the role")
    beneficiary = changes.get("beneficiary", user.beneficiary)
    _require_account(actor, changes.get("role", user.role), getattr(beneficiary, "pk", None))
    if "role" in changes:
        changes["is_staff"] = user.is_superuser or changes["role"] in ADMIN_SITE_ROLES
    write_changes(
        actor=actor, obj=user, changes=changes, allowed=ACCOUNT_FIELDS | {"is_staff"},
        exclude=["password"],
    )  # fmt: skip
    return user


@transaction.atomic
def grant_superuser(*, actor: Actor, user: User, is_superuser: bool) -> User:
    """Only a superuser makes or unmakes another."""
    if not actor.is_superuser:
        raise Http404
    user.is_superuser = is_superuser
    _admin_site_access(user)
    write(actor=actor, obj=user, exclude=["password"])
    return user


@transaction.atomic
def set_password(*, actor: Actor, user: User, password: str | None) -> User:
    """A user changes their own password, or someone who manages the account sets it (None:
    the account can no longer log in with a password). The trail records that it changed and
    by whom; the hash never leaves the account row."""
    if user.pk != getattr(actor, "pk", None):
        _require_reach(actor, user)
    if password is None:
        user.set_unusable_password()
    else:
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise ValidationError({"password": error.messages}) from error
        user.set_password(password)
    user.save(update_fields=["password"])
    record(actor=actor, action=AuditEvent.Action.PASSWORD_CHANGE, obj=user)
    return user


def is_locked_out(user: User) -> bool:
    """Whether failed sign-ins have locked the account (django-axes) and the cool-off has not
    yet lifted the lock."""
    from axes.models import AccessAttempt
    from django.conf import settings
    from django.db.models import Sum
    from django.utils import timezone

    attempts = AccessAttempt.objects.filter(username=user.get_username())
    if settings.AXES_COOLOFF_TIME:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME)
    failures = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
    return bool(failures >= settings.AXES_FAILURE_LIMIT)


@transaction.atomic
def unlock_account(*, actor: Actor, user: User) -> int:
    """Lift a lock-out of the account (its failed sign-ins are forgotten) before the cool-off
    ends: whoever may manage the account. Returns the number of attempts forgotten."""
    from axes.utils import reset

    _require_reach(actor, user)
    forgotten = reset(username=user.get_username())
    record(
        actor=actor, action=AuditEvent.Action.UNLOCK, obj=user,
        # The trail's messages are kept in the source language, like every other.
        message=f"Sign-in unlocked ({forgotten} failed attempts forgotten)",
    )  # fmt: skip
    return forgotten


@transaction.atomic
def unlock_address(*, actor: Actor, address: str) -> int:
    """Lift a lock-out of an address (every account's failures from it): the system's
    superusers only, since an address is no one administration's."""
    from axes.utils import reset

    if not actor.is_superuser:
        raise PermissionDenied
    forgotten = reset(ip=address)
    # An address is no account: the row names the address as its record, and no administration.
    context = current_request.get()
    AuditEvent.objects.create(
        user=actor if actor.pk else None, user_name=actor.get_username(),
        request_id=context.request_id if context else None,
        remote_addr=context.remote_addr if context else None,
        action=AuditEvent.Action.UNLOCK, object_type=ContentType.objects.get_for_model(User),
        object_repr=address[:200],
        message=f"Sign-in from address {address} unlocked ({forgotten} failed attempts forgotten)",
    )  # fmt: skip
    return forgotten
