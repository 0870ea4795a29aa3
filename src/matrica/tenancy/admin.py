from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from matrica.http import request_user
from matrica.tenancy import actions
from matrica.tenancy.admin_scoping import ScopedModelAdmin, changed_values
from matrica.tenancy.models import Beneficiary, Institution, Service
from matrica.tenancy.permissions import Verb


@admin.register(Beneficiary)
class BeneficiaryAdmin(ScopedModelAdmin):
    """Administrations are the tenants: only the system's superusers create or edit them."""

    write_verb = Verb.MANAGE_ADMINISTRATIONS
    list_display = ["code", "name", "authority", "is_demo"]
    search_fields = ["code", "name"]
    fields = ["code", "name", "authority", "languages", "footnote", "is_demo"]
    readonly_fields = ["is_demo"]  # `matrica demo` alone marks what it may wipe

    def owner_id(self, obj: Any) -> int | None:
        return None

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        actor = request_user(request)
        if change:
            actions.update_administration(
                actor=actor, beneficiary=obj,
                **changed_values(form, actions.ADMINISTRATION_FIELDS),
            )  # fmt: skip
        else:
            created = actions.create_administration(
                actor=actor, code=obj.code, name=obj.name, authority=obj.authority,
                languages=obj.languages,
            )  # fmt: skip
            obj.pk = created.pk


@admin.register(Service)
class ServiceAdmin(ScopedModelAdmin):
    write_verb = Verb.MANAGE_ORGANISATION
    list_display = ["name", "kind", "beneficiary"]
    list_filter = ["kind", "beneficiary"]
    search_fields = ["name"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["beneficiary", "kind"] if obj is not None else []

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        actor = request_user(request)
        if change:
            actions.update_service(
                actor=actor, service=obj, **changed_values(form, actions.SERVICE_FIELDS)
            )
        else:
            created = actions.create_service(
                actor=actor, beneficiary=obj.beneficiary, kind=obj.kind, name=obj.name
            )
            obj.pk = created.pk


@admin.register(Institution)
class InstitutionAdmin(ScopedModelAdmin):
    write_verb = Verb.MANAGE_ORGANISATION
    list_display = ["name", "kind", "city", "service", "beneficiary"]
    list_filter = ["kind", "beneficiary"]
    search_fields = ["name", "city"]
    fields = ["service", "name", "kind", "city"]  # the administration follows the service
    list_select_related = ["service__beneficiary", "beneficiary"]

    def prepare_instance(self, obj: Any) -> None:
        if obj.service_id:
            obj.beneficiary_id = obj.service.beneficiary_id

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        actor = request_user(request)
        if change:
            actions.update_institution(
                actor=actor, institution=obj,
                **changed_values(form, actions.INSTITUTION_FIELDS),
            )  # fmt: skip
        else:
            created = actions.create_institution(
                actor=actor, service=obj.service, name=obj.name, kind=obj.kind, city=obj.city
            )
            obj.pk = created.pk
