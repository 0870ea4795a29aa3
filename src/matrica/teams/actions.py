"""Writes to the team registry: teams, their members, the disciplines they must include. Each
action checks the actor's permission (Verb.MANAGE_TEAMS; an institution manager only for their
own institution's teams), validates (the models' `clean` and constraints), writes, audits and
reports whose requirements changed, in one transaction.

Joining a team gives the person the MDT-member role from the day they join, unless they hold it
then; leaving ends the role on the last day unless another membership still needs it. The role
is what puts the MDT column of the matrix on a person, so their requirements and every
compliance figure follow at once (the role change is reported like any other)."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from matrica.audit.services import (
    apply_changes,
    required_reason,
    save_audited,
    write,
    write_changes,
)
from matrica.framework.models import StaffCategory
from matrica.staff.models import StaffMember, StaffRole
from matrica.teams.models import Discipline, Membership, Team
from matrica.tenancy.changes import Change, report
from matrica.tenancy.models import Beneficiary, Institution
from matrica.tenancy.permissions import Verb, require
from matrica.tenancy.roles import Role
from matrica.text import clean_text

if TYPE_CHECKING:
    from matrica.tenancy.scoping import Actor

MDT = "MDT"

# (code, title, required for prison teams, probation teams, regional teams): the working
# group's list. Titles are stored in English and shown translated (Discipline.display_title).
DEFAULT_DISCIPLINES: list[tuple[str, str, bool, bool, bool]] = [
    ("OFFICER", gettext_noop("Prison or probation officer"), True, True, True),
    ("PSY", gettext_noop("Psychologist"), True, True, True),
    ("SOC", gettext_noop("Social worker"), True, True, True),
    ("EDU", gettext_noop("Educator"), True, True, True),
    ("SEC", gettext_noop("Security and intelligence liaison"), True, True, True),
    ("REL", gettext_noop("Chaplain or religious counsellor"), True, True, True),
    ("HEALTH", gettext_noop("Health"), True, True, True),
    ("LPO", gettext_noop("Linked probation officer"), True, False, False),
]

TEAM_FIELDS = frozenset({"name", "scope", "cadence", "cases_followed", "formed_on"})


def _require(actor: Actor, beneficiary_id: int, institution_id: int | None) -> None:
    """MANAGE_TEAMS for the administration; an institution manager, for their institution's
    teams only (another place's team answers 404, like a team that does not exist)."""
    require(actor, Verb.MANAGE_TEAMS, beneficiary_id=beneficiary_id)
    if (
        not actor.is_superuser
        and actor.role == Role.INSTITUTION_MANAGER
        and (institution_id is None or institution_id != actor.institution_id)
    ):
        raise Http404


def _mdt_category() -> StaffCategory:
    return StaffCategory.objects.get(code=MDT)


def _ensure_disciplines(actor: Actor, beneficiary: Beneficiary) -> None:
    """The default disciplines, the first time an administration records a team."""
    if Discipline.objects.filter(beneficiary=beneficiary).exists():
        return
    for order, (code, title, prison, probation, regional) in enumerate(DEFAULT_DISCIPLINES):
        discipline = Discipline(
            beneficiary=beneficiary, code=code, title=title, required_for_prison=prison,
            required_for_probation=probation, required_for_regional=regional, order=order,
        )  # fmt: skip
        discipline.full_clean()
        save_audited(actor=actor, obj=discipline, message="Default discipline")


@transaction.atomic
def create_team(
    *,
    actor: Actor,
    beneficiary: Beneficiary,
    institution: Institution | None,
    name: str,
    formed_on: datetime.date,
    cadence: str = Team.Cadence.MONTHLY,
    scope: str = "",
    cases_followed: int = 0,
) -> Team:
    """A team of an institution or probation office, or (no institution) a regional team."""
    _require(actor, beneficiary.pk, institution.pk if institution else None)
    _ensure_disciplines(actor, beneficiary)
    team = Team(beneficiary=beneficiary, institution=institution, active=True)
    apply_changes(
        team,
        {"name": name, "scope": scope, "cadence": cadence, "cases_followed": cases_followed,
         "formed_on": formed_on},
        TEAM_FIELDS,
    )  # fmt: skip
    write(actor=actor, obj=team)
    return team


@transaction.atomic
def change_team(*, actor: Actor, team: Team, **changes: Any) -> Team:
    """Change any of TEAM_FIELDS; the administration and the place of a team never change."""
    _require(actor, team.beneficiary_id, team.institution_id)
    write_changes(actor=actor, obj=team, changes=changes, allowed=TEAM_FIELDS)
    return team


@transaction.atomic
def close_team(*, actor: Actor, team: Team, reason: str, on: datetime.date | None = None) -> Team:
    """The team stops working on `on` (today by default): every current membership ends that
    day, and with it the MDT-member role of those who hold no other membership."""
    _require(actor, team.beneficiary_id, team.institution_id)
    reason = required_reason(reason, _("Say why the team is closed."))
    on = on or timezone.localdate()
    if not team.active:
        raise ValidationError(_("This team is closed already."))
    if on < team.formed_on:
        raise ValidationError({"on": _("A team cannot close before it was formed.")})
    if team.memberships.filter(start_date__gt=on).exists():
        raise ValidationError(
            _("End or correct the memberships that start after the closing date first.")
        )
    current = team.memberships.filter(Q(end_date__isnull=True) | Q(end_date__gt=on)).filter(
        start_date__lte=on
    )
    people: set[int] = set()
    for membership in current.select_related("staff_member", "team"):
        _end(actor, membership, on)
        people.add(membership.staff_member_id)
    team.active = False
    team.closed_on = on
    write(actor=actor, obj=team, message=reason)
    report(Change.of_people(people))
    return team


def _holds_role(member: StaffMember, category: StaffCategory, on: datetime.date) -> bool:
    return (
        StaffRole.objects.filter(staff_member=member, category=category, start_date__lte=on)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
        .exists()
    )


@transaction.atomic
def add_member(
    *,
    actor: Actor,
    team: Team,
    staff_member: StaffMember,
    discipline: Discipline,
    role: str,
    start_date: datetime.date,
) -> Membership:
    """The person joins the team on `start_date` for `discipline`, as lead, deputy or member;
    they hold the MDT-member role from that day."""
    _require(actor, team.beneficiary_id, team.institution_id)
    if not StaffMember.objects.visible_to(actor).filter(pk=staff_member.pk).exists():
        raise Http404
    if not team.active:
        raise ValidationError(_("This team is closed."))
    membership = Membership(
        team=team, staff_member=staff_member, discipline=discipline, role=role,
        start_date=start_date,
    )  # fmt: skip
    write(actor=actor, obj=membership)
    mdt = _mdt_category()
    if not _holds_role(staff_member, mdt, start_date):
        # The same record and checks as staff.actions.assign_role; the permission asked is
        # the team's (an institution manager keeps teams but not the staff registry).
        staff_role = StaffRole(staff_member=staff_member, category=mdt, start_date=start_date)
        staff_role.full_clean()
        save_audited(actor=actor, obj=staff_role, message=f"Joined the team {team.name}")
    report(Change.of_people([staff_member.pk]))
    return membership


def _end(actor: Actor, membership: Membership, end_date: datetime.date) -> None:
    """End one membership, and the MDT-member role when no other membership needs it then."""
    if membership.end_date is not None and membership.end_date <= end_date:
        raise ValidationError({"end_date": _("This membership has ended already.")})
    write_changes(
        actor=actor, obj=membership, changes={"end_date": end_date}, allowed=frozenset({"end_date"})
    )
    member = membership.staff_member
    still_member = (
        Membership.objects.filter(staff_member=member, start_date__lte=end_date)
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=end_date))
        .exclude(pk=membership.pk)
        .exists()
    )
    if still_member:
        return
    role = (
        StaffRole.objects.filter(staff_member=member, category=_mdt_category())
        .filter(start_date__lte=end_date)
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=end_date))
        .first()
    )
    if role is not None:
        # As staff.actions.end_role, under the team's permission (see add_member).
        role.end_date = end_date
        role.full_clean()
        save_audited(actor=actor, obj=role, message=f"Left the team {membership.team.name}")


