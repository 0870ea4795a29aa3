"""A session's certificates as CSV or XLSX, written by the one export helper
(`matrica.exports`): the certificates the session's certificates page lists to the same user,
each with its state as a stable code beside the translated label. The verification code is left
out: it lets anyone holding it see the name on the certificate, so it travels on the paper
only (and is kept off the audit trail for the same reason)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from matrica import exports
from matrica.credentials.models import Certificate
from matrica.delivery.models import TrainingSession

# A certificate's state, by stable code, as the page tells them apart.
VALID, EXPIRED, REVOKED = "valid", "expired", "revoked"


def certificates_header() -> list[str]:
    issued = Certificate._meta.get_field("issued_at").verbose_name
    revoked = Certificate._meta.get_field("revoked_at").verbose_name
    return [
        _("Session id"), _("Module code"), _("Staff number"), _("Family name"), _("Given name"),
        _("Administration code"), _("Institution"), _("Completed on"), _("Valid until"),
        _("State"), _("State code"), capfirst(str(issued)), capfirst(str(revoked)), _("Reason"),
    ]  # fmt: skip


def state(certificate: Certificate) -> str:
    """`revoked`, `expired` (genuine, but past its date) or `valid`, as the page shows it."""
    if not certificate.is_valid:
        return REVOKED
    if certificate.valid_until is not None and certificate.valid_until < timezone.localdate():
        return EXPIRED
    return VALID


def certificates_rows(
    session: TrainingSession, certificates: list[Certificate]
) -> Iterator[list[Any]]:
    """One line per certificate, in the page's order (by name); issued and revoked on the
    local day they were."""
    labels = {VALID: _("Valid"), EXPIRED: _("Expired"), REVOKED: _("Revoked")}
    for certificate in certificates:
        member = certificate.staff_member
        code = state(certificate)
        revoked = certificate.revoked_at
        yield [
            session.pk, certificate.module.code, member.employee_number, member.family_name,
            member.given_name, certificate.beneficiary.code, member.institution.name,
            certificate.completed_on, certificate.valid_until, str(labels[code]), code,
            timezone.localtime(certificate.issued_at).date(),
            timezone.localtime(revoked).date() if revoked else None, certificate.revoked_reason,
        ]  # fmt: skip


def certificates_table(session: TrainingSession, certificates: list[Certificate]) -> exports.Table:
    return exports.Table(
        header=certificates_header(),
        rows=certificates_rows(session, certificates),
        title=_("Certificates"),
    )
