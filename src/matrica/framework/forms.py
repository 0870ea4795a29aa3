from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

# A framework has a few hundred items: far below this.
MAX_CASE_BYTES = 10 * 1024 * 1024


class CaseUploadForm(forms.Form):
    file = forms.FileField(label=_("CASE package (JSON)"))
    code = forms.CharField(
        label=_("Code of the draft version"),
        max_length=20,
        required=False,
        help_text=_("Leave empty for a code made from the package's version."),
    )
    title = forms.CharField(label=_("Title"), max_length=200, required=False)

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_CASE_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        return bytes(upload.read())


class PublishForm(forms.Form):
    effective_from = forms.DateField(
        label=_("In force from"), widget=forms.DateInput(attrs={"type": "date"})
    )
