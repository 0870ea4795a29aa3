"""Proof of what a person completed, also outside Matrica: a certificate (PDF, with a code and a
QR code leading to a public verification page) and the same achievement as a signed Open Badges
3.0 credential. Only matrica.credentials.actions writes these rows.

A certificate is issued when a session closes, to each participant who attended and passed the
module's post-test (where the module has one); reopening the session revokes it. Each
administration signs its credentials with its own Ed25519 key.
"""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from matrica.delivery.models import Enrolment, TrainingSession
from matrica.framework.models import Module
from matrica.staff.models import StaffMember
from matrica.tenancy.models import Beneficiary
from matrica.tenancy.scoping import ScopedQuerySet, TenancyPaths

# Crockford's base32 without the letters people confuse (I, L, O, U): read aloud or typed from
# paper without mistakes.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 20  # 100 bits: unguessable, even at the verification page's rate limit


# The Bitstring Status List's minimum length in bits (16 KB); an administration's list is a
# whole number of such blocks, long enough for its highest index.
STATUS_LIST_BLOCK = 131_072


def status_list_length(highest_index: int | None) -> int:
    """The length in bits of a status list whose highest index is `highest_index`."""
    return STATUS_LIST_BLOCK * max(1, -(-((highest_index or 0) + 1) // STATUS_LIST_BLOCK))


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    """What people type back: any case, with spaces or hyphens, O for 0, I or L for 1."""
    table = str.maketrans({"O": "0", "I": "1", "L": "1"})
    return "".join(c for c in text.upper() if c.isalnum()).translate(table)


def readable_code(code: str) -> str:
    """A code in groups of four, as printed on a certificate."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


class IssuerKey(models.Model):
    """An administration's signing key for its Open Badges credentials (Ed25519). The private
    key stays on the server; the public key is published at a stable URL with the issuer's
    profile so that any verifier can check a credential."""

    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.PROTECT, related_name="+", verbose_name=_("administration")
    )
    key_id = models.CharField(_("key id"), max_length=40, unique=True)
    # PKCS#8 PEM. A secret: never audited, never shown, never exported.
    private_key = models.TextField(editable=False)
    public_key = models.CharField(_("public key (base64url)"), max_length=64)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    audit_secrets = ("private_key",)

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyPaths(beneficiary="beneficiary", regional_visible=True)

    class Meta:
        ordering = ["beneficiary", "-created_at"]
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")
        constraints = [
            models.UniqueConstraint(
                fields=["beneficiary"],
                condition=Q(retired_at__isnull=True),
                name="one_current_key_per_administration",
            ),
        ]

    def __str__(self) -> str:
        return self.key_id


class Certificate(models.Model):
    """A person's certificate of a module completed in a session."""

    code = models.CharField(_("verification code"), max_length=CODE_LENGTH, unique=True)
    # A session closed again after reopening issues new certificates; the old ones stay revoked.
    enrolment = models.ForeignKey(
        Enrolment,
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name=_("enrolment"),
    )
    # Kept with the certificate so that it reads the same whatever later happens to the session.
    staff_member = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name=_("staff member"),
    )
    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.PROTECT, related_name="+", verbose_name=_("administration")
    )
    module = models.ForeignKey(
        Module, on_delete=models.PROTECT, related_name="+", verbose_name=_("module")
    )
    session = models.ForeignKey(
        TrainingSession, on_delete=models.PROTECT, related_name="+", verbose_name=_("session")
    )
    completed_on = models.DateField(_("completed on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=10)
    # The post-test score that passed it, when the module has a test.
    score = models.DecimalField(
        _("post-test score (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.TextField(_("why it was revoked"), blank=True)
    # The certificate's place in its administration's revocation status list (Bitstring Status
    # List): a bit per credential, set when it is revoked.
    status_index = models.PositiveIntegerField(_("status list index"), editable=False)

    # The code lets anyone holding the paper see the name on it: kept off the audit trail.
    audit_secrets = ("code",)

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyPaths(
        beneficiary="staff_member__beneficiary",
        institution="staff_member__institution",
        staff_member="staff_member",
        personal=True,
    )

    class Meta:
        ordering = ["-completed_on", "pk"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [
            models.UniqueConstraint(
                fields=["beneficiary", "status_index"], name="one_status_bit_per_certificate"
            ),
            models.UniqueConstraint(
                fields=["enrolment"],
                condition=Q(revoked_at__isnull=True),
                name="one_valid_certificate_per_enrolment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff_member}: {self.module.code} {self.completed_on:%Y-%m-%d}"

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None

    @property
    def readable_code(self) -> str:
        return readable_code(self.code)
