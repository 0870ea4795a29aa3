from django.contrib import admin

from matrica.accounts.admin_scoping import ReadOnlyScopedAdmin
from matrica.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyScopedAdmin):
    list_display = ["timestamp", "user_name", "action", "object_type", "object_repr", "beneficiary"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_repr", "user_name"]
