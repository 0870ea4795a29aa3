"""The files a session gives out: its calendar entry (`.ics`), its attendance register (PDF), and
the calendar feeds people subscribe to. Views only read; the register's download is on the
audit trail, since it carries names."""

from __future__ import annotations

import datetime

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from matrica.audit.models import AuditEvent
from matrica.audit.services import record
from matrica.delivery import actions
from matrica.delivery.calendar import (
    absolute_url,
    calendar_of,
    feed_of_token,
    feed_sessions,
    feed_token,
    feeds_for,
    session_ics,
)
from matrica.delivery.models import TrainingSession
from matrica.delivery.register import render_register
from matrica.exports import file_download, filename
from matrica.http import AuthenticatedHttpRequest

ICS = "text/calendar; charset=utf-8"


def _session(request: AuthenticatedHttpRequest, pk: int) -> TrainingSession:
    return get_object_or_404(
        TrainingSession.objects.visible_to(request.user).select_related("module", "beneficiary"),
        pk=pk,
    )


@require_GET
@login_required
def session_ics_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    return file_download(
        session_ics(session), ICS, filename(session.module.code, session.starts_on, extension="ics")
    )


@require_GET
@login_required
def register_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    # The register carries names: only those who keep it (403 without the verb, 404 for a
    # trainer of another session), as recording attendance asks.
    actions.require_register(request.user, session)
    days = list(session.days.all())
    wanted = request.GET.get("day")
    if wanted is not None:
        try:
            date = datetime.date.fromisoformat(wanted)
        except ValueError:
            raise Http404 from None
        days = [day for day in days if day.date == date]
        if not days:
            raise Http404
    language = session.language or translation.get_language()
    content = render_register(user=request.user, session=session, days=days, language=language)
    record(
        actor=request.user, action=AuditEvent.Action.EXPORT, obj=session,
        message="Attendance register downloaded" + (f" ({wanted})" if wanted else ""),
    )  # fmt: skip
    name = filename("register", session.module.code, wanted or session.starts_on, extension="pdf")
    return file_download(content, "application/pdf", name)


@never_cache
@login_required
def feeds(request: AuthenticatedHttpRequest) -> HttpResponse:
    links = []
    for feed in feeds_for(request.user):
        url = absolute_url(reverse("delivery:feed", args=[feed_token(request.user, feed)]))
        links.append({"feed": feed, "url": url, "webcal": "webcal://" + url.split("://", 1)[-1]})
    return render(request, "delivery/files/feeds.html", {"links": links})


@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """A calendar program's subscription: no sign-in, the token says whose and which feed."""
    found = feed_of_token(token)
    if found is None:
        raise Http404
    user, kind = found
    member = user.staff_member
    language = (member.preferred_language if member else "") or translation.get_language()
    with translation.override(language):
        content = calendar_of(feed_sessions(user, kind), f"Matrica: {kind.label}")
    return file_download(content, ICS, filename("sessions", kind, extension="ics"), inline=True)


urlpatterns = [
    path("<int:pk>/session.ics", session_ics_view, name="session_ics"),
    path("<int:pk>/register.pdf", register_pdf, name="register_pdf"),
    path("feeds/", feeds, name="feeds"),
    path("feed/<str:token>.ics", feed, name="feed"),
]
