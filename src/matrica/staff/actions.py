"""Writes to the staff registry: people, their roles, their leaving. One function per thing a
user can do; each checks the actor's permission, validates every rule (the model's `clean` and
constraints), writes, audits and reports what changed, in one transaction."""

from __future__ import annotations

import datetime
import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from matrica.audit.models import AuditEvent
from matrica.audit.services import (
    apply_changes,
    delete_audited,
    record,
    record_created,
    record_many,
    required_reason,
    snapshot,
    write,
    write_changes,
)
from matrica.framework.models import StaffCategory
from matrica.staff.imports import BATCH, UPDATED_FIELDS, StaffImport, plan_roster
from matrica.staff.models import StaffMember, StaffRole
from matrica.tabular import Sheet, batched
from matrica.tenancy.changes import Change, report
from matrica.tenancy.models import Beneficiary, Institution
from matrica.tenancy.permissions import Verb, require
from matrica.tenancy.scoping import ensure_visible

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


# Retention (docs/privacy.md) ---------------------------------------------------------------

PSEUDONYM_GIVEN_NAME = "Pseudonym"
PSEUDONYMISED_MESSAGE = "Pseudonymised under the retention rule"
# The fields of a person's own record that name them; everything else (category, institution,
# dates, evidence) is what the figures are made of and stays.
NAMING_FIELDS = ("given_name", "family_name", "email", "employee_number")


