"""Reads for training delivery: the trainer pool, the candidates a nomination rule selects,
clashes, the calendar and the joint-session figures. Every read starts from `visible_to`; every
selection of people is one set-based query, whatever the size of the administration."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.functions import ExtractYear
from django.utils import timezone

from matrica.compliance.models import RequirementStatus
from matrica.compliance.status import Status
from matrica.delivery.models import (
    Enrolment,
    SessionDay,
    TrainerAuthorisation,
    TrainingSession,
    open_to_institution,
)
from matrica.framework.models import Conferral, Module, StaffCategory
from matrica.staff.models import StaffMember, StaffRole
from matrica.tenancy.models import Institution, Service
from matrica.training.models import Completion

# The area of the matrix that training-of-trainers evidence is recorded in.
TRAINER_AREA = "TOT"
# The least level of that evidence a pool trainer holds: practitioner.
TRAINER_MIN_RANK = 2


def trainer_pool(module: Module, on: datetime.date) -> QuerySet[StaffMember]:
    """Who may train `module` on `on`: people in post holding valid training-of-trainers
    evidence who completed the module themselves (cascade training), or holding a recorded
    authorisation for it valid on that date. Unscoped: callers narrow it with `visible_to`.

    Driven by the few training-of-trainers completions, each probed for the module, rather than
    by every person of the administration (80 000 in Türkiye: 110 → 40 ms)."""
    trained_trainers = Completion.objects.filter(
        Exists(
            Completion.objects.filter(
                staff_member=OuterRef("staff_member"), module=module, completed_on__lte=on
            )
        ),
        area__code=TRAINER_AREA,
        level__rank__gte=TRAINER_MIN_RANK,
        completed_on__lte=on,
        valid_until__gt=on,
    )
    authorised = TrainerAuthorisation.objects.filter(
        Q(valid_until__isnull=True) | Q(valid_until__gt=on), module=module, granted_on__lte=on
    )
    people = StaffMember.objects.filter(Q(active=True) | Q(leaving_date__gte=on))
    if module.beneficiary_id is not None:
        people = people.filter(beneficiary_id=module.beneficiary_id)
    return people.filter(
        Q(pk__in=trained_trainers.values("staff_member_id"))
        | Q(pk__in=authorised.values("staff_member_id"))
    )


def in_pool(module: Module, on: datetime.date, staff_ids: Iterable[int]) -> set[int]:
    return set(trainer_pool(module, on).filter(pk__in=list(staff_ids)).values_list("pk", flat=True))


@dataclass(frozen=True)
class NominationRule:
    """Whom to put forward: people of an institution (or the whole administration) in a
    category, whose standing in the areas the module confers is missing, expired, overdue or
    expiring within `within_days`."""

    institution_id: int | None = None
    category_id: int | None = None
    within_days: int = 90
    statuses: frozenset[str] = field(
        default_factory=lambda: frozenset({Status.MISSING, Status.EXPIRED, Status.OVERDUE})
    )


def candidates(
    session: TrainingSession, rule: NominationRule, *, visible: QuerySet[StaffMember]
) -> QuerySet[StaffMember]:
    """The people `rule` selects for `session`, among `visible` (the actor's scope), invited to
    the session, and not already holding or waiting for a place in it. A person qualifies when a
    requirement the module can satisfy (an area it confers, at or below the level it confers)
    stands in one of the rule's statuses, or runs out within the rule's window. One query."""
    horizon = timezone.localdate() + datetime.timedelta(days=rule.within_days)
    satisfiable = Q()
    for area_id, rank in Conferral.objects.filter(module_id=session.module_id).values_list(
        "area_id", "level__rank"
    ):
        satisfiable |= Q(area_id=area_id, required_rank__lte=rank)
    if not satisfiable:
        return visible.none()
    lapsing = Q(status__in=sorted(rule.statuses)) | Q(
        status__in=[Status.CURRENT, Status.EXPIRING], valid_until__lte=horizon
    )
    statuses = RequirementStatus.objects.filter(
        satisfiable, lapsing, beneficiary_id=session.beneficiary_id
    )
    if rule.institution_id:
        statuses = statuses.filter(institution_id=rule.institution_id)
    people = visible
    if (
        rule.category_id
        and not StaffCategory.objects.filter(pk=rule.category_id, applies_to_all=True).exists()
    ):
        # The people in the category (primary, or a role held today), whichever of their
        # categories asks for the area: basic awareness is asked of all staff, not of
        # front-line officers as such.
        roles = StaffRole.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=timezone.localdate()),
            category_id=rule.category_id,
            start_date__lte=timezone.localdate(),
        )
        people = people.filter(
            Q(primary_category_id=rule.category_id) | Q(pk__in=roles.values("staff_member_id"))
        )
    already = Enrolment.objects.filter(session=session, state__in=Enrolment.ACTIVE)
    return (
        people.filter(
            active=True,
            beneficiary_id=session.beneficiary_id,
            institution_id__in=invited_institutions(session),
            pk__in=statuses.values("staff_member_id"),
        )
        .exclude(pk__in=already.values("staff_member_id"))
        .order_by("sort_name", "pk")
    )


def invited_institutions(session: TrainingSession) -> QuerySet[Any, dict[str, Any]]:
    """The institutions whose people may be nominated to `session` (ids, as a subquery)."""
    institutions = Institution.objects.filter(beneficiary_id=session.beneficiary_id)
    if session.invites_everyone:
        return institutions.values("pk")
    return institutions.filter(
        Q(pk__in=session.invited_institutions.values("pk"))
        | Q(service__in=session.invited_services.values("pk"))
    ).values("pk")


def clashes(session: TrainingSession, staff_ids: Iterable[int]) -> dict[int, TrainingSession]:
    """For each of these people already holding or waiting for a place in another session on
    one of this session's days, that session."""
    days = SessionDay.objects.filter(session=session).values("date")
    others = (
        Enrolment.objects.filter(
            staff_member_id__in=list(staff_ids),
            state__in=Enrolment.ACTIVE,
            session__days__date__in=days,
        )
        .exclude(session=session)
        .exclude(session__state=TrainingSession.State.CANCELLED)
        .select_related("session__module")
        .order_by("session__starts_on")
    )
    found: dict[int, TrainingSession] = {}
    for enrolment in others:
        found.setdefault(enrolment.staff_member_id, enrolment.session)
    return found


def missing_prerequisites(module: Module, staff_ids: Iterable[int]) -> set[int]:
    """Those of these people who completed none of the module's prerequisites (when it has
    any: completing any one of them is enough)."""
    ids = set(staff_ids)
    prerequisites = list(module.prerequisites_any_of.values_list("pk", flat=True))
    if not prerequisites or not ids:
        return set()
    holders = Completion.objects.filter(
        staff_member_id__in=ids, module_id__in=prerequisites
    ).values_list("staff_member_id", flat=True)
    return ids - set(holders)


def sessions_for_calendar(
    user: Any,
    start: datetime.date,
    end: datetime.date,
    *,
    institution_id: int | None = None,
    module_id: int | None = None,
    trainer_id: int | None = None,
) -> QuerySet[TrainingSession]:
    """The sessions the user may see with a day between `start` and `end` (inclusive), with what
    a calendar shows of them, in a bounded number of queries."""
    sessions = TrainingSession.objects.visible_to(user).filter(
        starts_on__lte=end, ends_on__gte=start
    )
    if institution_id:
        sessions = sessions.filter(pk__in=open_to_institution(institution_id))
    if module_id:
        sessions = sessions.filter(module_id=module_id)
    if trainer_id:
        sessions = sessions.filter(
            pk__in=TrainingSession.trainers.through.objects.filter(
                staffmember_id=trainer_id
            ).values("trainingsession_id")
        )
    return (
        sessions.select_related("module", "beneficiary")
        .annotate(
            confirmed=Count("enrolments", filter=Q(enrolments__state__in=Enrolment.PARTICIPATING))
        )
        .order_by("starts_on", "pk")
    )


def places_taken(session: TrainingSession) -> int:
    return session.enrolments.filter(state__in=Enrolment.PARTICIPATING).count()


@dataclass(frozen=True)
class JointShare:
    key: Any
    label: str
    sessions: int
    joint: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.joint / self.sessions, 1) if self.sessions else None


