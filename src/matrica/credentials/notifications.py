"""Telling people their certificate is ready, by email in their own language, once the closing
that issued it has committed: where to download it (PDF and Open Badge) and the public page
that confirms it. No attachment: rendering thirty PDFs would hold up the closing request."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from matrica.credentials.certificate import verification_url
from matrica.credentials.models import Certificate


def announce(certificate_ids: Iterable[int]) -> None:
    """Send the messages once the current transaction commits."""
    ids = sorted(set(certificate_ids))
    if ids:
        transaction.on_commit(lambda: send(ids))


def _message(certificate: Certificate) -> EmailMessage:
    person = certificate.staff_member
    module = f"{certificate.module.code} {certificate.module.local_title}"
    mine = settings.MATRICA_BASE_URL.rstrip("/") + reverse("credentials:my_certificates")
    subject = _("Your certificate: %(module)s") % {"module": module}
    body = _(
        "Dear %(name)s,\n\n"
        "You completed %(module)s on %(date)s, and your certificate is ready. Download it as a "
        "PDF or as an Open Badge (a digital credential you can keep in a wallet or share) from "
        "your certificates in Matrica:\n%(mine)s\n\n"
        "Anyone you show it to can check it at:\n%(verify)s\n"
    ) % {
        "name": person.full_name,
        "module": module,
        "date": certificate.completed_on.isoformat(),
        "mine": mine,
        "verify": verification_url(certificate),
    }
    body += "\n" + _("This message was sent by Matrica; please do not reply to it.") + "\n"
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [person.email])


def send(certificate_ids: list[int]) -> int:
    """Build and send the messages; returns how many were sent (people without an email
    address, and certificates revoked meanwhile, are left out)."""
    certificates = (
        Certificate.objects.filter(pk__in=certificate_ids, revoked_at__isnull=True)
        .exclude(staff_member__email="")
        .select_related("staff_member", "module")
        .order_by("pk")
    )
    messages = []
    for certificate in certificates:
        with translation.override(certificate.language or None):
            messages.append(_message(certificate))
    if messages:
        get_connection().send_messages(messages)
    return len(messages)
