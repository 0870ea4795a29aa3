from django.contrib import admin

from matrica.compliance.models import ExpiryNotice
from matrica.tenancy.admin_scoping import ScopedModelAdmin

# The derived tables are rebuilt by `matrica compliance refresh` and read through the pages;
# only the record of notices sent is a thing an administrator may want to look up here.


@admin.register(ExpiryNotice)
class ExpiryNoticeAdmin(ScopedModelAdmin):
    list_display = ["staff_member", "area", "valid_until", "sent_at"]
    list_select_related = ["staff_member", "area"]
