"""Forms of the module and trainer-pool pages. They parse what a user typed; every rule is
checked by the action underneath (framework.actions for national modules, delivery.actions for
authorisations), whose refusals the page shows next to the field concerned."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from matrica.delivery.models import TrainerAuthorisation
from matrica.framework.models import CompetencyArea, Level, Module
from matrica.staff.forms import DateInput, model_field, today
from matrica.staff.models import StaffMember
from matrica.tenancy.models import Beneficiary

LANGUAGE_NAMES = dict(settings.LANGUAGES)
CONFERRAL_PREFIX = "confers_"
TITLE_PREFIX = "title_"


class NationalModuleForm(forms.Form):
    """A national module: its title in each language of the administration, what it confers
    (one level, or none, per competency area), how it is delivered and what it asks first."""

    code = model_field(Module, "code")
    summary = model_field(Module, "summary", widget=forms.Textarea(attrs={"rows": 3}))
    learning_outcomes = model_field(
        Module, "learning_outcomes", widget=forms.Textarea(attrs={"rows": 4})
    )
    hours = model_field(Module, "hours")
    validity_months = model_field(Module, "validity_months")
    attendance_threshold = model_field(Module, "attendance_threshold")
    delivery_modes = forms.MultipleChoiceField(
        label=_("Delivery modes"),
        choices=Module.DeliveryMode.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages of delivery"),
        choices=settings.LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    joint_delivery = model_field(Module, "joint_delivery")
    prerequisites = forms.ModelMultipleChoiceField(
        label=_("Prerequisites (any one of)"),
        queryset=Module.objects.none(),
        required=False,
        help_text=_("Completing any one of them is enough. Leave empty for none."),
    )

    def __init__(
        self,
        *args: Any,
        beneficiary: Beneficiary,
        prerequisites: QuerySet[Module],
        areas: list[CompetencyArea],
        levels: list[Level],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["prerequisites"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = prerequisites
        self.fields["code"].help_text = _(
            "Starts with the administration's code and a hyphen, for example %(example)s."
        ) % {"example": f"{beneficiary.code}-BA2"}
        self.title_languages = list(beneficiary.languages or []) or [settings.LANGUAGE_CODE]
        for index, language in enumerate(self.title_languages):
            self.fields[f"{TITLE_PREFIX}{language}"] = forms.CharField(
                label=_("Title (%(language)s)")
                % {"language": LANGUAGE_NAMES.get(language, language)},
                max_length=200,
                required=index == 0,
            )
        self.areas = areas
        level_choices = [("", _("none"))] + [(str(level.pk), level.local_title) for level in levels]
        self.levels = {str(level.pk): level for level in levels}
        for area in areas:
            self.fields[f"{CONFERRAL_PREFIX}{area.code}"] = forms.ChoiceField(
                label=f"{area.code} {area.local_title}", choices=level_choices, required=False
            )

    @staticmethod
    def initial_for(module: Module) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: getattr(module, name)
            for name in ("code", "summary", "learning_outcomes", "hours", "validity_months",
                         "attendance_threshold", "delivery_modes", "languages", "joint_delivery")
        }  # fmt: skip
        initial["prerequisites"] = list(module.prerequisites_any_of.all())
        for language, texts in (module.translations or {}).items():
            if texts.get("title"):
                initial[f"{TITLE_PREFIX}{language}"] = texts["title"]
        for conferral in module.conferrals.all():
            initial[f"{CONFERRAL_PREFIX}{conferral.area.code}"] = str(conferral.level_id)
        return initial

    def set_default_title(self, module: Module) -> None:
        """A module whose first language has no translation shows its stored title there."""
        first = f"{TITLE_PREFIX}{self.title_languages[0]}"
        self.initial.setdefault(first, module.title)

    # Groups of fields, for the template's fieldsets.
    def title_fields(self) -> list[forms.BoundField]:
        return [self[f"{TITLE_PREFIX}{language}"] for language in self.title_languages]

    def conferral_fields(self) -> list[forms.BoundField]:
        return [self[f"{CONFERRAL_PREFIX}{area.code}"] for area in self.areas]

    def description_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("code", "summary", "learning_outcomes")]

    def delivery_fields(self) -> list[forms.BoundField]:
        names = ("hours", "validity_months", "attendance_threshold", "delivery_modes",
                 "languages", "joint_delivery", "prerequisites")  # fmt: skip
        return [self[name] for name in names]

    def module_values(self) -> dict[str, Any]:
        """The cleaned data as the national-module actions take it."""
        data = self.cleaned_data
        titles = {
            language: data.get(f"{TITLE_PREFIX}{language}", "") for language in self.title_languages
        }
        conferrals = [
            (area, self.levels[data[f"{CONFERRAL_PREFIX}{area.code}"]])
            for area in self.areas
            if data.get(f"{CONFERRAL_PREFIX}{area.code}")
        ]
        return {
            "code": data["code"],
            "title": titles[self.title_languages[0]],
            "translations": {lang: {"title": text} for lang, text in titles.items() if text},
            "summary": data["summary"],
            "learning_outcomes": data["learning_outcomes"],
            "hours": data["hours"],
            "validity_months": data["validity_months"],
            "delivery_modes": data["delivery_modes"],
            "languages": data["languages"],
            "joint_delivery": data["joint_delivery"],
            "attendance_threshold": data["attendance_threshold"],
            "prerequisites": list(data["prerequisites"]),
            "conferrals": conferrals,
        }


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.full_name} ({obj.employee_number})"


# A select lists at most this many people; a search narrows them.
PEOPLE_SHOWN = 50


class AuthoriseTrainerForm(forms.Form):
    """Who may train the module without the training-of-trainers evidence, from when, until
    when, and why. The person is chosen among those the user may see (a search narrows the
    list)."""

    staff_member = PersonChoiceField(
        label=_("Person"), queryset=StaffMember.objects.none(), empty_label=_("Choose a person")
    )
    granted_on = model_field(TrainerAuthorisation, "granted_on", widget=DateInput, initial=today)
    valid_until = model_field(
        TrainerAuthorisation,
        "valid_until",
        widget=DateInput,
        help_text=_("Leave empty for an authorisation without an end date."),
    )
    reason = model_field(TrainerAuthorisation, "reason", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(
        self, *args: Any, people: QuerySet[StaffMember], shown: QuerySet[StaffMember], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["staff_member"]
        assert isinstance(field, PersonChoiceField)
        # Any person the user may see is accepted; only the first matches are listed, so
        # that the page stays small in an administration of thousands.
        field.queryset = people
        listed = list(shown[:PEOPLE_SHOWN])
        chosen = self.data.get("staff_member") if self.is_bound else None
        if (
            chosen
            and str(chosen).isascii()
            and str(chosen).isdigit()
            and all(str(p.pk) != chosen for p in listed)
        ):
            listed += list(people.filter(pk=int(chosen)))  # keep the choice on a refused post
        field.widget.choices = [("", field.empty_label)] + [
            (person.pk, field.label_from_instance(person)) for person in listed
        ]


class EndAuthorisationForm(forms.Form):
    ends_on = forms.DateField(
        label=_("Ends on"),
        widget=DateInput,
        initial=today,
        help_text=_("The first day the person may no longer train the module."),
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
