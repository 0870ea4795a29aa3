"""Forms of the evaluation pages: the question bank, a test as a participant sees it, paper
scores, and the feedback form."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from matrica.evaluation.actions import Answer
from matrica.evaluation.models import (
    FEEDBACK_QUESTIONS,
    FeedbackAnswer,
    FollowUpAnswer,
    ModuleTest,
    Question,
    Rating,
)

ANSWER_ROWS = 5
COMMENT_MAX = 2000


class PassMarkForm(forms.Form):
    pass_mark = forms.IntegerField(
        label=_("Pass mark (%)"),
        min_value=1,
        max_value=100,
        help_text=ModuleTest._meta.get_field("pass_mark").help_text,
    )


class QuestionForm(forms.Form):
    """A question with up to five answers; the empty answer rows are left out."""

    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    kind = forms.ChoiceField(label=_("Kind"), choices=Question.Kind.choices)
    text = forms.CharField(label=_("Question"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for index in range(ANSWER_ROWS):
            self.fields[f"answer_{index}"] = forms.CharField(
                label=_("Answer %(number)d") % {"number": index + 1},
                required=index < 2,
                max_length=500,
            )
            self.fields[f"correct_{index}"] = forms.BooleanField(
                label=_("Answer %(number)d is correct") % {"number": index + 1}, required=False
            )

    def answer_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"answer_{i}"], self[f"correct_{i}"]) for i in range(ANSWER_ROWS)]

    def answers(self) -> list[Answer]:
        data = self.cleaned_data
        return [
            Answer(data.get(f"answer_{i}") or "", bool(data.get(f"correct_{i}")))
            for i in range(ANSWER_ROWS)
        ]


class TakeTestForm(forms.Form):
    """The questions of a test: radio buttons for single choice, check boxes for multiple."""

    def __init__(self, *args: Any, questions: Iterable[Question], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for number, question in enumerate(self.questions, start=1):
            choices = [(c.pk, c.text) for c in question.choices.all()]
            label = f"{number}. {question.text}"
            if question.kind == Question.Kind.MULTIPLE:
                self.fields[f"q{question.pk}"] = forms.TypedMultipleChoiceField(
                    label=label, choices=choices, coerce=int, required=False,
                    widget=forms.CheckboxSelectMultiple,
                    help_text=_("Tick every right answer."),
                )  # fmt: skip
            else:
                self.fields[f"q{question.pk}"] = forms.TypedChoiceField(
                    label=label, choices=choices, coerce=int, widget=forms.RadioSelect,
                    error_messages={"required": _("Choose an answer.")},
                )  # fmt: skip

    def picked(self) -> dict[int, set[int]]:
        picked: dict[int, set[int]] = {}
        for question in self.questions:
            value = self.cleaned_data.get(f"q{question.pk}")
            if isinstance(value, list):
                picked[question.pk] = set(value)
            elif isinstance(value, int):
                picked[question.pk] = {value}
        return picked


class ScoresForm(forms.Form):
    """Paper scores of one test for every participant: a percentage, or empty to leave as is."""

    def __init__(self, *args: Any, participants: Iterable[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.participants = list(participants)
        for enrolment in self.participants:
            self.fields[f"score_{enrolment.pk}"] = forms.DecimalField(
                label=enrolment.staff_member.full_name, required=False, min_value=Decimal(0),
                max_value=Decimal(100), decimal_places=2, max_digits=5,
            )  # fmt: skip

    def rows(self) -> list[tuple[Any, forms.BoundField]]:
        return [(e, self[f"score_{e.pk}"]) for e in self.participants]

    def scores(self) -> dict[int, Decimal | None]:
        return {e.pk: self.cleaned_data.get(f"score_{e.pk}") for e in self.participants}


def rating_field(model: type[models.Model], name: str) -> forms.TypedChoiceField:
    """A 1–5 question worded as the model words it: radio buttons in a fieldset and legend."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    return forms.TypedChoiceField(
        label=field.verbose_name, choices=Rating.choices, coerce=int, widget=forms.RadioSelect,
        error_messages={"required": _("Choose a rating from 1 to 5.")},
    )  # fmt: skip


def comment_field(model: type[models.Model], help_text: Any = "") -> forms.CharField:
    field = model._meta.get_field("comment")
    assert isinstance(field, models.Field)
    return forms.CharField(
        label=field.verbose_name, required=False, max_length=COMMENT_MAX, help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip


class FeedbackForm(forms.Form):
    """The standard feedback form: four ratings on a five-point scale and a free comment."""

    relevance = rating_field(FeedbackAnswer, "relevance")
    trainer = rating_field(FeedbackAnswer, "trainer")
    materials = rating_field(FeedbackAnswer, "materials")
    confidence = rating_field(FeedbackAnswer, "confidence")
    comment = comment_field(FeedbackAnswer)

    def ratings(self) -> dict[str, int]:
        return {name: self.cleaned_data[name] for name in FEEDBACK_QUESTIONS}


class FollowUpForm(forms.Form):
    """The follow-up's three ratings and a comment."""

    used = rating_field(FollowUpAnswer, "used")
    changed = rating_field(FollowUpAnswer, "changed")
    support = rating_field(FollowUpAnswer, "support")
    comment = comment_field(FollowUpAnswer, _("Optional. Please do not name anyone."))
