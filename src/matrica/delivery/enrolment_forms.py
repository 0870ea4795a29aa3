"""Forms of the nomination and attendance pages. They parse what a user typed or ticked; every
rule (who may be nominated, who may be marked present) is checked by the action underneath
(matrica.delivery.actions), whose refusals the pages show."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from matrica.compliance.status import Status
from matrica.delivery.selectors import NominationRule
from matrica.framework.models import StaffCategory
from matrica.tenancy.models import Institution

# The statuses a rule may select people by (expiring is asked as "within N days").
RULE_STATUSES = [
    (Status.MISSING.value, Status.MISSING.label),
    (Status.EXPIRED.value, Status.EXPIRED.label),
    (Status.OVERDUE.value, Status.OVERDUE.label),
]
# Far enough to plan a year ahead; an integer the database handles anywhere.
MAX_WITHIN_DAYS = 3650


class IdsField(forms.Field):
    """A list of record ids (ticked checkboxes). Which of them the user may use is decided by the
    scoped query and the action, not by the form: an id out of reach answers 404, like a page."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        try:
            ids = [int(item) for item in values]
        except (TypeError, ValueError) as error:
            raise ValidationError(_("Choose people from the list."), code="invalid") from error
        if any(pk <= 0 for pk in ids):
            raise ValidationError(_("Choose people from the list."), code="invalid")
        return sorted(set(ids))


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        help_text=_("Name or employee number, in either script, with or without diacritics."),
    )


class NominateForm(forms.Form):
    people = IdsField(
        label=_("People to nominate"),
        error_messages={"required": _("Tick at least one person.")},
    )


class RuleForm(forms.Form):
    institution = forms.ModelChoiceField(
        queryset=Institution.objects.none(),
        required=False,
        label=_("Institution"),
        empty_label=_("Every institution invited"),
    )
    category = forms.ModelChoiceField(
        queryset=StaffCategory.objects.order_by("code"),
        required=False,
        label=_("Staff category"),
        empty_label=_("Every category"),
    )
    statuses = forms.MultipleChoiceField(
        choices=RULE_STATUSES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Standing in the areas the module covers"),
        initial=[value for value, _label in RULE_STATUSES],
    )
    within_days = forms.IntegerField(
        label=_("Or expiring within (days)"),
        min_value=0,
        max_value=MAX_WITHIN_DAYS,
        initial=90,
        help_text=_("People whose standing runs out within this many days are selected too."),
    )

    def __init__(self, *args: Any, institutions: QuerySet[Institution], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["institution"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = institutions

    def rule(self) -> NominationRule:
        """The rule the valid form describes."""
        data = self.cleaned_data
        institution = data.get("institution")
        category = data.get("category")
        return NominationRule(
            institution_id=institution.pk if institution else None,
            category_id=category.pk if category else None,
            within_days=data["within_days"],
            statuses=frozenset(data.get("statuses") or ()),
        )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional; kept in the audit trail."),
    )


class AttendanceForm(forms.Form):
    present = IdsField(label=_("Present"), required=False)
