"""A certificate as a printable PDF (A4 landscape): the person's name, the module's title in the
certificate's language, the administration, the dates, the readable code and a QR code leading
to the public verification page. The caller has checked that the user may see the certificate
(`Certificate.objects.visible_to`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from matrica.credentials.models import Certificate

STYLE = Path(__file__).parent / "templates" / "credentials" / "certificate.css"


def verification_url(certificate: Certificate) -> str:
    """The absolute address of the certificate's verification page, as its QR code holds it."""
    path = reverse("credentials:verify", args=[certificate.code])
    return settings.MATRICA_BASE_URL.rstrip("/") + path


def qr_svg(url: str) -> SafeString:
    """`url` as a QR code, an inline SVG element (vector: sharp at any print size). Error
    correction level M survives a crease or a stain on the paper."""
    code = segno.make(url, error="m", micro=False, boost_error=False)
    # segno writes the SVG itself from the matrix: no user text reaches it but the URL, which
    # it encodes as modules, never as markup.
    return mark_safe(code.svg_inline(scale=3, border=4, dark="#000", light="#fff"))


def certificate_context(certificate: Certificate) -> dict[str, Any]:
    url = verification_url(certificate)
    base = settings.MATRICA_BASE_URL.rstrip("/")
    return {
        "certificate": certificate,
        "name": certificate.staff_member.full_name,
        "module_code": certificate.module.code,
        "module_title": certificate.module.localized("title", certificate.language),
        "administration": certificate.beneficiary.name,
        "verification_url": url,
        # Where to type the code in: shorter on paper than the full address in the QR code.
        "verify_form_url": base + reverse("credentials:verify_form"),
        "qr": qr_svg(url),
        "language": certificate.language,
    }


def certificate_html(certificate: Certificate) -> str:
    """The certificate's page, labelled in the certificate's language."""
    with translation.override(certificate.language):
        return render_to_string("credentials/certificate.html", certificate_context(certificate))


def render_certificate(certificate: Certificate) -> bytes:
    """The certificate as a PDF, one A4 landscape page."""
    import weasyprint  # loaded on first use: a large import most requests never need

    style = weasyprint.CSS(string=STYLE.read_text(encoding="utf-8"))
    document = weasyprint.HTML(string=certificate_html(certificate)).render(stylesheets=[style])
    return bytes(document.write_pdf())
