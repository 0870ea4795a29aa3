"""A participant takes the pre-test and the post-test on their phone; the trainer enters paper
scores; the session page shows each person's learning gain and the mean."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from matrica.evaluation import actions
from matrica.evaluation.models import TestResult
from matrica.testing.sessions import held_session

pytestmark = pytest.mark.django_db


def bank(session, actor):
    test = actions.save_test(
        actor=actor, module=session.module, beneficiary_id=session.beneficiary_id, pass_mark=50
    )
    for number in range(2):
        actions.add_question(
            actor=actor, test=test, language="en", kind="single", text=f"Question {number}",
            choices=[actions.Answer("Right", True), actions.Answer("Wrong", False)],
        )  # fmt: skip
    return test


def test_a_participant_takes_the_post_test_and_sees_the_score(world):
    serbia = world["RS"]
    person = serbia.users["staff"].staff_member
    session = held_session(serbia, people=[person, serbia.people[0]])
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
    again = client.post(reverse("evaluation:take_test", args=[session.pk, "post"]), {})
    assert "You have already taken this test." in again.content.decode()


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
