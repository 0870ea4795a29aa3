"""The training plan proposal for one administration and period: the sessions that would
close its people's gaps, each explained in words, scheduled within the trainer pool's
availability, with the expected effect on the compliance figures of the cells concerned.

Reads only: `needs.plan_demand` fetches who needs what, `needs.plan_rules` decides, this
module gathers the modules, places and pool around them and words the result. Accepting a
plan (`needs.actions.accept_plan`) writes through the delivery actions.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from matrica.compliance.models import CellCount
from matrica.compliance.services import snapshot_date
from matrica.compliance.status import Status
from matrica.delivery.models import SessionDay, TrainingSession
from matrica.delivery.selectors import trainer_pool
from matrica.framework.models import CompetencyArea, Module, StaffCategory
from matrica.needs import plan_demand
from matrica.needs.plan_rules import (
    JOINT,
    ModuleSpec,
    Place,
    Pool,
    Rules,
    Seats,
    Session,
    covers_by_group,
    demand_by_module,
    plan_sessions,
)
from matrica.staff.models import StaffMember
from matrica.tenancy.models import Beneficiary, Institution
from matrica.tenancy.permissions import Verb, require

DEFAULT_MONTHS = 6
DEFAULT_CAPACITY = 20
DEFAULT_PER_TRAINER_MONTH = 2
MAX_MONTHS = 12
MAX_CAPACITY = 200
DAY_STARTS = datetime.time(9)


@dataclass(frozen=True)
class PlanRequest:
    """What the manager asks for: an administration, a period, the places per session, how
    many sessions a trainer delivers a month at most, and optionally one module."""

    beneficiary: Beneficiary
    start: datetime.date
    months: int = DEFAULT_MONTHS
    capacity: int = DEFAULT_CAPACITY
    per_trainer_month: int = DEFAULT_PER_TRAINER_MONTH
    module_code: str = ""

    @property
    def end(self) -> datetime.date:
        return self.start + relativedelta(months=self.months) - datetime.timedelta(days=1)

    def query(self) -> dict[str, str]:
        return {
            "start": self.start.isoformat(),
            "months": str(self.months),
            "capacity": str(self.capacity),
            "per_trainer_month": str(self.per_trainer_month),
            "module": self.module_code,
        }


@dataclass
class ProposedSession:
    """A session of the proposal with everything a page, the timeline and acceptance need."""

    key: str
    module: Module
    town: str
    service: str
    joint: bool
    capacity: int
    seats: list[tuple[Institution, StaffCategory, int]]
    host: Institution
    days: tuple[datetime.date, ...]
    trainer: StaffMember | None
    why: str
    daily_hours: int

    @property
    def starts_on(self) -> datetime.date | None:
        return self.days[0] if self.days else None

    @property
    def ends_on(self) -> datetime.date | None:
        return self.days[-1] if self.days else None

    @property
    def ends_at(self) -> datetime.time:
        return datetime.time(DAY_STARTS.hour + self.daily_hours)

    @property
    def invited(self) -> list[Institution]:
        seen: dict[int, Institution] = {}
        for institution, _category, _count in self.seats:
            seen.setdefault(institution.pk, institution)
        return list(seen.values())


@dataclass(frozen=True)
class CellEffect:
    """One matrix cell the plan reaches: how many of its people hold the required level today,
    at the end of the period without the plan, and with it (every seat attended)."""

    area: CompetencyArea
    category: StaffCategory
    people: int
    now: int
    without_plan: int
    with_plan: int

    @staticmethod
    def percent(part: int, whole: int) -> float | None:
        return 100.0 * part / whole if whole else None

    @property
    def now_percent(self) -> float | None:
        return self.percent(self.now, self.people)

    @property
    def without_percent(self) -> float | None:
        return self.percent(self.without_plan, self.people)

    @property
    def with_percent(self) -> float | None:
        return self.percent(self.with_plan, self.people)


@dataclass
class Proposal:
    request: PlanRequest
    as_of: datetime.date | None
    sessions: list[ProposedSession] = field(default_factory=list)
    effects: list[CellEffect] = field(default_factory=list)
    people: int = 0

    @property
    def scheduled(self) -> list[ProposedSession]:
        return [s for s in self.sessions if s.days]

    @property
    def unscheduled(self) -> list[ProposedSession]:
        return [s for s in self.sessions if not s.days]

    @property
    def seats(self) -> int:
        return sum(s.capacity for s in self.sessions)

    @property
    def fingerprint(self) -> str:
        """What the manager saw: the same inputs give the same fingerprint, so acceptance can
        tell that the figures moved in between."""
        shape = [
            [s.key, s.capacity, [d.isoformat() for d in s.days], s.trainer.pk if s.trainer else 0,
             [[i.pk, c.pk, n] for i, c, n in s.seats]]
            for s in self.sessions
        ]  # fmt: skip
        payload = json.dumps([self.request.query(), str(self.as_of), shape])
        return hashlib.sha256(payload.encode()).hexdigest()[:32]


# Inputs ---------------------------------------------------------------------------------------


def _modules(beneficiary: Beneficiary, user: Any) -> tuple[list[Module], list[ModuleSpec]]:
    modules = list(
        Module.objects.visible_to(user)
        .filter(Q(beneficiary__isnull=True) | Q(beneficiary=beneficiary))
        .prefetch_related("conferrals__level", "prerequisites_any_of")
        .order_by("code")
    )
    requires = {m.pk: [p.pk for p in m.prerequisites_any_of.all()] for m in modules}

    def depth(module_id: int, seen: frozenset[int] = frozenset()) -> int:
        before = [p for p in requires.get(module_id, []) if p in requires and p not in seen]
        return 1 + max((depth(p, seen | {module_id}) for p in before), default=-1)

    specs = [
        ModuleSpec(
            id=m.pk,
            code=m.code,
            hours=m.hours,
            joint=m.joint_delivery,
            confers={c.area_id: c.level.rank for c in m.conferrals.all()},
            depth=depth(m.pk),
        )
        for m in modules
    ]
    return modules, specs


def _places(beneficiary: Beneficiary) -> dict[int, Institution]:
    return {
        i.pk: i
        for i in Institution.objects.filter(beneficiary=beneficiary)
        .select_related("service")
        .order_by("name", "pk")
    }


def town_of(institution: Institution) -> str:
    return institution.city.strip() or institution.name


def _pool(
    beneficiary: Beneficiary, modules: list[Module], request: PlanRequest
) -> tuple[Pool, dict[int, StaffMember]]:
    """The trainers of each module's pool on the first day of the period, in name order, the
    days they already deliver in the period and the sessions they already start each month.
    One query per module needing sessions, two for the calendar."""
    trainers: dict[int, list[int]] = {}
    people: dict[int, StaffMember] = {}
    for module in modules:
        found = list(
            trainer_pool(module, request.start)
            .filter(beneficiary=beneficiary)
            .order_by("sort_name", "pk")
        )
        trainers[module.pk] = [p.pk for p in found]
        people |= {p.pk: p for p in found}
    pool = Pool(trainers=trainers)
    ids = list(people)
    live = ~Q(session__state=TrainingSession.State.CANCELLED)
    for trainer, day in (
        SessionDay.objects.filter(live, session__trainers__in=ids)
        .filter(date__range=(request.start, request.end))
        .values_list("session__trainers", "date")
    ):
        pool.busy.setdefault(trainer, set()).add(day)
    for trainer, first in (
        TrainingSession.objects.filter(
            trainers__in=ids, starts_on__range=(request.start, request.end)
        )
        .exclude(state=TrainingSession.State.CANCELLED)
        .values_list("trainers", "starts_on")
    ):
        key = (trainer, first.year, first.month)
        pool.monthly[key] = pool.monthly.get(key, 0) + 1
    return pool, people


# Words ----------------------------------------------------------------------------------------


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


# Literal calls, so that the messages are extracted for translation.
PLURALS: dict[str, Callable[[int], str]] = {
    "needs": lambda n: ngettext(
        "%(people)s lacks %(module)s or loses it by %(end)s",
        "%(people)s lack %(module)s or lose it by %(end)s",
        n,
    ),
    "joint": lambda n: ngettext(
        "one joint prison and probation session in %(town)s",
        "%(count)s joint prison and probation sessions in %(town)s",
        n,
    ),
    "sessions": lambda n: ngettext("one session in %(town)s", "%(count)s sessions in %(town)s", n),
}


class Wording:
    """The words of the explanations: each group's people phrased once, however many sessions
    share it (a large administration's plan holds thousands of sessions)."""

    def __init__(
        self,
        places: dict[int, Institution],
        categories: dict[int, StaffCategory],
        end: datetime.date,
    ) -> None:
        self.places = places
        self.titles = {pk: _lower_first(c.local_title) for pk, c in categories.items()}
        self.end = end.isoformat()
        self.item = _("%(count)s %(category)s at %(institution)s")
        self.pair = _("%(list)s and %(last)s")
        self.part = _("(this one: %(index)s of %(count)s, %(places)s places)")
        self.cache: dict[tuple[Seats, ...], str] = {}
        self.plurals: dict[tuple[str, int], str] = {}

    def plural(self, kind: str, number: int) -> str:
        """The sentence for `number`, translated once per number."""
        if (kind, number) not in self.plurals:
            self.plurals[(kind, number)] = PLURALS[kind](number)
        return self.plurals[(kind, number)]

    def people(self, seats: tuple[Seats, ...]) -> str:
        if seats not in self.cache:
            parts = [
                self.item
                % {
                    "count": s.count,
                    "category": self.titles[s.category_id],
                    "institution": self.places[s.institution_id].name,
                }
                for s in seats
            ]
            self.cache[seats] = (
                parts[0]
                if len(parts) == 1
                else self.pair % {"list": ", ".join(parts[:-1]), "last": parts[-1]}
            )
        return self.cache[seats]

    def explain(self, session: Session) -> str:
        """Why the session is proposed, in words: who needs the module, and how the town's
        group was cut into sessions."""
        total = sum(s.count for s in session.unit_seats)
        needs = self.plural("needs", total) % {
            "people": self.people(session.unit_seats), "module": session.module.code,
            "end": self.end,
        }  # fmt: skip
        kind = "joint" if session.service == JOINT else "sessions"
        how = self.plural(kind, session.of) % {"count": session.of, "town": session.town}
        if session.of > 1:
            how += " " + self.part % {
                "index": session.index, "count": session.of, "places": session.capacity,
            }  # fmt: skip
        return f"{needs}: {how}."


# The proposal ---------------------------------------------------------------------------------


def propose(*, user: Any, request: PlanRequest) -> Proposal:
    """The proposal for `request`, deterministic for the same data and parameters."""
    beneficiary = request.beneficiary
    require(user, Verb.PLAN_TRAINING, beneficiary_id=beneficiary.pk)
    as_of = snapshot_date()
    proposal = Proposal(request=request, as_of=as_of)
    if as_of is None:
        return proposal
    modules, specs = _modules(beneficiary, user)
    groups, cells = plan_demand.need_groups(beneficiary.pk, request.end, timezone.localdate())
    proposal.people = sum(g.people for g in groups)
    places = _places(beneficiary)
    categories = {c.pk: c for c in StaffCategory.objects.order_by("order", "code")}
    category_order = {pk: n for n, pk in enumerate(categories)}
    spec_places = {pk: Place(pk, i.name, town_of(i), i.service.kind) for pk, i in places.items()}
    groups = [g for g in groups if g.institution_id in places]
    covered = covers_by_group(groups, specs, spec_places)
    demand = demand_by_module(covered)
    needed = [m for m in modules if m.pk in demand]
    pool, trainers = _pool(beneficiary, needed, request)
    rules = Rules(
        start=request.start,
        end=request.end,
        capacity=request.capacity,
        per_trainer_month=request.per_trainer_month,
    )
    sessions = plan_sessions(demand, specs, spec_places, category_order, pool, rules)
    by_id = {m.pk: m for m in modules}
    wording = Wording(places, categories, request.end)
    shown = [s for s in sessions if not request.module_code or s.module.code == request.module_code]
    for session in shown:
        seats = [
            (places[s.institution_id], categories[s.category_id], s.count) for s in session.seats
        ]
        host = max(session.seats, key=lambda s: (s.count, -s.institution_id)).institution_id
        length = max(1, math.ceil(session.module.hours / rules.hours_per_day))
        proposal.sessions.append(
            ProposedSession(
                key=session.key,
                module=by_id[session.module.id],
                town=session.town,
                service=session.service,
                joint=session.service == JOINT,
                capacity=session.capacity,
                seats=seats,
                host=places[host],
                days=session.days,
                trainer=trainers.get(session.trainer_id) if session.trainer_id else None,
                why=wording.explain(session),
                daily_hours=max(1, math.ceil(session.module.hours / length)),
            )
        )
    chosen = {(g.institution_id, g.category_id, g.needs): modules_ for g, modules_ in covered}
    proposal.effects = effects(beneficiary, cells, shown, specs, demand, chosen, categories)
    return proposal


def effects(
    beneficiary: Beneficiary,
    cells: list[plan_demand.CellNeed],
    sessions: list[Session],
    specs: list[ModuleSpec],
    demand: dict[int, dict[tuple[int, int], int]],
    chosen: dict[tuple[int, int, tuple[tuple[int, int], ...]], tuple[int, ...]],
    categories: dict[int, StaffCategory],
) -> list[CellEffect]:
    """For every cell the sessions reach: the share holding the required level today (the
    snapshot), at the end of the period without the plan (those lapsing by then lost), and with
    it, every seat attended. Where a group of people gets fewer places than it has people (a
    session not scheduled, or only one module shown), the gain is pro rata."""
    placed: dict[tuple[int, int, int], int] = defaultdict(int)  # (module, inst, cat) → seats
    for session in sessions:
        if not session.days:
            continue
        for s in session.seats:
            placed[(session.module.id, s.institution_id, s.category_id)] += s.count
    if not placed:
        return []
    spec_by_id = {s.id: s for s in specs}
    gain: dict[tuple[int, int], float] = defaultdict(float)
    lapsing: dict[tuple[int, int], int] = defaultdict(int)
    for cell in cells:
        key = (cell.area_id, cell.cell_category_id)
        lapsing[key] += cell.lapsing
        rank = dict(cell.needs)[cell.area_id]
        for module_id in chosen.get((cell.institution_id, cell.category_id, cell.needs), ()):
            if not spec_by_id[module_id].covers(cell.area_id, rank):
                continue
            group = (module_id, cell.institution_id, cell.category_id)
            wanted = demand.get(module_id, {}).get(group[1:], 0)
            if wanted and placed.get(group):
                gain[key] += (cell.lacking + cell.lapsing) * min(1.0, placed[group] / wanted)
            break
    reached = [key for key, value in gain.items() if value > 0]
    if not reached:
        return []
    totals = _cell_totals(beneficiary)
    areas = {a.pk: a for a in CompetencyArea.objects.filter(pk__in={a for a, _c in reached})}
    result = []
    for area_id, category_id in reached:
        row = totals.get((area_id, category_id))
        if row is None:
            continue
        people, held = row
        without = held - lapsing[(area_id, category_id)]
        result.append(
            CellEffect(
                area=areas[area_id],
                category=categories[category_id],
                people=people,
                now=held,
                without_plan=without,
                with_plan=min(people, without + round(gain[(area_id, category_id)])),
            )
        )
    result.sort(key=lambda e: (e.area.order, e.area.code, e.category.order, e.category.code))
    return result


def _cell_totals(beneficiary: Beneficiary) -> dict[tuple[int, int], tuple[int, int]]:
    """People and those holding the required level, per cell, over the administration."""
    rows = (
        CellCount.objects.filter(beneficiary=beneficiary)
        .values("area_id", "category_id")
        .annotate(
            people_sum=Sum("people"),
            current_sum=Sum(Status.CURRENT.value),
            expiring_sum=Sum(Status.EXPIRING.value),
        )
        .order_by()
    )
    return {
        (r["area_id"], r["category_id"]): (
            int(r["people_sum"]),
            int(r["current_sum"]) + int(r["expiring_sum"]),
        )
        for r in rows
    }
