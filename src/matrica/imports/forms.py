from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from matrica.imports.kinds import KINDS, Kind
from matrica.tabular import ENCODINGS, Column
from matrica.tenancy.models import Beneficiary


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What the file holds"), widget=forms.RadioSelect, initial="staff"
    )
    beneficiary = forms.ModelChoiceField(
        label=_("Administration"), queryset=Beneficiary.objects.none()
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (comma or semicolon) or XLSX, at most %(mb)d MB.")
        % {"mb": settings.MATRICA_IMPORT_MAX_MB},
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx"}),
    )
    encoding = forms.ChoiceField(
        label=_("Encoding of a CSV file"),
        required=False,
        choices=[("", _("Detect it"))] + [(code, label) for code, label in ENCODINGS.items()],
        help_text=_(
            "Matrica reads UTF-8 and the Windows code pages of the region (1250, 1251, 1254). "
            "Choose one only if names come out wrong."
        ),
    )
    full = forms.BooleanField(
        label=_("This file is the whole roster"),
        required=False,
        help_text=_(
            "People in post who are not in the file are recorded as having left today. "
            "Nobody is deleted. Staff roster only."
        ),
    )

    def __init__(self, *args: Any, kinds: list[Kind], beneficiaries: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kind"]).choices = [
            (kind.code, kind.label) for kind in kinds
        ]
        cast(forms.ModelChoiceField, self.fields["beneficiary"]).queryset = beneficiaries
        self.only_beneficiary = beneficiaries.first() if beneficiaries.count() == 1 else None
        if self.only_beneficiary is not None:
            # One administration within reach: nothing to choose.
            del self.fields["beneficiary"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.only_beneficiary is not None:
            data["beneficiary"] = self.only_beneficiary
        return data

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > settings.MATRICA_IMPORT_MAX_MB * 1024 * 1024:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB, the limit for an import.")
                % {"mb": settings.MATRICA_IMPORT_MAX_MB}
            )
        return upload


LEAVE_OUT = ""


class ColumnsForm(forms.Form):
    """For each header of the file, which column it holds (or none)."""

    def __init__(
        self, *args: Any, headers: list[str], columns: list[Column], current: dict[str, str],
        **kwargs: Any,
    ) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        optional = _("(optional)")
        choices = [(LEAVE_OUT, _("(not imported)"))] + [
            (column.key, column.label if column.required else f"{column.label} {optional}")
            for column in columns
        ]
        self.headers, self.columns = headers, columns
        for position, header in enumerate(headers):
            self.fields[f"column_{position}"] = forms.ChoiceField(
                label=header, choices=choices, required=False, initial=current.get(header, "")
            )

    def mapping(self) -> dict[str, str]:
        return {
            header: self.cleaned_data[f"column_{position}"]
            for position, header in enumerate(self.headers)
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = [value for value in data.values() if value]
        twice = sorted({key for key in chosen if chosen.count(key) > 1})
        if twice:
            labels = {column.key: column.label for column in self.columns}
            raise forms.ValidationError(
                _("Each column can be read from one header only: %(columns)s.")
                % {"columns": ", ".join(str(labels[key]) for key in twice)}
            )
        return data


def kinds_for(user: Any) -> list[Kind]:
    from matrica.tenancy.permissions import holds

    return [kind for kind in KINDS.values() if holds(user, kind.verb)]
