"""The admin site as a thin form over the actions, under the same tenancy as the pages.

- Reads: every changelist, change page, look-up, autocomplete and filter starts from
  `visible_to(user)`; a foreign-key widget offers only what the user may see, so no id of any
  kind shows another administration's names.
- Writes: each admin class turns its form into a call of the action for that verb
  (`save_model`, `save_formset`, `delete_model`); the action checks the permission, validates,
  writes, audits and tells compliance. Rules live in models' `clean()` too, so the admin's form
  shows them next to the field before anything is written.
- Permissions come from `tenancy.permissions`, never from Django's per-model permissions.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import ForeignKey
from django.forms import ModelChoiceField
from django.http import HttpRequest

from matrica.http import request_user
from matrica.pages import search_terms
from matrica.tenancy.permissions import ADMIN_SITE_ROLES, Verb, holds, reaches


def is_scoped(model: Any) -> bool:
    return isinstance(model, type) and hasattr(model, "tenancy")


def may_use_admin(request: HttpRequest) -> bool:
    user = request_user(request)
    return bool(
        user.is_active
        and user.is_authenticated
        and (user.is_superuser or (user.is_staff and user.role in ADMIN_SITE_ROLES))
    )


def scoped_choices(
    db_field: ForeignKey[Any, Any], request: HttpRequest, kwargs: dict[str, Any]
) -> dict[str, Any]:
    """A foreign-key field offers only the rows the user may see."""
    related = db_field.related_model
    if is_scoped(related):
        kwargs["queryset"] = related._default_manager.visible_to(request.user)  # type: ignore[union-attr]
    return kwargs


def changed_values(form: Any, allowed: frozenset[str]) -> dict[str, Any]:
    """What the user changed in a form, as keyword arguments for an update action."""
    return {name: form.cleaned_data[name] for name in form.changed_data if name in allowed}


class ActionForm(forms.ModelForm):
    """Validates the record as its action will, so that a rule shows next to its field instead
    of failing the save: after the form's own checks, the admin's `prepare_instance` sets what
    the action derives (an institution's administration, say) and the whole record is checked,
    constraints included."""

    def prepare_instance(self, instance: Any) -> None:
        pass

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]
        if self.errors:
            return
        self.prepare_instance(self.instance)
        try:
            self.instance.full_clean(exclude=self._fields_set_later())
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)

    def _fields_set_later(self) -> list[str]:
        # An inline row of a parent being added refers to it only once the parent is saved.
        instance = self.instance
        return [
            field.name
            for field in instance._meta.concrete_fields
            if field.is_relation
            and field.is_cached(instance)
            and getattr(field.get_cached_value(instance), "pk", 0) is None
        ]


def with_preparation(form: type[forms.ModelForm], prepare: Any) -> type[forms.ModelForm]:
    return type(form.__name__, (form,), {"prepare_instance": lambda self, obj: prepare(obj)})


class ScopedModelAdmin(admin.ModelAdmin):
    """Read-only unless a subclass names the verb its writes need (`write_verb`) and maps the
    form to actions by overriding `save_model` (and `save_formset` or `delete_model` where it
    has inlines or allows deletion)."""

    write_verb: Verb | None = None
    allows_delete = False
    form = ActionForm

    def prepare_instance(self, obj: Any) -> None:
        """Set what the create action derives, before the form validates the whole record."""

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        if issubclass(form, ActionForm):
            return with_preparation(form, self.prepare_instance)
        return form

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[Any]:
        queryset = super().get_queryset(request)
        if is_scoped(self.model):
            return queryset.visible_to(request.user)  # type: ignore[attr-defined]
        return queryset

    def owner_id(self, obj: Any) -> int | None:
        """The administration a record belongs to, for the permission check."""
        return getattr(obj, "beneficiary_id", None)

    def _may_write(self, request: HttpRequest, obj: Any = None) -> bool:
        if self.write_verb is None or not may_use_admin(request):
            return False
        user = request_user(request)
        if not holds(user, self.write_verb):
            return False
        return obj is None or reaches(user, self.owner_id(obj)) or user.is_superuser

    def has_module_permission(self, request: HttpRequest) -> bool:
        return may_use_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_use_admin(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self._may_write(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_write(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.allows_delete and self._may_write(request, obj)

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField | None:
        return super().formfield_for_foreignkey(
            db_field, request, **scoped_choices(db_field, request, kwargs)
        )

    def get_search_results(
        self, request: HttpRequest, queryset: models.QuerySet[Any], search_term: str
    ) -> tuple[models.QuerySet[Any], bool]:
        """Search like the pages: at most so many words and characters, the rest left out
        with a message (each word is one more condition for every search field)."""
        return super().get_search_results(request, queryset, search_terms(request, search_term))

    def get_list_filter(self, request: HttpRequest) -> Any:
        """A filter on a scoped relation lists only the values the user's rows hold, never
        every row of the related table."""
        return [self._scoped_filter(spec) for spec in super().get_list_filter(request)]

    def _scoped_filter(self, spec: Any) -> Any:
        if isinstance(spec, str) and "__" not in spec:
            field = self.model._meta.get_field(spec)
            if field.is_relation and is_scoped(field.related_model):
                return (spec, admin.RelatedOnlyFieldListFilter)
        return spec

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        raise PermissionError(f"{type(self).__name__} writes through no action")

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        raise PermissionError(f"{type(self).__name__} deletes through no action")

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        raise PermissionError(f"{type(self).__name__} saves no inline rows")

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet[Any]) -> None:
        # One action per row, so that each is checked, audited and counted like a single one.
        for obj in queryset:
            self.delete_model(request, obj)

    # The audit trail is the one record of changes: the admin's own log would be a second,
    # unscoped copy of names and changes.
    def log_addition(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        return None

    def log_change(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        return None

    def log_deletions(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        return None

    def construct_change_message(self, *args: Any, **kwargs: Any) -> list[Any]:
        return []  # only the admin's own log would read it


class ScopedInline(admin.TabularInline):
    """Inline rows follow their parent's admin: scoped choices, writes through its actions."""

    extra = 0
    form = ActionForm

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField | None:
        return super().formfield_for_foreignkey(
            db_field, request, **scoped_choices(db_field, request, kwargs)
        )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.parent_admin_may_write(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.parent_admin_may_write(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.parent_admin_may_write(request, obj)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_use_admin(request)

    def parent_admin_may_write(self, request: HttpRequest, obj: Any) -> bool:
        parent = self.admin_site._registry.get(self.parent_model)
        return bool(parent and parent._may_write(request, obj))  # type: ignore[attr-defined]