@transaction.atomic
def end_membership(*, actor: Actor, membership: Membership, end_date: datetime.date) -> Membership:
    """`end_date` is the member's last day in the team."""
    _require(actor, membership.team.beneficiary_id, membership.team.institution_id)
    _end(actor, membership, end_date)
    report(Change.of_people([membership.staff_member_id]))
    return membership


@transaction.atomic
def change_member_role(
    *,
    actor: Actor,
    membership: Membership,
    role: str,
    discipline: Discipline | None = None,
) -> Membership:
    """Make a member lead, deputy or member (and, if given, move them to another discipline)."""
    _require(actor, membership.team.beneficiary_id, membership.team.institution_id)
    changes: dict[str, Any] = {"role": role}
    if discipline is not None:
        changes["discipline"] = discipline
    write_changes(
        actor=actor, obj=membership, changes=changes, allowed=frozenset({"role", "discipline"})
    )
    return membership


DISCIPLINE_FIELDS = frozenset(
    {"title", "required_for_prison", "required_for_probation", "required_for_regional", "order"}
)


def _require_disciplines(actor: Actor, beneficiary_id: int) -> None:
    """An administration's list of disciplines is set by its national roles, not by one
    institution's manager."""
    require(actor, Verb.MANAGE_TEAMS, beneficiary_id=beneficiary_id)
    if not actor.is_superuser and actor.role == Role.INSTITUTION_MANAGER:
        raise PermissionDenied


@transaction.atomic
def disciplines_for(actor: Actor, beneficiary: Beneficiary) -> None:
    """Seed the default disciplines before an administration first edits its list."""
    _require_disciplines(actor, beneficiary.pk)
    _ensure_disciplines(actor, beneficiary)


@transaction.atomic
def add_discipline(
    *,
    actor: Actor,
    beneficiary: Beneficiary,
    code: str,
    title: str,
    required_for_prison: bool = True,
    required_for_probation: bool = True,
    required_for_regional: bool = True,
    order: int = 100,
) -> Discipline:
    """A discipline of the administration's own; each kind of team it is required for is not
    ready without a trained member for it."""
    _require_disciplines(actor, beneficiary.pk)
    _ensure_disciplines(actor, beneficiary)
    discipline = Discipline(
        beneficiary=beneficiary, code=clean_text(code).upper(), title=clean_text(title),
        required_for_prison=required_for_prison, required_for_probation=required_for_probation,
        required_for_regional=required_for_regional, order=order,
    )  # fmt: skip
    write(actor=actor, obj=discipline)
    return discipline


@transaction.atomic
def change_discipline(*, actor: Actor, discipline: Discipline, **changes: Any) -> Discipline:
    """Retitle a discipline, or change which teams must include it (readiness follows at once:
    it is computed, never stored)."""
    _require_disciplines(actor, discipline.beneficiary_id)
    write_changes(actor=actor, obj=discipline, changes=changes, allowed=DISCIPLINE_FIELDS)
    return discipline
