"""The rules of a training plan, as plain Python over plain data: which modules close each
person's gaps, how the people needing a module are grouped into sessions (by town, joint
prison–probation sessions where the module allows it, split to the capacity), and when each
session can run within its trainers' availability.

Nothing here touches the database: `needs.plans` reads the figures and the pool, this module
decides. Every step iterates in a stated order, so the same inputs give the same plan.
Greedy throughout; docs/training-plan.md says why no solver is needed.
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

PRISON = "prison"
PROBATION = "probation"
JOINT = "joint"


@dataclass(frozen=True)
class ModuleSpec:
    """A module as the plan sees it: what it confers, how long it takes, whether it was designed
    for joint prison and probation delivery, and how deep in the prerequisite chain it sits
    (modules that others require come first in the calendar)."""

    id: int
    code: str
    hours: int
    joint: bool
    confers: Mapping[int, int]  # area id → rank conferred
    depth: int = 0

    def covers(self, area_id: int, rank: int) -> bool:
        return self.confers.get(area_id, 0) >= rank


@dataclass(frozen=True)
class Place:
    """An institution: its name, its town (the city, or its own name when none is recorded),
    and its service (prison or probation)."""

    id: int
    name: str
    town: str
    service: str


@dataclass(frozen=True)
class NeedGroup:
    """`people` of one institution and primary category who share the same unmet needs: for
    each area, the highest rank a lapsing requirement asks of them."""

    institution_id: int
    category_id: int
    needs: tuple[tuple[int, int], ...]  # (area id, rank), sorted
    people: int


@dataclass(frozen=True)
class Seats:
    """Places in a session for people of one institution and primary category."""

    institution_id: int
    category_id: int
    count: int


@dataclass
class Session:
    """A proposed session: one module, for the people of one town (one service, or both when
    joint), its places, and (once scheduled) its first day, days and trainer."""

    module: ModuleSpec
    town: str
    service: str  # PRISON, PROBATION or JOINT
    seats: tuple[Seats, ...]
    index: int  # 1-based, within the town's sessions of the module
    of: int  # how many sessions the town's group needs
    unit_seats: tuple[Seats, ...]  # the whole group's people, for the explanation
    days: tuple[datetime.date, ...] = ()
    trainer_id: int | None = None

    @property
    def capacity(self) -> int:
        return sum(s.count for s in self.seats)

    @property
    def scheduled(self) -> bool:
        return bool(self.days)

    @property
    def key(self) -> str:
        """Stable identity within a plan: module, town, service, index."""
        return f"{self.module.code}|{self.town}|{self.service}|{self.index}"


@dataclass(frozen=True)
class Rules:
    """The planner's parameters."""

    start: datetime.date
    end: datetime.date
    capacity: int = 20
    per_trainer_month: int = 2
    hours_per_day: int = 8


@dataclass
class Pool:
    """Trainers who may deliver each module (in a stable order), the days each is already
    delivering, and how many sessions each already starts in each month."""

    trainers: Mapping[int, Sequence[int]]  # module id → trainer ids
    busy: dict[int, set[datetime.date]] = field(default_factory=dict)
    monthly: dict[tuple[int, int, int], int] = field(default_factory=dict)  # (trainer, y, m)


# 1. Which modules close a group's needs -------------------------------------------------------


def cover(
    needs: Iterable[tuple[int, int]],
    modules: Sequence[ModuleSpec],
    preferred: frozenset[int] = frozenset(),
) -> tuple[int, ...]:
    """The modules (ids) that together meet `needs`, chosen greedily: each time the module
    meeting most of the needs still open; on a tie, one of `preferred` (a joint module the
    other service of the town takes), then the shorter, then the lower code. Needs no module
    meets are left out."""
    open_needs = set(needs)
    chosen: list[int] = []
    ranked = sorted(modules, key=lambda m: (m.id not in preferred, m.hours, m.code))
    while open_needs:
        best, best_met = None, 0
        for module in ranked:
            met = sum(1 for area, rank in open_needs if module.covers(area, rank))
            if met > best_met:
                best, best_met = module, met
        if best is None:
            break
        chosen.append(best.id)
        open_needs = {(a, r) for a, r in open_needs if not best.covers(a, r)}
    return tuple(chosen)


