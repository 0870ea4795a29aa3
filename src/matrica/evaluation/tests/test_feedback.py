"""Feedback on a session: once per participant, after the session is held, anonymous by
construction (nothing stored ties an answer to a person or a moment), and shown to the trainer
only from five answers on."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import translation

from matrica.accounts.models import User
from matrica.audit.models import AuditEvent
from matrica.evaluation import actions
from matrica.evaluation.models import FeedbackAnswer, FeedbackReceipt
from matrica.evaluation.selectors import feedback_summary
from matrica.staff.models import StaffMember
from matrica.tenancy.roles import Role
from matrica.testing.factories import StaffMemberFactory, UserFactory
from matrica.testing.sessions import closed_session, held_session

from .test_taking import upcoming_session

pytestmark = pytest.mark.django_db

GOOD = {"relevance": 5, "trainer": 4, "materials": 3, "confidence": 4}


def participants(admin, count: int) -> list[User]:
    """`count` people of the administration's prison, each with a staff account."""
    return [
        UserFactory.create(
            username=f"participant-{index}",
            role=Role.STAFF,
            beneficiary=admin.beneficiary,
            institution=admin.prison,
            staff_member=StaffMemberFactory.create(institution=admin.prison),
        )
        for index in range(count)
    ]


def members(users: list[User]) -> list[StaffMember]:
    return [user.staff_member for user in users if user.staff_member is not None]


def answer(user, session, ratings=GOOD, comment=""):
    actions.give_feedback(
        actor=user, enrolment=session.enrolments.get(staff_member=user.staff_member),
        ratings=ratings, comment=comment,
    )  # fmt: skip


def test_a_participant_gives_feedback_once(world):
    serbia = world["RS"]
    session = held_session(serbia)
    staff = serbia.users["staff"]
    answer(staff, session, comment="Useful")
    with pytest.raises(ValidationError) as error:
        answer(staff, session, comment="Again")
    assert "You have already given your feedback." in error.value.messages[0]
    assert FeedbackAnswer.objects.count() == FeedbackReceipt.objects.count() == 1


def test_the_feedback_page_takes_the_answer_and_then_says_thank_you(world):
    serbia = world["RS"]
    session = held_session(serbia)
    client = Client()
    client.force_login(serbia.users["staff"])
    url = reverse("evaluation:feedback", args=[session.pk])
    response = client.post(url, {**GOOD, "comment": "More exercises"}, follow=True)
    assert "Thank you: your feedback is recorded, without your name." in response.content.decode()
    assert FeedbackAnswer.objects.get().comment == "More exercises"
    again = client.get(url).content.decode()
    assert "You have already given your feedback. Thank you." in again
    assert 'name="relevance"' not in again


def test_a_missing_rating_is_asked_for(world):
    serbia = world["RS"]
    session = held_session(serbia)
    client = Client()
    client.force_login(serbia.users["staff"])
    ratings = {k: v for k, v in GOOD.items() if k != "trainer"}
    response = client.post(reverse("evaluation:feedback", args=[session.pk]), ratings)
    assert "Choose a rating from 1 to 5." in response.content.decode()
    assert not FeedbackAnswer.objects.exists()


def test_feedback_opens_when_the_session_is_held(world):
    serbia = world["RS"]
    session = upcoming_session(serbia)
    with pytest.raises(ValidationError) as error:
        answer(serbia.users["staff"], session)
    assert "Feedback opens when the session has been held." in error.value.messages[0]
    assert not FeedbackAnswer.objects.exists()
    assert not FeedbackReceipt.objects.exists()


def test_feedback_may_still_be_given_once_the_session_is_closed(world):
    serbia = world["RS"]
    session = closed_session(serbia)
    answer(serbia.users["staff"], session)
    assert FeedbackAnswer.objects.filter(session=session).count() == 1


def test_only_the_participant_answers_for_their_place(world):
    serbia = world["RS"]
    session = held_session(serbia)
    other = session.enrolments.exclude(staff_member=serbia.users["staff"].staff_member).get()
    for actor in (serbia.users["staff"], serbia.users["trainer"], world.coordinator):
        with pytest.raises(Http404):
            actions.give_feedback(actor=actor, enrolment=other, ratings=GOOD)
    assert not FeedbackAnswer.objects.exists()


def test_the_answer_is_kept_in_the_participants_language(world):
    serbia = world["RS"]
    session = held_session(serbia)
    with translation.override("sr"):
        answer(serbia.users["staff"], session, comment="Корисно")
    stored = FeedbackAnswer.objects.get()
    assert (stored.language, stored.comment) == ("sr", "Корисно")


# Anonymity by construction --------------------------------------------------------------------


