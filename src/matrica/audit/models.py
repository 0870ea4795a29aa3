from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from matrica.tenancy.models import Beneficiary, Institution
from matrica.tenancy.scoping import ScopedQuerySet, TenancyPaths


class AuditEvent(models.Model):
    """Who did what to which record, when, from where. Rows are only ever added."""

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Changed")
        DELETE = "delete", _("Deleted")
        BULK = "bulk", _("Bulk operation")
        LOGIN = "login", _("Logged in")
        LOGIN_FAILED = "login_failed", _("Failed log-in")
        LOGOUT = "logout", _("Logged out")
        PASSWORD_CHANGE = "password", _("Password changed")
        LOCKOUT = "lockout", _("Locked out")
        UNLOCK = "unlock", _("Unlocked")
        EXPORT = "export", _("Exported")
        API = "api", _("API request")

    timestamp = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    # The references below are kept by Django (on_delete), not by database constraints, as
    # django-simple-history does for its history rows: a constraint checks every audit row
    # at commit, one lookup per row and reference, which cost more than writing the 180 rows
    # of a session. Audit rows take their ids from the rows they describe.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
        db_constraint=False,
    )
    # Kept as text so the trail still names the actor after the account is gone.
    user_name = models.CharField(_("user name"), max_length=150, blank=True)
    request_id = models.UUIDField(_("request"), null=True, blank=True, db_index=True)
    remote_addr = models.GenericIPAddressField(_("address"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    object_type = models.ForeignKey(
        ContentType,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("record type"),
        db_constraint=False,
    )
    object_id = models.CharField(_("record id"), max_length=40, blank=True)
    object_repr = models.CharField(_("record"), max_length=200)
    # Where the record belongs, so the trail is scoped like the record itself.
    beneficiary = models.ForeignKey(
        Beneficiary,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("administration"),
        db_constraint=False,
    )
    institution = models.ForeignKey(
        Institution,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("institution"),
        db_constraint=False,
    )
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    message = models.TextField(_("message"), blank=True)

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyPaths(
        beneficiary="beneficiary",
        institution="institution",
        personal=True,
        # The coordinator sees changes to the common matrix, never a national record's.
        # Accounts' events (sign-ins, including names typed at a failed log-in) are not theirs.
        regional_filter=Q(beneficiary__isnull=True) & ~Q(object_type__app_label="accounts"),
    )

    class Meta:
        ordering = ["-timestamp", "-pk"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.timestamp:%Y-%m-%d %H:%M} {self.user_name} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit events are append-only.")

    def changed_fields(self) -> list[tuple[str, Any, Any]]:
        before, after = self.before or {}, self.after or {}
        keys = sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]
