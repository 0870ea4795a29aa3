"""A module's knowledge test as CSV and XLSX: the test its question bank page edits (an
administration's own, or the coordinator's common one), one line per answer, for those who may
edit it only; headers and kinds in the user's language, kind codes and 1/0 beside them."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from matrica.audit.models import AuditEvent
from matrica.evaluation import actions
from matrica.framework.models import Module
from matrica.testing.world import login_as

pytestmark = pytest.mark.django_db

Answer = actions.Answer


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def read_xlsx(response) -> list[tuple]:
    assert response.status_code == 200
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


def get(client, file_format: str, code: str = "BA", language: str = "en"):
    return client.get(
        reverse("evaluation:test_bank_export", args=[code, file_format]),
        HTTP_ACCEPT_LANGUAGE=language,
    )


def bank(actor, beneficiary_id, questions, pass_mark=60):
    test = actions.save_test(
        actor=actor, module=Module.objects.get(code="BA"), beneficiary_id=beneficiary_id,
        pass_mark=pass_mark,
    )  # fmt: skip
    for language, kind, text, choices in questions:
        actions.add_question(
            actor=actor, test=test, language=language, kind=kind, text=text, choices=choices
        )
    return test


@pytest.fixture
def serbian_test(world):
    """Serbia's own test of basic awareness: two questions in English, one in Serbian."""
    serbia = world["RS"]
    return bank(
        serbia.users["training_manager"], serbia.beneficiary.pk, [
            ("en", "single", "What is dynamic security?",
             [Answer("Relationships", True), Answer("Walls", False)]),
            ("en", "multiple", "Which are signs?",
             [Answer("Isolation", True), Answer("=Rhetoric", True), Answer("Sport", False)]),
            ("sr", "single", "Шта је динамичка безбедност?",
             [Answer("Односи", True), Answer("Зидови", False)]),
        ],
    )  # fmt: skip


def test_the_test_downloads_every_answer_of_every_question(client, world, serbian_test):
    login_as(client, world, "RS:training_manager")
    rows = read_csv(get(client, "csv"))
    header, lines = rows[0], rows[1:]
    assert header == [
        "Module code", "Administration code", "Pass mark (%)", "Language code", "No.", "Kind",
        "Kind code", "Question", "Answer", "Correct",
    ]  # fmt: skip
    assert [line[3:5] + line[6:] for line in lines] == [
        ["en", "1", "single", "What is dynamic security?", "Relationships", "1"],
        ["en", "1", "single", "What is dynamic security?", "Walls", "0"],
        ["en", "2", "multiple", "Which are signs?", "Isolation", "1"],
        ["en", "2", "multiple", "Which are signs?", "'=Rhetoric", "1"],
        ["en", "2", "multiple", "Which are signs?", "Sport", "0"],
        ["sr", "1", "single", "Шта је динамичка безбедност?", "Односи", "1"],
        ["sr", "1", "single", "Шта је динамичка безбедност?", "Зидови", "0"],
    ]
    assert {tuple(line[:3]) for line in lines} == {("BA", "RS", "60")}
    assert lines[2][5] == "Multiple choice"
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()  # no names


def test_the_test_speaks_serbian_and_its_codes_do_not(client, world, serbian_test):
    login_as(client, world, "RS:national_admin")
    english = read_xlsx(get(client, "xlsx"))
    serbian = read_xlsx(get(client, "xlsx", language="sr"))
    assert serbian[0][2] == "Праг пролазности (%)"
    assert serbian[0][7:] == ("Питање", "Одговор", "Тачан")
    assert serbian[1][5] == "Избор једног одговора" != english[1][5]
    assert [line[6] for line in serbian[1:]] == [line[6] for line in english[1:]]
    assert (english[1][2], english[1][9]) == (60, 1)  # numbers stay numbers


def test_each_keeper_downloads_the_test_they_keep(client, world, serbian_test):
    common = bank(
        world.coordinator, None,
        [("en", "single", "Common question", [Answer("Yes", True), Answer("No", False)])],
        pass_mark=70,
    )  # fmt: skip
    assert common.pk != serbian_test.pk
    login_as(client, world, "coordinator")
    lines = read_csv(get(client, "csv"))[1:]
    assert {(line[1], line[2], line[7]) for line in lines} == {("", "70", "Common question")}
    login_as(client, world, "ME:training_manager")  # no test of their own yet
    assert read_csv(get(client, "csv"))[1:] == []


def test_the_test_is_for_those_who_may_edit_it(client, world, serbian_test):
    for who in ("RS:institution_manager", "RS:trainer", "RS:staff"):
        login_as(client, world, who)
        assert get(client, "csv").status_code == 403
    login_as(client, world, "RS:training_manager")
    assert get(client, "csv", code="NOPE").status_code == 404
    assert get(client, "ods").status_code == 404


def test_the_bank_page_offers_the_download(client, world, serbian_test):
    login_as(client, world, "RS:training_manager")
    page = client.get(reverse("evaluation:test_bank", args=["BA"])).content.decode()
    for file_format in ("csv", "xlsx"):
        assert reverse("evaluation:test_bank_export", args=["BA", file_format]) in page


def test_the_test_costs_the_same_queries_for_many_questions(
    client, world, serbian_test, django_assert_max_num_queries
):
    actor = world["RS"].users["training_manager"]
    for number in range(20):
        actions.add_question(
            actor=actor, test=serbian_test, language="en", kind="single", text=f"Q{number}",
            choices=[Answer("A", True), Answer("B", False)],
        )  # fmt: skip
    login_as(client, world, "RS:training_manager")
    with django_assert_max_num_queries(10):
        rows = read_csv(get(client, "csv"))
    assert len(rows) == 1 + 7 + 40