def test_no_stored_field_of_an_answer_could_name_a_person_or_a_moment():
    fields = FeedbackAnswer._meta.concrete_fields
    pk = FeedbackAnswer._meta.pk
    assert isinstance(pk, models.UUIDField)
    assert not any(isinstance(f, models.AutoField | models.BigAutoField) for f in fields)
    related = [f.name for f in fields if f.is_relation]
    assert related == ["session"]
    timed = (models.DateField, models.DateTimeField, models.TimeField, models.DurationField)
    assert not [f.name for f in fields if isinstance(f, timed)]
    # Nothing else: a rating, the language and the comment.
    assert {f.name for f in fields} == {
        "id", "session", "language", "relevance", "trainer", "materials", "confidence", "comment",
    }  # fmt: skip
    # The receipt names the person and nothing of the answer, nor when it was given.
    receipt = [f.name for f in FeedbackReceipt._meta.concrete_fields]
    assert receipt == ["id", "enrolment"]


def test_the_answers_keys_are_random_not_in_arrival_order(world):
    serbia = world["RS"]
    users = participants(serbia, 3)
    session = held_session(serbia, people=members(users))
    for user in users:
        answer(user, session)
    keys = list(FeedbackAnswer.objects.values_list("id", flat=True))
    assert all(key.version == 4 for key in keys)


def test_no_audit_row_mentions_the_answer_but_the_receipt_is_audited(world):
    serbia = world["RS"]
    session = held_session(serbia)
    staff = serbia.users["staff"]
    before = set(AuditEvent.objects.values_list("pk", flat=True))
    answer(staff, session, comment="The trainer was late every day")
    stored = FeedbackAnswer.objects.get()
    new = AuditEvent.objects.exclude(pk__in=before)
    assert [e.object_type.model for e in new] == ["feedbackreceipt"]
    receipt = new.get()
    assert receipt.user == staff
    stored_receipt = FeedbackReceipt.objects.get()
    assert receipt.after == {"id": stored_receipt.pk, "enrolment_id": stored_receipt.enrolment_id}
    for event in AuditEvent.objects.all():
        text = " ".join(
            str(part)
            for part in (event.object_id, event.object_repr, event.before, event.after,
                         event.message)
        )  # fmt: skip
        assert str(stored.id) not in text
        assert stored.id.hex not in text
        assert "The trainer was late" not in text


# What the trainer sees ------------------------------------------------------------------------


def trainers_view(admin, session) -> str:
    client = Client()
    client.force_login(admin.users["trainer"])
    return client.get(reverse("evaluation:session", args=[session.pk])).content.decode()


def test_the_trainer_sees_no_figure_for_four_answers_and_sees_them_for_five(world):
    serbia = world["RS"]
    users = participants(serbia, 5)
    session = held_session(serbia, people=members(users))
    ratings = [1, 2, 3, 4, 4]
    for user, rating in zip(users[:4], ratings, strict=False):
        answer(user, session, {**GOOD, "relevance": rating}, comment=f"Comment {rating}")
    summary = feedback_summary(session)
    assert (summary.answers, summary.means, summary.comments) == (4, {}, [])
    page = trainers_view(serbia, session)
    assert "4 answers." in page
    assert "Figures are shown from 5 answers" in page
    assert "/ 5" not in page
    assert "Comment 1" not in page

    answer(users[4], session, {**GOOD, "relevance": ratings[4]}, comment="Comment 4b")
    summary = feedback_summary(session)
    assert summary.answers == 5
    assert summary.means["relevance"] == Decimal("2.8")  # (1 + 2 + 3 + 4 + 4) / 5
    assert summary.means["trainer"] == Decimal("4.0")
    page = trainers_view(serbia, session)
    assert "5 answers." in page
    assert "The session was relevant to my work</dt><dd>2.8 / 5" in page
    assert "Comment 1" in page


def test_comments_are_shown_sorted_not_in_the_order_they_came(world):
    serbia = world["RS"]
    users = participants(serbia, 5)
    session = held_session(serbia, people=members(users))
    comments = ["Zebra crossing", "More role play", "", "Apples at lunch", "Longer breaks"]
    for user, comment in zip(users, comments, strict=True):
        answer(user, session, comment=comment)
    expected = ["Apples at lunch", "Longer breaks", "More role play", "Zebra crossing"]
    assert feedback_summary(session).comments == expected
    page = trainers_view(serbia, session)
    positions = [page.index(comment) for comment in expected]
    assert positions == sorted(positions)


def test_a_staff_member_sees_neither_the_figures_nor_the_comments(world):
    serbia = world["RS"]
    users = participants(serbia, 4)
    staff = serbia.users["staff"]
    session = held_session(serbia, people=members([staff, *users]))
    for user in [staff, *users]:
        answer(user, session, comment="A comment")
    client = Client()
    client.force_login(staff)
    page = client.get(reverse("evaluation:session", args=[session.pk])).content.decode()
    assert "Participants&#x27; feedback" not in page
    assert "A comment" not in page
