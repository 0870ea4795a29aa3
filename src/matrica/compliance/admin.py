from django.contrib import admin

from matrica.accounts.admin_scoping import ReadOnlyScopedAdmin
from matrica.compliance.models import ExpiryNotice

# The derived tables are rebuilt by `matrica compliance refresh` and read through the pages;
# only the record of notices sent is a thing an administrator may want to look up here.


@admin.register(ExpiryNotice)
class ExpiryNoticeAdmin(ReadOnlyScopedAdmin):
    list_display = ["staff_member", "area", "valid_until", "sent_at"]
    list_select_related = ["staff_member", "area"]
    raw_id_fields = ["staff_member"]
