from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from matrica.audit.models import AuditEvent
from matrica.http import request_user
from matrica.tenancy.admin_scoping import ScopedModelAdmin
from matrica.tenancy.permissions import may_read_audit


@admin.register(AuditEvent)
class AuditEventAdmin(ScopedModelAdmin):
    """Read-only; who reads the trail is decided once (`may_read_audit`), as for `/audit/`."""

    list_display = ["timestamp", "user_name", "action", "object_type", "object_repr", "beneficiary"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_repr", "user_name"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return super().has_module_permission(request) and may_read_audit(request_user(request))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_view_permission(request, obj) and may_read_audit(request_user(request))
