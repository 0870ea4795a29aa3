"""The pages of tests and feedback: who reaches each (every role of both administrations, the
coordinator, anonymous), how many queries they cost whatever the session's size, and what a
participant sees on the phone test page."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from matrica.delivery import actions as delivery
from matrica.evaluation import actions
from matrica.evaluation.models import FeedbackAnswer, ModuleTest, Question, TestResult
from matrica.framework.models import Module
from matrica.testing.factories import StaffMemberFactory
from matrica.testing.sessions import held_session, last_week
from matrica.testing.world import login_as

from .test_taking import bank, upcoming_session

pytestmark = pytest.mark.django_db

ROLES = ["national_admin", "training_manager", "institution_manager", "trainer", "staff"]
WHO = [f"{code}:{role}" for code in ("RS", "ME") for role in ROLES] + ["coordinator", "anonymous"]

# A held session of Serbia, open to the whole administration, delivered by Serbia's trainer,
# in which Serbia's staff member has a place; Serbia's own test of BA with one question.
SEES_SESSION = {"RS:national_admin", "RS:training_manager", "RS:institution_manager",
                "RS:trainer", "RS:staff", "coordinator"}  # fmt: skip
PLANS_SERBIA = {"RS:national_admin", "RS:training_manager"}
PLANNERS = PLANS_SERBIA | {"ME:national_admin", "ME:training_manager"}
KEEPS_REGISTER = PLANS_SERBIA | {"RS:trainer"}
SERBIANS = {f"RS:{role}" for role in ROLES}


def expected_for(page: str, who: str) -> int:
    if who == "anonymous":
        return 302
    if page == "session":
        return 200 if who in SEES_SESSION else 404
    if page in ("take_pre", "take_post", "feedback"):  # the participant's own place only
        return 200 if who == "RS:staff" else 404
    if page == "record_scores":
        if who in KEEPS_REGISTER:
            return 302
        return 403 if who in SEES_SESSION else 404
    if page in ("tests", "bank_common"):
        return 200 if who in PLANNERS | {"coordinator"} else 403
    if page == "bank_own":  # Serbia's own module: absent for Montenegro and the coordinator
        if who in PLANS_SERBIA:
            return 200
        return 403 if who in SERBIANS else 404
    assert page == "remove_question"  # a question of Serbia's own test
    if who in PLANS_SERBIA:
        return 302
    return 403 if who in SERBIANS else 404


@pytest.fixture
def scene(world):
    serbia = world["RS"]
    session = held_session(serbia)
    test = bank(session, serbia.users["training_manager"], questions=1)
    Module.objects.create(
        beneficiary=serbia.beneficiary, code="RS-OWN", title="Own", hours=4, validity_months=12
    )
    return session, test.questions.get()


PAGES = ["session", "take_pre", "take_post", "feedback", "record_scores", "tests", "bank_common",
         "bank_own", "remove_question"]  # fmt: skip


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("page", PAGES)
def test_who_reaches_each_evaluation_page(client, world, scene, page, who):
    session, question = scene
    login_as(client, world, who)
    urls = {
        "session": reverse("evaluation:session", args=[session.pk]),
        "take_pre": reverse("evaluation:take_test", args=[session.pk, "pre"]),
        "take_post": reverse("evaluation:take_test", args=[session.pk, "post"]),
        "feedback": reverse("evaluation:feedback", args=[session.pk]),
        "record_scores": reverse("evaluation:record_scores", args=[session.pk]),
        "tests": reverse("evaluation:tests"),
        "bank_common": reverse("evaluation:test_bank", args=["BA"]),
        "bank_own": reverse("evaluation:test_bank", args=["RS-OWN"]),
        "remove_question": reverse("evaluation:remove_question", args=[question.pk]),
    }
    url = urls[page]
    if page == "record_scores":
        first = session.enrolments.order_by("pk")[0]
        response = client.post(url, {"phase": "pre", f"pre-score_{first.pk}": "45"})
    elif page == "remove_question":
        response = client.post(url)
    else:
        response = client.get(url)
    expected = expected_for(page, who)
    assert response.status_code == expected, (page, who)
    if who == "anonymous":
        assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))
    elif page == "record_scores":
        assert TestResult.objects.filter(score=45).exists() == (expected == 302)
    elif page == "remove_question":
        assert Question.objects.filter(pk=question.pk).exists() == (expected != 302)


def test_unknown_sessions_phases_modules_and_questions_are_absent(client, world, scene):
    session, _question = scene
    client.force_login(world["RS"].users["staff"])
    assert client.get(reverse("evaluation:take_test", args=[session.pk, "mid"])).status_code == 404
    assert client.get(reverse("evaluation:session", args=[999_999])).status_code == 404
    assert client.get(reverse("evaluation:feedback", args=[999_999])).status_code == 404
    client.force_login(world["RS"].users["training_manager"])
    assert client.get(reverse("evaluation:test_bank", args=["NOPE"])).status_code == 404
    assert client.post(reverse("evaluation:remove_question", args=[999_999])).status_code == 404
    url = reverse("evaluation:record_scores", args=[session.pk])
    assert client.post(url, {"phase": "mid"}).status_code == 404


def test_the_coordinator_cannot_give_a_national_module_a_common_test(client, world, scene):
    """A national module has no common test: its bank page is absent for the coordinator."""
    client.force_login(world.coordinator)
    response = client.post(
        reverse("evaluation:test_bank", args=["RS-OWN"]), {"form": "pass_mark", "pass_mark": "70"}
    )
    assert response.status_code == 404
    assert not ModuleTest.objects.filter(module__code="RS-OWN").exists()


# Query counts ---------------------------------------------------------------------------------


def evaluated_session(world, size: int):
    """A held session of Serbia with `size` participants, each with both scores, and five
    feedback answers with comments."""
    serbia = world["RS"]
    people = [StaffMemberFactory.create(institution=serbia.prison) for _ in range(size)]
    session = upcoming_session(serbia, people=people, starts_on=last_week(), capacity=size)
    delivery.mark_held(actor=serbia.users["training_manager"], session=session)
    bank(session, serbia.users["training_manager"])
    enrolments = list(session.enrolments.values_list("pk", flat=True))
    for phase, score in (("pre", "40"), ("post", "75.5")):
        actions.record_scores(
            actor=serbia.users["trainer"], session=session, phase=phase,
            scores=dict.fromkeys(enrolments, Decimal(score)),
        )  # fmt: skip
    for number in range(5):
        FeedbackAnswer.objects.create(
            session=session, language="en", relevance=4, trainer=4, materials=3, confidence=5,
            comment=f"Comment {number}",
        )  # fmt: skip
    return session


SESSION_PAGE_BUDGET = 11  # measured: 9 for a planner, 11 for the trainer


@pytest.mark.parametrize("size", [2, 20])
@pytest.mark.parametrize("role", ["trainer", "training_manager"])
def test_the_session_evaluation_page_costs_the_same_for_2_or_20_participants(
    world, django_assert_max_num_queries, size, role
):
    session = evaluated_session(world, size)
    client = Client()
    client.force_login(world["RS"].users[role])
    url = reverse("evaluation:session", args=[session.pk])
    client.get(url)  # sessions, caches
    with django_assert_max_num_queries(SESSION_PAGE_BUDGET):
        response = client.get(url)
    page = response.content.decode()
    assert page.count("+35.50") == size  # each person's gain; the mean shows +35.5
    assert "+35.5<" in page
    assert "Comment 4" in page


TEST_LIST_BUDGET = 5


@pytest.mark.parametrize("modules", [1, 8])
def test_the_test_list_costs_the_same_for_few_or_many_tests(
    world, django_assert_max_num_queries, modules
):
    serbia = world["RS"]
    manager = serbia.users["training_manager"]
    chosen = Module.objects.filter(beneficiary=None).order_by("code")[:modules]
    for module in chosen:
        for owner, actor in ((None, world.coordinator), (serbia.beneficiary.pk, manager)):
            test = actions.save_test(actor=actor, module=module, beneficiary_id=owner, pass_mark=60)
            for language in ("en", "sr"):
                actions.add_question(
                    actor=actor, test=test, language=language, kind="single", text="Q",
                    choices=[actions.Answer("A", True), actions.Answer("B", False)],
                )  # fmt: skip
    montenegro = world["ME"].users["training_manager"]
    actions.save_test(actor=montenegro, module=chosen[0], beneficiary_id=world["ME"].beneficiary.pk,
                      pass_mark=99)  # fmt: skip
    client = Client()
    client.force_login(manager)
    client.get(reverse("evaluation:tests"))
    with django_assert_max_num_queries(TEST_LIST_BUDGET):
        response = client.get(reverse("evaluation:tests"))
    page = response.content.decode()
    assert page.count("2 questions, pass mark 60%") == 2 * modules
    assert "99%" not in page  # Montenegro's own test is not Serbia's business


# The phone test page --------------------------------------------------------------------------


def single_and_multiple(world):
    serbia = world["RS"]
    session = held_session(serbia)
    manager = serbia.users["training_manager"]
    test = actions.save_test(actor=manager, module=session.module,
                             beneficiary_id=serbia.beneficiary.pk, pass_mark=50)  # fmt: skip
    single = actions.add_question(
        actor=manager, test=test, language="en", kind="single", text="Who holds the keys?",
        choices=[actions.Answer("The duty officer", True), actions.Answer("Anyone", False)],
    )  # fmt: skip
    multiple = actions.add_question(
        actor=manager, test=test, language="en", kind="multiple", text="Which are searches?",
        choices=[actions.Answer("Cell search", True), actions.Answer("Body search", True),
                 actions.Answer("Lunch", False)],
    )  # fmt: skip
    client = Client()
    client.force_login(serbia.users["staff"])
    return session, single, multiple, client


def test_a_single_choice_question_is_radio_buttons_in_a_fieldset_with_a_legend(world):
    session, single, _multiple, client = single_and_multiple(world)
    response = client.get(reverse("evaluation:take_test", args=[session.pk, "pre"]))
    page = response.content.decode()
    legend = page.index("<legend")
    assert page.rindex("<fieldset", 0, legend) < legend
    assert "1. Who holds the keys?</legend>" in page
    assert "2. Which are searches?</legend>" in page
    assert page.count('type="radio"') == 2
    assert page.count(f'name="q{single.pk}"') == 2
    assert page.count('type="checkbox"') == 3
    assert "Tick every right answer." in page


def test_a_missing_single_choice_answer_is_asked_for(world):
    session, _single, multiple, client = single_and_multiple(world)
    cell = multiple.choices.get(text="Cell search").pk
    response = client.post(
        reverse("evaluation:take_test", args=[session.pk, "pre"]), {f"q{multiple.pk}": [cell]}
    )
    assert response.status_code == 200
    assert "Choose an answer." in response.content.decode()
    assert not TestResult.objects.exists()


def test_both_multiple_choice_answers_earn_the_point(world):
    session, single, multiple, client = single_and_multiple(world)
    right = [c.pk for c in multiple.choices.filter(correct=True)]
    wrong = single.choices.get(correct=False).pk
    response = client.post(
        reverse("evaluation:take_test", args=[session.pk, "pre"]),
        {f"q{single.pk}": wrong, f"q{multiple.pk}": right},
        follow=True,
    )
    assert "Your score: 50.00%" in response.content.decode()


def test_cyrillic_questions_round_trip(world):
    serbia = world["RS"]
    session = held_session(serbia)
    manager = Client()
    manager.force_login(serbia.users["training_manager"])
    text = "Шта је динамичка безбедност?"
    manager.post(
        reverse("evaluation:test_bank", args=["BA"]),
        {"form": "question", "language": "en", "kind": "single", "text": text,
         "answer_0": "Однос особља и осуђеника", "correct_0": "on", "answer_1": "Зидови и решетке"},
    )  # fmt: skip
    question = Question.objects.get()
    assert question.text == text
    assert (
        "Однос особља и осуђеника"
        in manager.get(reverse("evaluation:test_bank", args=["BA"])).content.decode()
    )
    participant = Client()
    participant.force_login(serbia.users["staff"])
    page = participant.get(reverse("evaluation:take_test", args=[session.pk, "pre"]))
    body = page.content.decode()
    assert f"1. {text}" in body
    assert "Зидови и решетке" in body


def test_the_session_page_offers_the_participant_their_tests_and_feedback(world):
    serbia = world["RS"]
    session = upcoming_session(serbia, starts_on=timezone.localdate() + datetime.timedelta(days=7))
    bank(session, serbia.users["training_manager"])
    client = Client()
    client.force_login(serbia.users["staff"])
    page = client.get(reverse("evaluation:session", args=[session.pk])).content.decode()
    assert reverse("evaluation:take_test", args=[session.pk, "pre"]) in page
    assert reverse("evaluation:take_test", args=[session.pk, "post"]) not in page
    assert reverse("evaluation:feedback", args=[session.pk]) not in page
    assert "Knowledge test results" not in page  # nobody else's scores
