"""Forms of the session pages: the calendar's filters, planning and changing a session, and the
reason a cancellation or a reopening asks for. They parse what a user typed; every rule is
checked by the action underneath (delivery.actions), whose refusals `add_action_errors` puts next
to the field concerned. Every choice offered is read through `visible_to(user)`."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from matrica.delivery import selectors
from matrica.delivery.actions import SESSION_FIELDS
from matrica.delivery.models import TrainingSession
from matrica.framework.models import Module
from matrica.staff.forms import DateInput, ReasonForm, model_field
from matrica.staff.models import StaffMember
from matrica.staff.selectors import search_staff
from matrica.tenancy.models import Beneficiary, Institution, Service

__all__ = ["CalendarFilterForm", "ChangeSessionForm", "PlanSessionForm", "ReasonForm"]


class TimeInput(forms.TimeInput):
    """The browser's time picker; the value as HH:MM, which it requires."""

    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%H:%M")


class CalendarFilterForm(forms.Form):
    """What the calendar shows: a field that does not parse is ignored, never an error page."""

    institution = forms.ModelChoiceField(
        label=_("Institution"), queryset=Institution.objects.none(), required=False,
        empty_label=_("All"),
    )  # fmt: skip
    module = forms.ModelChoiceField(
        label=_("Module"), queryset=Module.objects.none(), required=False, empty_label=_("All")
    )
    trainer = forms.ModelChoiceField(
        label=_("Trainer"), queryset=StaffMember.objects.none(), required=False,
        empty_label=_("All"),
    )  # fmt: skip

    def __init__(self, *args: Any, user: Any, shows_names: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._set_queryset("institution", Institution.objects.visible_to(user).order_by("name"))
        self._set_queryset("module", Module.objects.visible_to(user).order_by("code"))
        if shows_names:
            delivered = TrainingSession.trainers.through.objects.filter(
                trainingsession__in=TrainingSession.objects.visible_to(user)
            ).values("staffmember_id")
            self._set_queryset(
                "trainer",
                StaffMember.objects.visible_to(user)
                .filter(pk__in=delivered)
                .order_by("sort_name", "pk"),
            )
        else:  # the regional coordinator sees no names, so cannot pick a trainer either
            del self.fields["trainer"]

    def _set_queryset(self, name: str, queryset: QuerySet[Any]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = queryset

    def chosen(self) -> dict[str, int | None]:
        """The ids to filter by, leaving out any field that did not parse."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            f"{name}_id": (data[name].pk if data.get(name) else None)
            for name in ("institution", "module", "trainer")
        }


def _checkboxes() -> forms.CheckboxSelectMultiple:
    return forms.CheckboxSelectMultiple()


# How many of a module's pool the form lists at once (besides those already chosen).
TRAINERS_OFFERED = 40


class SessionFields(forms.Form):
    """What planning and changing a session share."""

    pool_size = 0

    starts_on = model_field(TrainingSession, "starts_on", widget=DateInput)
    ends_on = model_field(TrainingSession, "ends_on", widget=DateInput)
    starts_at = forms.TimeField(
        label=_("Each day from"), widget=TimeInput, initial=datetime.time(9)
    )
    ends_at = forms.TimeField(
        label=_("Each day until"), widget=TimeInput, initial=datetime.time(17)
    )
    capacity = model_field(TrainingSession, "capacity")
    venue = model_field(TrainingSession, "venue")
    online_url = model_field(
        TrainingSession,
        "online_url",
        assume_scheme="https",
        help_text=_("A venue, an online link, or both."),
    )
    language = model_field(TrainingSession, "language")
    trainer_search = forms.CharField(
        label=_("Find a trainer of the pool"), required=False, max_length=100,
        help_text=_("Name or employee number, in either script, with or without diacritics."),
    )  # fmt: skip
    trainers = forms.ModelMultipleChoiceField(
        label=_("Trainers"), queryset=StaffMember.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The trainers of the module's pool on the first day."),
    )  # fmt: skip
    invites_everyone = model_field(TrainingSession, "invites_everyone")
    invited_institutions = forms.ModelMultipleChoiceField(
        label=_("Institutions invited"), queryset=Institution.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    invited_services = forms.ModelMultipleChoiceField(
        label=_("Services invited"), queryset=Service.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    notes = model_field(TrainingSession, "notes", widget=forms.Textarea(attrs={"rows": 3}))

    def scope(
        self, user: Any, beneficiary_id: int | None, module: Module | None, on: datetime.date
    ) -> None:
        """Offer the people and places of one administration that the user may see: as trainers,
        the pool of `module` on `on` (with anyone already chosen, so that the action can say
        why they are not in it)."""
        institutions = Institution.objects.visible_to(user).filter(beneficiary_id=beneficiary_id)
        services = Service.objects.visible_to(user).filter(beneficiary_id=beneficiary_id)
        self._set("invited_institutions", institutions.order_by("name"))
        self._set("invited_services", services.select_related("beneficiary").order_by("name"))
        chosen = [pk for pk in self._chosen_trainers() if _is_id(pk)]
        visible = StaffMember.objects.visible_to(user).filter(beneficiary_id=beneficiary_id)
        reach = Q(pk__in=chosen)
        if module is not None:
            # A large administration's pool runs to thousands: the first names in order, or
            # those the search finds, are offered beside the ones already chosen.
            pool = visible.filter(pk__in=selectors.trainer_pool(module, on).values("pk"))
            self.pool_size = pool.count()
            found = search_staff(pool, self._text("trainer_search")).order_by("sort_name", "pk")
            reach |= Q(pk__in=list(found.values_list("pk", flat=True)[:TRAINERS_OFFERED]))
        self._set("trainers", visible.filter(reach).order_by("sort_name", "pk"))

    def action_arguments(self, user: Any) -> dict[str, Any]:
        """What the action takes: everything but the search that narrowed the trainers."""
        data = dict(self.cleaned_data)
        data.pop("trainer_search", None)
        return data

    def _text(self, name: str) -> str:
        value = self.data.get(self.add_prefix(name)) if self.is_bound else self.initial.get(name)
        return str(value or "")

    def _chosen_trainers(self) -> list[str]:
        if self.is_bound:
            data = self.data
            name = self.add_prefix("trainers")
            values = data.getlist(name) if isinstance(data, QueryDict) else data.get(name, [])
            return [str(v) for v in values]
        return [str(getattr(v, "pk", v)) for v in self.initial.get("trainers", [])]

    def _set(self, name: str, queryset: QuerySet[Any]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = queryset


class PlanSessionForm(SessionFields):
    """A new session; the administration is the planner's own (asked only of a superuser)."""

    administration = forms.ModelChoiceField(
        label=_("Administration"), queryset=Beneficiary.objects.none()
    )
    module = forms.ModelChoiceField(label=_("Module"), queryset=Module.objects.none())

    field_order = ["administration", "module"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        modules = Module.objects.visible_to(user).order_by("code")
        self._set("module", modules)
        if user.beneficiary_id:
            del self.fields["administration"]
            beneficiary_id: int | None = user.beneficiary_id
        else:
            self._set("administration", Beneficiary.objects.visible_to(user).order_by("code"))
            beneficiary_id = _int(self._value("administration"))
        module = modules.filter(pk=_int(self._value("module"))).first()
        self.scope(user, beneficiary_id, module, _date(self._value("starts_on")))

    def _value(self, name: str) -> Any:
        return self.data.get(name) if self.is_bound else self.initial.get(name)

    def action_arguments(self, user: Any) -> dict[str, Any]:
        data = super().action_arguments(user)
        administration = data.pop("administration", None)
        data["beneficiary_id"] = administration.pk if administration else user.beneficiary_id
        return data


class ChangeSessionForm(SessionFields):
    """A session's details before it is held; its module stays."""

    def __init__(self, *args: Any, user: Any, session: TrainingSession, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        on = _date(self.data.get("starts_on") if self.is_bound else self.initial.get("starts_on"))
        self.scope(user, session.beneficiary_id, session.module, on)

    @staticmethod
    def initial_for(session: TrainingSession) -> dict[str, Any]:
        first_day = session.days.first()
        initial: dict[str, Any] = {name: getattr(session, name) for name in SESSION_FIELDS}
        initial["trainers"] = list(session.trainers.values_list("pk", flat=True))
        initial["invited_institutions"] = list(
            session.invited_institutions.values_list("pk", flat=True)
        )
        initial["invited_services"] = list(session.invited_services.values_list("pk", flat=True))
        initial["starts_at"] = first_day.starts_at if first_day else datetime.time(9)
        initial["ends_at"] = first_day.ends_at if first_day else datetime.time(17)
        return initial


def _int(raw: Any) -> int | None:
    if isinstance(raw, int):
        return raw
    if hasattr(raw, "pk"):
        return int(raw.pk)
    text = str(raw or "")
    return int(text) if _is_id(text) else None


def _is_id(text: str) -> bool:
    """Digits a database id can be (not "²", not a hundred digits)."""
    return text.isascii() and text.isdigit() and len(text) < 12


def _date(raw: Any) -> datetime.date:
    """The day a pool is read for: the first day typed, today when none (or unreadable)."""
    if isinstance(raw, datetime.date):
        return raw
    try:
        return datetime.date.fromisoformat(str(raw or ""))
    except ValueError:
        return timezone.localdate()
