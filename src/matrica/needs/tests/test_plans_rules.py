"""The training plan's rules on small hand-checked cases: the modules chosen for a set of needs,
grouping by town, splitting to the capacity, joint sessions where the module allows them, the
trainers' days and monthly limit; the same plan for the same inputs; and, for any inputs, every
place going to someone who needs the module."""

from __future__ import annotations

import datetime
from collections import defaultdict

from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from matrica.needs.plan_rules import (
    JOINT,
    PRISON,
    PROBATION,
    ModuleSpec,
    NeedGroup,
    Place,
    Pool,
    Rules,
    cover,
    propose_sessions,
    sizes,
)

RAD, IDN, REI, MAC = 1, 2, 3, 4
AWARENESS, PRACTITIONER, SPECIALIST = 1, 2, 3
BA = ModuleSpec(1, "BA", 8, False, {RAD: AWARENESS, IDN: AWARENESS})
FL = ModuleSpec(2, "FL", 16, False, {RAD: PRACTITIONER, IDN: PRACTITIONER}, depth=1)
RI = ModuleSpec(3, "RI", 16, True, {REI: SPECIALIST, MAC: PRACTITIONER})
MODULES = [BA, FL, RI]
FLO, PRO = 10, 20
CATEGORIES = {FLO: 0, PRO: 1}
PLACES = {
    1: Place(1, "KPZ Niš", "Niš", PRISON),
    2: Place(2, "Probation Niš", "Niš", PROBATION),
    3: Place(3, "KPZ Sremska Mitrovica", "Sremska Mitrovica", PRISON),
    4: Place(4, "OZ Niš", "Niš", PRISON),
}
MONDAY = datetime.date(2027, 1, 4)
RULES = Rules(start=MONDAY, end=datetime.date(2027, 6, 30), capacity=20, per_trainer_month=2)
TRAINER, OTHER = 100, 101


def pool(*trainers: int, modules=MODULES) -> Pool:
    return Pool(trainers={m.id: list(trainers) for m in modules})


def plan(groups, rules=RULES, trainers=None, modules=MODULES):
    return propose_sessions(
        groups, modules, PLACES, CATEGORIES, trainers or pool(TRAINER, OTHER), rules
    )


def need(institution, category, people, *needs):
    return NeedGroup(institution, category, tuple(sorted(needs)), people)


# Which modules ---------------------------------------------------------------------------------


def test_the_module_meeting_most_needs_is_chosen():
    assert cover([(RAD, PRACTITIONER), (IDN, AWARENESS)], MODULES) == (FL.id,)


def test_the_shorter_module_wins_a_tie():
    assert cover([(RAD, AWARENESS)], MODULES) == (BA.id,)


def test_needs_no_module_meets_are_left_out():
    assert cover([(RAD, SPECIALIST), (REI, SPECIALIST)], MODULES) == (RI.id,)


def test_several_modules_when_one_is_not_enough():
    assert cover([(RAD, PRACTITIONER), (MAC, PRACTITIONER)], MODULES) == (FL.id, RI.id)


# Grouping and capacity ------------------------------------------------------------------------


def test_people_are_grouped_by_town():
    sessions = plan([
        need(1, FLO, 12, (RAD, PRACTITIONER)),
        need(4, FLO, 5, (RAD, PRACTITIONER)),
        need(3, FLO, 7, (RAD, PRACTITIONER)),
    ])  # fmt: skip

    by_town = {s.town: sorted((x.institution_id, x.count) for x in s.seats) for s in sessions}
    assert by_town == {"Niš": [(1, 12), (4, 5)], "Sremska Mitrovica": [(3, 7)]}


def test_a_group_larger_than_the_capacity_is_split_evenly():
    sessions = plan([need(1, FLO, 45, (RAD, PRACTITIONER))])

    assert [s.capacity for s in sessions] == [15, 15, 15]
    assert [(s.index, s.of) for s in sessions] == [(1, 3), (2, 3), (3, 3)]
    assert sizes(41, 20) == [14, 14, 13]


def test_both_services_of_a_town_share_a_joint_session_when_the_module_allows_it():
    sessions = plan([need(1, FLO, 24, (REI, SPECIALIST)), need(2, PRO, 9, (REI, SPECIALIST))])

    assert {s.service for s in sessions} == {JOINT}
    assert [s.capacity for s in sessions] == [17, 16]
    for session in sessions:  # each joint session seats both services
        assert {x.institution_id for x in session.seats} == {1, 2}
    assert sum(x.count for s in sessions for x in s.seats if x.institution_id == 2) == 9


def test_a_module_not_designed_for_joint_delivery_keeps_the_services_apart():
    sessions = plan([need(1, FLO, 6, (RAD, PRACTITIONER)), need(2, PRO, 4, (RAD, PRACTITIONER))])

    assert sorted(s.service for s in sessions) == [PRISON, PROBATION]


def test_one_service_alone_in_a_town_gets_a_session_of_its_own_even_for_a_joint_module():
    sessions = plan([need(3, FLO, 6, (REI, SPECIALIST))])

    assert [s.service for s in sessions] == [PRISON]


def test_the_reason_names_the_whole_group():
    sessions = plan([need(1, FLO, 24, (REI, SPECIALIST)), need(2, PRO, 9, (REI, SPECIALIST))])

    assert all(
        sorted((x.institution_id, x.count) for x in s.unit_seats) == [(1, 24), (2, 9)]
        for s in sessions
    )


# Trainers --------------------------------------------------------------------------------------


