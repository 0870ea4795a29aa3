"""A module's knowledge test as CSV or XLSX, written by the one export helper
(`matrica.exports`): the test the question bank page edits (the user's administration's own
test, or the coordinator's common one), one line per answer, in the page's order. Questions and
their correct answers, no personal data: not audited, and only for those who may edit the test,
as the page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils.text import capfirst
from django.utils.translation import gettext as _

from matrica import exports
from matrica.evaluation.models import Choice, ModuleTest, Question
from matrica.framework.models import Module


def test_header() -> list[str]:
    answer = Choice._meta.get_field("text").verbose_name
    correct = Choice._meta.get_field("correct").verbose_name
    return [
        _("Module code"), _("Administration code"), _("Pass mark (%)"), _("Language code"),
        _("No."), _("Kind"), _("Kind code"), _("Question"), capfirst(str(answer)),
        capfirst(str(correct)),
    ]  # fmt: skip


def test_rows(module: Module, test: ModuleTest | None) -> Iterator[list[Any]]:
    """One line per answer of each question, questions by language and position as the page
    lists them, numbered from 1 within their language; Correct is 1 or 0. Two queries."""
    if test is None:
        return
    kinds = dict(Question.Kind.choices)
    owner = test.beneficiary.code if test.beneficiary else ""
    questions = test.questions.prefetch_related("choices").order_by("language", "position", "pk")
    number, language = 0, None
    for question in questions:
        number = number + 1 if question.language == language else 1
        language = question.language
        for choice in question.choices.all():
            yield [
                module.code, owner, test.pass_mark, question.language, number,
                str(kinds[question.kind]), question.kind, question.text, choice.text,
                int(choice.correct),
            ]  # fmt: skip


def test_table(module: Module, test: ModuleTest | None) -> exports.Table:
    return exports.Table(
        header=test_header(), rows=test_rows(module, test), title=_("Knowledge test")
    )
