"""Reads for the module and trainer-pool pages: who may train a module today and why, and what a
trainer delivered year by year. Each is a fixed number of set-based queries, whatever the size
of the pool or the number of years."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.db.models.functions import ExtractYear

from matrica.delivery.models import Enrolment, SessionDay, TrainerAuthorisation, TrainingSession
from matrica.delivery.selectors import TRAINER_AREA, TRAINER_MIN_RANK, trainer_pool
from matrica.framework.models import Module
from matrica.staff.models import StaffMember
from matrica.training.models import Completion

TAKEN_PLACE = [TrainingSession.State.HELD, TrainingSession.State.CLOSED]


@dataclass
class PoolTrainer:
    """A person who may train the module on the day, and why: training-of-trainers evidence
    (with the module taken themselves) valid until a date, and/or authorisations."""

    person: StaffMember
    trained_until: datetime.date | None = None
    authorisations: list[TrainerAuthorisation] = field(default_factory=list)


def visible_pool(module: Module, on: datetime.date, user: Any) -> QuerySet[StaffMember]:
    """`trainer_pool(module, on)` among the people `user` may see, in name order."""
    return (
        trainer_pool(module, on)
        .filter(pk__in=StaffMember.objects.visible_to(user).values("pk"))
        .select_related("institution")
        .order_by("sort_name", "pk")
    )


def pool_with_reasons(
    module: Module, on: datetime.date, user: Any, people: Sequence[StaffMember] | None = None
) -> list[PoolTrainer]:
    """These people of the pool (by default all of `visible_pool`), each with the reasons they
    are in it. Three queries besides the people's."""
    people = list(visible_pool(module, on, user) if people is None else people)
    ids = [person.pk for person in people]
    if not ids:
        return []
    took_module = Completion.objects.filter(
        staff_member_id__in=ids, module=module, completed_on__lte=on
    ).values("staff_member_id")
    trained = dict(
        Completion.objects.filter(
            staff_member_id__in=ids,
            area__code=TRAINER_AREA,
            level__rank__gte=TRAINER_MIN_RANK,
            completed_on__lte=on,
            valid_until__gt=on,
        )
        .filter(staff_member_id__in=took_module)
        .order_by()
        .values("staff_member_id")
        .annotate(until=Max("valid_until"))
        .values_list("staff_member_id", "until")
    )
    authorised: dict[int, list[TrainerAuthorisation]] = defaultdict(list)
    for authorisation in current_authorisations(module, on, user).filter(staff_member_id__in=ids):
        authorised[authorisation.staff_member_id].append(authorisation)
    return [
        PoolTrainer(person, trained.get(person.pk), authorised.get(person.pk, []))
        for person in people
    ]


def current_authorisations(
    module: Module, on: datetime.date, user: Any
) -> QuerySet[TrainerAuthorisation]:
    """The authorisations to train `module` in force on `on`, among those `user` may see."""
    return (
        TrainerAuthorisation.objects.visible_to(user)
        .filter(
            Q(valid_until__isnull=True) | Q(valid_until__gt=on),
            module=module,
            granted_on__lte=on,
        )
        .order_by("granted_on", "pk")
    )


@dataclass(frozen=True)
class TrainerYear:
    year: int
    sessions: int
    hours: int
    participants: int


def trainer_years(staff_member: StaffMember) -> list[TrainerYear]:
    """A trainer's sessions, hours and participants for every year they delivered a session
    that was held or closed, latest first: three grouped queries, whatever the years."""
    sessions = staff_member.sessions_delivered.filter(state__in=TAKEN_PLACE)
    per_year = dict(
        sessions.annotate(year=ExtractYear("starts_on"))
        .order_by()
        .values("year")
        .annotate(count=Count("pk", distinct=True))
        .values_list("year", "count")
    )
    minutes = dict(
        SessionDay.objects.filter(session__in=sessions.values("pk"))
        .annotate(year=ExtractYear("session__starts_on"))
        .order_by()
        .values("year")
        .annotate(total=Sum("minutes"))
        .values_list("year", "total")
    )
    participants = dict(
        Enrolment.objects.filter(session__in=sessions.values("pk"), state=Enrolment.State.ATTENDED)
        .annotate(year=ExtractYear("session__starts_on"))
        .order_by()
        .values("year")
        .annotate(count=Count("pk"))
        .values_list("year", "count")
    )
    return [
        TrainerYear(
            year=year,
            sessions=count,
            hours=(minutes.get(year) or 0) // 60,
            participants=participants.get(year, 0),
        )
        for year, count in sorted(per_year.items(), reverse=True)
    ]


def sessions_delivered(staff_member: StaffMember, user: Any) -> QuerySet[TrainingSession]:
    """The sessions the trainer delivers (or delivered) that `user` may see, latest first."""
    return (
        TrainingSession.objects.visible_to(user)
        .filter(
            pk__in=TrainingSession.trainers.through.objects.filter(
                staffmember_id=staff_member.pk
            ).values("trainingsession_id")
        )
        .select_related("module")
        .order_by("-starts_on", "-pk")
    )
