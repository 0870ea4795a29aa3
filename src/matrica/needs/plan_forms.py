"""The training plan's forms: the parameters of a proposal, and the manager's adjustments to
each proposed session before accepting."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from matrica.needs import plans
from matrica.pages import EARLIEST, LATEST
from matrica.tenancy.models import Institution


def first_of_next_month() -> datetime.date:
    today = timezone.localdate()
    return (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


class PlanForm(forms.Form):
    start = forms.DateField(
        label=_("From"), widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The first day of the period."),
    )  # fmt: skip
    months = forms.IntegerField(
        label=_("Months"), min_value=1, max_value=plans.MAX_MONTHS, initial=plans.DEFAULT_MONTHS
    )
    capacity = forms.IntegerField(
        label=_("Places per session"), min_value=1, max_value=plans.MAX_CAPACITY,
        initial=plans.DEFAULT_CAPACITY,
    )  # fmt: skip
    per_trainer_month = forms.IntegerField(
        label=_("Sessions a trainer delivers a month, at most"), min_value=1, max_value=20,
        initial=plans.DEFAULT_PER_TRAINER_MONTH,
    )  # fmt: skip
    module = forms.ChoiceField(label=_("Module"), required=False)

    def __init__(self, *args: Any, modules: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["module"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Every module")), *modules]

    def clean_start(self) -> datetime.date:
        start: datetime.date = self.cleaned_data["start"]
        # A year of room before the last date the engine answers for.
        if not EARLIEST <= start <= LATEST - datetime.timedelta(days=400):
            raise forms.ValidationError(
                _("Choose a first day between %(earliest)s and %(latest)s.")
                % {
                    "earliest": EARLIEST.isoformat(),
                    "latest": (LATEST - datetime.timedelta(days=400)).isoformat(),
                }
            )
        return start


def plan_form(data: Any, modules: list[tuple[str, str]]) -> PlanForm:
    """The parameters from the query string, defaults for those absent."""
    values = {
        "start": first_of_next_month().isoformat(),
        "months": plans.DEFAULT_MONTHS,
        "capacity": plans.DEFAULT_CAPACITY,
        "per_trainer_month": plans.DEFAULT_PER_TRAINER_MONTH,
        "module": "",
    }
    values |= {key: data[key] for key in values if data.get(key)}
    return PlanForm(values, modules=modules)


class AdjustForm(forms.Form):
    """One proposed session: kept or not, its first day, places and host institution."""

    keep = forms.BooleanField(label=_("Keep"), required=False)
    starts_on = forms.DateField(
        label=_("First day"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=plans.MAX_CAPACITY)
    host = forms.TypedChoiceField(label=_("Held at"), coerce=int)

    def __init__(self, *args: Any, hosts: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["host"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = hosts

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("keep") and not data.get("starts_on"):
            self.add_error(
                "starts_on", _("No trainer is free in the period: give a first day, or drop it.")
            )
        return data


def adjust_forms(
    proposal: plans.Proposal, institutions: list[Institution], data: Any = None
) -> list[AdjustForm]:
    """One form per proposed session, filled with the proposal (or with what was posted). A
    session may move to another institution of its town."""
    by_town: dict[str, list[tuple[int, str]]] = {}
    for institution in institutions:
        by_town.setdefault(plans.town_of(institution), []).append(
            (institution.pk, institution.name)
        )
    forms_ = []
    for number, session in enumerate(proposal.sessions):
        initial = {
            "keep": True,
            "starts_on": session.starts_on,
            "capacity": session.capacity,
            "host": session.host.pk,
        }
        hosts = by_town.get(session.town) or [(session.host.pk, session.host.name)]
        forms_.append(AdjustForm(data, prefix=f"s{number}", initial=initial, hosts=hosts))
    return forms_