def pseudonym_code(staff_member_id: int) -> str:
    """Twelve hex digits that stand for the person: the same for the same id (so a re-run
    changes nothing), not reversible without the server's SECRET_KEY (an HMAC, not a hash of a
    guessable id)."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"matrica.staff_member:{staff_member_id}".encode(),
        hashlib.sha256,
    ).hexdigest()  # fmt: skip
    return digest[:12].upper()


def retention_cutoff(beneficiary: Beneficiary, on: datetime.date) -> datetime.date:
    """People whose last day in post is before this date are due for pseudonymisation."""
    return on - relativedelta(years=beneficiary.retention_years)


def is_pseudonymised(staff_member: StaffMember) -> bool:
    code = pseudonym_code(staff_member.pk)
    return staff_member.given_name == PSEUDONYM_GIVEN_NAME and staff_member.family_name == code


def people_due_for_retention(
    beneficiary: Beneficiary, on: datetime.date
) -> models.QuerySet[StaffMember]:
    """Who left more than `retention_years` before `on` and still carries their name."""
    return StaffMember.objects.filter(
        beneficiary=beneficiary, leaving_date__lt=retention_cutoff(beneficiary, on)
    ).exclude(given_name=PSEUDONYM_GIVEN_NAME, employee_number__startswith="PSN-")


def audit_trail_of(staff_member: StaffMember) -> models.QuerySet[AuditEvent]:
    """Every audit event that references the person or their records: the person, their roles
    and evidence (also those withdrawn or voided since: their before/after names the person),
    their account, and its sign-ins. Used by the subject export and by the retention rule, so
    that what a person is shown and what is pseudonymised are the same rows."""
    type_of = ContentType.objects.get_for_model
    completion_type = ContentType.objects.get_by_natural_key("training", "completion")
    completions = staff_member.completions.values_list("pk", flat=True)
    references = (
        Q(object_type=type_of(StaffMember), object_id=str(staff_member.pk))
        | Q(object_type=type_of(StaffRole), object_id__in=[
            str(pk) for pk in staff_member.roles.values_list("pk", flat=True)
        ])
        | Q(object_type=completion_type, object_id__in=[str(pk) for pk in completions])
        | Q(before__staff_member_id=staff_member.pk)
        | Q(after__staff_member_id=staff_member.pk)
    )  # fmt: skip
    account = _account_of(staff_member)
    if account is not None:
        references |= Q(object_type=type_of(type(account)), object_id=str(account.pk))
    return AuditEvent.objects.filter(references)


def _account_of(staff_member: StaffMember) -> Any:
    # The account model lives downstream (accounts imports staff): asked for by name, not
    # imported, so the staff app keeps importing only from the apps before it.
    return get_user_model()._default_manager.filter(staff_member=staff_member).first()


def _scrubbed(value: Any, names: dict[str, str], keys: dict[str, str]) -> Any:
    """`value` (audit JSON or text) with every old name replaced: a naming key's value by its
    pseudonym, any other text with the old full name (or user name) replaced where it occurs."""
    if isinstance(value, dict):
        return {
            k: keys[k] if k in keys and v not in ("", None) else _scrubbed(v, names, keys)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_scrubbed(item, names, keys) for item in value]
    if isinstance(value, str):
        for old, new in names.items():
            if old:
                value = value.replace(old, new)
        return value
    return value


@transaction.atomic
def pseudonymise_staff_member(
    *, actor: Actor, staff_member: StaffMember, on: datetime.date | None = None
) -> StaffMember:
    """Replace the names, email and employee number of a person who left more than the
    administration's `retention_years` ago with a pseudonym, in their record, their account
    and the audit trail; keep everything the figures are made of (category, institution, dates,
    evidence). The trail gets one new event that names no one but the pseudonym."""
    require(actor, Verb.MANAGE_STAFF, beneficiary_id=staff_member.beneficiary_id)
    on = on or timezone.localdate()
    beneficiary = staff_member.beneficiary
    if not staff_member.leaving_date or staff_member.leaving_date >= retention_cutoff(
        beneficiary, on
    ):
        raise ValidationError(
            _("Only people who left more than %(years)d years ago are pseudonymised.")
            % {"years": beneficiary.retention_years}
        )
    if is_pseudonymised(staff_member):
        return staff_member
    code = pseudonym_code(staff_member.pk)
    old = {name: getattr(staff_member, name) for name in NAMING_FIELDS}
    new = {
        "given_name": PSEUDONYM_GIVEN_NAME, "family_name": code, "email": "",
        "employee_number": f"PSN-{code}",
    }  # fmt: skip
    replacements = {f"{old['given_name']} {old['family_name']}": f"{PSEUDONYM_GIVEN_NAME} {code}"}
    keys = {**new, "first_name": PSEUDONYM_GIVEN_NAME, "last_name": code}
    # Found before the account is unlinked: its sign-ins are the person's too.
    events = list(audit_trail_of(staff_member).values_list("pk", flat=True))
    account = _account_of(staff_member)
    if account is not None:
        username = f"pseudonym-{code.lower()}"
        replacements[account.get_username()] = username
        keys["username"] = username
        # Where the person themselves acted or signed in, the address is theirs too.
        own = AuditEvent.objects.filter(
            Q(user_id=account.pk)
            | Q(
                object_type=ContentType.objects.get_for_model(type(account)),
                object_id=str(account.pk),
            )
        )
        events += own.values_list("pk", flat=True)
        own.update(remote_addr=None)
        for name, value in {
            "username": username, "first_name": "", "last_name": "", "email": "",
        }.items():  # fmt: skip
            setattr(account, name, value)
        account.is_active = False
        account.set_unusable_password()
        account.save()
    for name, value in new.items():
        setattr(staff_member, name, value)
    staff_member.full_clean()
    staff_member.save()  # refreshes the folded search and sort keys
    # The one place an audit row is changed after it was written: the law requires the name
    # to go (GDPR Art. 5(1)(e), Convention 108+ Art. 5(4)(e)), the events themselves stay.
    rows = AuditEvent.objects.filter(pk__in=set(events))
    for event in rows.only("pk", "object_repr", "user_name", "before", "after", "message"):
        rows.filter(pk=event.pk).update(
            object_repr=_scrubbed(event.object_repr, replacements, keys)[:200],
            user_name=_scrubbed(event.user_name, replacements, keys)[:150],
            before=_scrubbed(event.before, replacements, keys),
            after=_scrubbed(event.after, replacements, keys),
            message=_scrubbed(event.message, replacements, keys),
        )
    record(
        actor=actor, action=AuditEvent.Action.UPDATE, obj=staff_member,
        after=snapshot(staff_member), message=PSEUDONYMISED_MESSAGE,
    )  # fmt: skip
    ensure_visible(staff_member, actor)
    report(Change(people=frozenset({staff_member.pk}), forgotten=frozenset({staff_member.pk})))
    return staff_member


@dataclass
class RetentionReport:
    """One administration's run of the retention rule."""

    code: str
    retention_years: int
    due: int = 0
    done: int = 0
    people: list[int] = field(default_factory=list)


