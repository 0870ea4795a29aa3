"""Delivering training: planning a session, nominating people, confirming places, the register,
closing a session into evidence, and the trainer pool. Each action checks the actor's
permission, validates, writes, audits and (closing and reopening, through the training actions)
reports the people whose figures change, in one transaction.

A session moves planned → open → held → closed, or to cancelled before it is held; a closed
session goes back to held only when a national administrator reopens it, with a reason. An
enrolment moves nominated → confirmed or waitlisted → attended or no-show, or to withdrawn
while it holds or waits for a place.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from matrica.audit.models import AuditEvent
from matrica.audit.services import (
    apply_changes,
    record,
    record_created,
    record_many,
    required_reason,
    write,
)
from matrica.delivery import notifications, selectors
from matrica.delivery.models import (
    Attendance,
    Enrolment,
    SessionDay,
    TrainerAuthorisation,
    TrainingSession,
)
from matrica.framework.models import Module
from matrica.staff.models import StaffMember
from matrica.tenancy import changes
from matrica.tenancy.models import Institution, Service
from matrica.tenancy.permissions import Verb, require
from matrica.tenancy.roles import Role
from matrica.tenancy.scoping import ensure_visible
from matrica.text import clean_text
from matrica.training import actions as training

if TYPE_CHECKING:
    from matrica.tenancy.scoping import Actor

State = TrainingSession.State
EnrolmentState = Enrolment.State

# The moves each state machine allows: anything else is refused with a clear error.
SESSION_MOVES: dict[str, frozenset[str]] = {
    State.PLANNED: frozenset({State.OPEN, State.CANCELLED}),
    State.OPEN: frozenset({State.HELD, State.CANCELLED}),
    State.HELD: frozenset({State.CLOSED}),
    State.CLOSED: frozenset({State.HELD}),  # reopening, by a national administrator
    State.CANCELLED: frozenset(),
}
ENROLMENT_MOVES: dict[str, frozenset[str]] = {
    EnrolmentState.NOMINATED: frozenset(
        {EnrolmentState.CONFIRMED, EnrolmentState.WAITLISTED, EnrolmentState.WITHDRAWN}
    ),
    EnrolmentState.WAITLISTED: frozenset({EnrolmentState.CONFIRMED, EnrolmentState.WITHDRAWN}),
    EnrolmentState.CONFIRMED: frozenset(
        {EnrolmentState.ATTENDED, EnrolmentState.NO_SHOW, EnrolmentState.WITHDRAWN}
    ),
    # Reopening a closed session puts its participants back where they were before closing.
    EnrolmentState.ATTENDED: frozenset({EnrolmentState.CONFIRMED}),
    EnrolmentState.NO_SHOW: frozenset({EnrolmentState.CONFIRMED}),
    # Someone withdrawn may be nominated again.
    EnrolmentState.WITHDRAWN: frozenset({EnrolmentState.NOMINATED}),
}

SESSION_FIELDS = frozenset(
    {"starts_on", "ends_on", "venue", "online_url", "capacity", "language", "notes",
     "invites_everyone"}
)  # fmt: skip


def check_session_move(session: TrainingSession, target: str) -> None:
    if target not in SESSION_MOVES[session.state]:
        raise ValidationError(
            _("A session that is “%(current)s” cannot become “%(target)s”.")
            % {"current": State(session.state).label, "target": State(target).label}
        )


def check_enrolment_move(enrolment: Enrolment, target: str) -> None:
    if target not in ENROLMENT_MOVES[enrolment.state]:
        raise ValidationError(
            _("%(name)s is “%(current)s” in this session and cannot become “%(target)s”.")
            % {
                "name": enrolment.staff_member.full_name,
                "current": EnrolmentState(enrolment.state).label,
                "target": EnrolmentState(target).label,
            }
        )


def _visible_session(actor: Actor, session: TrainingSession) -> None:
    if not TrainingSession.objects.visible_to(actor).filter(pk=session.pk).exists():
        raise Http404


def _move(actor: Actor, session: TrainingSession, target: str, message: str = "") -> None:
    check_session_move(session, target)
    before = session.state
    session.state = target
    session.save(update_fields=["state"])
    record(
        actor=actor, action=AuditEvent.Action.UPDATE, obj=session,
        before={"state": before}, after={"state": target}, message=message,
    )  # fmt: skip


# Planning -------------------------------------------------------------------------------------


def _weekdays(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """The working days from `start` to `end`; every day when the range holds no working day
    (a weekend course)."""
    every = [start + datetime.timedelta(days=n) for n in range((end - start).days + 1)]
    working = [day for day in every if day.weekday() < 5]
    return working or every


def _check_trainers(session: TrainingSession, trainer_ids: set[int]) -> None:
    if not trainer_ids:
        return
    outside = trainer_ids - selectors.in_pool(session.module, session.starts_on, trainer_ids)
    if outside:
        names = StaffMember.objects.filter(pk__in=outside).order_by("sort_name")
        raise ValidationError(
            {
                "trainers": _(
                    "Only trainers of the pool for this module can be assigned; not: %(people)s."
                )
                % {"people": ", ".join(person.full_name for person in names)}
            }
        )
    other = StaffMember.objects.filter(pk__in=trainer_ids).exclude(
        beneficiary_id=session.beneficiary_id
    )
    if other.exists():
        raise ValidationError({"trainers": _("A trainer belongs to another administration.")})


def _check_invitations(
    session: TrainingSession, institutions: Sequence[Institution], services: Sequence[Service]
) -> None:
    if any(i.beneficiary_id != session.beneficiary_id for i in institutions) or any(
        s.beneficiary_id != session.beneficiary_id for s in services
    ):
        raise ValidationError(
            {"invited_institutions": _("Only this administration's people can be invited.")}
        )
    if not (session.invites_everyone or institutions or services):
        raise ValidationError(
            {
                "invited_institutions": _(
                    "Invite institutions, a service, or the whole administration."
                )
            }
        )


def _set_days(session: TrainingSession, starts_at: datetime.time, ends_at: datetime.time) -> None:
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("A day of training must end after it starts.")})
    if Attendance.objects.filter(day__session=session).exists():
        raise ValidationError(
            {"starts_on": _("Attendance is recorded: the session's days can no longer change.")}
        )
    session.days.all().delete()
    SessionDay.objects.bulk_create(
        SessionDay.of(session, day, starts_at, ends_at)
        for day in _weekdays(session.starts_on, session.ends_on)
    )


@transaction.atomic
def plan_session(
    *,
    actor: Actor,
    module: Module,
    beneficiary_id: int,
    starts_on: datetime.date,
    ends_on: datetime.date,
    starts_at: datetime.time,
    ends_at: datetime.time,
    capacity: int,
    venue: str = "",
    online_url: str = "",
    language: str = "",
    trainers: Sequence[StaffMember] = (),
    invites_everyone: bool = False,
    invited_institutions: Sequence[Institution] = (),
    invited_services: Sequence[Service] = (),
    notes: str = "",
) -> TrainingSession:
    """A new session of `module`, planned: one day per working day from the first to the last,
    each from `starts_at` to `ends_at`."""
    require(actor, Verb.PLAN_TRAINING, beneficiary_id=beneficiary_id)
    if not Module.objects.visible_to(actor).filter(pk=module.pk).exists():
        raise Http404
    session = TrainingSession(
        beneficiary_id=beneficiary_id, module=module, starts_on=starts_on, ends_on=ends_on,
        venue=clean_text(venue), online_url=online_url.strip(), capacity=capacity,
        language=language, invites_everyone=invites_everyone, notes=clean_text(notes),
    )  # fmt: skip
    session.full_clean(exclude=["created_at"])
    _check_invitations(session, invited_institutions, invited_services)
    write(actor=actor, obj=session, exclude=["created_at"])
    _check_trainers(session, {t.pk for t in trainers})
    session.trainers.set(trainers)
    session.invited_institutions.set(invited_institutions)
    session.invited_services.set(invited_services)
    _set_days(session, starts_at, ends_at)
    return session


@transaction.atomic
def change_session(
    *,
    actor: Actor,
    session: TrainingSession,
    trainers: Sequence[StaffMember] | None = None,
    invited_institutions: Sequence[Institution] | None = None,
    invited_services: Sequence[Service] | None = None,
    starts_at: datetime.time | None = None,
    ends_at: datetime.time | None = None,
    **changes: Any,
) -> TrainingSession:
    """Change a session before it is held: dates and hours, place, places, trainers, who is
    invited. Fewer places than people confirmed is refused."""
    require(actor, Verb.PLAN_TRAINING, beneficiary_id=session.beneficiary_id)
    _visible_session(actor, session)
    if session.state not in (State.PLANNED, State.OPEN):
        raise ValidationError(_("Only a planned or open session can be changed."))
    dates_before = (session.starts_on, session.ends_on)
    apply_changes(session, changes, SESSION_FIELDS)
    write(actor=actor, obj=session, exclude=["created_at"])
    taken = selectors.places_taken(session)
    if session.capacity < taken:
        raise ValidationError(
            {"capacity": _("%(count)s people are confirmed: keep at least as many places.")
             % {"count": taken}}
        )  # fmt: skip
    if trainers is not None:
        _check_trainers(session, {t.pk for t in trainers})
        session.trainers.set(trainers)
    if invited_institutions is not None:
        session.invited_institutions.set(invited_institutions)
    if invited_services is not None:
        session.invited_services.set(invited_services)
    _check_invitations(
        session, list(session.invited_institutions.all()), list(session.invited_services.all())
    )
    first_day = session.days.first()
    if dates_before != (session.starts_on, session.ends_on) or starts_at or ends_at:
        _set_days(
            session,
            starts_at or (first_day.starts_at if first_day else datetime.time(9)),
            ends_at or (first_day.ends_at if first_day else datetime.time(17)),
        )
    if session.state == State.OPEN:
        notifications.tell(
            notifications.Event.CHANGED,
            session.enrolments.filter(state__in=Enrolment.ACTIVE).values_list("pk", flat=True),
        )
    return session


@transaction.atomic
def open_session(*, actor: Actor, session: TrainingSession) -> TrainingSession:
    """Open a planned session for nominations; it needs a trainer first."""
    require(actor, Verb.PLAN_TRAINING, beneficiary_id=session.beneficiary_id)
    _visible_session(actor, session)
    check_session_move(session, State.OPEN)
    if not session.trainers.exists():
        raise ValidationError({"trainers": _("Assign a trainer before opening the session.")})
    _move(actor, session, State.OPEN)
    return session


@transaction.atomic
def mark_held(*, actor: Actor, session: TrainingSession) -> TrainingSession:
    """The session took place: from its last day on."""
    require(actor, Verb.PLAN_TRAINING, beneficiary_id=session.beneficiary_id)
    _visible_session(actor, session)
    check_session_move(session, State.HELD)
    if session.ends_on > timezone.localdate():
        raise ValidationError(
            _("The session ends on %(date)s: it can be marked held from that day.")
            % {"date": session.ends_on.isoformat()}
        )
    _move(actor, session, State.HELD)
    # Nominations nobody confirmed lapse: those people did not take part.
    for enrolment in session.enrolments.filter(
        state__in=[EnrolmentState.NOMINATED, EnrolmentState.WAITLISTED]
    ).select_related("staff_member"):
        _set_state(actor, enrolment, EnrolmentState.WITHDRAWN, _("The session took place."))
    return session


@transaction.atomic
def cancel_session(*, actor: Actor, session: TrainingSession, reason: str) -> TrainingSession:
    """Cancel a session before it is held; everyone holding or waiting for a place is withdrawn
    and told."""
    require(actor, Verb.PLAN_TRAINING, beneficiary_id=session.beneficiary_id)
    _visible_session(actor, session)
    reason = required_reason(reason, _("Say why the session is cancelled."))
    check_session_move(session, State.CANCELLED)
    _move(actor, session, State.CANCELLED, reason)
    told = []
    for enrolment in session.enrolments.filter(state__in=Enrolment.ACTIVE).select_related(
        "staff_member"
    ):
        _set_state(actor, enrolment, EnrolmentState.WITHDRAWN, reason)
        told.append(enrolment.pk)
    _refresh_joint(session)
    notifications.tell(notifications.Event.CANCELLED, told)
    return session


# Nominations ----------------------------------------------------------------------------------


@dataclass
class NominationResult:
    """Who was nominated, and who was not, each with the reason."""

    nominated: list[StaffMember] = field(default_factory=list)
    refused: list[tuple[StaffMember, str]] = field(default_factory=list)


def _require_nominating(actor: Actor, session: TrainingSession) -> None:
    require(actor, Verb.NOMINATE, beneficiary_id=session.beneficiary_id)
    _visible_session(actor, session)
    if session.state != State.OPEN:
        raise ValidationError(
            _("Nominations are taken while a session is open; this one is “%(state)s”.")
            % {"state": State(session.state).label}
        )


@transaction.atomic
def nominate(
    *, actor: Actor, session: TrainingSession, staff_members: Iterable[StaffMember]
) -> NominationResult:
    """Put people forward for a session. Everyone named must be within the actor's sight (404
    otherwise); those who cannot take part are not nominated, each with the reason: not
    invited, no longer in post, already holding a place, a prerequisite missing, or another
    session on the same day. Set-based: a few queries for any number of people."""
    _require_nominating(actor, session)
    people = {member.pk: member for member in staff_members}
    if not people:
        return NominationResult()
    visible = StaffMember.objects.visible_to(actor).filter(pk__in=list(people))
    if visible.count() != len(people):
        raise Http404
    members = list(visible.select_related("institution").order_by("sort_name", "pk"))
    invited = set(selectors.invited_institutions(session).values_list("pk", flat=True))
    existing = {
        e.staff_member_id: e for e in session.enrolments.filter(staff_member_id__in=list(people))
    }
    unprepared = selectors.missing_prerequisites(session.module, people)
    clashing = selectors.clashes(session, people)
    result = NominationResult()
    for member in members:
        reason = _why_not(session, member, invited, existing, unprepared, clashing)
        if reason:
            result.refused.append((member, reason))
        else:
            result.nominated.append(member)
    again = [existing[m.pk] for m in result.nominated if m.pk in existing]
    nominator = actor.get_username()
    for enrolment in again:
        _set_state(actor, enrolment, EnrolmentState.NOMINATED, _("Nominated again"))
        # Places go in nomination order: nominated again, they queue behind those nominated
        # while they were out.
        enrolment.nominated_at, enrolment.nominated_by = timezone.now(), nominator
        enrolment.save(update_fields=["nominated_at", "nominated_by"])
    fresh = [m for m in result.nominated if m.pk not in existing]
    Enrolment.objects.bulk_create(
        Enrolment(session=session, staff_member=m, nominated_by=nominator) for m in fresh
    )
    created = Enrolment.objects.filter(session=session, staff_member__in=fresh)
    record_created(actor=actor, created=created, message=_("Nominated"))
    notifications.tell(
        notifications.Event.NOMINATED,
        session.enrolments.filter(staff_member__in=result.nominated).values_list("pk", flat=True),
    )
    return result


def _why_not(
    session: TrainingSession,
    member: StaffMember,
    invited: set[int],
    existing: dict[int, Enrolment],
    unprepared: set[int],
    clashing: dict[int, TrainingSession],
) -> str:
    if not member.active:
        return _("no longer in post")
    if member.beneficiary_id != session.beneficiary_id or member.institution_id not in invited:
        return _("their institution is not invited to this session")
    enrolment = existing.get(member.pk)
    if enrolment is not None and enrolment.state != EnrolmentState.WITHDRAWN:
        return _("already “%(state)s” in this session") % {
            "state": EnrolmentState(enrolment.state).label
        }
    if member.pk in unprepared:
        names = ", ".join(str(m) for m in session.module.prerequisites_any_of.all())
        return _("has not completed a prerequisite (one of: %(modules)s)") % {"modules": names}
    other = clashing.get(member.pk)
    if other is not None:
        return _("already in %(session)s on one of the same days") % {"session": str(other)}
    return ""


@transaction.atomic
def nominate_by_rule(
    *, actor: Actor, session: TrainingSession, rule: selectors.NominationRule
) -> NominationResult:
    """Nominate everyone the rule selects within the actor's sight (see
    `selectors.candidates`)."""
    _require_nominating(actor, session)
    chosen = selectors.candidates(session, rule, visible=StaffMember.objects.visible_to(actor))
    return nominate(actor=actor, session=session, staff_members=list(chosen))


def _set_state(actor: Actor, enrolment: Enrolment, target: str, message: str = "") -> None:
    _set_states(actor, [enrolment], target, message)


def _set_states(
    actor: Actor, enrolments: Sequence[Enrolment], target: str, message: str = ""
) -> None:
    """Move these enrolments to `target`, every move checked first, in one UPDATE and one
    audit INSERT whatever their number."""
    for enrolment in enrolments:
        check_enrolment_move(enrolment, target)
    if not enrolments:
        return
    # Whose place it is goes on the row, so the person's trail (right of access, retention)
    # finds it like every other event about them.
    changes = []
    for enrolment in enrolments:
        person = {"staff_member_id": enrolment.staff_member_id, "session_id": enrolment.session_id}
        changes.append(
            (enrolment, {**person, "state": enrolment.state}, {**person, "state": target})
        )
        enrolment.state = target
    Enrolment.objects.filter(pk__in=[e.pk for e in enrolments]).update(state=target)
    record_many(actor=actor, action=AuditEvent.Action.UPDATE, changes=changes, message=message)


def _free_places(session: TrainingSession) -> int:
    return session.capacity - selectors.places_taken(session)


@transaction.atomic
def confirm(
    *, actor: Actor, session: TrainingSession, enrolments: Sequence[Enrolment] | None = None
) -> tuple[list[Enrolment], list[Enrolment]]:
    """Give places to nominations, in the order they were made: confirmed while places last,
    waitlisted after; people already waiting come first (they were nominated earlier) and keep
    waiting when no place is free. Without `enrolments`, every open nomination; someone named
    who cannot be given a place (withdrawn, already confirmed) is refused by name. Returns
    (confirmed, newly waitlisted)."""
    require(actor, Verb.PLAN_TRAINING, beneficiary_id=session.beneficiary_id)
    _visible_session(actor, session)
    if session.state not in (State.PLANNED, State.OPEN):
        raise ValidationError(_("Places are given before the session is held."))
    pending = session.enrolments.filter(
        state__in=[EnrolmentState.NOMINATED, EnrolmentState.WAITLISTED]
    )
    if enrolments is not None:
        named = session.enrolments.filter(pk__in=[e.pk for e in enrolments])
        for enrolment in named.select_related("staff_member"):
            check_enrolment_move(enrolment, EnrolmentState.CONFIRMED)
        pending = named
    free = _free_places(session)
    confirmed, waitlisted = [], []
    for enrolment in pending.select_related("staff_member").order_by("nominated_at", "pk"):
        if free > 0:
            _set_state(actor, enrolment, EnrolmentState.CONFIRMED)
            confirmed.append(enrolment)
            free -= 1
        elif enrolment.state == EnrolmentState.NOMINATED:
            _set_state(actor, enrolment, EnrolmentState.WAITLISTED)
            waitlisted.append(enrolment)
    _refresh_joint(session)
    notifications.tell(notifications.Event.CONFIRMED, [e.pk for e in confirmed])
    notifications.tell(notifications.Event.WAITLISTED, [e.pk for e in waitlisted])
    return confirmed, waitlisted


def _may_act_for(actor: Actor, enrolment: Enrolment) -> None:
    """Withdrawing: planners for their administration, managers for their own people, anyone
    for themselves."""
    member = enrolment.staff_member
    if getattr(actor, "staff_member_id", None) == member.pk:
        return
    require(actor, Verb.NOMINATE, beneficiary_id=member.beneficiary_id)
    if not StaffMember.objects.visible_to(actor).filter(pk=member.pk).exists():
        raise Http404


@transaction.atomic
def withdraw(*, actor: Actor, enrolment: Enrolment, reason: str = "") -> Enrolment | None:
    """Take a person out of a session before it is held. When they held a place, the first
    person on the waitlist gets it (and is told); returns that enrolment, if any."""
    session = enrolment.session
    _may_act_for(actor, enrolment)
    if session.state not in (State.PLANNED, State.OPEN):
        raise ValidationError(_("People are withdrawn before the session is held."))
    held_place = enrolment.state == EnrolmentState.CONFIRMED
    _set_state(actor, enrolment, EnrolmentState.WITHDRAWN, clean_text(reason))
    promoted = None
    if held_place and _free_places(session) > 0:
        promoted = (
            session.enrolments.filter(state=EnrolmentState.WAITLISTED)
            .select_related("staff_member")
            .order_by("nominated_at", "pk")
            .first()
        )
        if promoted is not None:
            _set_state(actor, promoted, EnrolmentState.CONFIRMED, _("A place became free."))
            notifications.tell(notifications.Event.CONFIRMED, [promoted.pk])
    _refresh_joint(session)
    notifications.tell(notifications.Event.WITHDRAWN, [enrolment.pk])
    return promoted


def _refresh_joint(session: TrainingSession) -> None:
    """A session is joint when the people taking part come from both the prison and the
    probation service."""
    kinds = (
        session.enrolments.filter(state__in=Enrolment.PARTICIPATING)
        .values("staff_member__institution__service__kind")
        .distinct()
        .count()
    )
    joint = kinds >= 2
    if joint != session.is_joint:
        session.is_joint = joint
        session.save(update_fields=["is_joint"])


# The register ---------------------------------------------------------------------------------


def require_register(actor: Actor, session: TrainingSession) -> None:
    require(actor, Verb.RECORD_ATTENDANCE, beneficiary_id=session.beneficiary_id)
    _visible_session(actor, session)
    if (
        getattr(actor, "role", "") == Role.TRAINER
        and not session.trainers.filter(pk=actor.staff_member_id or 0).exists()
    ):
        raise Http404


@transaction.atomic
def record_attendance(*, actor: Actor, day: SessionDay, present: Iterable[int]) -> list[Attendance]:
    """The register of one day: everyone with a place is present if named in `present` (staff
    member ids), absent otherwise. Recorded from the day itself until the session closes."""
    session = day.session
    require_register(actor, session)
    if session.state not in (State.OPEN, State.HELD):
        raise ValidationError(_("Attendance is recorded while a session is open or held."))
    if day.date > timezone.localdate():
        raise ValidationError(_("Attendance for %(date)s can be recorded from that day.")
                              % {"date": day.date.isoformat()})  # fmt: skip
    enrolments = list(
        session.enrolments.filter(state=EnrolmentState.CONFIRMED).select_related("staff_member")
    )
    wanted = set(present)
    unknown = wanted - {e.staff_member_id for e in enrolments}
    if unknown:
        raise ValidationError(_("Only people with a confirmed place can be marked present."))
    stored = {a.enrolment_id: a for a in Attendance.objects.filter(day=day)}
    rows = []
    for enrolment in enrolments:
        row = stored.get(enrolment.pk) or Attendance(enrolment=enrolment, day=day)
        was = None if row.pk is None else row.present
        row.present = enrolment.staff_member_id in wanted
        if was != row.present:
            row.save()
            # Named by person, like every other event about them (see `_set_state`).
            facts = {"staff_member_id": enrolment.staff_member_id, "day": day.date.isoformat()}
            record(
                actor=actor,
                action=AuditEvent.Action.UPDATE if was is not None else AuditEvent.Action.CREATE,
                obj=row,
                before=None if was is None else {**facts, "present": was},
                after={**facts, "present": row.present},
            )
        rows.append(row)
    return rows


# Closing --------------------------------------------------------------------------------------


def attended_enough(session: TrainingSession) -> set[int]:
    """Enrolment ids of the confirmed people present for at least the module's threshold of
    the session's time."""
    total = session.days.aggregate(total=Sum("minutes"))["total"] or 0
    if not total:
        return set()
    present = (
        Attendance.objects.filter(day__session=session, present=True)
        .values("enrolment_id")
        .annotate(minutes=Sum("day__minutes"))
    )
    threshold = session.module.attendance_threshold
    return {row["enrolment_id"] for row in present if 100 * row["minutes"] >= threshold * total}


