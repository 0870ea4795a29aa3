"""A learning record store for what Matrica needs of xAPI: the platforms that may send
statements (sources), the statements they sent (kept as received), and how their actors and
activities map onto staff and modules."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from matrica.framework.models import Module
from matrica.staff.models import StaffMember
from matrica.tenancy.models import Beneficiary
from matrica.tenancy.scoping import ScopedQuerySet, TenancyPaths


class Source(models.Model):
    """A platform (a Moodle, say) that sends statements with its own Basic-auth key and secret,
    on behalf of one administration."""

    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.CASCADE, related_name="+", verbose_name=_("administration")
    )
    name = models.CharField(_("name"), max_length=100)
    # The Basic-auth user name: public, random, so that it names no one.
    key = models.CharField(_("key"), max_length=40, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("created by"),
    )  # fmt: skip
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    account_is_employee_number = models.BooleanField(
        _("an account name is the employee number"), default=False
    )
    mbox_is_email = models.BooleanField(_("an email address is the person's email"), default=False)

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyPaths(beneficiary="beneficiary")
    audit_secrets = ("secret_hash",)

    class Meta:
        ordering = ["name"]
        verbose_name = _("e-learning source")
        verbose_name_plural = _("e-learning sources")
        constraints = [
            models.UniqueConstraint(fields=["beneficiary", "name"], name="xapi_source_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class ActorMapping(models.Model):
    """Who a source's actor is: a staff member, or nobody we train (`staff_member` empty)."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="actor_mappings")
    actor_key = models.CharField(_("actor"), max_length=600)
    staff_member = models.ForeignKey(
        StaffMember, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("staff member"),
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyPaths(beneficiary="source__beneficiary", personal=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "actor_key"], name="xapi_actor_unique")
        ]

    def __str__(self) -> str:
        return self.actor_key


class ActivityMapping(models.Model):
    """Which module a source's activity is, or none (`module` empty: not training we count)."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="activity_mappings")
    activity_id = models.CharField(_("activity"), max_length=2000)
    module = models.ForeignKey(
        Module, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("module"),
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyPaths(beneficiary="source__beneficiary")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "activity_id"], name="xapi_activity_unique")
        ]

    def __str__(self) -> str:
        return self.activity_id


class Statement(models.Model):
    """A statement as a source sent it (`raw`), and what Matrica made of it."""

    class Kind(models.TextChoices):
        EVIDENCE = "evidence", _("Completion")
        UNCOMPLETED = "uncompleted", _("Completion withdrawn")
        OTHER = "other", _("Not evidence")

    class Status(models.TextChoices):
        IGNORED = "ignored", _("Kept, not evidence")
        WAITING = "waiting", _("Waiting for a person or a module")
        RECORDED = "recorded", _("Recorded as evidence")
        VOIDED = "voided", _("Evidence withdrawn")
        APPLIED = "applied", _("Withdrew earlier evidence")

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="statements")
    statement_id = models.UUIDField(_("statement id"))
    actor_key = models.CharField(max_length=600)
    actor_name = models.CharField(max_length=200, blank=True)
    verb = models.CharField(max_length=500)
    activity_id = models.CharField(max_length=2000, blank=True)
    activity_name = models.CharField(max_length=200, blank=True)
    timestamp = models.DateTimeField()
    stored = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=20, choices=Status.choices)
    # Waiting for a national administrator to say who the actor is, or which module this is.
    actor_unknown = models.BooleanField(default=False)
    activity_unknown = models.BooleanField(default=False)
    # The evidence this statement created (kept after the evidence is voided: the trail has it).
    completion_ids = models.JSONField(default=list, blank=True)
    raw = models.JSONField()

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyPaths(beneficiary="source__beneficiary", personal=True)
    audit_secrets = ("raw",)

    class Meta:
        ordering = ["-stored", "-pk"]
        verbose_name = _("xAPI statement")
        verbose_name_plural = _("xAPI statements")
        constraints = [
            models.UniqueConstraint(fields=["source", "statement_id"], name="xapi_statement_id")
        ]
        indexes = [
            models.Index(fields=["source", "actor_key", "activity_id"], name="xapi_actor_activity"),
            models.Index(fields=["source", "status"], name="xapi_statement_status"),
        ]

    def __str__(self) -> str:
        return str(self.statement_id)