@transaction.atomic
def apply_retention(
    *,
    actor: Actor,
    on: datetime.date | None = None,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> list[RetentionReport]:
    """The retention rule for every administration the actor may see: who is due and, unless
    `dry_run`, pseudonymise them, in one transaction (all or nothing). `progress(done, total)`
    is called after each person."""
    on = on or timezone.localdate()
    plan = [
        (beneficiary, list(people_due_for_retention(beneficiary, on).select_related("beneficiary")))
        for beneficiary in Beneficiary.objects.visible_to(actor).order_by("code")
    ]
    total, done = sum(len(due) for _beneficiary, due in plan), 0
    reports = []
    for beneficiary, due in plan:
        result = RetentionReport(beneficiary.code, beneficiary.retention_years, due=len(due))
        for member in due:
            if not dry_run:
                pseudonymise_staff_member(actor=actor, staff_member=member, on=on)
                result.done += 1
            result.people.append(member.pk)
            done += 1
            if progress:
                progress(done, total)
        reports.append(result)
    return reports


# Importing a roster (docs/imports.md) ----------------------------------------------------------


@transaction.atomic
def import_staff(
    *,
    actor: Actor,
    beneficiary: Beneficiary,
    sheet: Sheet,
    mapping: Mapping[str, str] | None = None,
    full: bool = False,
    dry_run: bool = False,
    on: datetime.date | None = None,
    source: str = "",
    progress: Callable[[int, int], None] | None = None,
) -> StaffImport:
    """Bring `sheet` (a roster read by `matrica.tabular.read_sheet`) into `beneficiary`'s
    registry: every row applied, or none (RowsRefused with every problem). `full`: people in
    post but not in the file have left on `on` (today). `dry_run`: say what would change and
    write nothing. Audited as one event per person changed, the file named in each."""
    require(actor, Verb.MANAGE_STAFF, beneficiary_id=beneficiary.pk)
    on = on or timezone.localdate()
    plan = plan_roster(beneficiary=beneficiary, sheet=sheet, mapping=mapping, full=full, on=on)
    outcome = plan.outcome
    outcome.dry_run = dry_run
    if dry_run or not outcome.changes_anything:
        return outcome
    _write_roster(actor, plan.creates, plan.updates, plan.leavers, on, source, progress)
    outcome.people = {m.pk for m in plan.creates} | {
        m.pk for m, _before in (*plan.updates, *plan.leavers)
    }
    report(Change(people=frozenset(outcome.people), actor=actor))
    return outcome


def _write_roster(
    actor: Actor,
    creates: list[StaffMember],
    updates: list[tuple[StaffMember, dict[str, Any]]],
    leavers: list[tuple[StaffMember, dict[str, Any]]],
    on: datetime.date,
    source: str,
    progress: Callable[[int, int], None] | None,
) -> None:
    total, done = len(creates) + len(updates) + len(leavers), 0
    named = f" ({source})" if source else ""

    def advance(count: int) -> None:
        nonlocal done
        done += count
        if progress:
            progress(done, total)

    for batch in batched(creates, BATCH):
        for member in batch:
            member.refresh_search_fields()
        created = StaffMember.objects.bulk_create(batch)
        record_created(
            actor=actor, created=StaffMember.objects.filter(pk__in=[m.pk for m in created]),
            message=f"Imported{named}",
        )  # fmt: skip
        advance(len(batch))
    for member, _before in leavers:
        member.active, member.leaving_date = False, on
    for changes, message in (
        (updates, f"Updated by import{named}"),
        (leavers, f"Left the service: not in the full roster imported{named}"),
    ):
        for batch in batched(changes, BATCH):
            members = [member for member, _before in batch]
            now = timezone.now()  # bulk_update leaves auto_now to its caller
            for member in members:
                member.refresh_search_fields()
                member.updated_at = now
            StaffMember.objects.bulk_update(members, UPDATED_FIELDS)
            record_many(
                actor=actor, action=AuditEvent.Action.UPDATE,
                changes=[(m, before, snapshot(m)) for m, before in batch], message=message,
            )  # fmt: skip
            advance(len(batch))
