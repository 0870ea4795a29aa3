"""The demo region's training delivery: the past sessions behind the evidence the history wrote
(source "session"), and each administration's sessions of the next eight weeks.

Past sessions group the completions of one module on one day by where the people work: an
institution, the probation service as a whole (its offices are small), or the whole
administration for modules designed for joint prison and probation delivery (those sessions are
joint). Trainers come from the administration's trainer pool as `delivery.selectors.trainer_pool`
defines it; where the pool is empty on the day, someone holding the trainer role delivers it under
a recorded authorisation, as the product would ask. Written in bulk, like the rest of the demo.
"""

from __future__ import annotations

import bisect
import datetime
import math
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from django.db.models import QuerySet

from matrica.delivery.models import (
    Attendance,
    Enrolment,
    SessionDay,
    TrainerAuthorisation,
    TrainingSession,
)
from matrica.delivery.selectors import TRAINER_AREA, TRAINER_MIN_RANK
from matrica.demo.bulk import insert_rows, json_text
from matrica.framework.models import Module
from matrica.staff.models import StaffMember, StaffRole
from matrica.tenancy.models import Beneficiary, Institution, Service
from matrica.training.models import Completion

BATCH = 5000
# The largest group one session takes; larger groups of a day are split into several sessions.
MAX_GROUP = 24
# How far back past sessions go, by scale (None: the whole history). Grouping millions of
# completions at the large scale is what limits it (docs/performance.md).
HISTORY_MONTHS: dict[str, int | None] = {"small": None, "medium": 12, "large": 12}
UPCOMING_WEEKS = 8
DEMO_NOMINATOR = "demo"
AUTHORISATION_REASON = (
    "Delivered this module in the institution's cascade before the training-of-trainers "
    "evidence was recorded; authorised by the training manager."
)
START_AT = datetime.time(9, 0)
State = TrainingSession.State
EnrolmentState = Enrolment.State


def _days(end: datetime.date, count: int) -> list[datetime.date]:
    """`count` working days ending on `end` (consecutive days when `end` is a weekend)."""
    if end.weekday() >= 5:
        return [end - datetime.timedelta(days=n) for n in range(count - 1, -1, -1)]
    days: list[datetime.date] = []
    day = end
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day -= datetime.timedelta(days=1)
    return sorted(days)


def _forward_days(start: datetime.date, count: int) -> list[datetime.date]:
    days: list[datetime.date] = []
    day = start
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


def day_count(module: Module) -> int:
    return min(3, max(1, math.ceil(module.hours / 8)))


def day_end(module: Module) -> datetime.time:
    hours = min(8, max(2, math.ceil(module.hours / day_count(module))))
    return datetime.time(START_AT.hour + hours, 0)


@dataclass
class PlannedSession:
    """A session to write, with its days, people and trainers (ids)."""

    session: TrainingSession
    days: list[datetime.date]
    ends_at: datetime.time
    trainers: list[int]
    enrolments: list[tuple[int, str, list[int]]] = field(default_factory=list)
    institutions: list[int] = field(default_factory=list)
    services: list[int] = field(default_factory=list)


