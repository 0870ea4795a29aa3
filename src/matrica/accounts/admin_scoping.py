"""The admin site under the same tenancy as the pages: querysets, choices and writes all go
through `visible_to(user)`, and every write is audited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import ForeignKey
from django.forms import ModelChoiceField
from django.http import HttpRequest

from matrica.audit.services import delete_audited, save_audited
from matrica.http import request_user
from matrica.staff.models import StaffMember
from matrica.tenancy.roles import Role
from matrica.tenancy.scoping import ensure_visible

ADMIN_SITE_ROLES = frozenset({Role.COORDINATOR, Role.NATIONAL_ADMIN, Role.TRAINING_MANAGER})
NATIONAL_EDITORS = frozenset({Role.NATIONAL_ADMIN, Role.TRAINING_MANAGER})


def is_scoped(model: type[models.Model]) -> bool:
    return hasattr(model, "tenancy")


def may_use_admin(request: HttpRequest) -> bool:
    user = request_user(request)
    return bool(
        user.is_active
        and user.is_authenticated
        and (user.is_superuser or (user.is_staff and user.role in ADMIN_SITE_ROLES))
    )


def compliance_inputs_changed(obj: Any) -> None:
    """Keep derived compliance figures in step with an edit made in the admin."""
    from matrica.compliance import services  # the one engine that writes derived figures

    staff_id = obj.pk if isinstance(obj, StaffMember) else getattr(obj, "staff_member_id", None)
    if staff_id is not None:
        services.refresh_people([staff_id])
    elif obj._meta.app_label == "framework":
        services.framework_changed()


class ScopedModelAdmin(admin.ModelAdmin):
    """Regional rows (the common matrix) are edited by the coordinator; national rows by the
    administration's own administrators, within their scope. Everyone else only reads."""

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[Any]:
        queryset = super().get_queryset(request)
        if is_scoped(self.model):
            return queryset.visible_to(request.user)  # type: ignore[attr-defined]
        return queryset

    def _may_write(self, request: HttpRequest) -> bool:
        user = request_user(request)
        if user.is_superuser:
            return True
        if not may_use_admin(request):
            return False
        if is_scoped(self.model):
            return user.role in NATIONAL_EDITORS
        return user.role == Role.COORDINATOR

    def has_module_permission(self, request: HttpRequest) -> bool:
        return may_use_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_use_admin(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self._may_write(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_write(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_write(request)

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField | None:
        related = db_field.related_model
        if isinstance(related, type) and is_scoped(related):
            kwargs["queryset"] = related._default_manager.visible_to(request.user)  # type: ignore[attr-defined]
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        save_audited(actor=request_user(request), obj=obj)
        if is_scoped(type(obj)):
            # Inside the admin's transaction: a save that left the user's scope is rolled back.
            ensure_visible(obj, request.user)
        compliance_inputs_changed(obj)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        if isinstance(obj, StaffMember):
            from matrica.compliance.services import forget_people

            forget_people([obj.pk])  # before the rows that hold their contribution cascade away
            delete_audited(actor=request_user(request), obj=obj)
            return
        delete_audited(actor=request_user(request), obj=obj)
        compliance_inputs_changed(obj)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        # Inline rows (requirements of a version, roles of a person) are audited one by one.
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            delete_audited(actor=request_user(request), obj=obj)
        for obj in instances:
            save_audited(actor=request_user(request), obj=obj)
        formset.save_m2m()
        for obj in [*formset.deleted_objects, *instances]:
            compliance_inputs_changed(obj)

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet[Any]) -> None:
        # The bulk action deletes one by one, so that each deletion is audited and its
        # effect on derived figures is the same as on the single delete page.
        for obj in queryset:
            self.delete_model(request, obj)


class ReadOnlyScopedAdmin(ScopedModelAdmin):
    def _may_write(self, request: HttpRequest) -> bool:
        return False
