"""The session pages: the calendar, a session, planning and changing one, its moves, and the
joint-session figures; who may reach each, and what each shows."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.shortcuts import resolve_url
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from matrica.delivery import actions
from matrica.delivery.models import TrainingSession
from matrica.testing.factories import StaffMemberFactory, category
from matrica.testing.world import login_as

from .conftest import plan

pytestmark = pytest.mark.django_db

State = TrainingSession.State
ROLES = ["national_admin", "training_manager", "institution_manager", "trainer", "staff"]
WHO = [f"{code}:{role}" for code in ("RS", "ME") for role in ROLES] + ["coordinator", "anonymous"]

# Who reaches what, for a session of Serbia open to the whole administration, delivered by
# Serbia's trainer, in which Serbia's staff member is not enrolled.
SEES_SESSION = {"RS:national_admin", "RS:training_manager", "RS:institution_manager",
                "RS:trainer", "coordinator"}  # fmt: skip
PLANS_SERBIA = {"RS:national_admin", "RS:training_manager"}
PLANNERS = PLANS_SERBIA | {"ME:national_admin", "ME:training_manager"}
DASHBOARD_ROLES = ("national_admin", "training_manager", "institution_manager")
DASHBOARDS = {f"{code}:{role}" for code in ("RS", "ME") for role in DASHBOARD_ROLES}


def expected_for(page: str, who: str) -> int:
    if who == "anonymous":
        return 302
    if page in ("calendar", "calendar_list"):
        return 200
    if page == "joint":
        return 200 if who in DASHBOARDS | {"coordinator"} else 403
    if page == "session":
        return 200 if who in SEES_SESSION else 404
    if page == "plan":
        return 200 if who in PLANNERS else 403
    # Editing and moving a session: 404 out of sight, 403 in sight without the verb.
    if who in PLANS_SERBIA:
        return 302 if page == "open_post" else 200
    return 403 if who in SEES_SESSION else 404


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize(
    "page", ["calendar", "calendar_list", "joint", "session", "plan", "edit", "open_get",
             "open_post"],
)  # fmt: skip
def test_who_reaches_each_session_page(client, world, session, page, who):
    login_as(client, world, who)
    urls = {
        "calendar": reverse("delivery:calendar"),
        "calendar_list": reverse("delivery:calendar") + "?view=list",
        "joint": reverse("delivery:joint"),
        "session": reverse("delivery:session", args=[session.pk]),
        "plan": reverse("delivery:plan"),
        "edit": reverse("delivery:edit", args=[session.pk]),
        "open_get": reverse("delivery:transition", kwargs={"pk": session.pk, "verb": "open"}),
        "open_post": reverse("delivery:transition", kwargs={"pk": session.pk, "verb": "open"}),
    }
    url = urls[page]
    response = client.post(url) if page == "open_post" else client.get(url)
    expected = expected_for(page, who)
    assert response.status_code == expected, (page, who)
    if who == "anonymous":
        assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))
    elif page == "open_post" and expected == 302:
        assert response["Location"] == reverse("delivery:session", args=[session.pk])
        session.refresh_from_db()
        assert session.state == State.OPEN


def test_an_unknown_session_is_absent(client, world):
    client.force_login(world["RS"].users["national_admin"])
    assert client.get(reverse("delivery:session", args=[999_999])).status_code == 404
    url = reverse("delivery:transition", kwargs={"pk": 999_999, "verb": "close"})
    assert client.post(url).status_code == 404


# The calendar ---------------------------------------------------------------------------------


def this_month(day: int) -> datetime.date:
    return timezone.localdate().replace(day=day)


def test_the_month_shows_each_session_with_its_places_state_and_joint_mark(
    client, serbia, basic_awareness, trainer
):
    session = plan(serbia, basic_awareness, trainer, starts_on=this_month(3), days=1, capacity=12)
    manager = serbia.users["training_manager"]
    actions.open_session(actor=manager, session=session)
    probation_officer = StaffMemberFactory.create(
        institution=serbia.probation, primary_category=category("PRO")
    )
    actions.nominate(
        actor=manager, session=session, staff_members=[serbia.people[0], probation_officer]
    )
    actions.confirm(actor=manager, session=session)
    client.force_login(manager)
    response = client.get(reverse("delivery:calendar"))
    page = response.content.decode()
    assert "BA" in page
    assert "2 of 12 places" in page
    assert "Open for nominations" in page
    assert ">Joint<" in page
    assert "Plan a session" in page
    assert reverse("delivery:joint") in page


def test_months_move_back_and_forth_and_a_bad_month_falls_back(client, serbia):
    client.force_login(serbia.users["staff"])
    response = client.get(reverse("delivery:calendar"), {"month": "2026-01"})
    assert response.context["month"] == datetime.date(2026, 1, 1)
    page = response.content.decode()
    assert "month=2025-12" in page
    assert "month=2026-02" in page
    response = client.get(reverse("delivery:calendar"), {"month": "2026-13"})
    assert response.context["month"] == timezone.localdate().replace(day=1)
    assert "is not a month" in response.content.decode()
    assert "Plan a session" not in response.content.decode()


def test_the_calendar_filters_by_module_and_trainer(
    client, serbia, basic_awareness, trainer, framework
):
    from matrica.framework.models import Module

    other_module = Module.objects.exclude(pk=basic_awareness.pk).filter(beneficiary=None)[0]
    plan(serbia, basic_awareness, trainer, starts_on=this_month(5), days=1)
    other = actions.plan_session(
        actor=serbia.users["training_manager"], module=basic_awareness,
        beneficiary_id=serbia.beneficiary.pk, starts_on=this_month(6), ends_on=this_month(6),
        starts_at=datetime.time(9), ends_at=datetime.time(12), capacity=5, venue="Niš",
        invites_everyone=True,
    )  # fmt: skip
    client.force_login(serbia.users["training_manager"])
    url = reverse("delivery:calendar")
    by_trainer = client.get(url, {"view": "list", "trainer": trainer.pk, "month": "x"})
    shown = list(by_trainer.context["upcoming"]) + list(by_trainer.context["recent"])
    assert other not in shown
    by_module = client.get(url, {"module": other_module.pk})
    assert by_module.context["session_count"] == 0
    hostile = client.get(url, {"module": "' OR 1=1", "institution": "-1", "trainer": "x"})
    assert hostile.status_code == 200


def test_htmx_gets_only_the_calendar(client, serbia):
    client.force_login(serbia.users["national_admin"])
    response = client.get(reverse("delivery:calendar"), headers={"HX-Request": "true"})
    assert "<html" not in response.content.decode()
    assert "<table" in response.content.decode()


def plan_many(serbia, module, trainer, count: int) -> None:
    for number in range(count):
        plan(serbia, module, trainer, starts_on=this_month(1 + number % 25), days=2, capacity=5)


@pytest.mark.parametrize("view", ["month", "list"])
def test_calendar_queries_do_not_grow_with_sessions(
    client, serbia, basic_awareness, trainer, view, django_assert_max_num_queries
):
    client.force_login(serbia.users["training_manager"])
    url = reverse("delivery:calendar")
    plan_many(serbia, basic_awareness, trainer, 3)
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"view": view})
    plan_many(serbia, basic_awareness, trainer, 27)
    with django_assert_max_num_queries(len(few)):
        response = client.get(url, {"view": view})
    shown = (
        response.context["session_count"]
        if view == "month"
        else len(response.context["upcoming"]) + len(response.context["recent"])
    )
    assert shown >= 25


# A session ------------------------------------------------------------------------------------


def test_the_session_page_shows_days_place_trainers_and_invitations(client, serbia, session):
    client.force_login(serbia.users["institution_manager"])
    response = client.get(reverse("delivery:session", args=[session.pk]))
    page = response.content.decode()
    assert "09:00–13:00" in page
    assert "Training centre, Niš" in page
    assert "Марко Јовановић" in page  # the trainer
    assert "The whole administration" in page
    assert "0 of 10 taken" in page
    assert page.count("<h1") == 1
    # An institution manager may nominate but neither change nor move the session.
    assert reverse("delivery:edit", args=[session.pk]) not in page
    assert "Open for nominations</button>" not in page


def test_session_page_queries_do_not_grow_with_days(
    client, serbia, basic_awareness, trainer, django_assert_max_num_queries
):
    client.force_login(serbia.users["training_manager"])
    short = plan(serbia, basic_awareness, trainer, days=1)
    with CaptureQueriesContext(connection) as one_day:
        client.get(reverse("delivery:session", args=[short.pk]))
    long = plan(serbia, basic_awareness, trainer, starts_on=this_month(1), days=40)
    with django_assert_max_num_queries(len(one_day)):
        response = client.get(reverse("delivery:session", args=[long.pk]))
    assert response.status_code == 200


def test_the_coordinator_never_sees_a_name(client, world, serbia, session):
    manager = serbia.users["training_manager"]
    actions.open_session(actor=manager, session=session)
    actions.nominate(actor=manager, session=session, staff_members=serbia.people[:2])
    actions.confirm(actor=manager, session=session)
    client.force_login(world.coordinator)
    month = f"{session.starts_on:%Y-%m}"
    pages = [
        client.get(reverse("delivery:calendar"), {"month": month}),
        client.get(reverse("delivery:calendar"), {"view": "list"}),
        client.get(reverse("delivery:session", args=[session.pk])),
        client.get(reverse("delivery:joint")),
    ]
    assert "BA" in pages[2].content.decode()
    names = [part for person in serbia.people for part in (person.given_name, person.family_name)]
    for response in pages:
        assert response.status_code == 200
        page = response.content.decode()
        for name in names:
            assert name not in page


# Planning and changing ------------------------------------------------------------------------


def plan_form(module, trainer, **extra):
    starts_on = timezone.localdate() + datetime.timedelta(days=21)
    data = {
        "module": module.pk, "starts_on": starts_on.isoformat(),
        "ends_on": (starts_on + datetime.timedelta(days=1)).isoformat(),
        "starts_at": "09:00", "ends_at": "15:00", "capacity": "8", "venue": "Belgrade",
        "online_url": "", "language": "", "trainers": [trainer.pk], "invites_everyone": "on",
        "notes": "",
    }  # fmt: skip
    data.update(extra)
    return data


def test_a_training_manager_plans_a_session_through_the_page(
    client, serbia, basic_awareness, trainer
):
    client.force_login(serbia.users["training_manager"])
    form_page = client.get(reverse("delivery:plan"), {"module": basic_awareness.pk})
    assert trainer in form_page.context["form"].fields["trainers"].queryset
    response = client.post(reverse("delivery:plan"), plan_form(basic_awareness, trainer))
    session = TrainingSession.objects.get(venue="Belgrade")
    assert response["Location"] == reverse("delivery:session", args=[session.pk])
    assert session.beneficiary == serbia.beneficiary
    assert list(session.trainers.all()) == [trainer]
    assert session.days.count() >= 1


def test_planning_shows_the_actions_refusals_next_to_the_fields(
    client, serbia, basic_awareness, trainer
):
    client.force_login(serbia.users["training_manager"])
    not_a_trainer = serbia.people[0]
    data = plan_form(basic_awareness, trainer, venue="", trainers=[not_a_trainer.pk])
    response = client.post(reverse("delivery:plan"), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "venue" in errors
    assert not TrainingSession.objects.exists()
    data = plan_form(basic_awareness, trainer, trainers=[not_a_trainer.pk])
    response = client.post(reverse("delivery:plan"), data)
    assert "Only trainers of the pool" in str(response.context["form"].errors["trainers"])
    assert not_a_trainer.full_name in response.content.decode()


def test_a_planner_cannot_offer_another_administrations_people(client, world, basic_awareness):
    montenegrin = world["ME"].people[0]
    client.force_login(world["RS"].users["training_manager"])
    response = client.post(reverse("delivery:plan"), plan_form(basic_awareness, montenegrin))
    assert "trainers" in response.context["form"].errors
    assert not TrainingSession.objects.exists()


def test_changing_a_session_through_the_page(client, serbia, session, trainer):
    client.force_login(serbia.users["national_admin"])
    form_page = client.get(reverse("delivery:edit", args=[session.pk]))
    assert form_page.context["form"].initial["venue"] == "Training centre, Niš"
    data = plan_form(session.module, trainer, capacity="20", venue="Kragujevac")
    data.pop("module")
    response = client.post(reverse("delivery:edit", args=[session.pk]), data)
    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.capacity, session.venue) == (20, "Kragujevac")


# Moves ----------------------------------------------------------------------------------------


def move(client, session, verb, **data):
    url = reverse("delivery:transition", kwargs={"pk": session.pk, "verb": verb})
    return client.post(url, data)


def test_a_session_moves_from_planned_to_closed_and_back_through_its_page(
    client, serbia, basic_awareness, trainer
):
    today = timezone.localdate()
    past = today - datetime.timedelta(days=today.weekday() + 7)
    session = plan(serbia, basic_awareness, trainer, starts_on=past, days=2)
    client.force_login(serbia.users["national_admin"])
    page = client.get(reverse("delivery:session", args=[session.pk])).content.decode()
    assert "Open for nominations</button>" in page
    assert "Close the session</button>" not in page
    for verb, state in [("open", State.OPEN), ("hold", State.HELD), ("close", State.CLOSED)]:
        response = move(client, session, verb)
        assert response.status_code == 302, verb
        session.refresh_from_db()
        assert session.state == state
    page = client.get(reverse("delivery:session", args=[session.pk])).content.decode()
    assert "Reopen the session</button>" in page
    assert "is closed" in page
    response = move(client, session, "reopen", reason="Register corrected")
    session.refresh_from_db()
    assert session.state == State.HELD


def test_closing_says_what_it_does(client, serbia, basic_awareness, trainer):
    today = timezone.localdate()
    session = plan(serbia, basic_awareness, trainer, starts_on=today - datetime.timedelta(days=10))
    manager = serbia.users["training_manager"]
    actions.open_session(actor=manager, session=session)
    actions.mark_held(actor=manager, session=session)
    client.force_login(manager)
    page = client.get(reverse("delivery:session", args=[session.pk])).content.decode()
    assert "Closing creates the evidence of everyone who attended enough" in page
    # A training manager does not reopen sessions: the button is not there, the move is refused.
    actions.close_session(actor=manager, session=session)
    page = client.get(reverse("delivery:session", args=[session.pk])).content.decode()
    assert "Reopen the session" not in page
    assert move(client, session, "reopen", reason="x").status_code == 403


def test_an_illegal_move_shows_the_actions_error(client, serbia, session):
    client.force_login(serbia.users["training_manager"])
    response = move(client, session, "close")
    assert response.status_code == 200
    assert "cannot become" in response.content.decode()
    session.refresh_from_db()
    assert session.state == State.PLANNED


def test_marking_held_before_the_last_day_is_refused_with_its_reason(client, serbia, session):
    manager = serbia.users["training_manager"]
    actions.open_session(actor=manager, session=session)
    client.force_login(manager)
    response = move(client, session, "hold")
    assert "it can be marked held from that day" in response.content.decode()
    session.refresh_from_db()
    assert session.state == State.OPEN


def test_cancelling_asks_for_a_reason(client, serbia, session):
    client.force_login(serbia.users["training_manager"])
    response = move(client, session, "cancel", reason="  ")
    assert "Say why the session is cancelled." in response.content.decode()
    session.refresh_from_db()
    assert session.state == State.PLANNED
    move(client, session, "cancel", reason="The trainer is ill")
    session.refresh_from_db()
    assert session.state == State.CANCELLED


def test_an_unknown_move_is_absent(client, serbia, session):
    client.force_login(serbia.users["training_manager"])
    assert client.post(f"/delivery/{session.pk}/explode/").status_code == 404


# Joint sessions -------------------------------------------------------------------------------


def test_joint_figures_count_sessions_by_administration_module_and_year(
    client, world, serbia, basic_awareness, trainer
):
    today = timezone.localdate()
    session = plan(serbia, basic_awareness, trainer, starts_on=today - datetime.timedelta(days=10))
    manager = serbia.users["training_manager"]
    actions.open_session(actor=manager, session=session)
    probation_officer = StaffMemberFactory.create(
        institution=serbia.probation, primary_category=category("PRO")
    )
    actions.nominate(
        actor=manager, session=session, staff_members=[serbia.people[0], probation_officer]
    )
    actions.confirm(actor=manager, session=session)
    actions.mark_held(actor=manager, session=session)
    client.force_login(world.coordinator)
    response = client.get(reverse("delivery:joint"))
    by_administration = response.context["tables"][0][2]
    assert [(row.label, row.sessions, row.joint) for row in by_administration] == [("RS", 1, 1)]
    assert "100.0 %" in response.content.decode()


def test_a_crowded_day_shows_a_few_sessions_and_links_to_the_rest(
    client, serbia, basic_awareness, trainer
):
    """A region's month holds thousands of sessions: a day of the grid shows the first few and
    a link to that day's list, which shows them all."""
    from matrica.delivery.views.sessions import DAY_LIMIT

    day = timezone.localdate() + datetime.timedelta(days=10)
    while day.weekday() > 4:
        day += datetime.timedelta(days=1)
    planned = [
        plan(serbia, basic_awareness, trainer, starts_on=day, days=1) for _ in range(DAY_LIMIT + 2)
    ]
    client.force_login(serbia.users["training_manager"])
    month = client.get(f"/delivery/?month={day:%Y-%m}").content.decode()
    assert sum(f"/delivery/{s.pk}/" in month for s in planned) == DAY_LIMIT
    assert "2 more sessions" in month
    listed = client.get(f"/delivery/?view=list&day={day.isoformat()}").content.decode()
    assert all(f"/delivery/{s.pk}/" in listed for s in planned)