def test_sessions_take_the_earliest_days_a_trainer_is_free():
    busy = pool(TRAINER)
    busy.busy[TRAINER] = {MONDAY}
    sessions = plan([need(1, FLO, 5, (RAD, PRACTITIONER))], trainers=busy)

    assert sessions[0].trainer_id == TRAINER
    assert sessions[0].days == (
        MONDAY + datetime.timedelta(days=1),
        MONDAY + datetime.timedelta(days=2),
    )


def test_a_trainer_delivers_no_more_sessions_a_month_than_the_limit():
    sessions = plan([need(1, FLO, 100, (RAD, PRACTITIONER))], trainers=pool(TRAINER))

    per_month: defaultdict[tuple[int | None, int], int] = defaultdict(int)
    for session in sessions:
        per_month[(session.trainer_id, session.days[0].month)] += 1
    assert len(sessions) == 5
    assert max(per_month.values()) == 2
    assert [s.days[0].month for s in sessions] == [1, 1, 2, 2, 3]


def test_a_trainer_never_delivers_two_sessions_on_the_same_day():
    sessions = plan(
        [need(1, FLO, 40, (RAD, PRACTITIONER)), need(3, FLO, 40, (RAD, PRACTITIONER))],
        trainers=pool(TRAINER, OTHER),
    )
    days = defaultdict(list)
    for session in sessions:
        for day in session.days:
            days[(session.trainer_id, day)].append(session.key)
    assert all(len(keys) == 1 for keys in days.values())
    # two trainers: the first two sessions run side by side on the first days
    assert sessions[0].days == sessions[1].days
    assert {sessions[0].trainer_id, sessions[1].trainer_id} == {TRAINER, OTHER}


def test_sessions_already_on_a_trainers_calendar_count_towards_the_monthly_limit():
    full = pool(TRAINER)
    full.monthly[(TRAINER, 2027, 1)] = 2
    sessions = plan([need(1, FLO, 5, (RAD, PRACTITIONER))], trainers=full)

    assert sessions[0].days[0] == datetime.date(2027, 2, 1)


def test_without_a_trainer_a_session_stays_unscheduled():
    sessions = plan([need(1, FLO, 5, (RAD, PRACTITIONER))], trainers=pool(modules=[]))

    assert [s.scheduled for s in sessions] == [False]


def test_a_period_too_short_for_every_session_leaves_the_rest_unscheduled():
    short = Rules(start=MONDAY, end=MONDAY + datetime.timedelta(days=4), per_trainer_month=9)
    sessions = plan([need(1, FLO, 100, (RAD, PRACTITIONER))], rules=short, trainers=pool(TRAINER))

    assert [s.scheduled for s in sessions] == [True, True, False, False, False]


def test_modules_others_require_come_first():
    sessions = plan(
        [need(1, FLO, 5, (RAD, PRACTITIONER)), need(3, FLO, 5, (RAD, AWARENESS))],
        trainers=pool(TRAINER),
    )
    assert [s.module.code for s in sessions] == ["BA", "FL"]
    assert sessions[0].days[0] < sessions[1].days[0]


# Determinism and the seats ---------------------------------------------------------------------


def _shape(sessions):
    return [(s.key, s.seats, s.days, s.trainer_id) for s in sessions]


def test_the_same_inputs_give_the_same_plan_whatever_their_order():
    groups = [
        need(1, FLO, 30, (RAD, PRACTITIONER), (REI, SPECIALIST)),
        need(2, PRO, 12, (REI, SPECIALIST)),
        need(4, FLO, 3, (RAD, AWARENESS)),
        need(3, PRO, 8, (MAC, PRACTITIONER)),
    ]
    first = plan(groups)
    assert _shape(plan(list(reversed(groups)))) == _shape(first)
    assert _shape(plan(groups)) == _shape(first)


needs_strategy = st.lists(
    st.tuples(st.sampled_from([RAD, IDN, REI, MAC]), st.integers(AWARENESS, SPECIALIST)),
    min_size=1, max_size=4, unique_by=lambda n: n[0],
)  # fmt: skip
group_strategy = st.builds(
    need,
    st.sampled_from(sorted(PLACES)),
    st.sampled_from([FLO, PRO]),
    st.integers(1, 60),
).flatmap(
    lambda g: needs_strategy.map(
        lambda n: NeedGroup(g.institution_id, g.category_id, tuple(sorted(n)), g.people)
    )
)


@hypothesis_settings(max_examples=150, deadline=None)
@given(
    groups=st.lists(
        group_strategy, max_size=8, unique_by=lambda g: (g.institution_id, g.category_id, g.needs)
    ),
    capacity=st.integers(1, 30),
)
def test_every_place_goes_to_someone_who_needs_the_module(groups, capacity):
    """Each place of a session of module M, for an institution and category, is matched by a
    distinct person of that institution and category with a need M meets; and nobody who
    needs a module meeting some of their needs is left without a place."""
    rules = Rules(start=MONDAY, end=datetime.date(2027, 6, 30), capacity=capacity)
    sessions = plan(groups, rules=rules)

    seats: defaultdict[tuple[int, int, int], int] = defaultdict(int)
    for session in sessions:
        assert 1 <= session.capacity <= capacity
        for s in session.seats:
            seats[(session.module.id, s.institution_id, s.category_id)] += s.count
    # the people who need each module: a person per group, once per module of their cover
    needing: defaultdict[tuple[int, int, int], int] = defaultdict(int)
    for group in groups:
        for module_id in cover(group.needs, MODULES):
            module = next(m for m in MODULES if m.id == module_id)
            assert any(module.covers(area, rank) for area, rank in group.needs)
            needing[(module_id, group.institution_id, group.category_id)] += group.people
    assert dict(seats) == dict(needing)
