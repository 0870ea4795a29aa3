from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, UserChangeForm
from django.contrib.auth.models import Group
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from matrica.accounts import actions
from matrica.accounts.models import User
from matrica.http import request_user
from matrica.tenancy.admin_scoping import ScopedModelAdmin, changed_values, may_use_admin
from matrica.tenancy.permissions import Verb, holds, may_manage_account

# Who is changing a password in this request: Django's password view builds the form itself.
_acting: ContextVar[Any] = ContextVar("matrica_password_actor", default=None)


class AuditedPasswordChangeForm(AdminPasswordChangeForm):
    def save(self, commit: bool = True) -> Any:
        # An empty password is the form's way of turning password log-in off.
        password = self.cleaned_data.get("password1") or None
        return actions.set_password(actor=_acting.get(), user=self.user, password=password)


# Matrica's permissions never read Django's groups; an editable but unused list of them would
# only be an unaudited way to write.
admin.site.unregister(Group)


@admin.register(User)
class MatricaUserAdmin(ScopedModelAdmin, UserAdmin):
    write_verb = Verb.MANAGE_USERS
    form = UserChangeForm  # type: ignore[assignment]  # the password is shown as a summary, never as a field to edit
    change_password_form = AuditedPasswordChangeForm
    list_display = ["username", "first_name", "last_name", "role", "beneficiary", "institution"]
    list_filter = ["role", "beneficiary", "is_active"]
    search_fields = ["username", "first_name", "last_name", "email"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (
            _("Role in Matrica"),
            {"fields": ("role", "beneficiary", "institution", "staff_member", "is_active")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    superuser_fieldsets = (
        *fieldsets,
        (_("System"), {"fields": ("is_superuser",)}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username", "password1", "password2", "role", "beneficiary", "institution",
                    "staff_member", "first_name", "last_name", "email",
                ),
            },
        ),
    )  # fmt: skip
    readonly_fields = ["last_login", "date_joined"]
    actions = ["unlock_sign_in"]

    @admin.action(description=_("Unlock sign-in of the selected accounts"))
    def unlock_sign_in(self, request: HttpRequest, queryset: Any) -> None:
        """Lift lock-outs after failed sign-ins, one audited action per account; accounts the
        user may not manage are left as they are."""
        actor = request_user(request)
        unlocked = 0
        for user in queryset:
            if may_manage_account(actor, user.role, user.beneficiary_id):
                actions.unlock_account(actor=actor, user=user)
                unlocked += 1
        self.message_user(
            request, _("Sign-in unlocked for %(count)d accounts.") % {"count": unlocked}
        )

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and request_user(request).is_superuser:
            return self.superuser_fieldsets
        return super().get_fieldsets(request, obj)

    def owner_id(self, obj: Any) -> int | None:
        return obj.beneficiary_id

    def _may_write(self, request: HttpRequest, obj: Any = None) -> bool:
        user = request_user(request)
        if not may_use_admin(request) or not holds(user, Verb.MANAGE_USERS):
            return False
        return obj is None or may_manage_account(user, obj.role, obj.beneficiary_id)

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        token = _acting.set(request_user(request))
        try:
            return super().user_change_password(request, id, form_url)
        finally:
            _acting.reset(token)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        actor = request_user(request)
        if change:
            values = changed_values(form, actions.ACCOUNT_FIELDS)
            if values:
                actions.update_user(actor=actor, user=obj, **values)
            if "is_superuser" in form.changed_data:
                actions.grant_superuser(
                    actor=actor, user=obj, is_superuser=form.cleaned_data["is_superuser"]
                )
            return
        data = form.cleaned_data
        created = actions.create_user(
            actor=actor, username=data["username"], role=data.get("role", ""),
            password=data.get("password1") or None, beneficiary=data.get("beneficiary"),
            institution=data.get("institution"), staff_member=data.get("staff_member"),
            first_name=data.get("first_name", ""), last_name=data.get("last_name", ""),
            email=data.get("email", ""),
        )  # fmt: skip
        obj.pk = created.pk