@transaction.atomic
def close_session(*, actor: Actor, session: TrainingSession) -> list[Enrolment]:
    """Close a held session: those who attended enough get the module's evidence, dated on the
    last day, through the evidence action (compliance follows); the others are recorded as not
    attending. All or nothing. Returns the enrolments that attended."""
    require(actor, Verb.PLAN_TRAINING, beneficiary_id=session.beneficiary_id)
    _visible_session(actor, session)
    check_session_move(session, State.CLOSED)
    enough = attended_enough(session)
    confirmed = list(
        session.enrolments.filter(state=EnrolmentState.CONFIRMED).select_related("staff_member")
    )
    attended = [e for e in confirmed if e.pk in enough]
    _set_states(actor, attended, EnrolmentState.ATTENDED)
    _set_states(actor, [e for e in confirmed if e.pk not in enough], EnrolmentState.NO_SHOW)
    completions = training.record_module_completions(
        actor=actor, module=session.module, completed_on=session.ends_on,
        staff_members=[e.staff_member for e in attended],
    )  # fmt: skip
    by_person: dict[int, list[int]] = {}
    for pk, staff_id in completions.values_list("pk", "staff_member_id"):
        by_person.setdefault(staff_id, []).append(pk)
    for enrolment in attended:
        enrolment.completion_ids = sorted(by_person.get(enrolment.staff_member_id, []))
    Enrolment.objects.bulk_update(attended, ["completion_ids"])
    _move(actor, session, State.CLOSED)
    _refresh_joint(session)
    changes.report(changes.Change(sessions=frozenset({session.pk}), actor=actor))
    notifications.tell(notifications.Event.CLOSED, [e.pk for e in confirmed])
    return attended


