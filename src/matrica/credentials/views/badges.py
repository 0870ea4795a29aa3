"""Open Badges 3.0 (docs/openbadges.md): a certificate's signed credential and its readable
JSON, for whoever may see the certificate; and the public documents a verifier reads at stable
URLs, without signing in: the issuer's profile, its key set, its revocation list and the
achievements."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import translation
from django.views.decorators.http import require_GET

from matrica.audit.models import AuditEvent
from matrica.audit.services import record
from matrica.credentials import openbadges
from matrica.credentials.key_actions import ensure_issuer_key
from matrica.credentials.keys import key_set
from matrica.credentials.models import Certificate, IssuerKey
from matrica.exports import file_download, filename
from matrica.framework.models import Module
from matrica.http import AuthenticatedHttpRequest
from matrica.tenancy.models import Beneficiary

JSON = "application/json"


def _public(content: str, content_type: str) -> HttpResponse:
    """A public document for verifiers, which may read it from a page of another site."""
    response = HttpResponse(content.encode("utf-8"), content_type=content_type)
    response["Access-Control-Allow-Origin"] = "*"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _json(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2)


def _certificate(request: AuthenticatedHttpRequest, pk: int) -> Certificate:
    """A valid certificate the user may see (404 otherwise: a revoked one has no badge)."""
    certificate = get_object_or_404(
        Certificate.objects.visible_to(request.user).select_related(
            "staff_member", "module", "session", "beneficiary"
        ),
        pk=pk,
    )
    if not certificate.is_valid:
        raise Http404
    return certificate


def _download_name(certificate: Certificate, extension: str) -> str:
    return filename(
        "open-badge", certificate.module.code, certificate.completed_on, extension=extension
    )


def _audit_download(request: AuthenticatedHttpRequest, certificate: Certificate, what: str) -> None:
    # The credential names its holder: who took it away is on the trail, as for the register.
    record(actor=request.user, action=AuditEvent.Action.EXPORT, obj=certificate, message=what)


@require_GET
@login_required
def badge_jwt(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    certificate = _certificate(request, pk)
    key = ensure_issuer_key(beneficiary=certificate.beneficiary)
    token = openbadges.sign(openbadges.credential_for(certificate), key)
    _audit_download(request, certificate, "Open Badge downloaded (signed JWT)")
    return file_download(
        token, openbadges.JWT_MEDIA_TYPE, _download_name(certificate, extension="jwt")
    )


@require_GET
@login_required
def badge_json(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    certificate = _certificate(request, pk)
    credential = openbadges.credential_for(certificate)
    _audit_download(request, certificate, "Open Badge downloaded (JSON)")
    return file_download(
        _json(credential), f"{JSON}; charset=utf-8", _download_name(certificate, "json")
    )


def _issuer(code: str) -> Beneficiary:
    # Public by design: an issuer's name and keys are what every verifier must read.
    return get_object_or_404(Beneficiary.objects.all(), code=code)


@require_GET
def issuer(request: HttpRequest, code: str) -> HttpResponse:
    document = openbadges.issuer_profile(_issuer(code))
    return _public(_json(document), f"{JSON}; charset=utf-8")


@require_GET
def issuer_keys(request: HttpRequest, code: str) -> HttpResponse:
    """Every key the administration has signed with, current and retired."""
    return _public(_json(key_set(_issuer(code))), "application/jwk-set+json")


@require_GET
def status_list(request: HttpRequest, code: str) -> HttpResponse:
    """The revocation list as a signed BitstringStatusListCredential, made from the
    certificates at the moment it is asked for."""
    beneficiary = _issuer(code)
    # An administration signs from its first certificate on; before that it has no list.
    key = IssuerKey.objects.filter(beneficiary=beneficiary, retired_at__isnull=True).first()
    if key is None:
        raise Http404
    key.beneficiary = beneficiary
    token = openbadges.sign(openbadges.status_list_credential(beneficiary), key)
    return _public(token, openbadges.JWT_MEDIA_TYPE)


@require_GET
def achievement(request: HttpRequest, code: str) -> HttpResponse:
    """A module as an Achievement, in the request's language: the common modules, and an
    administration's own once a credential has named it."""
    published = Module.objects.filter(
        Q(beneficiary__isnull=True) | Q(pk__in=Certificate.objects.values("module"))
    )
    module = get_object_or_404(published, code=code)
    document = {
        "@context": [openbadges.VC_CONTEXT, openbadges.OB_CONTEXT],
        **openbadges.achievement_for(module, translation.get_language() or "en"),
    }
    return _public(_json(document), f"{JSON}; charset=utf-8")


urlpatterns = [
    path("certificates/<int:pk>/badge.jwt", badge_jwt, name="badge_jwt"),
    path("certificates/<int:pk>/badge.json", badge_json, name="badge_json"),
    path("issuers/<str:code>/", issuer, name="issuer"),
    path("issuers/<str:code>/keys/", issuer_keys, name="issuer_keys"),
    path("issuers/<str:code>/status/", status_list, name="status_list"),
    path("achievements/<str:code>/", achievement, name="achievement"),
]