class Pool:
    """An administration's trainer pool, read once: who holds training-of-trainers evidence,
    when they took each module, and who holds the trainer role (the fallback, authorised)."""

    def __init__(self, beneficiary: Beneficiary, rng: random.Random):
        self.rng = rng
        people = StaffMember.objects.filter(beneficiary=beneficiary)
        tot = Completion.objects.filter(
            staff_member__in=people, area__code=TRAINER_AREA, level__rank__gte=TRAINER_MIN_RANK
        ).values_list("staff_member_id", "completed_on", "valid_until")
        self.tot: dict[int, list[tuple[datetime.date, datetime.date]]] = defaultdict(list)
        for staff_id, completed_on, valid_until in tot:
            self.tot[staff_id].append((completed_on, valid_until))
        self.in_post = {
            pk: (active, leaving)
            for pk, active, leaving in people.filter(pk__in=list(self.tot)).values_list(
                "pk", "active", "leaving_date"
            )
        }
        self.took: dict[int, list[tuple[datetime.date, int]]] = defaultdict(list)
        for first, staff_id, module_id in (
            Completion.objects.filter(staff_member_id__in=list(self.tot), module__isnull=False)
            .values_list("completed_on", "staff_member_id", "module_id")
            .order_by("completed_on", "staff_member_id")
        ):
            self.took[module_id].append((first, staff_id))
        self.role_holders = list(
            StaffRole.objects.filter(
                staff_member__in=people.filter(active=True), category__code="TRN"
            )
            .order_by("staff_member_id")
            .values_list("staff_member_id", flat=True)
            .distinct()
        )
        self.cache: dict[tuple[int, datetime.date], list[int]] = {}
        # (staff, module) -> the earliest day they train it under an authorisation.
        self.authorised: dict[tuple[int, int], datetime.date] = {}
        # The same by module (staff -> day): a session asks for its own module's only.
        self.authorised_for: dict[int, dict[int, datetime.date]] = defaultdict(dict)

    def members(self, module_id: int, on: datetime.date) -> list[int]:
        """trainer_pool(module, on) for the people with evidence (authorisations aside)."""
        key = (module_id, on)
        if key not in self.cache:
            took = self.took[module_id]
            before = {staff for _day, staff in took[: bisect.bisect_right(took, (on, 1 << 62))]}
            self.cache[key] = sorted(
                staff
                for staff in before
                if self._in_post(staff, on) and any(c <= on < v for c, v in self.tot[staff])
            )
        return self.cache[key]

    def _in_post(self, staff: int, on: datetime.date) -> bool:
        active, leaving = self.in_post[staff]
        return bool(active) or (leaving is not None and leaving >= on)

    def trainers(
        self, module_id: int, on: datetime.date, exclude: set[int], count: int
    ) -> list[int]:
        """`count` trainers for a session on `on`: from the pool, else someone holding the
        trainer role, authorised for the module from that day."""
        pool = [staff for staff in self.members(module_id, on) if staff not in exclude]
        authorised = [
            staff
            for staff, since in self.authorised_for[module_id].items()
            if since <= on and staff not in exclude
        ]
        # The pool is sorted already, and most days nobody is authorised.
        available = sorted(set(pool) | set(authorised)) if authorised else pool
        if available:
            return self.rng.sample(available, min(count, len(available)))
        fallback = [staff for staff in self.role_holders if staff not in exclude]
        if not fallback:
            return []
        chosen = self.rng.choice(fallback)
        since = min(on, self.authorised.get((chosen, module_id), on))
        self.authorised[(chosen, module_id)] = self.authorised_for[module_id][chosen] = since
        return [chosen]


@dataclass(frozen=True)
class Showcase:
    """The people behind an administration's personal log-ins, and the institution its
    manager log-in runs."""

    trainer: StaffMember
    staff: StaffMember
    managed: Institution