@transaction.atomic
def reopen_session(*, actor: Actor, session: TrainingSession, reason: str) -> TrainingSession:
    """Reopen a closed session (a national administrator, with a reason): the evidence closing
    created is voided through the evidence action and everyone goes back to confirmed, so the
    register can be corrected and the session closed again."""
    require(actor, Verb.REOPEN_SESSION, beneficiary_id=session.beneficiary_id)
    _visible_session(actor, session)
    reason = required_reason(reason, _("Say why the session is reopened."))
    check_session_move(session, State.HELD)
    taken_part = list(
        session.enrolments.filter(
            state__in=[EnrolmentState.ATTENDED, EnrolmentState.NO_SHOW]
        ).select_related("staff_member")
    )
    completion_ids = [pk for e in taken_part for pk in e.completion_ids]
    training.void_completions(actor=actor, completion_ids=completion_ids, reason=reason)
    _set_states(actor, taken_part, EnrolmentState.CONFIRMED, reason)
    for enrolment in taken_part:
        enrolment.completion_ids = []
    Enrolment.objects.bulk_update(taken_part, ["completion_ids"])
    _move(actor, session, State.HELD, reason)
    changes.report(changes.Change(sessions=frozenset({session.pk}), actor=actor))
    # No-shows are confirmed again: they count as taking part once more.
    _refresh_joint(session)
    return session


