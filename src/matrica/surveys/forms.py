"""Forms of the survey pages: launching a campaign, and the self-assessment a person answers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from matrica.framework.models import CompetencyArea, StaffCategory
from matrica.surveys.actions import AreaRating
from matrica.surveys.models import AreaAnswer, Confidence, Frequency
from matrica.tenancy.models import Institution

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class CampaignForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    target_categories = forms.ModelMultipleChoiceField(
        label=_("Staff categories asked"),
        queryset=StaffCategory.objects.filter(is_role=False, applies_to_all=False),
        widget=forms.CheckboxSelectMultiple,
    )
    target_institutions = forms.ModelMultipleChoiceField(
        label=_("Institutions asked"),
        queryset=Institution.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: the whole administration."),
    )
    opens_on = forms.DateField(label=_("Opens on"), widget=DATE)
    closes_on = forms.DateField(label=_("Closes on"), widget=DATE)
    anonymous = forms.BooleanField(
        label=_("Anonymous"),
        required=False,
        initial=True,
        help_text=_("Answers are kept without any link to the person who gave them."),
    )

    def __init__(self, *args: Any, institutions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["target_institutions"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = institutions


def _name(area: CompetencyArea, question: str) -> str:
    return f"area_{area.pk}_{question}"


class AnswerForm(forms.Form):
    """Three questions per competency area, grouped by area in the page."""

    def __init__(self, *args: Any, areas: Iterable[CompetencyArea], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.areas = list(areas)
        labels = {f.name: f.verbose_name for f in AreaAnswer._meta.concrete_fields}
        for area in self.areas:
            self.fields[_name(area, "confidence")] = forms.TypedChoiceField(
                label=labels["confidence"], choices=Confidence.choices, coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose from 1 to 5.")},
            )  # fmt: skip
            self.fields[_name(area, "frequency")] = forms.ChoiceField(
                label=labels["frequency"], choices=Frequency.choices, widget=forms.RadioSelect,
                error_messages={"required": _("Say how often it arises.")},
            )  # fmt: skip
            self.fields[_name(area, "training")] = forms.ChoiceField(
                label=labels["wants_training"], choices=YES_NO, widget=forms.RadioSelect,
                error_messages={"required": _("Answer yes or no.")},
            )  # fmt: skip

    def groups(self) -> list[tuple[CompetencyArea, list[forms.BoundField]]]:
        return [
            (area, [self[_name(area, q)] for q in ("confidence", "frequency", "training")])
            for area in self.areas
        ]

    def ratings(self) -> dict[int, AreaRating]:
        data = self.cleaned_data
        return {
            area.pk: AreaRating(
                confidence=data[_name(area, "confidence")],
                frequency=data[_name(area, "frequency")],
                wants_training=data[_name(area, "training")] == "yes",
            )
            for area in self.areas
        }
