"""Mail about a place in a session: in the person's language, with the calendar entry, after
commit, never to someone without an address."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core import mail
from django.db import transaction
from icalendar import Calendar

from matrica.delivery import actions, notifications
from matrica.delivery.models import Enrolment
from matrica.delivery.notifications import WITH_CALENDAR, Event
from matrica.staff.models import StaffMember

pytestmark = pytest.mark.django_db

SERBIAN_TITLE = "Основно упознавање"  # the module's title in Serbian (Cyrillic)


def addressed(member: StaffMember, email: str, language: str) -> StaffMember:
    StaffMember.objects.filter(pk=member.pk).update(email=email, preferred_language=language)
    member.refresh_from_db()
    return member


@pytest.fixture
def nominated(serbia, session, django_capture_on_commit_callbacks):
    """Two people nominated: one reading Serbian, one English, and one without an address."""
    addressed(serbia.people[0], "djordje@example.org", "sr")
    addressed(serbia.people[1], "milica@example.org", "en")
    manager = serbia.users["training_manager"]
    actions.open_session(actor=manager, session=session)
    with django_capture_on_commit_callbacks(execute=True):
        actions.nominate(actor=manager, session=session, staff_members=serbia.people[:3])
    return session


def message_to(address: str) -> mail.EmailMessage:
    (message,) = [m for m in mail.outbox if m.to == [address]]
    return message


def attached_calendar(message: mail.EmailMessage) -> Calendar:
    (attachment,) = message.attachments
    name, content, mimetype = attachment
    assert name.endswith(".ics")
    assert mimetype == "text/calendar"
    return Calendar.from_ical(content)


def test_a_nomination_is_mailed_in_each_persons_language(nominated):
    serbian = message_to("djordje@example.org")
    english = message_to("milica@example.org")

    assert SERBIAN_TITLE in serbian.subject
    assert SERBIAN_TITLE in serbian.body
    assert "Basic awareness" in english.subject
    assert english.subject.startswith("You are nominated for BA")
    assert "Dear Milica Đorđević" in english.body
    assert "Training centre, Niš" in english.body
    assert settings.MATRICA_BASE_URL in english.body
    for message in (serbian, english):
        assert len(list(attached_calendar(message).walk("VEVENT"))) == 2


def test_nobody_without_an_address_is_written_to(nominated):
    assert sorted(address for m in mail.outbox for address in m.to) == [
        "djordje@example.org",
        "milica@example.org",
    ]


def test_mail_leaves_only_after_commit(serbia, session):
    addressed(serbia.people[1], "milica@example.org", "en")
    manager = serbia.users["training_manager"]
    actions.open_session(actor=manager, session=session)
    actions.nominate(actor=manager, session=session, staff_members=[serbia.people[1]])
    assert mail.outbox == []  # the test's transaction never commits


def test_a_rolled_back_action_sends_nothing(serbia, session, django_capture_on_commit_callbacks):
    addressed(serbia.people[1], "milica@example.org", "en")
    manager = serbia.users["training_manager"]
    actions.open_session(actor=manager, session=session)

    def nominate_then_fail() -> None:
        with transaction.atomic():
            actions.nominate(actor=manager, session=session, staff_members=[serbia.people[1]])
            raise RuntimeError

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        nominate_then_fail()
    assert mail.outbox == []


def test_a_cancellation_carries_the_cancelled_entry(
    serbia, nominated, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.cancel_session(
            actor=serbia.users["training_manager"], session=nominated, reason="Trainer ill"
        )
    english = message_to("milica@example.org")
    assert "cancelled" in english.subject
    statuses = {str(e["status"]) for e in attached_calendar(english).walk("VEVENT")}
    assert statuses == {"CANCELLED"}
    assert SERBIAN_TITLE in message_to("djordje@example.org").subject


@pytest.mark.parametrize("event", list(Event))
@pytest.mark.parametrize("language", ["en", "sr"])
def test_every_event_reads_well_in_english_and_serbian(nominated, event, language):
    enrolment = Enrolment.objects.get(session=nominated, staff_member__email="milica@example.org")
    StaffMember.objects.filter(pk=enrolment.staff_member_id).update(preferred_language=language)
    mail.outbox.clear()

    assert notifications.send(event, [enrolment.pk]) == 1

    (message,) = mail.outbox
    title = SERBIAN_TITLE if language == "sr" else "Basic awareness"
    assert title in message.subject
    assert "%(" not in f"{message.subject}{message.body}"
    assert "Milica Đorđević" in message.body
    assert settings.MATRICA_BASE_URL in message.body
    assert bool(message.attachments) == (event in WITH_CALENDAR)
