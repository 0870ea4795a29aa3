"""Certificate pages: a person's own certificates, a session's (and its CSV or XLSX), the PDF,
revoking one, and the public verification page that the QR code on the paper leads to.

The verification page is the only page of Matrica open without signing in. It answers a code
with the name, the module, the dates and whether the certificate is valid, and nothing else; a
wrong code and a revoked certificate get the very same "not valid" page, so that the page never
says whether a code exists. An expired certificate is genuine: it answers with its name, module
and dates and says "expired" (docs/certificates.md). Lookups are rate-limited per client
address."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from axes.helpers import get_client_ip_address
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from matrica.audit.models import AuditEvent
from matrica.audit.services import record
from matrica.credentials import actions
from matrica.credentials import exports as tables
from matrica.credentials.certificate import render_certificate
from matrica.credentials.models import CODE_LENGTH, Certificate, normalise_code
from matrica.delivery.models import TrainingSession
from matrica.delivery.views.sessions import shows_names
from matrica.exports import FORMATS, download, file_download, filename
from matrica.http import AuthenticatedHttpRequest
from matrica.ratelimit import Rate, seconds_to_wait
from matrica.staff.forms import ReasonForm
from matrica.staff.views import submitted
from matrica.tenancy.permissions import Verb, may, require

# A person's own certificates, and a session's -------------------------------------------------


def _listed(user: Any) -> Any:
    return Certificate.objects.visible_to(user).select_related(
        "module", "beneficiary", "staff_member__institution"
    )


@login_required
def my_certificates(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The signed-in person's certificates, valid and revoked (none for an account that is not a
    staff member's)."""
    member_id = request.user.staff_member_id
    certificates = _listed(request.user).filter(staff_member_id=member_id) if member_id else []
    return render(
        request,
        "credentials/my_certificates.html",
        {"certificates": certificates, "today": timezone.localdate()},
    )


def _session_listed(
    request: AuthenticatedHttpRequest, pk: int
) -> tuple[TrainingSession, QuerySet[Certificate]]:
    """A session the user sees and its certificates as far as they may see its people (an
    institution manager: their own people; a participant: their own), by name; the regional
    coordinator, who sees sessions but never the people in them, is refused (403)."""
    user = request.user
    session = get_object_or_404(
        TrainingSession.objects.visible_to(user).select_related("module", "beneficiary"), pk=pk
    )
    if not shows_names(user):
        raise PermissionDenied
    return session, _listed(user).filter(session=session).order_by("staff_member__sort_name", "pk")


@login_required
def session_certificates(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A session's certificates as far as the user may see its people (`_session_listed`)."""
    user = request.user
    session, certificates = _session_listed(request, pk)
    context = {
        "session": session,
        "closed": session.state == TrainingSession.State.CLOSED,
        "certificates": certificates,
        "may_revoke": may(user, Verb.REOPEN_SESSION, beneficiary_id=session.beneficiary_id),
        "today": timezone.localdate(),
    }
    return render(request, "credentials/session_certificates.html", context)


@require_GET
@login_required
def session_certificates_export(
    request: AuthenticatedHttpRequest, pk: int, file_format: str
) -> HttpResponse:
    """The certificates the session's page lists to this user, without their codes; on the
    audit trail against the session when the file names someone."""
    if file_format not in FORMATS:
        raise Http404
    session, listed = _session_listed(request, pk)
    certificates = list(listed)
    response = download(
        tables.certificates_table(session, certificates), file_format,
        ["certificates", session.module.code, session.starts_on],
    )  # fmt: skip
    if certificates:
        record(
            actor=request.user, action=AuditEvent.Action.EXPORT, obj=session,
            message=f"Certificates downloaded ({file_format.upper()})",
        )  # fmt: skip
    return response


@require_GET
@login_required
def certificate_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A valid certificate the user may see, as a PDF; a revoked one is not handed out again."""
    certificate = get_object_or_404(
        Certificate.objects.visible_to(request.user)
        .filter(revoked_at__isnull=True)
        .select_related("staff_member", "module", "beneficiary"),
        pk=pk,
    )
    content = render_certificate(certificate)
    # It carries a name: who took a copy is on the audit trail, as for the register.
    record(
        actor=request.user, action=AuditEvent.Action.EXPORT, obj=certificate,
        message="Certificate downloaded",
    )  # fmt: skip
    name = filename(
        "certificate", certificate.module.code, certificate.completed_on, certificate.pk,
        extension="pdf",
    )  # fmt: skip
    return file_download(content, "application/pdf", name)


@login_required
@require_POST
def revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A national administrator revokes a certificate, saying why."""
    user = request.user
    certificate = get_object_or_404(_listed(user).select_related("session__module"), pk=pk)
    require(user, Verb.REOPEN_SESSION, beneficiary_id=certificate.beneficiary_id)
    form = ReasonForm(request.POST)

    def act(data: dict[str, Any]) -> None:
        actions.revoke_certificate(actor=user, certificate=certificate, reason=data["reason"])

    if submitted(request, form, act):
        messages.success(request, _("The certificate is revoked."))
        return redirect("credentials:session_certificates", pk=certificate.session_id)
    context = {"certificate": certificate, "form": form}
    return render(request, "credentials/revoke.html", context, status=400)


# The public verification page ----------------------------------------------------------------


def wait_for_lookup(request: HttpRequest) -> int:
    """Count a lookup from the request's client address; the seconds to wait when over the
    rate (`settings.MATRICA_VERIFY_RATE`), 0 when the lookup may go ahead. With 100-bit codes,
    even the rate times the worker processes leaves nothing to guess (`matrica.ratelimit`)."""
    rate = Rate.parse(settings.MATRICA_VERIFY_RATE, "MATRICA_VERIFY_RATE")
    return seconds_to_wait("verify", get_client_ip_address(request) or "unknown", rate)


class VerifyForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Verification code"),
        max_length=60,
        help_text=gettext_lazy("As printed under the QR code, for example 7K3M-9QWX-…"),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )


@dataclass(frozen=True)
class Answer:
    """What the page says of a code: for a valid or expired certificate, the four facts;
    otherwise nothing but "not valid"."""

    status: str  # "valid", "expired" or "not_valid"
    name: str = ""
    module: str = ""
    completed_on: datetime.date | None = None
    valid_until: datetime.date | None = None


NOT_VALID = Answer("not_valid")


def answer_for(text: str, today: datetime.date) -> Answer:
    code = normalise_code(text[:100])
    if len(code) != CODE_LENGTH:
        return NOT_VALID
    certificate = (
        Certificate.objects.filter(code=code, revoked_at__isnull=True)
        .select_related("staff_member", "module")
        .first()
    )
    if certificate is None:
        return NOT_VALID
    expired = certificate.valid_until is not None and certificate.valid_until < today
    return Answer(
        "expired" if expired else "valid",
        name=certificate.staff_member.full_name,
        module=certificate.module.local_title,  # in the reader's language
        completed_on=certificate.completed_on,
        valid_until=certificate.valid_until,
    )


def _public(response: HttpResponse) -> HttpResponse:
    """Kept by no cache, indexed by no search engine, and the address (which holds the code)
    never sent on as a Referer, not even to Matrica's own pages."""
    add_never_cache_headers(response)
    patch_cache_control(response, private=True)
    patch_vary_headers(response, ("Cookie",))  # the reader's language
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"  # before SecurityMiddleware's "same-origin"
    return response


def _verification_page(request: HttpRequest, code: str | None) -> HttpResponse:
    context: dict[str, Any] = {"form": VerifyForm(), "answer": None}
    wait = 0 if code is None else wait_for_lookup(request)
    if wait:
        context["wait_minutes"] = max(1, -(-wait // 60))
    elif code is not None:
        context["answer"] = answer_for(code, timezone.localdate())
    response = render(request, "credentials/verify.html", context, status=429 if wait else 200)
    if wait:
        response["Retry-After"] = str(wait)
    return _public(response)


@require_http_methods(["GET", "POST"])
def verify_form(request: HttpRequest) -> HttpResponse:
    """Type a code in (posted, so that it stays out of addresses and server logs)."""
    if request.method == "POST":
        return _verification_page(request, request.POST.get("code", ""))
    return _verification_page(request, None)


@require_GET
def verify(request: HttpRequest, code: str) -> HttpResponse:
    """Where the QR code leads."""
    return _verification_page(request, code)


urlpatterns: list[URLPattern] = [
    path("certificates/", my_certificates, name="my_certificates"),
    path("certificates/<int:pk>.pdf", certificate_pdf, name="certificate_pdf"),
    path("certificates/<int:pk>/revoke/", revoke, name="revoke_certificate"),
    path("sessions/<int:pk>/certificates/", session_certificates, name="session_certificates"),
    path(
        "sessions/<int:pk>/certificates/export.<str:file_format>",
        session_certificates_export,
        name="session_certificates_export",
    ),
    path("verify/", verify_form, name="verify_form"),
    path("verify/<str:code>/", verify, name="verify"),
]
