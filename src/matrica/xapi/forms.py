from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from matrica.tenancy.models import Beneficiary


class SourceForm(forms.Form):
    name = forms.CharField(
        label=_("Platform"), max_length=100,
        help_text=_("A name for the platform that will send statements, e.g. “HELP Moodle”."),
    )  # fmt: skip
    beneficiary = forms.ModelChoiceField(
        label=_("Administration"), queryset=Beneficiary.objects.none()
    )

    def __init__(self, *args: Any, beneficiaries: QuerySet[Beneficiary], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["beneficiary"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = beneficiaries
        if beneficiaries.count() == 1:
            field.initial = beneficiaries.first()
            field.widget = forms.HiddenInput()


class RulesForm(forms.Form):
    account_is_employee_number = forms.BooleanField(
        label=_("An account name is the person's employee number"), required=False,
        help_text=_("Only if the platform's user names are the employee numbers of the registry."),
    )  # fmt: skip
    mbox_is_email = forms.BooleanField(
        label=_("An email address is the person's email in the registry"), required=False
    )


class ResolveActorForm(forms.Form):
    actor_key = forms.CharField(widget=forms.HiddenInput())
    employee_number = forms.CharField(
        label=_("Employee number"), max_length=40, required=False,
        help_text=_("Leave empty if this learner is not one of your staff."),
    )  # fmt: skip


class ResolveActivityForm(forms.Form):
    activity_id = forms.CharField(widget=forms.HiddenInput())
    module = forms.TypedChoiceField(label=_("Module"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, modules: list[tuple[int, str]], **kwargs: Any) -> None:
        # The choices are read once for the whole queue, not once per waiting activity.
        super().__init__(*args, **kwargs)
        field = self.fields["module"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("Not a module: not evidence")), *modules]
