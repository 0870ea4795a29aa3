"""The inventory's forms: parsing only; every rule (cell hours within the course's, each cell
once, target groups given) is the action's."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from matrica.curricula.actions import Cell
from matrica.curricula.models import Course
from matrica.framework.models import CompetencyArea, Level, StaffCategory

# Blank cell rows offered under a course's cells: "Save and add more cells" offers more.
BLANK_CELLS = 4
MAX_HOURS = 32767  # the largest PositiveSmallIntegerField value


class CourseForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=30)
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Course.Kind.choices)
    hours = forms.IntegerField(label=_("Hours"), min_value=1, max_value=MAX_HOURS)
    target_categories = forms.ModelMultipleChoiceField(
        label=_("Target groups"), queryset=StaffCategory.objects.all(),
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    topics = forms.CharField(
        label=_("Topics"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    active = forms.BooleanField(
        label=_("Run today"), required=False, initial=True,
        help_text=_("Untick for a course no longer run: it stays on record."),
    )  # fmt: skip

    @staticmethod
    def initial_of(course: Course) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: getattr(course, name) for name in ("code", "title", "kind", "hours", "topics",
                                                     "active")
        }  # fmt: skip
        initial["target_categories"] = list(course.target_categories.all())
        return initial


class CellForm(forms.Form):
    """One matrix cell the course covers; a row left blank is no cell."""

    area = forms.ModelChoiceField(
        label=_("Competency area"), queryset=CompetencyArea.objects.all(), required=False
    )
    category = forms.ModelChoiceField(
        label=_("Staff category"), queryset=StaffCategory.objects.all(), required=False
    )
    level = forms.ModelChoiceField(label=_("Level"), queryset=Level.objects.all(), required=False)
    hours = forms.IntegerField(
        label=_("Hours in this cell"), min_value=1, max_value=MAX_HOURS, required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        given = [name for name in ("area", "category", "level", "hours") if data.get(name)]
        if given and len(given) < 4 and not self.errors:
            raise forms.ValidationError(
                _("Give the area, the staff category, the level and the hours, or none of them.")
            )
        return data

    def cell(self) -> Cell | None:
        data = self.cleaned_data
        if not data.get("area") or data.get("DELETE"):
            return None
        return Cell(data["area"], data["category"], data["level"], data["hours"])


class BaseCellFormSet(forms.BaseFormSet):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The choices are read once for every row, not once per row.
        choices = {
            name: [("", "—")] + [(row.pk, f"{row.code} · {row.local_title}") for row in rows]
            for name, rows in (("area", CompetencyArea.objects.all()),
                               ("category", StaffCategory.objects.all()),
                               ("level", Level.objects.all()))
        }  # fmt: skip
        for form in self.forms:
            for name, options in choices.items():
                form.fields[name].choices = options

    def cells(self) -> list[Cell]:
        return [cell for form in self.forms if (cell := form.cell()) is not None]


CellFormSet = forms.formset_factory(
    CellForm, formset=BaseCellFormSet, extra=BLANK_CELLS, can_delete=True, max_num=200,
    validate_max=True,
)  # fmt: skip


def cell_initial(course: Course | None) -> list[dict[str, Any]]:
    if course is None:
        return []
    return [
        {"area": c.area_id, "category": c.category_id, "level": c.level_id, "hours": c.hours}
        for c in course.coverage.all()
    ]


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the course leaves the inventory"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For a course entered in error. A course no longer run is changed to "
                    "“not run today” instead."),
    )  # fmt: skip
