"""Forms of the regional comparison's drafting: a new draft, one cell set or removed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from matrica.framework.models import CompetencyArea, Level, StaffCategory


class DraftForm(forms.Form):
    code = forms.CharField(
        label=_("Code of the draft"),
        max_length=20,
        required=False,
        help_text=_("For example 2027.1. Left empty, Matrica proposes one."),
    )
    title = forms.CharField(label=_("Title"), max_length=200, required=False)


class CellChoiceForm(forms.Form):
    area = forms.ModelChoiceField(
        label=_("Competency area"), queryset=CompetencyArea.objects.order_by("order", "code")
    )
    category = forms.ModelChoiceField(
        label=_("Staff category"), queryset=StaffCategory.objects.order_by("order", "code")
    )


class CellForm(CellChoiceForm):
    level = forms.ModelChoiceField(label=_("Required level"), queryset=Level.objects.all())
    refresher_months = forms.IntegerField(
        label=_("Refresher interval (months)"), min_value=1, max_value=240
    )
    deadline_months = forms.IntegerField(
        label=_("Deadline after entry into post (months)"), min_value=0, max_value=240
    )
