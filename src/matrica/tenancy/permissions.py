"""What each role may do: the one place that decides it, beside the scoping that decides what it
may see. Actions ask here before they write; pages and the admin ask here before they offer a
form, so a screen never grants what its action would refuse.

A permission is a verb (`Verb`) granted to roles, applied to a target: the administration the
record belongs to, or the common matrix (no administration). A target out of the actor's reach
answers 404, exactly like a record that does not exist (tenancy.scoping); a verb the role does
not hold answers 403.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from matrica.tenancy.roles import ROLE_REACH, Reach, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


class Verb(StrEnum):
    MANAGE_STAFF = "manage_staff"  # people, their categories, roles and leaving
    RECORD_EVIDENCE = "record_evidence"  # record, correct and void evidence
    ADAPT_FRAMEWORK = "adapt_framework"  # a national adaptation and its deviations
    PUBLISH_FRAMEWORK = "publish_framework"  # the common matrix and its versions
    MANAGE_ORGANISATION = "manage_organisation"  # services and institutions
    MANAGE_ADMINISTRATIONS = "manage_administrations"  # the tenants themselves
    MANAGE_USERS = "manage_users"  # accounts within the actor's reach
    READ_AUDIT = "read_audit"  # the audit trail (scoped like everything else)
    PLAN_TRAINING = "plan_training"  # national modules, sessions, the trainer pool, closing
    NOMINATE = "nominate"  # put people forward for a session (managers: their own staff)
    RECORD_ATTENDANCE = "record_attendance"  # the register (trainers: their own sessions)
    REOPEN_SESSION = "reopen_session"  # take back a closed session's completions
    MANAGE_TEAMS = "manage_teams"  # multi-disciplinary teams and their members
    CURATE_LIBRARY = "curate_library"  # resources: the common ones (coordinator), national ones
    MANAGE_CURRICULUM = "manage_curriculum"  # the courses an administration runs, on the matrix
    RUN_SURVEYS = "run_surveys"  # training-needs survey campaigns


GRANTS: dict[str, frozenset[Verb]] = {
    Role.COORDINATOR: frozenset(
        {Verb.PUBLISH_FRAMEWORK, Verb.MANAGE_USERS, Verb.READ_AUDIT, Verb.CURATE_LIBRARY}
    ),
    Role.NATIONAL_ADMIN: frozenset(
        {
            Verb.MANAGE_STAFF,
            Verb.RECORD_EVIDENCE,
            Verb.ADAPT_FRAMEWORK,
            Verb.MANAGE_ORGANISATION,
            Verb.MANAGE_USERS,
            Verb.READ_AUDIT,
            Verb.PLAN_TRAINING,
            Verb.NOMINATE,
            Verb.RECORD_ATTENDANCE,
            Verb.REOPEN_SESSION,
            Verb.MANAGE_TEAMS,
            Verb.CURATE_LIBRARY,
            Verb.MANAGE_CURRICULUM,
            Verb.RUN_SURVEYS,
        }
    ),
    Role.TRAINING_MANAGER: frozenset(
        {
            Verb.MANAGE_STAFF,
            Verb.RECORD_EVIDENCE,
            Verb.PLAN_TRAINING,
            Verb.NOMINATE,
            Verb.RECORD_ATTENDANCE,
            Verb.MANAGE_TEAMS,
            Verb.CURATE_LIBRARY,
            Verb.MANAGE_CURRICULUM,
            Verb.RUN_SURVEYS,
        }
    ),
    # Institution managers keep their own institution's teams (the actions check the place).
    Role.INSTITUTION_MANAGER: frozenset({Verb.NOMINATE, Verb.MANAGE_TEAMS}),
    Role.TRAINER: frozenset({Verb.RECORD_ATTENDANCE}),
    Role.STAFF: frozenset(),
}

# The accounts each role may create and edit: never its own role or a wider one, so that no
# administrator can widen their own reach or another's.
ACCOUNTS_MANAGED: dict[str, frozenset[str]] = {
    Role.COORDINATOR: frozenset({Role.NATIONAL_ADMIN}),
    Role.NATIONAL_ADMIN: frozenset(
        {Role.TRAINING_MANAGER, Role.INSTITUTION_MANAGER, Role.TRAINER, Role.STAFF}
    ),
}

# Roles whose work includes the admin site (Django's `is_staff` follows from the role).
ADMIN_SITE_ROLES = frozenset({Role.COORDINATOR, Role.NATIONAL_ADMIN, Role.TRAINING_MANAGER})

# Verbs whose target is the common matrix rather than one administration's records.
REGIONAL_VERBS = frozenset({Verb.PUBLISH_FRAMEWORK, Verb.MANAGE_ADMINISTRATIONS})


def _is_active(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active)


def holds(user: Any, verb: Verb) -> bool:
    """Whether the user's role grants `verb` at all (somewhere within its reach)."""
    if not _is_active(user):
        return False
    if user.is_superuser:
        return True
    return verb in GRANTS.get(user.role, frozenset())


def reaches(user: Any, beneficiary_id: int | None) -> bool:
    """Whether an administration's records are within the user's reach for writing."""
    if user.is_superuser:
        return True
    if beneficiary_id is None:
        return ROLE_REACH.get(user.role) is Reach.REGION
    return bool(user.beneficiary_id) and user.beneficiary_id == beneficiary_id


def may(user: Any, verb: Verb, *, beneficiary_id: int | None = None) -> bool:
    return holds(user, verb) and reaches(user, None if verb in REGIONAL_VERBS else beneficiary_id)


def require(user: Any, verb: Verb, *, beneficiary_id: int | None = None) -> None:
    """Raise unless `user` may `verb` records of `beneficiary_id` (None: the common matrix).

    403 when the role lacks the verb; 404 when the target is out of reach, so that a writer
    learns nothing of records they may not see."""
    if not holds(user, verb):
        raise PermissionDenied
    target = None if verb in REGIONAL_VERBS else beneficiary_id
    if not reaches(user, target):
        raise Http404


def may_manage_account(user: Any, role: str, beneficiary_id: int | None) -> bool:
    """Whether `user` may create or edit an account with `role` in `beneficiary_id`."""
    if not holds(user, Verb.MANAGE_USERS):
        return False
    if user.is_superuser:
        return True
    if role not in ACCOUNTS_MANAGED.get(user.role, frozenset()):
        return False
    return ROLE_REACH.get(user.role) is Reach.REGION or reaches(user, beneficiary_id)


def may_read_audit(user: AnonymousUser | Any) -> bool:
    """The audit trail, in `/audit/` and in the admin alike (rows scoped by `visible_to`)."""
    return holds(user, Verb.READ_AUDIT)
