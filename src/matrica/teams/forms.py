"""The forms of the team pages: they parse; the actions decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from matrica.staff.models import StaffMember
from matrica.teams.models import Discipline, Membership, Team
from matrica.tenancy.models import Institution


class PersonField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.full_name} ({obj.employee_number}, {obj.institution})"


class DisciplineField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_title)


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    scope = forms.CharField(
        label=_("Scope"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the team deals with; no offender data."),
    )  # fmt: skip
    cadence = forms.ChoiceField(label=_("Meeting cadence"), choices=Team.Cadence.choices)
    cases_followed = forms.IntegerField(
        label=_("Cases followed (a count only)"), min_value=0, initial=0
    )
    formed_on = forms.DateField(label=_("Formed on"), widget=DATE, initial=timezone.localdate)


class NewTeamForm(TeamForm):
    institution = forms.ModelChoiceField(
        label=_("Institution or probation office"), queryset=Institution.objects.none(),
        required=False, empty_label=_("None: a regional team of the administration"),
    )  # fmt: skip
    field_order = ["name", "institution"]

    def __init__(
        self, *args: Any, institutions: QuerySet[Institution], regional: bool, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        field = self.fields["institution"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = institutions
        field.required = not regional
        if not regional:
            field.empty_label = None


class CloseTeamForm(forms.Form):
    on = forms.DateField(label=_("Last day of the team"), widget=DATE, initial=timezone.localdate)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class MemberForm(forms.Form):
    staff_member = PersonField(
        label=_("Person"), queryset=StaffMember.objects.none(), widget=forms.RadioSelect,
        empty_label=None,
    )  # fmt: skip
    discipline = DisciplineField(label=_("Discipline"), queryset=Discipline.objects.none())
    role = forms.ChoiceField(
        label=_("Role in the team"), choices=Membership.Role.choices, initial="member"
    )
    start_date = forms.DateField(label=_("From"), widget=DATE, initial=timezone.localdate)

    def __init__(
        self, *args: Any, people: QuerySet[StaffMember], disciplines: QuerySet[Discipline],
        **kwargs: Any,
    ) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        person = self.fields["staff_member"]
        assert isinstance(person, forms.ModelChoiceField)
        person.queryset = people
        discipline = self.fields["discipline"]
        assert isinstance(discipline, forms.ModelChoiceField)
        discipline.queryset = disciplines


class EndMembershipForm(forms.Form):
    end_date = forms.DateField(
        label=_("Last day in the team"), widget=DATE, initial=timezone.localdate
    )


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role in the team"), choices=Membership.Role.choices)
    discipline = DisciplineField(label=_("Discipline"), queryset=Discipline.objects.none())

    def __init__(self, *args: Any, disciplines: QuerySet[Discipline], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        discipline = self.fields["discipline"]
        assert isinstance(discipline, forms.ModelChoiceField)
        discipline.queryset = disciplines


class DisciplineForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    required_for_prison = forms.BooleanField(label=_("Required for prison teams"), required=False)
    required_for_probation = forms.BooleanField(
        label=_("Required for probation teams"), required=False
    )
    required_for_regional = forms.BooleanField(
        label=_("Required for regional teams"), required=False
    )
    order = forms.IntegerField(label=_("Order in lists"), min_value=0, max_value=999, initial=100)


class NewDisciplineForm(DisciplineForm):
    code = forms.CharField(
        label=_("Code"), max_length=12, help_text=_("A short code, unique in the administration.")
    )
    field_order = ["code", "title"]
