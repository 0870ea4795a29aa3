"""The curator's forms: parsing only; every rule is the action's."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from matrica.framework.models import CompetencyArea, Level, Module, StaffCategory
from matrica.library.models import Resource
from matrica.library.uploads import CONTENT_TYPES

# Translated titles and summaries: one pair of fields per language but English (the source).
TRANSLATED = [(code, name) for code, name in settings.LANGUAGES if code != "en"]


class ResourceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=Resource.Kind.choices)
    title = forms.CharField(label=_("Title (English)"), max_length=300)
    summary = forms.CharField(label=_("Summary (English)"), widget=forms.Textarea, required=False)
    publisher = forms.CharField(label=_("Publisher"), max_length=200, required=False)
    year = forms.IntegerField(label=_("Year"), min_value=1900, max_value=2100, required=False)
    url = forms.URLField(
        label=_("Web address"), max_length=500, required=False, assume_scheme="https"
    )
    licence = forms.CharField(label=_("Licence"), max_length=200, required=False)
    languages = forms.MultipleChoiceField(
        label=_("Languages available"), choices=settings.LANGUAGES, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    areas = forms.ModelMultipleChoiceField(
        label=_("Competency areas"), queryset=CompetencyArea.objects.all(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    levels = forms.ModelMultipleChoiceField(
        label=_("Levels"), queryset=Level.objects.all(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    audiences = forms.ModelMultipleChoiceField(
        label=_("Audiences"), queryset=StaffCategory.objects.all(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    modules = forms.ModelMultipleChoiceField(
        label=_("Modules"), queryset=Module.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    file = forms.FileField(
        label=_("File"), required=False,
        help_text=_("PDF, DOCX, PPTX or MP4, at most %(mb)d MB.")
        % {"mb": settings.MATRICA_UPLOAD_MAX_MB},
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(CONTENT_TYPES)}),
    )  # fmt: skip

    def __init__(self, *args: Any, modules: Any, with_remove: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["modules"].queryset = modules  # type: ignore[attr-defined]
        for code, name in TRANSLATED:
            self.fields[f"title_{code}"] = forms.CharField(
                label=_("Title (%(language)s)") % {"language": name}, max_length=300,
                required=False,
            )  # fmt: skip
            self.fields[f"summary_{code}"] = forms.CharField(
                label=_("Summary (%(language)s)") % {"language": name}, required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
            )  # fmt: skip
        if with_remove:
            self.fields["remove_file"] = forms.BooleanField(
                label=_("Remove the file held"), required=False
            )

    @staticmethod
    def initial_of(resource: Resource) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: getattr(resource, name)
            for name in ("kind", "title", "summary", "publisher", "year", "url", "licence",
                         "languages")
        }  # fmt: skip
        for name in ("areas", "levels", "audiences", "modules"):
            initial[name] = list(getattr(resource, name).all())
        for code, fields in resource.translations.items():
            initial[f"title_{code}"] = fields.get("title", "")
            initial[f"summary_{code}"] = fields.get("summary", "")
        return initial

    def arguments(self) -> dict[str, Any]:
        """The action's keyword arguments."""
        data = dict(self.cleaned_data)
        translations: dict[str, dict[str, str]] = {}
        for code, _name in TRANSLATED:
            title, summary = data.pop(f"title_{code}", ""), data.pop(f"summary_{code}", "")
            if title or summary:
                translations[code] = {"title": title, "summary": summary}
        data["translations"] = translations
        data["upload"] = data.pop("file", None) or None
        for name in ("areas", "levels", "audiences", "modules"):
            data[name] = list(data[name])
        return data


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
