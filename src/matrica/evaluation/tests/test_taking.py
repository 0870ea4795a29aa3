"""A participant takes the pre-test and the post-test on their phone while the tests are open;
the trainer enters paper scores; the session page shows each person's learning gain and the
mean."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from matrica.audit.models import AuditEvent
from matrica.delivery import actions as delivery
from matrica.delivery.models import Enrolment, TrainingSession
from matrica.delivery.tests.conftest import make_pool_trainer, plan
from matrica.evaluation import actions
from matrica.evaluation.models import ModuleTest, Question, TestResult
from matrica.framework.models import Module
from matrica.tenancy.roles import Role
from matrica.testing.factories import UserFactory
from matrica.testing.sessions import closed_session, held_session

pytestmark = pytest.mark.django_db

RIGHT, WRONG = actions.Answer("Right", True), actions.Answer("Wrong", False)


def bank(session, actor, *, pass_mark=50, questions=2, language="en") -> ModuleTest:
    """The session's administration's own test of its module: `questions` single-choice
    questions whose right answer is "Right"."""
    test = actions.save_test(
        actor=actor, module=session.module, beneficiary_id=session.beneficiary_id,
        pass_mark=pass_mark,
    )  # fmt: skip
    for number in range(questions):
        actions.add_question(
            actor=actor, test=test, language=language, kind="single", text=f"Question {number}",
            choices=[RIGHT, WRONG],
        )  # fmt: skip
    return test


def upcoming_session(admin, *, people=None, starts_on=None, days=2, capacity=10):
    """A session of BA by the administration's trainer, open, `people` (by default the first
    two) given places; it starts in two weeks unless told otherwise."""
    manager = admin.users["training_manager"]
    module = Module.objects.get(code="BA")
    trainer = admin.users["trainer"].staff_member
    make_pool_trainer(trainer, module)
    starts_on = starts_on or timezone.localdate() + datetime.timedelta(days=14)
    session = plan(admin, module, trainer, starts_on=starts_on, days=days, capacity=capacity)
    delivery.open_session(actor=manager, session=session)
    delivery.nominate(
        actor=manager, session=session, staff_members=list(people or admin.people[:2])
    )
    delivery.confirm(actor=manager, session=session)
    session.refresh_from_db()
    return session


def all_right(test: ModuleTest) -> dict[int, set[int]]:
    return {q.pk: {q.choices.get(correct=True).pk} for q in test.questions.all()}


def place_of(admin, session) -> Enrolment:
    return session.enrolments.get(staff_member=admin.users["staff"].staff_member)


def take(admin, session, phase, picked=None):
    test = ModuleTest.objects.get(module=session.module, beneficiary=session.beneficiary)
    return actions.take_test(
        actor=admin.users["staff"], enrolment=place_of(admin, session), phase=phase,
        picked=all_right(test) if picked is None else picked,
    )  # fmt: skip


def refused(call, message: str) -> None:
    with pytest.raises(ValidationError) as error:
        call()
    assert message in " ".join(error.value.messages)


# Taking a test on the phone page ----------------------------------------------------------------


def test_a_participant_takes_the_post_test_and_sees_the_score(world):
    serbia = world["RS"]
    person = serbia.users["staff"].staff_member
    session = held_session(serbia, people=[person, serbia.people[1]])
    test = bank(session, serbia.users["training_manager"])
    client = Client()
    client.force_login(serbia.users["staff"])
    page = client.get(reverse("evaluation:take_test", args=[session.pk, "post"]))
    assert page.status_code == 200
    first, second = test.questions.order_by("position")
    right = first.choices.get(correct=True).pk
    wrong = second.choices.get(correct=False).pk
    answer = client.post(
        reverse("evaluation:take_test", args=[session.pk, "post"]),
        {f"q{first.pk}": right, f"q{second.pk}": wrong},
        follow=True,
    )
    assert "Your score: 50.00%" in answer.content.decode()
    result = TestResult.objects.get(enrolment__staff_member=person, phase="post")
    assert result.score == Decimal("50.00")
    assert result.method == TestResult.Method.ONLINE
    assert sorted(result.answers) == sorted([right, wrong])
    again = client.post(reverse("evaluation:take_test", args=[session.pk, "post"]), {})
    assert "You have already taken this test." in again.content.decode()
    assert TestResult.objects.filter(enrolment__staff_member=person).count() == 1


# When the tests are open -----------------------------------------------------------------------


def test_before_the_session_the_pre_test_is_open_and_the_post_test_is_not(world):
    serbia = world["RS"]
    session = upcoming_session(serbia)
    bank(session, serbia.users["training_manager"])
    assert take(serbia, session, "pre").score == 100
    refused(
        lambda: take(serbia, session, "post"), "The post-test opens on the session's first day."
    )


def test_during_the_session_both_tests_are_open(world):
    serbia = world["RS"]
    session = upcoming_session(serbia, starts_on=timezone.localdate())
    bank(session, serbia.users["training_manager"])
    assert take(serbia, session, "pre").phase == "pre"
    assert take(serbia, session, "post").phase == "post"


def test_the_pre_test_is_closed_once_the_post_test_is_taken(world):
    serbia = world["RS"]
    session = held_session(serbia)
    bank(session, serbia.users["training_manager"])
    take(serbia, session, "post")
    refused(lambda: take(serbia, session, "pre"), "The pre-test comes before the post-test.")


def test_a_test_is_taken_once(world):
    serbia = world["RS"]
    session = upcoming_session(serbia)
    bank(session, serbia.users["training_manager"])
    take(serbia, session, "pre", picked={})
    refused(lambda: take(serbia, session, "pre"), "You have already taken this test.")
    assert TestResult.objects.get(phase="pre").score == 0


def test_nothing_is_taken_after_the_session_closes(world):
    serbia = world["RS"]
    session = closed_session(serbia)
    bank(session, serbia.users["training_manager"])
    for phase in ("pre", "post"):
        refused(lambda phase=phase: take(serbia, session, phase),
                "The tests close when the session closes.")  # fmt: skip
    assert not TestResult.objects.exists()


def test_nothing_is_taken_in_a_cancelled_session(world):
    serbia = world["RS"]
    session = upcoming_session(serbia)
    bank(session, serbia.users["training_manager"])
    delivery.cancel_session(
        actor=serbia.users["training_manager"], session=session, reason="Trainer ill"
    )
    enrolment = place_of(serbia, session)
    assert actions.test_open(enrolment, "pre", []) == "The tests close when the session closes."
    refused(lambda: take(serbia, session, "pre"), "Only participants with a place")
    assert not TestResult.objects.exists()


def test_someone_withdrawn_cannot_take_a_test(world):
    serbia = world["RS"]
    session = upcoming_session(serbia)
    bank(session, serbia.users["training_manager"])
    delivery.withdraw(actor=serbia.users["staff"], enrolment=place_of(serbia, session))
    refused(lambda: take(serbia, session, "pre"), "Only participants with a place")


def test_someone_waitlisted_cannot_take_a_test(world):
    serbia = world["RS"]
    session = upcoming_session(serbia, people=[serbia.people[1]], capacity=1)
    manager = serbia.users["training_manager"]
    delivery.nominate(
        actor=manager, session=session, staff_members=[serbia.users["staff"].staff_member]
    )
    delivery.confirm(actor=manager, session=session)
    assert place_of(serbia, session).state == Enrolment.State.WAITLISTED
    bank(session, serbia.users["training_manager"])
    refused(lambda: take(serbia, session, "pre"), "Only participants with a place")


def test_nobody_takes_a_test_in_another_persons_place(world):
    serbia = world["RS"]
    session = upcoming_session(serbia)
    test = bank(session, serbia.users["training_manager"])
    other = session.enrolments.exclude(staff_member=serbia.users["staff"].staff_member).get()
    for actor in (serbia.users["staff"], serbia.users["training_manager"]):
        with pytest.raises(Http404):
            actions.take_test(actor=actor, enrolment=other, phase="pre", picked=all_right(test))
    assert not TestResult.objects.exists()


def test_a_choice_of_another_question_is_refused(world):
    serbia = world["RS"]
    session = upcoming_session(serbia)
    test = bank(session, serbia.users["training_manager"])
    first, second = test.questions.order_by("position")
    foreign = second.choices.get(correct=True).pk
    refused(lambda: take(serbia, session, "pre", picked={first.pk: {foreign}}),
            "Answer the questions of this test only.")  # fmt: skip
    refused(lambda: take(serbia, session, "pre", picked={999_999: set()}),
            "Answer the questions of this test only.")  # fmt: skip
    assert not TestResult.objects.exists()


def test_questions_come_in_the_language_asked_else_english_else_any(world):
    serbia = world["RS"]
    session = held_session(serbia)
    manager = serbia.users["training_manager"]
    test = bank(session, manager, language="sr-latn", questions=1)
    assert [q.language for q in actions.questions_for(test, "sq")] == ["sr-latn"]
    bank(session, manager, language="en", questions=2)
    assert [q.language for q in actions.questions_for(test, "sq")] == ["en", "en"]
    assert [q.language for q in actions.questions_for(test, "sr-latn")] == ["sr-latn"]
    empty = ModuleTest.objects.create(module=Module.objects.get(code="TT"), pass_mark=70)
    assert actions.questions_for(empty, "en") == []


# Paper scores ----------------------------------------------------------------------------------


def paper(actor, session, phase="post", values=()) -> int:
    scores = {
        session.enrolments.get(staff_member=member).pk: Decimal(value) for member, value in values
    }
    return actions.record_scores(actor=actor, session=session, phase=phase, scores=scores)


@pytest.mark.parametrize("role", ["trainer", "training_manager", "national_admin"])
def test_the_sessions_trainer_and_the_planners_enter_paper_scores(world, role):
    serbia = world["RS"]
    session = held_session(serbia)
    bank(session, serbia.users["training_manager"])
    first, second = serbia.people[:2]
    actor = serbia.users[role]
    assert paper(actor, session, values=[(first, "80"), (second, "55.5")]) == 2
    scores = dict(
        TestResult.objects.values_list("enrolment__staff_member_id", "score").order_by("pk")
    )
    assert scores == {first.pk: Decimal("80"), second.pk: Decimal("55.5")}
    assert set(TestResult.objects.values_list("method", flat=True)) == {"paper"}
    events = AuditEvent.objects.filter(object_type__model="testresult", user=actor)
    assert events.count() == 2
    assert {Decimal(e.after["score"]) for e in events} == {Decimal("80"), Decimal("55.5")}
    # Entering the same scores again changes nothing and writes no audit row.
    assert paper(actor, session, values=[(first, "80")]) == 0
    assert AuditEvent.objects.filter(object_type__model="testresult").count() == 2


def test_another_trainer_of_the_administration_cannot_enter_scores(world):
    serbia = world["RS"]
    session = held_session(serbia)
    bank(session, serbia.users["training_manager"])
    colleague = UserFactory.create(
        username="trainer-rs-2", role=Role.TRAINER, beneficiary=serbia.beneficiary,
        institution=serbia.probation, staff_member=serbia.people[1],
    )  # fmt: skip
    with pytest.raises(Http404):
        paper(colleague, session, values=[(serbia.people[0], "80")])
    client = Client()
    client.force_login(colleague)
    url = reverse("evaluation:record_scores", args=[session.pk])
    assert client.post(url, {"phase": "post"}).status_code == 404


def test_a_staff_member_is_forbidden_and_a_trainer_of_montenegro_finds_nothing(world):
    serbia = world["RS"]
    session = held_session(serbia)
    bank(session, serbia.users["training_manager"])
    with pytest.raises(PermissionDenied):
        paper(serbia.users["staff"], session, values=[(serbia.people[0], "80")])
    with pytest.raises(Http404):
        paper(world["ME"].users["trainer"], session, values=[(serbia.people[0], "80")])
    assert not TestResult.objects.exists()


def test_paper_scores_are_entered_while_the_session_is_open_or_held(world):
    serbia = world["RS"]
    upcoming = upcoming_session(serbia)
    bank(upcoming, serbia.users["training_manager"])
    trainer = serbia.users["trainer"]
    assert paper(trainer, upcoming, "pre", values=[(serbia.people[0], "40")]) == 1
    closed = closed_session(serbia)
    refused(lambda: paper(trainer, closed, "pre", values=[(serbia.people[0], "40")]),
            "Scores are entered while a session is open or held.")  # fmt: skip
    planned = plan(serbia, upcoming.module, trainer.staff_member)
    assert planned.state == TrainingSession.State.PLANNED
    refused(lambda: paper(trainer, planned, "pre"),
            "Scores are entered while a session is open or held.")  # fmt: skip


def test_scores_out_of_range_are_refused_on_the_form(world):
    serbia = world["RS"]
    session = held_session(serbia)
    bank(session, serbia.users["training_manager"])
    first, second = session.enrolments.order_by("pk")
    client = Client()
    client.force_login(serbia.users["trainer"])
    url = reverse("evaluation:record_scores", args=[session.pk])
    response = client.post(
        url, {"phase": "post", f"post-score_{first.pk}": "101", f"post-score_{second.pk}": "-1"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Ensure this value is less than or equal to 100." in page
    assert "Ensure this value is greater than or equal to 0." in page
    assert not TestResult.objects.exists()


def test_the_trainer_sees_gains_and_enters_paper_scores(world):
    serbia = world["RS"]
    session = held_session(serbia)
    bank(session, serbia.users["training_manager"])
    client = Client()
    client.force_login(serbia.users["trainer"])
    first, second = session.enrolments.order_by("pk")
    url = reverse("evaluation:record_scores", args=[session.pk])
    for phase, scores in (("pre", ("40", "60")), ("post", ("90", "70"))):
        data = {
            f"{phase}-score_{e.pk}": score for e, score in zip((first, second), scores, strict=True)
        }
        client.post(url, {"phase": phase, **data})
    page = client.get(reverse("evaluation:session", args=[session.pk])).content.decode()
    assert "+50.00" in page
    assert "+10.00" in page
    assert "+30.0" in page  # the mean gain


def test_a_question_removed_after_the_test_leaves_the_score_as_it_was(world):
    serbia = world["RS"]
    session = held_session(serbia)
    test = bank(session, serbia.users["training_manager"])
    take(serbia, session, "post")
    actions.remove_question(
        actor=serbia.users["training_manager"], question=Question.objects.filter(test=test)[0]
    )
    assert TestResult.objects.get().score == 100
