from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from matrica.tenancy.scoping import ScopedQuerySet, TenancyPaths


class ApiToken(models.Model):
    """A personal API token: it acts with its creator's role and scope, until it expires or is
    revoked. Only a hash of the token is kept; the token itself is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens",
        verbose_name=_("user"),
    )  # fmt: skip
    name = models.CharField(_("name"), max_length=100)
    # The token's first characters, enough to tell tokens apart on the page and in the trail.
    prefix = models.CharField(_("begins with"), max_length=16)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    # The trail of a token's use belongs with its owner's administration.
    tenancy = TenancyPaths(
        beneficiary="user__beneficiary", institution="user__institution",
        staff_member="user__staff_member", personal=True,
    )  # fmt: skip
    audit_secrets = ("token_hash",)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def usable(self, now: datetime.datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now
