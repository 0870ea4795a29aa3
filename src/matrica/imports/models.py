from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from matrica.tenancy.models import Beneficiary
from matrica.tenancy.scoping import ScopedQuerySet, TenancyPaths


class ImportRun(models.Model):
    """A file uploaded on the import page, between its check and its import: the file itself
    (kept only until it is imported), how its columns are read, and what the check found. The
    registry itself is written only by the import actions."""

    class Status(models.TextChoices):
        NEEDS_COLUMNS = "needs_columns", _("Columns to match")
        REFUSED = "refused", _("Rows to fix")
        READY = "ready", _("Ready to import")
        UNCHANGED = "unchanged", _("Nothing to change")
        IMPORTED = "imported", _("Imported")

    class Kind(models.TextChoices):
        STAFF = "staff", _("Staff roster")
        COMPLETIONS = "completions", _("Past evidence")
        CURRICULUM = "curriculum", _("Curriculum inventory")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.CASCADE, related_name="+", verbose_name=_("administration")
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
        verbose_name=_("uploaded by"),
    )  # fmt: skip
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    file_name = models.CharField(_("file"), max_length=200)
    # The file's bytes until it is imported (then emptied: the registry holds what it said).
    content = models.BinaryField(default=b"")
    encoding = models.CharField(_("encoding chosen"), max_length=20, blank=True)
    read_as = models.CharField(_("read as"), max_length=20, blank=True)
    full = models.BooleanField(_("whole roster"), default=False)
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=dict, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    counts = models.JSONField(default=dict, blank=True)
    problems = models.JSONField(default=list, blank=True)
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyPaths(beneficiary="beneficiary", personal=True)
    # The file and the problems quote people's names: the trail names the run, not its rows.
    audit_secrets = ("content", "problems", "headers")

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return self.file_name