def test_a_large_pool_lists_the_first_trainers_and_finds_the_others_by_name(
    client, serbia, basic_awareness
):
    from matrica.delivery.forms import TRAINERS_OFFERED

    from .conftest import make_pool_trainer

    pool = []
    for index in range(TRAINERS_OFFERED + 3):
        member = StaffMemberFactory.create(
            institution=serbia.prison, primary_category=category("FLO"),
            given_name="Ана", family_name=f"Тренерка {index:02d}", employee_number=f"TRN-{index}",
        )  # fmt: skip
        make_pool_trainer(member, basic_awareness)
        pool.append(member)
    last = pool[-1]
    client.force_login(serbia.users["training_manager"])
    starts_on = timezone.localdate() + datetime.timedelta(days=20)
    query = f"module={basic_awareness.pk}&starts_on={starts_on.isoformat()}"
    listed = client.get(f"/delivery/new/?{query}").context["form"]
    assert listed.fields["trainers"].queryset.count() == TRAINERS_OFFERED
    assert last not in listed.fields["trainers"].queryset
    # Found by name, in the other script, and then planned with.
    found = client.get(f"/delivery/new/?{query}&trainer_search=trenerka+{TRAINERS_OFFERED + 2}")
    assert list(found.context["form"].fields["trainers"].queryset) == [last]
    response = client.post("/delivery/new/", {
        "module": basic_awareness.pk, "starts_on": starts_on, "ends_on": starts_on,
        "starts_at": "09:00", "ends_at": "13:00", "capacity": 12, "venue": "Ниш",
        "trainers": [last.pk], "invites_everyone": "on",
    })  # fmt: skip
    assert response.status_code == 302
    assert list(TrainingSession.objects.get().trainers.all()) == [last]
