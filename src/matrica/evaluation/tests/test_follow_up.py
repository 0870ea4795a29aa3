"""The follow-up on use at work: who is asked and when (`matrica follow-up`, daily and
idempotent), the mail that asks them, answering, and anonymity of the answers."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import models
from django.http import Http404

from matrica.accounts.models import User
from matrica.audit.models import AuditEvent
from matrica.delivery import actions as delivery
from matrica.delivery.models import Enrolment
from matrica.delivery.tests.conftest import make_pool_trainer, plan
from matrica.evaluation.actions import answer_follow_up, invite_to_follow_up
from matrica.evaluation.models import FollowUpAnswer, FollowUpInvitation
from matrica.evaluation.notifications import announce, manager_language
from matrica.framework.models import Module
from matrica.staff.models import StaffMember
from matrica.tenancy.roles import Role
from matrica.testing.factories import StaffMemberFactory, UserFactory
from matrica.testing.sessions import closed_session, held_session, last_week

pytestmark = pytest.mark.django_db

Respondent = FollowUpInvitation.Respondent
SERBIAN_TITLE = "Основно упознавање"  # the module's title in Serbian (Cyrillic)
RATINGS = {"used": 4, "changed": 3, "support": 2}


def days_after(session, days: int) -> datetime.date:
    return session.ends_on + datetime.timedelta(days=days)


def run(*arguments: str) -> str:
    out = StringIO()
    call_command("follow-up", *arguments, stdout=out)
    return out.getvalue()


def addressed(member: StaffMember, email: str, language: str) -> StaffMember:
    StaffMember.objects.filter(pk=member.pk).update(email=email, preferred_language=language)
    member.refresh_from_db()
    return member


@pytest.fixture
def serbia(world):
    return world["RS"]


@pytest.fixture
def session(serbia):
    """Basic awareness last week: Ђорђе (the staff account) and Milica attended, both of the
    Serbian prison."""
    return closed_session(serbia)


# Scheduling -----------------------------------------------------------------------------------


def test_the_window_opens_ninety_days_after_the_last_day(session):
    assert invite_to_follow_up(today=days_after(session, 89)) == []
    created = invite_to_follow_up(today=days_after(session, 90))
    assert sorted((i.enrolment.staff_member.pk, i.respondent) for i in created) == sorted(
        (e.staff_member_id, respondent)
        for e in session.enrolments.all()
        for respondent in (Respondent.PARTICIPANT, Respondent.MANAGER)
    )
    assert {i.sent_on for i in created} == {days_after(session, 90)}


def test_a_missed_day_is_caught_up_within_the_grace(session):
    assert len(invite_to_follow_up(today=days_after(session, 120))) == 4


def test_a_session_past_the_grace_is_not_followed_up(session):
    assert invite_to_follow_up(today=days_after(session, 121)) == []
    assert not FollowUpInvitation.objects.exists()


def test_the_days_and_the_grace_are_settings(session, settings):
    settings.MATRICA_FOLLOW_UP_DAYS, settings.MATRICA_FOLLOW_UP_GRACE_DAYS = 30, 0
    assert invite_to_follow_up(today=days_after(session, 31)) == []
    assert len(invite_to_follow_up(today=days_after(session, 30))) == 4


def test_a_second_run_asks_nobody_again(session, django_capture_on_commit_callbacks):
    today = days_after(session, 95).isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        first = run("--as-of", today)
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        second = run("--as-of", today)
        later = run("--as-of", days_after(session, 100).isoformat())
    assert "2 participants to ask" in first
    assert "nobody new to ask; nothing sent" in second
    assert "nobody new to ask" in later
    assert FollowUpInvitation.objects.count() == 4
    assert len(mail.outbox) == sent


def test_a_dry_run_shows_who_would_be_asked_and_changes_nothing(
    serbia, session, django_capture_on_commit_callbacks
):
    addressed(serbia.people[1], "milica@example.org", "en")
    with django_capture_on_commit_callbacks(execute=True):
        output = run("--as-of", days_after(session, 90).isoformat(), "--dry-run")
    assert "would send 1 messages" in output
    assert "milica@example.org: How do you use your training at work?" in output
    assert not FollowUpInvitation.objects.exists()
    invitation_type = ContentType.objects.get_for_model(FollowUpInvitation)
    assert not AuditEvent.objects.filter(object_type=invitation_type).exists()
    assert mail.outbox == []


def test_people_who_did_not_attend_are_not_asked(serbia):
    present, absent = serbia.people[0], serbia.people[1]
    session = held_session(serbia, people=[present, absent])
    for day in session.days.all():
        delivery.record_attendance(actor=serbia.users["trainer"], day=day, present=[present.pk])
    delivery.close_session(actor=serbia.users["training_manager"], session=session)
    assert Enrolment.objects.get(session=session, staff_member=absent).state == "no_show"
    created = invite_to_follow_up(today=days_after(session, 90))
    assert {i.enrolment.staff_member_id for i in created} == {present.pk}


def test_a_cancelled_session_is_not_followed_up(serbia):
    module = Module.objects.get(code="BA")
    trainer = serbia.users["trainer"].staff_member
    make_pool_trainer(trainer, module)
    cancelled = plan(serbia, module, trainer, starts_on=last_week())
    manager = serbia.users["training_manager"]
    delivery.open_session(actor=manager, session=cancelled)
    delivery.nominate(actor=manager, session=cancelled, staff_members=serbia.people[:2])
    delivery.confirm(actor=manager, session=cancelled)
    delivery.cancel_session(actor=manager, session=cancelled, reason="Trainer ill")
    assert invite_to_follow_up(today=days_after(cancelled, 90)) == []


def test_a_session_still_held_is_not_followed_up(serbia):
    session = held_session(serbia)
    assert invite_to_follow_up(today=days_after(session, 90)) == []


# Mail -----------------------------------------------------------------------------------------


@pytest.fixture
def invited(serbia, session, django_capture_on_commit_callbacks):
    """Ђорђе reads Serbian, Milica English; the prison's manager (English, the default) and a
    second manager reading Serbian through her own staff record; the run of day 90."""
    addressed(serbia.people[0], "djordje@example.org", "sr")
    addressed(serbia.people[1], "milica@example.org", "en")
    User.objects.filter(pk=serbia.users["institution_manager"].pk).update(
        email="manager@example.org"
    )
    UserFactory.create(
        username="second-manager-rs", role=Role.INSTITUTION_MANAGER, email="druga@example.org",
        beneficiary=serbia.beneficiary, institution=serbia.prison,
        staff_member=StaffMemberFactory.create(institution=serbia.prison, preferred_language="sr"),
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        output = run("--as-of", days_after(session, 90).isoformat())
    return output


def message_to(address: str) -> mail.EmailMessage:
    (message,) = [m for m in mail.outbox if m.to == [address]]
    return message


def test_each_participant_is_asked_in_their_language_with_a_link(invited, settings):
    english = message_to("milica@example.org")
    serbian = message_to("djordje@example.org")
    assert english.subject == "How do you use your training at work?"
    assert "Dear Milica Đorđević" in english.body
    invitation = FollowUpInvitation.objects.get(
        respondent=Respondent.PARTICIPANT, enrolment__staff_member__email="milica@example.org"
    )
    assert f"{settings.MATRICA_BASE_URL}/evaluation/follow-up/{invitation.pk}/" in english.body
    assert "anonymous" in english.body
    # The module's title in the reader's language (the new sentences wait for the translator).
    assert "Basic awareness" in english.body
    assert SERBIAN_TITLE in serbian.body
    assert "Ђорђе" in serbian.body


def test_each_manager_of_the_institution_gets_one_message_listing_their_people(invited):
    manager = message_to("manager@example.org")
    assert manager.subject == "How does your staff use their training at work?"
    about = FollowUpInvitation.objects.filter(respondent=Respondent.MANAGER)
    assert about.count() == 2
    for invitation in about:
        assert f"/evaluation/follow-up/{invitation.pk}/" in manager.body
        assert invitation.enrolment.staff_member.full_name in manager.body
    assert "Basic awareness" in manager.body
    assert SERBIAN_TITLE in message_to("druga@example.org").body
    assert "sent 4 messages" in invited


def test_nobody_without_an_address_or_an_account_is_written_to(invited):
    assert sorted(address for m in mail.outbox for address in m.to) == [
        "djordje@example.org", "druga@example.org", "manager@example.org", "milica@example.org",
    ]  # fmt: skip


def test_managers_of_another_institution_or_inactive_ones_are_not_written_to(
    serbia, world, session, django_capture_on_commit_callbacks
):
    User.objects.filter(pk=world["ME"].users["institution_manager"].pk).update(
        email="me@example.org"
    )
    UserFactory.create(
        username="probation-manager-rs", role=Role.INSTITUTION_MANAGER, email="po@example.org",
        beneficiary=serbia.beneficiary, institution=serbia.probation,
    )  # fmt: skip
    UserFactory.create(
        username="former-manager-rs", role=Role.INSTITUTION_MANAGER, email="old@example.org",
        beneficiary=serbia.beneficiary, institution=serbia.prison, is_active=False,
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        run("--as-of", days_after(session, 90).isoformat())
    assert mail.outbox == []


def test_a_manager_without_a_staff_record_reads_their_administrations_language(serbia):
    manager = serbia.users["institution_manager"]
    serbia.beneficiary.languages = ["sr-latn", "en"]
    serbia.beneficiary.save()
    manager.refresh_from_db()
    assert manager.staff_member is None
    assert manager_language(manager) == "sr-latn"


def test_mail_leaves_only_after_commit(serbia, session):
    addressed(serbia.people[1], "milica@example.org", "en")
    created = invite_to_follow_up(today=days_after(session, 90))
    assert len(announce([i.pk for i in created])) == 1
    assert mail.outbox == []  # the test's transaction never commits


def test_the_command_sends_nothing_before_its_work_is_committed(serbia, session):
    addressed(serbia.people[1], "milica@example.org", "en")
    run("--as-of", days_after(session, 90).isoformat())
    assert FollowUpInvitation.objects.count() == 4
    assert mail.outbox == []


# Answering ------------------------------------------------------------------------------------


@pytest.fixture
def invitations(session):
    invite_to_follow_up(today=days_after(session, 90))
    own = FollowUpInvitation.objects.get(
        respondent=Respondent.PARTICIPANT, enrolment__staff_member__user__username="staff-rs"
    )
    about = FollowUpInvitation.objects.get(
        respondent=Respondent.MANAGER, enrolment__staff_member__user__username="staff-rs"
    )
    return own, about


def test_a_participant_answers_their_own(serbia, invitations):
    own, _about = invitations
    answer_follow_up(actor=serbia.users["staff"], invitation=own, ratings=RATINGS, comment="Yes")
    own.refresh_from_db()
    assert own.answered
    answer = FollowUpAnswer.objects.get()
    assert (answer.respondent, answer.used, answer.changed, answer.support) == (
        "participant", 4, 3, 2
    )  # fmt: skip
    assert answer.session_id == own.session_id


def test_the_manager_of_the_same_institution_answers_about_them(serbia, invitations):
    _own, about = invitations
    answer_follow_up(actor=serbia.users["institution_manager"], invitation=about, ratings=RATINGS)
    assert FollowUpAnswer.objects.get().respondent == "manager"


@pytest.mark.parametrize(
    "who", ["ME institution_manager", "RS probation manager", "RS national_admin", "RS trainer"]
)
def test_nobody_else_may_answer(world, serbia, invitations, who):
    own, about = invitations
    if who == "RS probation manager":
        actor = UserFactory.create(
            username="probation-manager-rs", role=Role.INSTITUTION_MANAGER,
            beneficiary=serbia.beneficiary, institution=serbia.probation,
        )  # fmt: skip
    else:
        code, role = who.split()
        actor = world[code].users[role]
    for invitation in (own, about):
        with pytest.raises(Http404):
            answer_follow_up(actor=actor, invitation=invitation, ratings=RATINGS)
    assert not FollowUpAnswer.objects.exists()


def test_a_participant_may_not_answer_the_managers_questionnaire(serbia, invitations):
    _own, about = invitations
    with pytest.raises(Http404):
        answer_follow_up(actor=serbia.users["staff"], invitation=about, ratings=RATINGS)


def test_answering_twice_is_refused(serbia, invitations):
    own, _about = invitations
    answer_follow_up(actor=serbia.users["staff"], invitation=own, ratings=RATINGS)
    with pytest.raises(ValidationError, match="already been answered"):
        answer_follow_up(actor=serbia.users["staff"], invitation=own, ratings=RATINGS)
    assert FollowUpAnswer.objects.count() == 1


def test_a_rating_outside_one_to_five_is_refused(serbia, invitations):
    own, _about = invitations
    with pytest.raises(ValidationError):
        answer_follow_up(
            actor=serbia.users["staff"], invitation=own, ratings={**RATINGS, "used": 6}
        )
    own.refresh_from_db()
    assert not own.answered


# Anonymity ------------------------------------------------------------------------------------


def test_no_field_of_an_answer_could_name_the_person_or_the_time():
    fields = FollowUpAnswer._meta.concrete_fields
    assert isinstance(FollowUpAnswer._meta.pk, models.UUIDField)
    related = {f.related_model for f in fields if f.is_relation}
    assert related == {FollowUpAnswer._meta.get_field("session").related_model}
    assert not {StaffMember, Enrolment, User, FollowUpInvitation} & related
    assert not [f for f in fields if isinstance(f, models.DateField | models.TimeField)]
    assert {f.name for f in fields} == {
        "id", "session", "respondent", "used", "changed", "support", "comment",
    }  # fmt: skip


def test_the_audit_trail_holds_no_row_about_the_answer(serbia, invitations):
    own, _about = invitations
    answer_follow_up(actor=serbia.users["staff"], invitation=own, ratings=RATINGS, comment="Ok")
    answer = FollowUpAnswer.objects.get()
    events = AuditEvent.objects.all()
    assert not events.filter(object_type=ContentType.objects.get_for_model(FollowUpAnswer)).exists()
    assert not events.filter(object_id=str(answer.pk)).exists()
    for event in events:
        text = f"{event.before} {event.after} {event.message}"
        assert str(answer.pk) not in text
        assert "Ok" not in (event.after or {}).values()
    # What is audited is the invitation's "answered", by its person: not the answer.
    marked = events.get(object_type=ContentType.objects.get_for_model(FollowUpInvitation),
                        object_id=str(own.pk), action=AuditEvent.Action.UPDATE)  # fmt: skip
    assert marked.after["answered"] is True
    assert not {"used", "changed", "support", "comment"} & set(marked.after)
