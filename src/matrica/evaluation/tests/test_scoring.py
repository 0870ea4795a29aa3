"""Scoring a test, the learning gain and the pass mark: a question earns its point only when
exactly its right answers are picked; the gain is post-test minus pre-test for each person,
and the mean gain is taken over the people who sat both tests."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from matrica.delivery import actions as delivery
from matrica.delivery.models import Enrolment
from matrica.evaluation import actions
from matrica.evaluation.models import ModuleTest
from matrica.evaluation.selectors import passed, session_results
from matrica.framework.models import Module
from matrica.testing.factories import StaffMemberFactory
from matrica.testing.sessions import held_session

from .test_taking import bank

pytestmark = pytest.mark.django_db


class Rollback(Exception):
    pass


# A question: its kind, which of its answers are right, and what was picked (None: skipped).
QuestionCase = tuple[str, list[bool], set[int] | None]


@st.composite
def questions_and_picks(draw: st.DrawFn) -> list[QuestionCase]:
    cases: list[QuestionCase] = []
    for _ in range(draw(st.integers(min_value=1, max_value=9))):
        size = draw(st.integers(min_value=2, max_value=5))
        index = st.integers(min_value=0, max_value=size - 1)
        if draw(st.booleans()):
            right = draw(index)
            correct = [i == right for i in range(size)]
            pick = draw(st.none() | st.just(set()) | index.map(lambda i: {i}))
            cases.append(("single", correct, pick))
        else:
            correct = draw(st.lists(st.booleans(), min_size=size, max_size=size).filter(any))
            pick = draw(st.none() | st.sets(index))
            cases.append(("multiple", correct, pick))
    return cases


def reference_score(cases: list[QuestionCase]) -> Decimal:
    """In plain Python: the share of questions whose picks are exactly their right answers, in
    percent, rounded half up to two decimals."""
    right = sum(
        pick is not None and pick == {i for i, ok in enumerate(correct) if ok}
        for _kind, correct, pick in cases
    )
    hundredths = math.floor(Fraction(100 * 100 * right, len(cases)) + Fraction(1, 2))
    return Decimal(hundredths) / 100


@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cases=questions_and_picks())
def test_the_score_agrees_with_the_reference(world, cases):
    try:
        with transaction.atomic():
            test = ModuleTest.objects.create(module=Module.objects.get(code="BA"))
            questions, picked = [], {}
            for number, (kind, correct, pick) in enumerate(cases):
                question = actions.add_question(
                    actor=world.coordinator, test=test, language="en", kind=kind,
                    text=f"Question {number}",
                    choices=[actions.Answer(f"Answer {i}", ok) for i, ok in enumerate(correct)],
                )  # fmt: skip
                choices = list(question.choices.order_by("position"))
                if pick is not None:
                    picked[question.pk] = {choices[i].pk for i in pick}
                questions.append(question)
            got = actions.score(actions.questions_for(test, "en"), picked)
            assert got == reference_score(cases)
            assert 0 <= got <= 100
            raise Rollback
    except Rollback:
        pass


def multiple_choice_test(world):
    test = ModuleTest.objects.create(module=Module.objects.get(code="BA"))
    question = actions.add_question(
        actor=world.coordinator, test=test, language="en", kind="multiple",
        text="Which of these are rights of a prisoner?",
        choices=[actions.Answer("Legal counsel", True), actions.Answer("Family visits", True),
                 actions.Answer("Choosing the cell", False)],
    )  # fmt: skip
    return test, question, [c.pk for c in question.choices.order_by("position")]


@pytest.mark.parametrize(
    ("picks", "expected"),
    [((0, 1), 100), ((0,), 0), ((1,), 0), ((0, 1, 2), 0), ((2,), 0), ((), 0)],
)
def test_a_multiple_choice_question_counts_only_for_exactly_the_right_answers(
    world, picks, expected
):
    test, question, choices = multiple_choice_test(world)
    picked = {question.pk: {choices[i] for i in picks}}
    assert actions.score(actions.questions_for(test, "en"), picked) == expected


def test_scores_are_rounded_half_up_to_two_decimals(world):
    test = ModuleTest.objects.create(module=Module.objects.get(code="BA"))
    questions = [
        actions.add_question(
            actor=world.coordinator,
            test=test,
            language="en",
            kind="single",
            text=f"Question {n}",
            choices=[actions.Answer("Yes", True), actions.Answer("No", False)],
        )
        for n in range(3)
    ]
    right = {q.pk: {q.choices.get(correct=True).pk} for q in questions}
    bank_ = actions.questions_for(test, "en")
    assert actions.score(bank_, dict(list(right.items())[:1])) == Decimal("33.33")
    assert actions.score(bank_, dict(list(right.items())[:2])) == Decimal("66.67")
    assert actions.score(bank_, right) == Decimal("100.00")
    assert actions.score([], {}) == 0


# Learning gain and means ----------------------------------------------------------------------


def session_of_five(world):
    """A held session of Serbia with five participants and the administration's test of BA
    (pass mark 70)."""
    serbia = world["RS"]
    people = [serbia.people[0], serbia.people[1]] + [
        StaffMemberFactory.create(institution=serbia.prison) for _ in range(3)
    ]
    session = held_session(serbia, people=people)
    bank(session, serbia.users["training_manager"], pass_mark=70)
    return session, people


def enter(world, session, phase, scores):
    enrolments = {e.staff_member_id: e.pk for e in session.enrolments.all()}
    actions.record_scores(
        actor=world["RS"].users["trainer"], session=session, phase=phase,
        scores={enrolments[person.pk]: Decimal(value) for person, value in scores},
    )  # fmt: skip


def test_the_gain_is_post_minus_pre_and_the_mean_gain_counts_only_people_with_both(world):
    session, (a, b, c, d, e) = session_of_five(world)
    enter(world, session, "pre", [(a, "40"), (b, "60"), (c, "30"), (e, "55")])
    enter(world, session, "post", [(a, "90"), (b, "70"), (d, "85"), (e, "45")])
    results = session_results(session, Enrolment.objects.all())
    gains = {row.enrolment.staff_member_id: row.gain for row in results.rows}
    assert gains == {a.pk: 50, b.pk: 10, c.pk: None, d.pk: None, e.pk: -10}
    assert results.mean_pre == Decimal("46.3")  # (40 + 60 + 30 + 55) / 4 = 46.25
    assert results.mean_post == Decimal("72.5")  # (90 + 70 + 85 + 45) / 4
    assert results.mean_gain == Decimal("16.7")  # (50 + 10 - 10) / 3, c and d left out
    assert results.pass_mark == 70
    assert results.passed == 3  # a, b (exactly the pass mark) and d


def test_without_any_score_there_is_no_mean(world):
    session, _people = session_of_five(world)
    results = session_results(session, Enrolment.objects.all())
    assert len(results.rows) == 5
    assert results.mean_pre is results.mean_post is results.mean_gain is None
    assert all(row.passed is None for row in results.rows)


def test_the_results_are_those_of_the_people_the_viewer_may_see(world):
    session, (a, b, *_rest) = session_of_five(world)
    enter(world, session, "post", [(a, "90"), (b, "20")])
    staff = world["RS"].users["staff"]  # a's account
    results = session_results(session, Enrolment.objects.visible_to(staff))
    assert [row.enrolment.staff_member_id for row in results.rows] == [a.pk]
    assert results.mean_post == 90


def test_exactly_the_pass_mark_passes(world):
    session, (a, b, c, d, _e) = session_of_five(world)
    enter(world, session, "post", [(a, "70"), (b, "69.99"), (c, "100")])
    rows = {r.enrolment.staff_member_id: r.passed for r in session_results(
        session, Enrolment.objects.all()).rows}  # fmt: skip
    assert (rows[a.pk], rows[b.pk], rows[c.pk], rows[d.pk]) == (True, False, True, None)
    delivery.close_session(actor=world["RS"].users["training_manager"], session=session)
    by_person = {
        Enrolment.objects.get(pk=pk).staff_member_id: score for pk, score in passed(session).items()
    }
    assert by_person == {a.pk: Decimal("70"), c.pk: Decimal("100")}


def test_the_administrations_own_pass_mark_is_the_one_that_counts(world):
    session, (a, *_rest) = session_of_five(world)
    actions.save_test(actor=world.coordinator, module=session.module, beneficiary_id=None,
                      pass_mark=95)  # fmt: skip
    enter(world, session, "post", [(a, "80")])
    assert session_results(session, Enrolment.objects.all()).pass_mark == 70
    assert next(r for r in session_results(session, Enrolment.objects.all()).rows
                if r.enrolment.staff_member_id == a.pk).passed  # fmt: skip


def test_without_a_test_everyone_who_attended_passes(world):
    serbia = world["RS"]
    session = held_session(serbia)
    delivery.close_session(actor=serbia.users["training_manager"], session=session)
    assert passed(session) == dict.fromkeys(
        session.enrolments.filter(state="attended").values_list("pk", flat=True)
    )
    assert len(passed(session)) == 2