def covers_by_group(
    groups: Sequence[NeedGroup], modules: Sequence[ModuleSpec], places: Mapping[int, Place]
) -> list[tuple[NeedGroup, tuple[int, ...]]]:
    """Each group with the modules that meet its needs. Twice: first each group on its own;
    then, where two modules would serve a group equally, the joint module the other service of
    the same town was given first, so that both services can share its sessions."""
    memo: dict[tuple[tuple[tuple[int, int], ...], frozenset[int]], tuple[int, ...]] = {}

    def cached(needs: tuple[tuple[int, int], ...], preferred: frozenset[int]) -> tuple[int, ...]:
        if (needs, preferred) not in memo:
            memo[(needs, preferred)] = cover(needs, modules, preferred)
        return memo[(needs, preferred)]

    joint = frozenset(m.id for m in modules if m.joint)
    first: dict[tuple[str, str], set[int]] = defaultdict(set)  # (town, service) → modules
    for group in groups:
        place = places[group.institution_id]
        first[(place.town, place.service)] |= set(cached(group.needs, frozenset()))
    # The prison service leans towards what probation takes, then probation towards what the
    # prison service now takes: in this order, two services with equal choices cannot swap.
    chosen: dict[int, tuple[int, ...]] = {}
    second: dict[str, set[int]] = defaultdict(set)  # town → modules the prison service takes
    for service, other in ((PRISON, PROBATION), (PROBATION, PRISON)):
        for n, group in enumerate(groups):
            place = places[group.institution_id]
            if place.service != service:
                continue
            lean = first[(place.town, other)] if service == PRISON else second[place.town]
            chosen[n] = cached(group.needs, joint & frozenset(lean))
            if service == PRISON:
                second[place.town] |= set(chosen[n])
    return [
        (group, chosen.get(n, cached(group.needs, frozenset()))) for n, group in enumerate(groups)
    ]


def demand_by_module(
    covered: Iterable[tuple[NeedGroup, tuple[int, ...]]],
) -> dict[int, dict[tuple[int, int], int]]:
    """For each module: the people who need it, per (institution, primary category)."""
    demand: dict[int, dict[tuple[int, int], int]] = defaultdict(lambda: defaultdict(int))
    for group, chosen in covered:
        for module_id in chosen:
            demand[module_id][(group.institution_id, group.category_id)] += group.people
    return {module: dict(per) for module, per in demand.items()}


# 2. Grouping by town, joint where allowed, split to the capacity ------------------------------


def sizes(people: int, capacity: int) -> list[int]:
    """`people` split into the fewest sessions of at most `capacity`, as even as can be."""
    count = math.ceil(people / capacity)
    base, extra = divmod(people, count)
    return [base + 1] * extra + [base] * (count - extra)


def _interleave(
    by_service: Mapping[str, list[tuple[int, int, int]]],
) -> list[tuple[int, int]]:
    """One seat per person, each service's seats spread evenly along the line (so that cutting
    the line into sessions gives each session its share of both services)."""
    line: list[tuple[float, str, int, int]] = []
    for service, items in sorted(by_service.items()):
        total = sum(count for _i, _c, count in items)
        position = 0
        for institution, category, count in items:
            for _ in range(count):
                line.append(((position + 0.5) / total, service, institution, category))
                position += 1
    line.sort(key=lambda seat: (seat[0], seat[1]))
    return [(institution, category) for _key, _service, institution, category in line]


def _runs(line: Sequence[tuple[int, int]]) -> tuple[Seats, ...]:
    counts: dict[tuple[int, int], int] = defaultdict(int)
    for seat in line:
        counts[seat] += 1
    return tuple(Seats(i, c, n) for (i, c), n in counts.items())


