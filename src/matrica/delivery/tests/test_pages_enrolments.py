"""The pages of a session's people: nominating (one by one and by rule), giving places,
withdrawing, and the register of a day, through the browser's requests."""

from __future__ import annotations

import pytest
from django.template import RequestContext, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from matrica.compliance.services import refresh_all
from matrica.delivery import actions
from matrica.delivery.models import Attendance, Enrolment
from matrica.testing.factories import StaffMemberFactory

from .conftest import plan

pytestmark = pytest.mark.django_db

ROLES = ["national_admin", "training_manager", "institution_manager", "trainer", "staff"]


def _open(serbia, session):
    actions.open_session(actor=serbia.users["training_manager"], session=session)
    return session


def _users(world):
    """Every role of both administrations, the coordinator and the anonymous visitor."""
    users = {f"{code}-{role}": world[code].users[role] for code in ("RS", "ME") for role in ROLES}
    return {**users, "coordinator": world.coordinator, "anonymous": None}


def _status(client, user, method, url):
    client.logout()
    if user is not None:
        client.force_login(user)
    return (client.post if method == "POST" else client.get)(url).status_code


# Serbia's session, as each of them sees it: RS trainer delivers it; RS staff (people[0]) is not
# in it; Montenegro sees nothing of Serbia; the coordinator sees the session but no name.
NOMINATING = {
    "RS-national_admin": 200, "RS-training_manager": 200, "RS-institution_manager": 200,
    "RS-trainer": 403, "RS-staff": 404, "coordinator": 403, "anonymous": 302,
}  # fmt: skip
PLANNING = {**NOMINATING, "RS-institution_manager": 403}
WITHDRAWING = {**NOMINATING, "coordinator": 404}  # the coordinator sees no enrolment
REGISTER = {**NOMINATING, "RS-institution_manager": 403, "RS-trainer": 200}
MONTENEGRO = {f"ME-{role}": 404 for role in ROLES}


@pytest.mark.parametrize(
    ("page", "method", "expected"),
    [
        ("nominate", "GET", NOMINATING),
        ("nominate_rule", "GET", NOMINATING),
        ("confirm", "POST", PLANNING),
        ("withdraw_enrolment", "GET", WITHDRAWING),
        ("withdraw_enrolment", "POST", WITHDRAWING),
        ("attendance", "GET", REGISTER),
        ("attendance", "POST", REGISTER),
    ],
)
def test_every_page_answers_each_role_as_its_reach_says(
    client, world, serbia, session, page, method, expected
):
    _open(serbia, session)
    manager = serbia.users["training_manager"]
    actions.nominate(actor=manager, session=session, staff_members=[serbia.people[1]])
    enrolment = session.enrolments.get()
    args = {
        "withdraw_enrolment": [session.pk, enrolment.pk],
        "attendance": [session.pk, session.days.first().date.isoformat()],
    }.get(page, [session.pk])
    url = reverse(f"delivery:{page}", args=args)
    answers = {name: _status(client, user, method, url) for name, user in _users(world).items()}
    # A refused write (withdrawing twice, a register for a day to come) shows on the page: 200.
    assert answers == {**expected, **MONTENEGRO}


def test_a_page_of_another_session_day_or_date_is_not_found(client, serbia, session):
    _open(serbia, session)
    client.force_login(serbia.users["training_manager"])
    for day in ("2001-01-01", "not-a-date"):
        url = reverse("delivery:attendance", args=[session.pk, day])
        assert client.get(url).status_code == 404
    assert client.get(reverse("delivery:nominate", args=[999999])).status_code == 404


def test_the_search_finds_names_in_either_script_without_diacritics(client, serbia, session):
    _open(serbia, session)
    client.force_login(serbia.users["training_manager"])
    page = client.get(reverse("delivery:nominate", args=[session.pk]), {"q": "djordjevic"})
    found = {member.pk for member in page.context["page"]}
    assert found == {serbia.people[0].pk, serbia.people[1].pk}  # Ђорђевић and Đorđević