class DeliveryWriter:
    """Sessions for one administration."""

    def __init__(
        self,
        beneficiary: Beneficiary,
        *,
        rng: random.Random,
        today: datetime.date,
        modules: dict[str, Module],
        since: datetime.date | None,
    ):
        self.beneficiary = beneficiary
        self.rng = rng
        self.today = today
        self.modules = modules
        self.by_id = {module.pk: module for module in modules.values()}
        self.since = since
        self.institutions = {i.pk: i for i in Institution.objects.filter(beneficiary=beneficiary)}
        self.services = {s.pk: s for s in Service.objects.filter(beneficiary=beneficiary)}
        self.pool = Pool(beneficiary, rng)
        self.planned: list[PlannedSession] = []
        # People already given a part in the upcoming sessions (trainers, participants).
        self.busy: set[int] = set()

    # The past ---------------------------------------------------------------------------------

    def past(self) -> None:
        """Closed sessions for the completions of source "session" (from `since`)."""
        people = dict(
            StaffMember.objects.filter(beneficiary=self.beneficiary).values_list(
                "pk", "institution_id"
            )
        )
        completions = Completion.objects.filter(
            staff_member__beneficiary=self.beneficiary,
            source=Completion.Source.SESSION,
            module__isnull=False,
            completed_on__lte=self.today,
        )
        if self.since:
            completions = completions.filter(completed_on__gte=self.since)
        taken: dict[tuple[int, datetime.date, int], list[int]] = defaultdict(list)
        for pk, staff_id, module_id, on in completions.values_list(
            "pk", "staff_member_id", "module_id", "completed_on"
        ).order_by("completed_on", "staff_member_id", "pk"):
            taken[(module_id, on, staff_id)].append(pk)
        groups: dict[tuple[int, datetime.date, str, int], list[int]] = defaultdict(list)
        for module_id, on, staff_id in taken:
            institution = self.institutions[people[staff_id]]
            if self.by_id[module_id].joint_delivery:
                where = ("administration", self.beneficiary.pk)
            elif institution.kind == Institution.Kind.PROBATION_OFFICE:
                where = ("service", institution.service_id)
            else:
                where = ("institution", institution.pk)
            groups[(module_id, on, *where)].append(staff_id)
        for (module_id, on, scope, scope_id), staff_ids in groups.items():
            for chunk in self._split(staff_ids, people):
                self._past_session(self.by_id[module_id], on, scope, scope_id, chunk, people, taken)

    def _split(self, staff_ids: list[int], people: dict[int, int]) -> list[list[int]]:
        """Groups larger than a session takes, split so that each part mixes both services."""
        if len(staff_ids) <= MAX_GROUP:
            return [staff_ids]
        parts = math.ceil(len(staff_ids) / MAX_GROUP)
        ordered = sorted(staff_ids, key=lambda pk: (self.institutions[people[pk]].service_id, pk))
        return [ordered[n::parts] for n in range(parts)]

    def _past_session(
        self,
        module: Module,
        on: datetime.date,
        scope: str,
        scope_id: int,
        staff_ids: list[int],
        people: dict[int, int],
        taken: dict[tuple[int, datetime.date, int], list[int]],
    ) -> None:
        workplaces = Counter(people[pk] for pk in staff_ids)
        venue = self.institutions[workplaces.most_common(1)[0][0]]
        days = _days(on, day_count(module))
        kinds = {self.institutions[people[pk]].service_id for pk in staff_ids}
        trainers = self.pool.trainers(
            module.pk, days[0], set(staff_ids), 2 if module.hours >= 16 else 1
        )
        session = TrainingSession(
            beneficiary=self.beneficiary, module=module, state=State.CLOSED,
            starts_on=days[0], ends_on=days[-1], venue=f"{venue.city} – {venue.name}",
            capacity=max(len(staff_ids), 12 if len(staff_ids) <= 12 else len(staff_ids) + 2),
            invites_everyone=scope == "administration", is_joint=len(kinds) >= 2,
        )  # fmt: skip
        planned = PlannedSession(session, days, day_end(module), trainers)
        if scope == "institution":
            planned.institutions = [scope_id]
        elif scope == "service":
            planned.services = [scope_id]
        planned.enrolments = [
            (pk, EnrolmentState.ATTENDED, taken[(module.pk, on, pk)]) for pk in staff_ids
        ]
        self.planned.append(planned)

    # The next eight weeks ---------------------------------------------------------------------

    def upcoming(self, showcase: Showcase) -> None:
        """Sessions of the next eight weeks: two delivered by the trainer log-in's person (a
        joint one open to everyone, one in their own institution), one in the managed prison
        with the staff log-in's person confirmed, planned ones, and one cancelled; and one held
        last week with the staff log-in's person present, its post-test still to take."""
        tuesday = self.today + datetime.timedelta(days=(1 - self.today.weekday()) % 7 or 7)
        week = datetime.timedelta(weeks=1)
        active = list(
            StaffMember.objects.filter(beneficiary=self.beneficiary, active=True)
            .order_by("pk")
            .values_list("pk", "institution_id")
        )
        by_institution: dict[int, list[int]] = defaultdict(list)
        for pk, institution_id in active:
            by_institution[institution_id].append(pk)
        trainer, staff, managed = showcase.trainer, showcase.staff, showcase.managed
        busy = self.busy
        busy.update({trainer.pk, staff.pk})
        prisons = sorted(
            (i for i in self.institutions.values() if i.kind == Institution.Kind.PRISON),
            key=lambda i: (-len(by_institution[i.pk]), i.pk),
        )
        services = {s.kind: s.pk for s in self.services.values()}

        def people_of(institution_ids: Iterable[int], count: int) -> list[int]:
            found = [pk for i in institution_ids for pk in by_institution[i] if pk not in busy]
            chosen = self.rng.sample(found, min(count, len(found)))
            busy.update(chosen)
            return chosen

        # 1. Joint, open to everyone, delivered by the trainer log-in: both services nominated.
        prison_ids = [i.pk for i in prisons]
        probation_ids = [
            i.pk for i in self.institutions.values() if i.service_id == services["probation"]
        ]
        joint = self._upcoming(
            "MA", tuesday + week, State.OPEN, [trainer.pk], capacity=16, venue=managed,
            everyone=True,
        )  # fmt: skip
        mixed = people_of(prison_ids, 6) + people_of(probation_ids, 4)
        self._enrol(joint, mixed, confirmed=8, waitlisted=0)
        # 2. In the trainer's own institution (and the managed prison, if theirs is small), full,
        # with a waitlist.
        invited = [trainer.institution_id]
        people = people_of(invited, 14)
        if len(people) < 8 and managed.pk not in invited:
            invited.append(managed.pk)
            people += people_of([managed.pk], 14 - len(people))
        places = min(10, len(people) - 2)
        own = self._upcoming(
            "IN", tuesday + 3 * week, State.OPEN, [trainer.pk], capacity=places,
            venue=self.institutions[trainer.institution_id], institutions=invited,
        )  # fmt: skip
        self._enrol(own, people, confirmed=places, waitlisted=2)
        # 3. In the managed prison, with the staff log-in's person confirmed.
        rights = self._upcoming(
            "HR", tuesday + 2 * week, State.OPEN, None, capacity=20, venue=managed,
            institutions=[managed.pk], exclude={staff.pk},
        )  # fmt: skip
        self._enrol(rights, [staff.pk, *people_of([managed.pk], 11)], confirmed=7, waitlisted=0)
        # 4, 5. Planned, no nominations yet: a prison's and a joint one for both services.
        largest = prisons[0] if prisons else managed
        self._upcoming(
            "FL", tuesday + 5 * week, State.PLANNED, None, capacity=20, venue=largest,
            institutions=[largest.pk],
        )  # fmt: skip
        self._upcoming(
            "RI", tuesday + 6 * week, State.PLANNED, None, capacity=18, venue=managed,
            services=sorted(services.values()),
        )  # fmt: skip
        # 6. Cancelled, its people withdrawn.
        cancelled = self._upcoming(
            "RE", tuesday + 4 * week, State.CANCELLED, None, capacity=15, venue=managed,
            institutions=[managed.pk],
            notes="Cancelled: the training room is being refurbished; to be planned again.",
        )  # fmt: skip
        cancelled.enrolments = [
            (pk, EnrolmentState.WITHDRAWN, []) for pk in people_of([managed.pk], 5)
        ]
        # 7. Held last week in the managed prison, everyone present: the staff log-in's person
        # has still to take the post-test and give feedback before the session is closed.
        held = self._upcoming(
            "BA", tuesday - 2 * week, State.HELD, None, capacity=12, venue=managed,
            institutions=[managed.pk], exclude={staff.pk},
        )  # fmt: skip
        self._enrol(held, [staff.pk, *people_of([managed.pk], 9)], confirmed=10, waitlisted=0)

    def _upcoming(
        self,
        code: str,
        start: datetime.date,
        state: str,
        trainers: list[int] | None,
        *,
        capacity: int,
        venue: Institution,
        everyone: bool = False,
        institutions: Sequence[int] = (),
        services: Sequence[int] = (),
        exclude: set[int] | None = None,
        notes: str = "",
    ) -> PlannedSession:
        module = self.modules[code]
        days = _forward_days(start, day_count(module))
        if trainers is None:
            trainers = self.pool.trainers(module.pk, days[0], self.busy | (exclude or set()), 1)
        self.busy.update(trainers)
        session = TrainingSession(
            beneficiary=self.beneficiary, module=module, state=state, starts_on=days[0],
            ends_on=days[-1], venue=f"{venue.city} – {venue.name}", capacity=capacity,
            invites_everyone=everyone, notes=notes,
        )  # fmt: skip
        planned = PlannedSession(
            session, days, day_end(module), trainers, institutions=list(institutions),
            services=list(services),
        )  # fmt: skip
        self.planned.append(planned)
        return planned

    def _enrol(
        self, planned: PlannedSession, staff_ids: list[int], *, confirmed: int, waitlisted: int
    ) -> None:
        """The first `confirmed` people confirmed, the next `waitlisted` waitlisted (only when
        the session is full), the rest nominated."""
        rows: list[tuple[int, str, list[int]]] = []
        for n, pk in enumerate(staff_ids):
            if n < confirmed:
                state = EnrolmentState.CONFIRMED
            elif n < confirmed + waitlisted and confirmed >= planned.session.capacity:
                state = EnrolmentState.WAITLISTED
            else:
                state = EnrolmentState.NOMINATED
            rows.append((pk, state, []))
        planned.enrolments = rows
        participating = [pk for pk, state, _ids in rows if state == EnrolmentState.CONFIRMED]
        services = set(
            StaffMember.objects.filter(pk__in=participating)
            .values_list("institution__service_id", flat=True)
            .distinct()
        )
        planned.session.is_joint = len(services) >= 2

    # Writing ----------------------------------------------------------------------------------

    def write(self) -> int:
        """Everything planned, in bulk; returns the number of sessions."""
        sessions = TrainingSession.objects.bulk_create(
            [p.session for p in self.planned], batch_size=BATCH
        )
        days = SessionDay.objects.bulk_create(
            [
                SessionDay.of(p.session, day, START_AT, p.ends_at)
                for p in self.planned
                for day in p.days
            ],
            batch_size=BATCH,
        )
        days_of: dict[int, list[SessionDay]] = defaultdict(list)
        for day in days:
            days_of[day.session_id].append(day)
        Trainers = TrainingSession.trainers.through
        Invited = TrainingSession.invited_institutions.through
        InvitedServices = TrainingSession.invited_services.through
        insert_rows(
            Trainers, ("trainingsession", "staffmember"),
            [(p.session.pk, t) for p in self.planned for t in p.trainers],
        )  # fmt: skip
        insert_rows(
            Invited, ("trainingsession", "institution"),
            [(p.session.pk, i) for p in self.planned for i in p.institutions],
        )  # fmt: skip
        insert_rows(
            InvitedServices, ("trainingsession", "service"),
            [(p.session.pk, s) for p in self.planned for s in p.services],
        )  # fmt: skip
        insert_rows(
            Enrolment, ("session", "staff_member", "state", "nominated_by", "completion_ids"),
            [
                (p.session.pk, pk, str(state), DEMO_NOMINATOR, json_text(sorted(ids)))
                for p in self.planned
                for pk, state, ids in p.enrolments
            ],
        )  # fmt: skip
        # A person has one enrolment in a session (a constraint): their place finds its id.
        enrolment_ids = {
            (session_id, staff_id): pk
            for pk, session_id, staff_id in Enrolment.objects.filter(
                session__beneficiary=self.beneficiary
            ).values_list("pk", "session_id", "staff_member_id")
        }
        insert_rows(
            Attendance, ("enrolment", "day", "present"),
            (
                (enrolment_ids[(p.session.pk, pk)], day.pk, True)
                for p in self.planned
                for pk, state, _ids in p.enrolments
                if state == EnrolmentState.ATTENDED
                or (p.session.state == State.HELD and state == EnrolmentState.CONFIRMED)
                for day in days_of[p.session.pk]
            ),
        )  # fmt: skip
        TrainerAuthorisation.objects.bulk_create(
            [
                TrainerAuthorisation(
                    staff_member_id=staff_id,
                    module_id=module_id,
                    granted_on=since - datetime.timedelta(days=14),
                    reason=AUTHORISATION_REASON,
                )
                for (staff_id, module_id), since in sorted(self.pool.authorised.items())
            ],
            batch_size=BATCH,
        )
        return len(sessions)


