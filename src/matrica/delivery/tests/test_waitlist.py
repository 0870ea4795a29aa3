"""Places and the waitlist: places go in nomination order, a freed place goes to the first
person waiting, and a session never holds more people than it has places."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from matrica.delivery import actions, selectors
from matrica.delivery.models import Enrolment
from matrica.testing.factories import StaffMemberFactory

from .conftest import plan

pytestmark = pytest.mark.django_db

E = Enrolment.State


@pytest.fixture
def four(serbia):
    """Four people of the Serbian prison, to be nominated against the alphabet."""
    return [
        StaffMemberFactory.create(institution=serbia.prison, given_name="Zoran", family_name=name)
        for name in ("Živković", "Petrović", "Mitić", "Antić")
    ]


@pytest.fixture
def two_places(serbia, basic_awareness, trainer, four):
    manager = serbia.users["training_manager"]
    session = plan(serbia, basic_awareness, trainer, capacity=2)
    actions.open_session(actor=manager, session=session)
    for member in four:  # one at a time: nomination order is not name order
        actions.nominate(actor=manager, session=session, staff_members=[member])
    return session


def states(session) -> dict[int, str]:
    return dict(session.enrolments.values_list("staff_member_id", "state"))


def enrolment_of(session, member) -> Enrolment:
    return session.enrolments.select_related("staff_member").get(staff_member=member)


def test_places_go_in_nomination_order_and_the_rest_wait(serbia, two_places, four):
    confirmed, waitlisted = actions.confirm(
        actor=serbia.users["training_manager"], session=two_places
    )
    assert [e.staff_member_id for e in confirmed] == [four[0].pk, four[1].pk]
    assert [e.staff_member_id for e in waitlisted] == [four[2].pk, four[3].pk]
    assert selectors.places_taken(two_places) == 2


def test_withdrawing_a_confirmed_person_gives_the_place_to_the_first_waiting(
    serbia, two_places, four
):
    manager = serbia.users["training_manager"]
    actions.confirm(actor=manager, session=two_places)
    promoted = actions.withdraw(actor=manager, enrolment=enrolment_of(two_places, four[1]))
    assert promoted is not None
    assert promoted.staff_member_id == four[2].pk
    assert states(two_places) == {
        four[0].pk: E.CONFIRMED,
        four[1].pk: E.WITHDRAWN,
        four[2].pk: E.CONFIRMED,
        four[3].pk: E.WAITLISTED,
    }
    assert selectors.places_taken(two_places) == 2


def test_withdrawing_someone_waiting_promotes_nobody(serbia, two_places, four):
    manager = serbia.users["training_manager"]
    actions.confirm(actor=manager, session=two_places)
    promoted = actions.withdraw(actor=manager, enrolment=enrolment_of(two_places, four[2]))
    assert promoted is None
    assert states(two_places) == {
        four[0].pk: E.CONFIRMED,
        four[1].pk: E.CONFIRMED,
        four[2].pk: E.WITHDRAWN,
        four[3].pk: E.WAITLISTED,
    }


def test_capacity_is_never_exceeded_however_the_places_are_asked_for(serbia, two_places, four):
    manager = serbia.users["training_manager"]
    actions.confirm(actor=manager, session=two_places)
    actions.confirm(actor=manager, session=two_places)
    actions.confirm(
        actor=manager, session=two_places, enrolments=[enrolment_of(two_places, four[3])]
    )
    actions.withdraw(actor=manager, enrolment=enrolment_of(two_places, four[0]))
    actions.withdraw(actor=manager, enrolment=enrolment_of(two_places, four[1]))
    assert selectors.places_taken(two_places) == 2
    assert states(two_places)[four[2].pk] == E.CONFIRMED
    assert states(two_places)[four[3].pk] == E.CONFIRMED


def test_a_place_added_later_goes_to_the_first_waiting_not_a_newer_nomination(
    serbia, two_places, four
):
    # Regression: `confirm` looked only at new nominations, so someone nominated after the
    # session filled took a new place ahead of everyone on the waitlist.
    manager = serbia.users["training_manager"]
    actions.confirm(actor=manager, session=two_places)
    actions.change_session(actor=manager, session=two_places, capacity=3)
    latecomer = serbia.people[1]
    actions.nominate(actor=manager, session=two_places, staff_members=[latecomer])
    confirmed, waitlisted = actions.confirm(actor=manager, session=two_places)
    assert [e.staff_member_id for e in confirmed] == [four[2].pk]
    assert [e.staff_member_id for e in waitlisted] == [latecomer.pk]
    assert states(two_places)[four[3].pk] == E.WAITLISTED


def test_someone_nominated_again_queues_behind_those_nominated_meanwhile(
    serbia, basic_awareness, trainer, four
):
    # Regression: a re-nomination kept the first nomination's time and jumped the queue.
    manager = serbia.users["training_manager"]
    session = plan(serbia, basic_awareness, trainer, capacity=1)
    actions.open_session(actor=manager, session=session)
    actions.nominate(actor=manager, session=session, staff_members=[four[0]])
    actions.withdraw(actor=manager, enrolment=enrolment_of(session, four[0]))
    actions.nominate(actor=manager, session=session, staff_members=[four[1]])
    actions.nominate(actor=manager, session=session, staff_members=[four[0]])
    confirmed, waitlisted = actions.confirm(actor=manager, session=session)
    assert [e.staff_member_id for e in confirmed] == [four[1].pk]
    assert [e.staff_member_id for e in waitlisted] == [four[0].pk]


def test_fewer_places_than_people_confirmed_is_refused(serbia, two_places):
    manager = serbia.users["training_manager"]
    actions.confirm(actor=manager, session=two_places)
    with pytest.raises(ValidationError, match="2 people are confirmed"):
        actions.change_session(actor=manager, session=two_places, capacity=1)
    two_places.refresh_from_db()
    assert two_places.capacity == 2