def test_nominating_through_the_page_says_who_was_refused_and_why(client, serbia, session):
    _open(serbia, session)
    manager = serbia.users["training_manager"]
    actions.nominate(actor=manager, session=session, staff_members=[serbia.people[1]])
    client.force_login(manager)
    response = client.post(
        reverse("delivery:nominate", args=[session.pk]),
        {"people": [serbia.people[0].pk, serbia.people[1].pk]},
    )
    assert response.status_code == 200
    result = response.context["result"]
    assert [m.pk for m in result.nominated] == [serbia.people[0].pk]
    assert [m.pk for m, _reason in result.refused] == [serbia.people[1].pk]
    page = response.content.decode()
    assert "already “Nominated” in this session" in page
    assert "1 person nominated" in page
    assert set(session.enrolments.values_list("staff_member_id", flat=True)) == {
        serbia.people[0].pk,
        serbia.people[1].pk,
    }


def test_nominating_to_a_session_not_open_shows_why_on_the_page(client, serbia, session):
    client.force_login(serbia.users["training_manager"])
    response = client.post(
        reverse("delivery:nominate", args=[session.pk]), {"people": [serbia.people[0].pk]}
    )
    assert response.status_code == 200
    assert "Nominations are taken while a session is open" in response.content.decode()
    assert not session.enrolments.exists()


def test_nominating_nobody_asks_to_tick_someone(client, serbia, session):
    _open(serbia, session)
    client.force_login(serbia.users["training_manager"])
    response = client.post(reverse("delivery:nominate", args=[session.pk]), {})
    assert "Tick at least one person." in response.content.decode()


def test_an_institution_manager_cannot_nominate_someone_of_another_institution(
    client, serbia, session
):
    _open(serbia, session)
    elsewhere = StaffMemberFactory.create(institution=serbia.probation)
    client.force_login(serbia.users["institution_manager"])
    response = client.post(
        reverse("delivery:nominate", args=[session.pk]),
        {"people": [serbia.people[0].pk, elsewhere.pk]},
    )
    assert response.status_code == 404
    assert not session.enrolments.exists()


def test_the_rule_preview_counts_exactly_whom_the_rule_nominates(client, serbia, session):
    _open(serbia, session)
    refresh_all()
    client.force_login(serbia.users["training_manager"])
    url = reverse("delivery:nominate_rule", args=[session.pk])
    rule = {"statuses": ["missing", "expired", "overdue"], "within_days": "90"}
    preview = client.get(url, rule)
    count = preview.context["page"].paginator.count
    assert count > 0
    assert f"Nominate these {count} people" in preview.content.decode()
    assert client.get(url).context["page"].paginator.count == count  # a first visit: the same
    response = client.post(url, rule)
    result = response.context["result"]
    assert len(result.nominated) + len(result.refused) == count
    assert session.enrolments.count() == len(result.nominated)


def test_the_rule_offers_an_institution_manager_their_own_institution(client, serbia, session):
    _open(serbia, session)
    client.force_login(serbia.users["institution_manager"])
    page = client.get(reverse("delivery:nominate_rule", args=[session.pk]))
    form = page.context["form"]
    assert str(form["institution"].value()) == str(serbia.prison.pk)
    assert set(form.fields["institution"].queryset) == {serbia.prison}


def test_giving_places_confirms_in_nomination_order_then_waitlists(
    client, serbia, basic_awareness, trainer
):
    session = _open(serbia, plan(serbia, basic_awareness, trainer, capacity=1))
    manager = serbia.users["training_manager"]
    actions.nominate(actor=manager, session=session, staff_members=[serbia.people[1]])
    actions.nominate(actor=manager, session=session, staff_members=[serbia.people[0]])
    client.force_login(manager)
    response = client.post(reverse("delivery:confirm", args=[session.pk]))
    groups = dict(response.context["groups"])
    assert [m.pk for m in groups["Given a place"]] == [serbia.people[1].pk]
    assert [m.pk for m in groups["On the waitlist"]] == [serbia.people[0].pk]


def test_giving_places_after_the_session_is_held_shows_the_refusal(client, serbia, session):
    client.force_login(serbia.users["training_manager"])
    actions.cancel_session(actor=serbia.users["training_manager"], session=session, reason="x")
    response = client.post(reverse("delivery:confirm", args=[session.pk]))
    assert response.status_code == 200
    assert "Places are given before the session is held." in response.content.decode()