def group_sessions(
    module: ModuleSpec,
    demand: Mapping[tuple[int, int], int],
    places: Mapping[int, Place],
    category_order: Mapping[int, int],
    capacity: int,
) -> list[Session]:
    """The sessions of `module` that seat everyone in `demand`: one group per town and service,
    both services of a town together when the module is designed for joint delivery and both
    need it; each group split into even sessions of at most `capacity`."""
    units: dict[tuple[str, str], dict[str, list[tuple[int, int, int]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    ordered = sorted(
        demand.items(),
        key=lambda item: (
            places[item[0][0]].town,
            places[item[0][0]].service,
            places[item[0][0]].name,
            item[0][0],
            category_order.get(item[0][1], 0),
            item[0][1],
        ),
    )
    services_in_town: dict[str, set[str]] = defaultdict(set)
    for (institution, _category), count in ordered:
        if count:
            services_in_town[places[institution].town].add(places[institution].service)
    for (institution, category), count in ordered:
        if not count:
            continue
        place = places[institution]
        joint = module.joint and services_in_town[place.town] >= {PRISON, PROBATION}
        unit = (place.town, JOINT if joint else place.service)
        units[unit][place.service].append((institution, category, count))
    sessions: list[Session] = []
    for (town, service), by_service in sorted(units.items()):
        line = _interleave(by_service)
        whole = _runs(line)
        parts = sizes(len(line), capacity)
        start = 0
        for index, size in enumerate(parts, start=1):
            seats = _runs(line[start : start + size])
            start += size
            sessions.append(
                Session(module, town, service, seats, index, len(parts), unit_seats=whole)
            )
    return sessions


# 3. Scheduling within the trainers' availability ----------------------------------------------


def working_days(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    days = (end - start).days + 1
    every = (start + datetime.timedelta(days=n) for n in range(max(0, days)))
    return [day for day in every if day.weekday() < 5]


def days_needed(module: ModuleSpec, hours_per_day: int) -> int:
    return max(1, math.ceil(module.hours / hours_per_day))


def schedule(sessions: Sequence[Session], pool: Pool, rules: Rules) -> None:
    """Give each session, in order, the earliest run of consecutive working days in the period
    when a trainer of the module's pool is free on every day and starts fewer than
    `per_trainer_month` sessions that month (ties: the trainer with fewer sessions in this
    plan, then the pool's order). A session no trainer can take stays unscheduled; so do the
    later sessions of that module needing as many days (they could not fit either)."""
    calendar = working_days(rules.start, rules.end)
    busy = {trainer: set(days) for trainer, days in pool.busy.items()}
    monthly = dict(pool.monthly)
    load: dict[int, int] = defaultdict(int)
    full: set[tuple[int, int]] = set()  # (module, days) that found no slot
    # Where each trainer's earliest free run of `length` days may start: constraints only
    # tighten as sessions are placed, so it never moves back, and each trainer's calendar is
    # walked once per length, not once per session.
    earliest: dict[tuple[int, int], int] = defaultdict(int)
    for session in sessions:
        length = days_needed(session.module, rules.hours_per_day)
        trainers = pool.trainers.get(session.module.id, ())
        if (session.module.id, length) in full or not trainers:
            continue
        best: tuple[int, int, int, int] | None = None  # (start index, load, order, trainer)
        for order, trainer in enumerate(trainers):
            taken = busy.get(trainer, set())
            first = earliest[(trainer, length)]
            while first <= len(calendar) - length:
                if best is not None and first > best[0]:
                    break
                run = calendar[first : first + length]
                month = (trainer, run[0].year, run[0].month)
                if monthly.get(month, 0) < rules.per_trainer_month and not any(
                    day in taken for day in run
                ):
                    candidate = (first, load[trainer], order, trainer)
                    if best is None or candidate < best:
                        best = candidate
                    break
                first += 1
                earliest[(trainer, length)] = first
        if best is None:
            full.add((session.module.id, length))
            continue
        first, _load, _order, trainer = best
        session.days = tuple(calendar[first : first + length])
        session.trainer_id = trainer
        busy[trainer] = busy.get(trainer, set()) | set(session.days)
        key = (trainer, session.days[0].year, session.days[0].month)
        monthly[key] = monthly.get(key, 0) + 1
        load[trainer] += 1


def plan_sessions(
    demand: Mapping[int, Mapping[tuple[int, int], int]],
    modules: Sequence[ModuleSpec],
    places: Mapping[int, Place],
    category_order: Mapping[int, int],
    pool: Pool,
    rules: Rules,
) -> list[Session]:
    """Group, split and schedule the demand: modules that others require first, then by code;
    within a module the largest groups first, then by town."""
    sessions: list[Session] = []
    for module in sorted(modules, key=lambda m: (m.depth, m.code)):
        if module.id not in demand:
            continue
        found = group_sessions(module, demand[module.id], places, category_order, rules.capacity)
        found.sort(key=lambda s: (-sum(x.count for x in s.unit_seats), s.town, s.service, s.index))
        sessions.extend(found)
    schedule(sessions, pool, rules)
    return sessions


def propose_sessions(
    groups: Sequence[NeedGroup],
    modules: Sequence[ModuleSpec],
    places: Mapping[int, Place],
    category_order: Mapping[int, int],
    pool: Pool,
    rules: Rules,
) -> list[Session]:
    """The whole plan: covers, then `plan_sessions`."""
    demand = demand_by_module(covers_by_group(groups, modules, places))
    return plan_sessions(demand, modules, places, category_order, pool, rules)