def build_delivery(
    showcases: dict[int, Showcase],
    *,
    scale: str,
    rng: random.Random,
    today: datetime.date,
) -> int:
    """Past and upcoming sessions for every demo administration; returns how many sessions."""
    months = HISTORY_MONTHS[scale]
    since = today - relativedelta(months=months) if months else None
    modules = {m.code: m for m in Module.objects.filter(beneficiary__isnull=True)}
    written = 0
    for beneficiary in Beneficiary.objects.filter(is_demo=True).order_by("code"):
        writer = DeliveryWriter(beneficiary, rng=rng, today=today, modules=modules, since=since)
        writer.past()
        writer.upcoming(showcases[beneficiary.pk])
        written += writer.write()
    return written


def wipe_delivery(demo: QuerySet[Beneficiary]) -> None:
    """Remove the demo's sessions and authorisations, children first."""
    sessions = TrainingSession.objects.filter(beneficiary__in=demo)
    Attendance.objects.filter(day__session__in=sessions).delete()
    Enrolment.objects.filter(session__in=sessions).delete()
    SessionDay.objects.filter(session__in=sessions).delete()
    TrainingSession.trainers.through.objects.filter(trainingsession__in=sessions).delete()
    TrainingSession.invited_institutions.through.objects.filter(
        trainingsession__in=sessions
    ).delete()
    TrainingSession.invited_services.through.objects.filter(trainingsession__in=sessions).delete()
    sessions.delete()
    TrainerAuthorisation.objects.filter(staff_member__beneficiary__in=demo).delete()
