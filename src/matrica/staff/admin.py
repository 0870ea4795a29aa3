from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from matrica.accounts.admin_scoping import ScopedModelAdmin
from matrica.staff.models import StaffMember, StaffRole
from matrica.text import fold


class StaffRoleInline(admin.TabularInline):
    model = StaffRole
    extra = 0


@admin.register(StaffMember)
class StaffMemberAdmin(ScopedModelAdmin):
    list_display = [
        "family_name",
        "given_name",
        "employee_number",
        "institution",
        "primary_category",
    ]
    list_filter = ["beneficiary", "primary_category", "active"]
    search_fields = ["search_text", "employee_number"]
    list_select_related = ["institution", "primary_category"]
    raw_id_fields = ["institution"]
    inlines = [StaffRoleInline]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        # Search the folded form, as the staff list does: "djordjevic" finds "Ђорђевић".
        return super().get_search_results(request, queryset, fold(search_term))