# The trainer pool -----------------------------------------------------------------------------


@transaction.atomic
def authorise_trainer(
    *,
    actor: Actor,
    staff_member: StaffMember,
    module: Module,
    granted_on: datetime.date,
    reason: str,
    valid_until: datetime.date | None = None,
) -> TrainerAuthorisation:
    """Let someone train a module without the training-of-trainers evidence, saying why."""
    require(actor, Verb.PLAN_TRAINING, beneficiary_id=staff_member.beneficiary_id)
    ensure_visible(staff_member, actor)
    authorisation = TrainerAuthorisation(
        staff_member=staff_member, module=module, granted_on=granted_on,
        valid_until=valid_until, reason=clean_text(reason),
    )  # fmt: skip
    write(actor=actor, obj=authorisation)
    return authorisation


@transaction.atomic
def withdraw_authorisation(
    *, actor: Actor, authorisation: TrainerAuthorisation, ends_on: datetime.date, reason: str
) -> TrainerAuthorisation:
    """An authorisation stops from `ends_on`; the record stays, like all evidence."""
    require(actor, Verb.PLAN_TRAINING, beneficiary_id=authorisation.staff_member.beneficiary_id)
    reason = required_reason(reason, _("Say why the authorisation ends."))
    if ends_on <= authorisation.granted_on:
        raise ValidationError({"ends_on": _("An authorisation ends after it was granted.")})
    authorisation.valid_until = ends_on
    write(actor=actor, obj=authorisation, message=reason)
    return authorisation
