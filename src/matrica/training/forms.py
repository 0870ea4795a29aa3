"""Forms of the evidence pages. Every rule is the action's (training.actions); a form only parses,
and proposes a valid-until date when the user leaves it empty."""

from __future__ import annotations

import datetime
from typing import Any

from dateutil.relativedelta import relativedelta
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from matrica.framework.models import CompetencyArea, Level
from matrica.framework.selectors import rules_in_force
from matrica.staff.forms import DateInput, model_field
from matrica.staff.models import StaffMember
from matrica.training.models import Completion

# Evidence recorded for one person from their record; sessions and e-learning have their own path.
SINGLE_SOURCES = [
    (source.value, source.label)
    for source in (Completion.Source.PRIOR_LEARNING, Completion.Source.MANUAL)
]


def longest_refresher_months(*, beneficiary_id: int, area: CompetencyArea) -> int | None:
    """The longest refresher interval the matrix now in force (with the administration's
    adaptation) sets for an area, in months; None when no cell of it is required."""
    _version, _adaptation, rules = rules_in_force(
        beneficiary_id=beneficiary_id, on=timezone.localdate()
    )
    months = [rule.refresher_months for (area_id, _), rule in rules.items() if area_id == area.pk]
    return max(months, default=None)


class EvidenceForm(forms.Form):
    area = model_field(Completion, "area", queryset=CompetencyArea.objects.all())
    level = model_field(Completion, "level", queryset=Level.objects.all())
    completed_on = model_field(Completion, "completed_on", widget=DateInput)
    valid_until = model_field(
        Completion,
        "valid_until",
        widget=DateInput,
        required=False,
        help_text=_(
            "Leave empty to count it for the longest refresher interval the matrix sets for this "
            "area; each requirement still counts it only for its own refresher interval."
        ),
    )
    source = forms.ChoiceField(
        label=_("Kind of evidence"),
        choices=SINGLE_SOURCES,
        initial=Completion.Source.PRIOR_LEARNING.value,
        widget=forms.RadioSelect,
    )
    note = model_field(
        Completion,
        "note",
        label=_("Why this evidence is accepted"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: the course, who gave it, and the certificate that was checked."),
    )

    def __init__(self, *args: Any, staff_member: StaffMember, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.staff_member = staff_member

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        completed_on: datetime.date | None = data.get("completed_on")
        area: CompetencyArea | None = data.get("area")
        if data.get("valid_until") is None and completed_on and area:
            months = longest_refresher_months(
                beneficiary_id=self.staff_member.beneficiary_id, area=area
            )
            if months is None:
                raise ValidationError(
                    {"valid_until": _("Give the date until which this evidence is valid.")}
                )
            data["valid_until"] = completed_on + relativedelta(months=months)
        return data


class VoidForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is this evidence voided?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "It stops counting on every date. The audit trail keeps the evidence as it was, "
            "with who voided it, when and why."
        ),
    )
