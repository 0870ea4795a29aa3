from django.contrib import admin

from matrica.accounts.admin_scoping import ScopedModelAdmin
from matrica.training.models import Completion


@admin.register(Completion)
class CompletionAdmin(ScopedModelAdmin):
    list_display = ["staff_member", "area", "level", "completed_on", "valid_until", "source"]
    list_filter = ["source", "area", "level"]
    list_select_related = ["staff_member", "area", "level"]
    raw_id_fields = ["staff_member"]
