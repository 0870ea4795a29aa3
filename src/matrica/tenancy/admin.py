from django.contrib import admin

from matrica.accounts.admin_scoping import ScopedModelAdmin
from matrica.tenancy.models import Beneficiary, Institution, Service


@admin.register(Beneficiary)
class BeneficiaryAdmin(ScopedModelAdmin):
    list_display = ["code", "name", "authority", "is_demo"]
    search_fields = ["code", "name"]


@admin.register(Service)
class ServiceAdmin(ScopedModelAdmin):
    list_display = ["name", "kind", "beneficiary"]
    list_filter = ["kind", "beneficiary"]


@admin.register(Institution)
class InstitutionAdmin(ScopedModelAdmin):
    list_display = ["name", "kind", "city", "service", "beneficiary"]
    list_filter = ["kind", "beneficiary"]
    search_fields = ["name", "city"]
