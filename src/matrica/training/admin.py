from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from matrica.http import request_user
from matrica.tenancy.admin_scoping import ActionForm, ScopedModelAdmin, changed_values
from matrica.tenancy.permissions import Verb
from matrica.training import actions
from matrica.training.models import Completion

ADMIN_VOIDING = "Voided in the admin site"


class CompletionForm(ActionForm):
    reason = forms.CharField(
        label=_("Reason for the correction"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.instance.pk and self.has_changed() and not cleaned.get("reason", "").strip():
            self.add_error("reason", _("Say why the evidence is corrected."))
        return cleaned


@admin.register(Completion)
class CompletionAdmin(ScopedModelAdmin):
    write_verb = Verb.RECORD_EVIDENCE
    allows_delete = True  # voiding: the trail keeps the record and who voided it
    form = CompletionForm
    list_display = ["staff_member", "area", "level", "completed_on", "valid_until", "source"]
    list_filter = ["source", "area", "level"]
    list_select_related = ["staff_member", "area", "level"]
    autocomplete_fields = ["staff_member"]
    fields = [
        "staff_member", "area", "level", "completed_on", "valid_until", "source", "module",
        "note", "reason",
    ]  # fmt: skip

    def owner_id(self, obj: Any) -> int | None:
        return obj.staff_member.beneficiary_id

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Whose evidence it is and where it came from are facts; a mistake there is voided.
        return ["staff_member", "source", "module"] if obj is not None else []

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        actor = request_user(request)
        if change:
            actions.correct_evidence(
                actor=actor, completion=obj, reason=form.cleaned_data["reason"],
                **changed_values(form, actions.CORRECTABLE_FIELDS),
            )  # fmt: skip
            return
        created = actions.record_evidence(
            actor=actor, staff_member=obj.staff_member, area=obj.area, level=obj.level,
            completed_on=obj.completed_on, valid_until=obj.valid_until, source=obj.source,
            note=obj.note, module=obj.module,
        )  # fmt: skip
        obj.pk = created.pk

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        actions.void_evidence(actor=request_user(request), completion=obj, reason=ADMIN_VOIDING)
