from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from matrica.accounts.admin_scoping import ScopedModelAdmin
from matrica.accounts.models import User
from matrica.http import request_user


@admin.register(User)
class MatricaUserAdmin(ScopedModelAdmin, UserAdmin):
    list_display = ["username", "first_name", "last_name", "role", "beneficiary", "institution"]
    list_filter = ["role", "beneficiary", "is_active"]
    fieldsets = (
        *UserAdmin.fieldsets,  # type: ignore[misc]
        (_("Role in Matrica"), {"fields": ("role", "beneficiary", "institution", "staff_member")}),
    )

    def _may_write(self, request: HttpRequest) -> bool:
        # Roles and privileges are granted by the system's superusers only, so that no
        # administrator can widen their own reach.
        return bool(request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return (
            super().has_view_permission(request, obj)
            and request_user(request).role != "coordinator"
        )
