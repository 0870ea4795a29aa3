from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from matrica.http import request_user
from matrica.staff import actions
from matrica.staff.models import StaffMember, StaffRole
from matrica.tenancy.admin_scoping import ScopedInline, ScopedModelAdmin, changed_values
from matrica.tenancy.permissions import Verb
from matrica.text import fold

# A role entered in error and deleted in the admin is withdrawn with this reason on the trail.
ADMIN_WITHDRAWAL = "Withdrawn in the admin site"


class StaffRoleInline(ScopedInline):
    model = StaffRole
    fields = ["category", "start_date", "end_date"]


@admin.register(StaffMember)
class StaffMemberAdmin(ScopedModelAdmin):
    write_verb = Verb.MANAGE_STAFF
    list_display = [
        "family_name",
        "given_name",
        "employee_number",
        "institution",
        "primary_category",
        "active",
    ]
    list_filter = ["beneficiary", "primary_category", "active"]
    search_fields = ["search_text", "employee_number"]
    list_select_related = ["institution", "primary_category"]
    autocomplete_fields = ["institution"]
    fields = [
        "institution", "employee_number", "given_name", "family_name", "primary_category",
        "entry_date", "preferred_language", "email", "leaving_date", "active",
    ]  # fmt: skip
    readonly_fields = ["active"]  # follows the leaving date
    inlines = [StaffRoleInline]

    def prepare_instance(self, obj: Any) -> None:
        if obj.institution_id:
            obj.beneficiary_id = obj.institution.beneficiary_id
        if obj.leaving_date:
            obj.active = False

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        # Search the folded form, as the staff list does: "djordjevic" finds "Ђорђевић".
        return super().get_search_results(request, queryset, fold(search_term))

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        actor = request_user(request)
        values = changed_values(form, actions.EDITABLE_FIELDS)
        if not change:
            created = actions.create_staff_member(
                actor=actor, **{name: form.cleaned_data[name] for name in actions.EDITABLE_FIELDS}
            )
            obj.pk = created.pk
        elif values:
            actions.update_staff_member(actor=actor, staff_member=obj, **values)
        if "leaving_date" in form.changed_data:
            member = StaffMember.objects.get(pk=obj.pk)
            if form.cleaned_data["leaving_date"]:
                if not member.active:  # a corrected date: back in post, then leave again
                    member = actions.reinstate_staff_member(actor=actor, staff_member=member)
                actions.record_leaving(
                    actor=actor, staff_member=member,
                    leaving_date=form.cleaned_data["leaving_date"],
                )  # fmt: skip
            elif not member.active:
                actions.reinstate_staff_member(actor=actor, staff_member=member)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        actor = request_user(request)
        for role_form in formset.forms:
            if not role_form.has_changed() and role_form not in formset.deleted_forms:
                continue
            role = role_form.instance
            if role_form in formset.deleted_forms:
                if role.pk:
                    actions.withdraw_role(actor=actor, role=role, reason=ADMIN_WITHDRAWAL)
            elif role.pk:
                actions.change_role(
                    actor=actor, role=role, **changed_values(role_form, actions.ROLE_FIELDS)
                )
            else:
                actions.assign_role(
                    actor=actor, staff_member=form.instance,
                    category=role_form.cleaned_data["category"],
                    start_date=role_form.cleaned_data["start_date"],
                    end_date=role_form.cleaned_data.get("end_date"),
                )  # fmt: skip