def joint_share(user: Any, by: str) -> list[JointShare]:
    """The share of joint sessions among those held or closed, by administration, module or
    year, over the sessions the user may see: counts of sessions, which name nobody."""
    taken_place = TrainingSession.objects.visible_to(user).filter(
        state__in=[TrainingSession.State.HELD, TrainingSession.State.CLOSED]
    )
    key = {
        "administration": "beneficiary__code",
        "module": "module__code",
        "year": "year",
    }[by]
    rows = (
        taken_place.annotate(year=ExtractYear("starts_on"))
        .values(key)
        .annotate(sessions=Count("pk"), joint=Count("pk", filter=Q(is_joint=True)))
        .order_by(key)
    )
    return [
        JointShare(key=row[key], label=str(row[key]), sessions=row["sessions"], joint=row["joint"])
        for row in rows
    ]


def roster(session: TrainingSession) -> QuerySet[Enrolment]:
    """A session's enrolments with the people and their workplaces, in name order."""
    return session.enrolments.select_related(
        "staff_member__institution__service", "staff_member__primary_category"
    ).order_by("staff_member__sort_name", "pk")


def _invites_kind(kind: str) -> Q:
    """Sessions inviting people of one service (prison or probation)."""
    through = TrainingSession.invited_services.through.objects.filter(service__kind=kind)
    by_institution = TrainingSession.invited_institutions.through.objects.filter(
        institution__service__kind=kind
    )
    return (
        Q(invites_everyone=True)
        | Q(pk__in=through.values("trainingsession_id"))
        | Q(pk__in=by_institution.values("trainingsession_id"))
    )


def open_for_nomination(user: Any, **filters: Any) -> QuerySet[TrainingSession]:
    """Sessions taking nominations that the user may see, those open to both the prison and the
    probation service first: when both services' people would fit one session, the joint one is
    offered before separate ones (the working group's "joint training wherever possible")."""
    today = timezone.localdate()
    return (
        sessions_for_calendar(user, today, today + datetime.timedelta(days=366), **filters)
        .filter(state=TrainingSession.State.OPEN, starts_on__gte=today)
        .annotate(
            open_to_both=ExpressionWrapper(
                _invites_kind(Service.Kind.PRISON) & _invites_kind(Service.Kind.PROBATION),
                output_field=BooleanField(),
            )
        )
        .order_by("-open_to_both", "starts_on", "pk")
    )