def test_withdrawing_a_participant_gives_the_place_to_the_waitlist(
    client, serbia, basic_awareness, trainer
):
    session = _open(serbia, plan(serbia, basic_awareness, trainer, capacity=1))
    manager = serbia.users["training_manager"]
    actions.nominate(actor=manager, session=session, staff_members=[serbia.people[1]])
    actions.nominate(actor=manager, session=session, staff_members=[serbia.people[0]])
    actions.confirm(actor=manager, session=session)
    placed = session.enrolments.get(state=Enrolment.State.CONFIRMED)
    client.force_login(manager)
    url = reverse("delivery:withdraw_enrolment", args=[session.pk, placed.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "Sick leave"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Given the free place" in page
    assert serbia.people[0].full_name in page
    states = dict(session.enrolments.values_list("staff_member_id", "state"))
    assert states == {
        serbia.people[1].pk: Enrolment.State.WITHDRAWN,
        serbia.people[0].pk: Enrolment.State.CONFIRMED,
    }


def test_withdrawing_twice_shows_the_refusal(client, serbia, session):
    _open(serbia, session)
    manager = serbia.users["training_manager"]
    actions.nominate(actor=manager, session=session, staff_members=[serbia.people[1]])
    enrolment = session.enrolments.get()
    actions.withdraw(actor=manager, enrolment=enrolment)
    client.force_login(manager)
    url = reverse("delivery:withdraw_enrolment", args=[session.pk, enrolment.pk])
    response = client.post(url, {})
    assert response.status_code == 200
    assert "cannot become" in response.content.decode()


def _held_today(serbia, basic_awareness, trainer, people, *, capacity=10):
    """An open session of one day, today, with `people` holding a place."""
    session = plan(
        serbia, basic_awareness, trainer, starts_on=timezone.localdate(), days=1,
        capacity=capacity,
    )  # fmt: skip
    _open(serbia, session)
    manager = serbia.users["training_manager"]
    actions.nominate(actor=manager, session=session, staff_members=people)
    actions.confirm(actor=manager, session=session)
    return session


def test_the_trainer_saves_the_register_through_the_page(client, serbia, basic_awareness, trainer):
    session = _held_today(serbia, basic_awareness, trainer, serbia.people[:2])
    day = session.days.get()
    url = reverse("delivery:attendance", args=[session.pk, day.date.isoformat()])
    client.force_login(serbia.users["trainer"])
    response = client.post(url, {"present": [serbia.people[0].pk]})
    assert response.status_code == 200
    assert "The register is saved." in response.content.decode()
    present = dict(
        Attendance.objects.filter(day=day).values_list("enrolment__staff_member_id", "present")
    )
    assert present == {serbia.people[0].pk: True, serbia.people[1].pk: False}
    shown = client.get(url)
    assert shown.context["ticked"] == {serbia.people[0].pk}
    assert f'value="{serbia.people[0].pk}" id="present-{serbia.people[0].pk}" checked' in (
        shown.content.decode()
    )


def test_a_register_for_a_day_to_come_shows_the_refusal(client, serbia, session):
    _open(serbia, session)
    day = session.days.first()
    client.force_login(serbia.users["training_manager"])
    response = client.post(
        reverse("delivery:attendance", args=[session.pk, day.date.isoformat()]), {}
    )
    assert response.status_code == 200
    assert "can be recorded from that day" in response.content.decode()


def test_a_trainer_of_another_session_keeps_no_register_of_this_one(
    client, world, serbia, basic_awareness, trainer
):
    session = _held_today(serbia, basic_awareness, trainer, serbia.people[:1])
    actions.change_session(actor=serbia.users["training_manager"], session=session, trainers=[])
    client.force_login(serbia.users["trainer"])
    url = reverse("delivery:attendance", args=[session.pk, timezone.localdate().isoformat()])
    assert client.get(url).status_code == 404


def _roster_html(session, user):
    request = RequestFactory().get("/")
    request.user = user
    template = Template('{% include "delivery/enrolments/_roster.html" %}')
    return template.render(RequestContext(request, {"session": session, "user": user}))


def test_the_roster_shows_only_what_the_user_may_do(serbia, session):
    _open(serbia, session)
    manager = serbia.users["training_manager"]
    actions.nominate(actor=manager, session=session, staff_members=serbia.people[:2])
    planner = _roster_html(session, manager)
    assert reverse("delivery:nominate", args=[session.pk]) in planner
    assert reverse("delivery:confirm", args=[session.pk]) in planner
    assert "Withdraw" in planner
    assert serbia.people[0].full_name in planner
    trainer_view = _roster_html(session, serbia.users["trainer"])
    assert reverse("delivery:nominate", args=[session.pk]) not in trainer_view
    assert reverse("delivery:confirm", args=[session.pk]) not in trainer_view
    assert "Withdraw" not in trainer_view
    first_day = session.days.first().date.isoformat()
    assert reverse("delivery:attendance", args=[session.pk, first_day]) in trainer_view
    institution = _roster_html(session, serbia.users["institution_manager"])
    assert reverse("delivery:confirm", args=[session.pk]) not in institution
    assert reverse("delivery:nominate", args=[session.pk]) in institution


def test_an_institution_manager_sees_only_their_own_people_in_the_roster(serbia, session):
    _open(serbia, session)
    elsewhere = StaffMemberFactory.create(institution=serbia.probation, family_name="Elsewhere")
    manager = serbia.users["training_manager"]
    actions.nominate(actor=manager, session=session, staff_members=[serbia.people[0], elsewhere])
    institution = _roster_html(session, serbia.users["institution_manager"])
    assert serbia.people[0].full_name in institution
    assert "Elsewhere" not in institution
    assert "Elsewhere" in _roster_html(session, manager)


def _crowd(serbia, count):
    return [
        StaffMemberFactory.create(institution=serbia.prison if n % 2 else serbia.probation)
        for n in range(count)
    ]


@pytest.mark.parametrize("count", [5, 30])
def test_the_roster_takes_the_same_queries_for_5_or_30_people(
    serbia, basic_awareness, trainer, count, django_assert_max_num_queries
):
    session = _held_today(serbia, basic_awareness, trainer, _crowd(serbia, count), capacity=40)
    manager = serbia.users["training_manager"]
    with django_assert_max_num_queries(3):  # the rows, the days, whether the user trains it
        html = _roster_html(session, manager)
    assert html.count('scope="row"') == count


@pytest.mark.parametrize("count", [5, 30])
def test_the_register_takes_the_same_queries_for_5_or_30_people(
    client, serbia, basic_awareness, trainer, count, django_assert_max_num_queries
):
    session = _held_today(serbia, basic_awareness, trainer, _crowd(serbia, count), capacity=40)
    client.force_login(serbia.users["trainer"])
    url = reverse("delivery:attendance", args=[session.pk, timezone.localdate().isoformat()])
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.content.decode().count('class="register-row"') == count


def test_the_rule_preview_is_one_page_of_a_counted_query(
    client, serbia, basic_awareness, trainer, django_assert_max_num_queries
):
    session = _open(serbia, plan(serbia, basic_awareness, trainer))
    _crowd(serbia, 30)
    refresh_all()
    client.force_login(serbia.users["training_manager"])
    with django_assert_max_num_queries(20):
        page = client.get(
            reverse("delivery:nominate_rule", args=[session.pk]),
            {"within_days": 90, "statuses": ["missing", "expired", "overdue"]},
        )
    assert page.context["page"].paginator.count >= 30


def test_a_person_may_withdraw_themselves(client, serbia, session):
    _open(serbia, session)
    member = serbia.users["staff"].staff_member
    actions.nominate(
        actor=serbia.users["training_manager"], session=session, staff_members=[member]
    )
    enrolment = session.enrolments.get()
    client.force_login(serbia.users["staff"])
    assert "Withdraw" in _roster_html(session, serbia.users["staff"])
    url = reverse("delivery:withdraw_enrolment", args=[session.pk, enrolment.pk])
    assert client.post(url, {"reason": "Exam that week"}).status_code == 200
    enrolment.refresh_from_db()
    assert enrolment.state == Enrolment.State.WITHDRAWN


def test_the_search_with_htmx_answers_the_table_alone(client, serbia, session):
    _open(serbia, session)
    client.force_login(serbia.users["training_manager"])
    response = client.get(
        reverse("delivery:nominate", args=[session.pk]), {"q": "Ђорђ"},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    page = response.content.decode()
    assert "<main" not in page
    assert serbia.people[1].family_name in page  # Đorđević, found from Cyrillic
