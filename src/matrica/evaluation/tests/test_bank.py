"""The question bank: the coordinator keeps the common tests, an administration's planners their
own test of a module (which its sessions then use instead of the common one); a question's
answers follow its kind; removing a question leaves its text and answers in the audit trail."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client
from django.urls import reverse

from matrica.audit.models import AuditEvent
from matrica.evaluation import actions
from matrica.evaluation.models import Choice, ModuleTest, Question
from matrica.evaluation.selectors import test_for as used_by
from matrica.framework.models import Module
from matrica.testing.sessions import held_session

pytestmark = pytest.mark.django_db

Answer = actions.Answer
TWO = [Answer("Right", True), Answer("Wrong", False)]


def ask(actor, test, *, kind="single", choices=TWO, text="What is dynamic security?"):
    return actions.add_question(
        actor=actor, test=test, language="en", kind=kind, text=text, choices=choices
    )


def common_test(world, pass_mark=70) -> ModuleTest:
    return actions.save_test(
        actor=world.coordinator, module=Module.objects.get(code="BA"), beneficiary_id=None,
        pass_mark=pass_mark,
    )  # fmt: skip


def own_test(world, code="RS", pass_mark=60) -> ModuleTest:
    admin = world[code]
    return actions.save_test(
        actor=admin.users["training_manager"], module=Module.objects.get(code="BA"),
        beneficiary_id=admin.beneficiary.pk, pass_mark=pass_mark,
    )  # fmt: skip


def test_the_coordinator_keeps_the_common_test(world):
    test = common_test(world)
    ask(world.coordinator, test)
    assert test.beneficiary_id is None
    assert common_test(world, pass_mark=80).pk == test.pk  # the same test, a new pass mark
    test.refresh_from_db()
    assert test.pass_mark == 80
    assert test.questions.count() == 1


def test_the_coordinator_keeps_the_common_test_on_its_page(world):
    client = Client()
    client.force_login(world.coordinator)
    url = reverse("evaluation:test_bank", args=["BA"])
    response = client.post(url, {"form": "pass_mark", "pass_mark": "75"})
    assert response.status_code == 302
    assert ModuleTest.objects.get(beneficiary=None).pass_mark == 75


def test_a_training_manager_keeps_their_own_test_which_wins_over_the_common_one(world):
    serbia = world["RS"]
    session = held_session(serbia)
    common = common_test(world)
    ask(world.coordinator, common)
    assert used_by(session) == common
    client = Client()
    client.force_login(serbia.users["training_manager"])
    response = client.post(
        reverse("evaluation:test_bank", args=["BA"]),
        {"form": "question", "language": "en", "kind": "single", "text": "Who keeps the keys?",
         "answer_0": "The duty officer", "correct_0": "on", "answer_1": "Anyone"},
    )  # fmt: skip
    assert response.status_code == 302
    own = ModuleTest.objects.get(beneficiary=serbia.beneficiary)
    assert own.module.code == "BA"
    assert list(own.questions.values_list("text", flat=True)) == ["Who keeps the keys?"]
    assert used_by(session) == own
    # Montenegro's sessions still use the common test.
    montenegro = held_session(world["ME"])
    assert used_by(montenegro) == common


def test_nobody_edits_another_administrations_test(world):
    serbian = own_test(world, "RS")
    question = ask(world["RS"].users["training_manager"], serbian)
    montenegrin = world["ME"].users["training_manager"]
    with pytest.raises(Http404):
        ask(montenegrin, serbian)
    with pytest.raises(Http404):
        actions.remove_question(actor=montenegrin, question=question)
    with pytest.raises(Http404):
        actions.save_test(
            actor=montenegrin, module=serbian.module, beneficiary_id=world["RS"].beneficiary.pk,
            pass_mark=10,
        )  # fmt: skip
    with pytest.raises(PermissionDenied):  # the coordinator keeps only the common tests
        ask(world.coordinator, serbian)
    with pytest.raises(PermissionDenied):  # and a training manager not the common ones
        ask(world["RS"].users["training_manager"], common_test(world))
    serbian.refresh_from_db()
    assert serbian.pass_mark == 60
    assert serbian.questions.count() == 1


def test_a_montenegrin_cannot_remove_a_serbian_question_on_the_page(world):
    question = ask(world["RS"].users["training_manager"], own_test(world, "RS"))
    client = Client()
    client.force_login(world["ME"].users["national_admin"])
    url = reverse("evaluation:remove_question", args=[question.pk])
    assert client.post(url).status_code == 404
    assert Question.objects.filter(pk=question.pk).exists()


def test_an_administrations_own_module_has_no_common_test(world):
    own_module = Module.objects.create(
        beneficiary=world["RS"].beneficiary, code="RS-OWN", title="Own", hours=4,
        validity_months=12,
    )  # fmt: skip
    with pytest.raises(ValidationError):
        actions.save_test(
            actor=world.coordinator, module=own_module, beneficiary_id=None, pass_mark=70
        )
    with pytest.raises(ValidationError):
        actions.save_test(
            actor=world["ME"].users["training_manager"], module=own_module,
            beneficiary_id=world["ME"].beneficiary.pk, pass_mark=70,
        )  # fmt: skip
    test = actions.save_test(
        actor=world["RS"].users["training_manager"], module=own_module,
        beneficiary_id=world["RS"].beneficiary.pk, pass_mark=70,
    )  # fmt: skip
    assert test.beneficiary_id == world["RS"].beneficiary.pk


@pytest.mark.parametrize(
    ("kind", "choices", "message"),
    [
        ("single", [Answer("A", True), Answer("B", True)], "exactly one correct answer"),
        ("single", [Answer("A", False), Answer("B", False)], "exactly one correct answer"),
        ("multiple", [Answer("A", False), Answer("B", False)], "at least one correct answer"),
        ("single", [Answer("A", True)], "at least two answers"),
        ("multiple", [Answer("A", True), Answer("  ", False)], "at least two answers"),
    ],
)
def test_a_questions_answers_follow_its_kind(world, kind, choices, message):
    test = common_test(world)
    with pytest.raises(ValidationError) as error:
        ask(world.coordinator, test, kind=kind, choices=choices)
    assert message in " ".join(error.value.messages)
    assert not Question.objects.exists()


def test_a_multiple_choice_question_may_have_several_right_answers(world):
    question = ask(
        world.coordinator, common_test(world), kind="multiple",
        choices=[Answer("A", True), Answer("B", True), Answer("C", False), Answer("", True)],
    )  # fmt: skip
    assert list(question.choices.values_list("text", "correct")) == [
        ("A", True), ("B", True), ("C", False),
    ]  # fmt: skip


def test_the_page_refuses_a_single_choice_question_with_two_right_answers(world):
    client = Client()
    client.force_login(world.coordinator)
    response = client.post(
        reverse("evaluation:test_bank", args=["BA"]),
        {"form": "question", "language": "en", "kind": "single", "text": "Pick one",
         "answer_0": "A", "correct_0": "on", "answer_1": "B", "correct_1": "on"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "A single-choice question has exactly one correct answer." in response.content.decode()
    assert not Question.objects.exists()


def test_removing_a_question_is_audited_with_its_answers(world):
    manager = world["RS"].users["training_manager"]
    question = ask(
        manager, own_test(world), choices=[Answer("Right", True), Answer("Wrong", False)]
    )
    pk = question.pk
    client = Client()
    client.force_login(manager)
    response = client.post(reverse("evaluation:remove_question", args=[pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("evaluation:test_bank", args=["BA"])
    assert not Question.objects.filter(pk=pk).exists()
    assert not Choice.objects.filter(question_id=pk).exists()
    event = AuditEvent.objects.get(action="delete", object_type__model="question")
    assert event.object_id == str(pk)
    assert event.user == manager
    before = event.before or {}
    assert before["text"] == "What is dynamic security?"
    assert [(c["text"], c["correct"]) for c in before["choices"]] == [
        ("Right", True), ("Wrong", False),
    ]  # fmt: skip
