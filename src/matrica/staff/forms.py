"""Forms of the staff pages. They parse what a user typed; every rule is checked by the action
underneath (staff.actions), whose refusals `add_action_errors` puts next to the field concerned."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from matrica.framework.models import StaffCategory
from matrica.staff.models import StaffMember, StaffRole
from matrica.tenancy.models import Institution


class DateInput(forms.DateInput):
    """The browser's date picker; the value in ISO form, which it requires."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


def model_field(model: type[models.Model], name: str, **kwargs: Any) -> forms.Field:
    """The form field Django derives from a model field (its label, length and choices), so that
    a page and the admin name a field alike."""
    field = model._meta.get_field(name).formfield(**kwargs)  # type: ignore[union-attr]
    assert field is not None, name
    return field


def add_action_errors(form: forms.Form, error: ValidationError) -> None:
    """Show an action's refusal on the form: each message next to its field when the form has
    it, otherwise above the form. A uniqueness refusal (e.g. an employee number already taken in
    the administration) goes to the last of its fields that the form shows."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        for item in errors:
            target = name if name in form.fields else None
            if name == NON_FIELD_ERRORS and item.params and "unique_check" in item.params:
                shown = [f for f in item.params.get("unique_check", ()) if f in form.fields]
                target = shown[-1] if shown else None
            form.add_error(target, item)


def today() -> datetime.date:
    return timezone.localdate()


class StaffMemberForm(forms.Form):
    given_name = model_field(StaffMember, "given_name")
    family_name = model_field(StaffMember, "family_name")
    employee_number = model_field(StaffMember, "employee_number")
    institution = model_field(StaffMember, "institution", queryset=Institution.objects.none())
    primary_category = model_field(
        StaffMember,
        "primary_category",
        queryset=StaffCategory.objects.filter(is_role=False, applies_to_all=False),
    )
    entry_date = model_field(StaffMember, "entry_date", widget=DateInput)
    preferred_language = model_field(StaffMember, "preferred_language")
    email = model_field(StaffMember, "email")

    def __init__(self, *args: Any, institutions: QuerySet[Institution], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["institution"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = institutions

    @staticmethod
    def initial_for(member: StaffMember) -> dict[str, Any]:
        return {name: getattr(member, name) for name in StaffMemberForm.base_fields}


class LeavingForm(forms.Form):
    leaving_date = model_field(
        StaffMember,
        "leaving_date",
        widget=DateInput,
        required=True,
        initial=today,
        help_text=_("Their last day in post. Figures for dates up to that day still count them."),
    )


class RoleForm(forms.Form):
    category = model_field(
        StaffRole, "category", queryset=StaffCategory.objects.filter(is_role=True)
    )
    start_date = model_field(StaffRole, "start_date", widget=DateInput)
    end_date = model_field(
        StaffRole,
        "end_date",
        widget=DateInput,
        help_text=_("Leave empty while the role is held."),
    )


class RoleDatesForm(forms.Form):
    start_date = model_field(StaffRole, "start_date", widget=DateInput)
    end_date = model_field(StaffRole, "end_date", widget=DateInput)


class EndRoleForm(forms.Form):
    end_date = model_field(
        StaffRole,
        "end_date",
        widget=DateInput,
        required=True,
        initial=today,
        help_text=_("The last day the role is held."),
    )


class ReasonForm(forms.Form):
    """Taking something back (a role recorded in error, a piece of evidence) says why; the action
    refuses a blank reason with its own message."""

    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the audit trail with the record as it was."),
    )


class ConfirmForm(forms.Form):
    """A change with nothing to fill in (taking a person back into post)."""
