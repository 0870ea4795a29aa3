"""Writes to the staff registry: people, their roles, their leaving. One function per thing a
user can do; each checks the actor's permission, validates every rule (the model's `clean` and
constraints), writes, audits and reports what changed, in one transaction."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from matrica.audit.services import (
    apply_changes,
    delete_audited,
    required_reason,
    write,
    write_changes,
)
from matrica.framework.models import StaffCategory
from matrica.staff.models import StaffMember, StaffRole
from matrica.tenancy.changes import Change, report
from matrica.tenancy.models import Institution
from matrica.tenancy.permissions import Verb, require

if TYPE_CHECKING:
    from matrica.tenancy.scoping import Actor

# What a person's record lets a user change; the administration follows the institution and
# never changes, leaving has actions of its own.
EDITABLE_FIELDS = frozenset(
    {"institution", "employee_number", "given_name", "family_name", "primary_category",
     "entry_date", "preferred_language", "email"}
)  # fmt: skip
ROLE_FIELDS = frozenset({"start_date", "end_date"})


def _changed(staff_member: StaffMember) -> None:
    report(Change.of_people([staff_member.pk]))


@transaction.atomic
def create_staff_member(
    *,
    actor: Actor,
    institution: Institution,
    employee_number: str,
    given_name: str,
    family_name: str,
    primary_category: StaffCategory,
    entry_date: datetime.date,
    preferred_language: str = "en",
    email: str = "",
) -> StaffMember:
    require(actor, Verb.MANAGE_STAFF, beneficiary_id=institution.beneficiary_id)
    member = StaffMember(beneficiary_id=institution.beneficiary_id, active=True)
    apply_changes(
        member,
        {"institution": institution, "employee_number": employee_number,
         "given_name": given_name, "family_name": family_name,
         "primary_category": primary_category, "entry_date": entry_date,
         "preferred_language": preferred_language, "email": email},
        EDITABLE_FIELDS,
    )  # fmt: skip
    write(actor=actor, obj=member)
    _changed(member)
    return member


@transaction.atomic
def update_staff_member(*, actor: Actor, staff_member: StaffMember, **changes: Any) -> StaffMember:
    """Change any of EDITABLE_FIELDS; the institution must stay in the same administration."""
    require(actor, Verb.MANAGE_STAFF, beneficiary_id=staff_member.beneficiary_id)
    write_changes(actor=actor, obj=staff_member, changes=changes, allowed=EDITABLE_FIELDS)
    _changed(staff_member)
    return staff_member


@transaction.atomic
def record_leaving(
    *, actor: Actor, staff_member: StaffMember, leaving_date: datetime.date
) -> StaffMember:
    """The person left the service; `leaving_date` is their last day in post. They are never
    deleted: figures for dates up to that day still count them."""
    require(actor, Verb.MANAGE_STAFF, beneficiary_id=staff_member.beneficiary_id)
    if not staff_member.active:
        raise ValidationError({"leaving_date": _("This person has already left the service.")})
    staff_member.active = False
    staff_member.leaving_date = leaving_date
    write(actor=actor, obj=staff_member, message="Left the service")
    _changed(staff_member)
    return staff_member


@transaction.atomic
def reinstate_staff_member(*, actor: Actor, staff_member: StaffMember) -> StaffMember:
    """Undo a leaving recorded in error, or take someone back into post."""
    require(actor, Verb.MANAGE_STAFF, beneficiary_id=staff_member.beneficiary_id)
    if staff_member.active:
        raise ValidationError(_("This person is in post already."))
    staff_member.active = True
    staff_member.leaving_date = None
    write(actor=actor, obj=staff_member, message="Back in post")
    _changed(staff_member)
    return staff_member


@transaction.atomic
def assign_role(
    *,
    actor: Actor,
    staff_member: StaffMember,
    category: StaffCategory,
    start_date: datetime.date,
    end_date: datetime.date | None = None,
) -> StaffRole:
    """A role held in addition to the primary category (trainer, MDT member), from a date."""
    require(actor, Verb.MANAGE_STAFF, beneficiary_id=staff_member.beneficiary_id)
    role = StaffRole(
        staff_member=staff_member, category=category, start_date=start_date, end_date=end_date
    )
    write(actor=actor, obj=role)
    _changed(staff_member)
    return role


@transaction.atomic
def change_role(*, actor: Actor, role: StaffRole, **changes: Any) -> StaffRole:
    """Correct a role's dates, or end it (`end_date`)."""
    require(actor, Verb.MANAGE_STAFF, beneficiary_id=role.staff_member.beneficiary_id)
    write_changes(actor=actor, obj=role, changes=changes, allowed=ROLE_FIELDS)
    _changed(role.staff_member)
    return role


def end_role(*, actor: Actor, role: StaffRole, end_date: datetime.date) -> StaffRole:
    return change_role(actor=actor, role=role, end_date=end_date)


@transaction.atomic
def withdraw_role(*, actor: Actor, role: StaffRole, reason: str) -> None:
    """Take back a role recorded in error (a role that ended is ended, not withdrawn). The
    audit trail keeps the role and the reason."""
    require(actor, Verb.MANAGE_STAFF, beneficiary_id=role.staff_member.beneficiary_id)
    reason = required_reason(reason, _("Say why the role is withdrawn."))
    member = role.staff_member
    delete_audited(actor=actor, obj=role, message=reason)
    _changed(member)
