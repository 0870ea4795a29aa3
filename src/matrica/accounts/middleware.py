"""Session time-outs: a session ends after `MATRICA_IDLE_TIMEOUT_MINUTES` without a request and,
however busy it is, `MATRICA_SESSION_MAX_HOURS` after it began (`SESSION_COOKIE_AGE` ends the
cookie at the same age, but Django renews that age whenever the session is saved, so the start
is kept in the session and checked here). The last activity is written at most once a minute,
so that reading pages does not write the session on every request."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

STARTED = "matrica_session_started"
LAST_SEEN = "matrica_last_activity"
# How stale the stored last activity may grow before it is written again (seconds).
WRITE_EVERY = 60


class SessionTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        now = time.time()
        if request.user.is_authenticated:
            expired = self._expired(request, now)
            if expired:
                logout(request)  # flushes the session; the log-out is on the audit trail
                messages.info(request, expired)
                login = reverse("login")
                if request.method == "GET":
                    login += "?" + urlencode({"next": request.get_full_path()})
                redirect = HttpResponseRedirect(login)
                if getattr(request, "htmx", False):
                    redirect["HX-Redirect"] = login
                return redirect
        response = self.get_response(request)
        # After the view: a log-in has just put the user on the request.
        if request.user.is_authenticated and hasattr(request, "session"):
            session = request.session
            if STARTED not in session:
                session[STARTED] = now
            if now - float(session.get(LAST_SEEN, 0)) >= WRITE_EVERY:
                session[LAST_SEEN] = now
        return response

    @staticmethod
    def _expired(request: HttpRequest, now: float) -> str | None:
        session = request.session
        started = session.get(STARTED)
        last_seen = session.get(LAST_SEEN)
        if started is not None and now - float(started) > settings.MATRICA_SESSION_MAX_HOURS * 3600:
            return _("Your session has ended after %(hours)d hours. Please log in again.") % {
                "hours": settings.MATRICA_SESSION_MAX_HOURS
            }
        idle = settings.MATRICA_IDLE_TIMEOUT_MINUTES * 60
        # The stored time may lag up to WRITE_EVERY behind the last request.
        if last_seen is not None and now - float(last_seen) > idle + WRITE_EVERY:
            return _(
                "You were logged out after %(minutes)d minutes without activity. "
                "Please log in again."
            ) % {"minutes": settings.MATRICA_IDLE_TIMEOUT_MINUTES}
        return None
