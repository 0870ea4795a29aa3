"""Session pages: the calendar (a month or a list), a session, planning and changing one, its
moves from planned to closed, and the share of joint sessions.

Thin, like the staff pages whose form mechanics they share: fetch through the user's scope (404
out of it), ask the action's permission (403 for a role without it), parse, call the action and
show its refusals next to the fields. Every page works without JavaScript; htmx swaps the
calendar in place and refreshes the trainers offered when the module or first day changes."""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, register_converter, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from matrica.delivery import actions, selectors
from matrica.delivery.forms import (
    CalendarFilterForm,
    ChangeSessionForm,
    PlanSessionForm,
    ReasonForm,
)
from matrica.delivery.models import SessionDay, TrainingSession
from matrica.http import AuthenticatedHttpRequest
from matrica.pages import EARLIEST, LATEST, roles_required
from matrica.staff.forms import ConfirmForm
from matrica.staff.views import posted, submitted
from matrica.tenancy.permissions import Verb, holds, may, require
from matrica.tenancy.roles import DASHBOARD_ROLES, Role

State = TrainingSession.State
# How far the list view looks ahead and back.
LIST_AHEAD = datetime.timedelta(days=366)
LIST_BACK = datetime.timedelta(days=183)
LIST_LIMIT = 100
# Sessions a day of the month grid shows; the rest are a link to that day's list. A region's
# month holds thousands of sessions: the grid stays readable and its page small.
DAY_LIMIT = 4


def shows_names(user: Any) -> bool:
    """The regional coordinator sees sessions, never the people in them."""
    return bool(user.is_superuser or user.role != Role.COORDINATOR)


def sees_joint_figures(user: Any) -> bool:
    return bool(user.is_superuser or user.role in DASHBOARD_ROLES)


def _visible_sessions(user: Any) -> QuerySet[TrainingSession]:
    return TrainingSession.objects.visible_to(user).select_related("module", "beneficiary")


# The calendar ---------------------------------------------------------------------------------


def _day(request: HttpRequest) -> datetime.date | None:
    """?day=YYYY-MM-DD (the list of one day's sessions), or None when absent or unreadable."""
    try:
        day = datetime.date.fromisoformat(request.GET.get("day", "")[:10])
    except ValueError:
        return None
    return day if EARLIEST <= day <= LATEST else None


def _month(request: HttpRequest) -> datetime.date:
    """The first day of ?month=YYYY-MM; this month when absent or unreadable, with a message
    for the unreadable; years clamped so that the grid's edges stay valid dates."""
    raw = request.GET.get("month", "")
    this_month = timezone.localdate().replace(day=1)
    if not raw:
        return this_month
    year, _dash, month = raw.partition("-")
    if len(raw) <= 7 and year.isascii() and year.isdigit() and month.isascii() and month.isdigit():
        number = int(month)
        if 1 <= number <= 12:
            clamped = min(max(int(year), EARLIEST.year + 1), LATEST.year - 1)
            return datetime.date(clamped, number, 1)
    message = _("“%(raw)s” is not a month (YYYY-MM): showing %(month)s.")
    messages.warning(
        request, message % {"raw": raw[:20], "month": f"{this_month:%Y-%m}"}, fail_silently=True
    )
    return this_month


@dataclass
class Day:
    date: datetime.date
    in_month: bool
    is_today: bool
    sessions: list[TrainingSession]

    @property
    def shown(self) -> list[TrainingSession]:
        return self.sessions[:DAY_LIMIT]

    @property
    def more(self) -> int:
        return max(0, len(self.sessions) - DAY_LIMIT)


def month_grid(sessions: list[TrainingSession], first: datetime.date) -> list[list[Day]]:
    """Weeks from Monday to Sunday covering the month, each day with the sessions held on it.
    The days come as (session, date) pairs in one query: a region's month holds thousands."""
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    start = first - datetime.timedelta(days=first.weekday())
    end = last + datetime.timedelta(days=6 - last.weekday())
    by_id = {session.pk: session for session in sessions}
    on_day: dict[datetime.date, list[TrainingSession]] = {}
    held = (
        SessionDay.objects.filter(session_id__in=list(by_id), date__range=(start, end))
        .order_by("date", "session__starts_on", "session_id")
        .values_list("session_id", "date")
    )
    for session_id, date in held:
        on_day.setdefault(date, []).append(by_id[session_id])
    today = timezone.localdate()
    days = [
        Day(date, date.month == first.month, date == today, on_day.get(date, []))
        for date in (start + datetime.timedelta(days=n) for n in range((end - start).days + 1))
    ]
    return [days[i : i + 7] for i in range(0, len(days), 7)]


def month_span(first: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The month grid's first Monday and last Sunday around the month beginning on `first`."""
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    return (
        first - datetime.timedelta(days=first.weekday()),
        last + datetime.timedelta(days=6 - last.weekday()),
    )


def calendar_span(request: HttpRequest) -> tuple[datetime.date, datetime.date]:
    """The days the calendar page covers for this request: one day of the list, the list's
    months back and ahead, or the month grid's weeks."""
    if request.GET.get("view") == "list":
        if (on_day := _day(request)) is not None:
            return on_day, on_day
        today = timezone.localdate()
        return today - LIST_BACK, today + LIST_AHEAD
    return month_span(_month(request))


def _query(request: HttpRequest, **replace: str) -> str:
    params = request.GET.copy()
    for name, value in replace.items():
        params[name] = value
    return params.urlencode()


@login_required
def calendar_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    form = CalendarFilterForm(request.GET, user=user, shows_names=shows_names(user))
    chosen = form.chosen()
    as_list = request.GET.get("view") == "list"
    today = timezone.localdate()
    context: dict[str, Any] = {
        "form": form,
        "as_list": as_list,
        "may_plan": holds(user, Verb.PLAN_TRAINING),
        "sees_joint": sees_joint_figures(user),
        "month_query": _query(request, view="month"),
        "list_query": _query(request, view="list"),
        "list_limit": LIST_LIMIT,
        "query": request.GET.urlencode(),
    }
    on_day = _day(request)
    if as_list and on_day is not None:
        context["on_day"] = on_day
        context["sessions_on_day"] = selectors.sessions_for_calendar(
            user, on_day, on_day, **chosen
        )[:LIST_LIMIT]
    elif as_list:
        if holds(user, Verb.NOMINATE):
            context["nominating"] = selectors.open_for_nomination(user, **chosen)[:LIST_LIMIT]
        found = selectors.sessions_for_calendar
        context["upcoming"] = found(user, today, today + LIST_AHEAD, **chosen)[:LIST_LIMIT]
        context["recent"] = (
            found(user, today - LIST_BACK, today, **chosen)
            .filter(ends_on__lt=today)
            .order_by("-ends_on", "-pk")[:LIST_LIMIT]
        )
    else:
        first = _month(request)
        weeks_start, weeks_end = month_span(first)
        last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
        sessions = list(selectors.sessions_for_calendar(user, weeks_start, weeks_end, **chosen))
        previous = (first - datetime.timedelta(days=1)).replace(day=1)
        following = last + datetime.timedelta(days=1)
        context |= {
            "month": first,
            "weeks": month_grid(sessions, first),
            "weekdays": [datetime.date(2024, 1, day) for day in range(1, 8)],  # Monday to Sunday
            "session_count": len(sessions),
            "previous_query": _query(request, view="month", month=f"{previous:%Y-%m}"),
            "next_query": _query(request, view="month", month=f"{following:%Y-%m}"),
            "today_query": _query(request, view="month", month=f"{today:%Y-%m}"),
        }
    template = "delivery/_calendar.html" if request.htmx else "delivery/calendar.html"
    return render(request, template, context)


# A session ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    """A move of a session's state offered on its page, and the action that makes it."""

    name: str
    target: str
    verb: Verb
    label: Any
    done: Any
    act: Callable[..., Any]
    asks_reason: bool = False
    reopens: bool = False
    explanation: Any = ""

    def legal(self, session: TrainingSession) -> bool:
        # Marking held and reopening both lead to "held": from open, and from closed.
        return self.target in actions.SESSION_MOVES[session.state] and self.reopens == (
            session.state == State.CLOSED
        )

    def offered(self, user: Any, session: TrainingSession) -> bool:
        return self.legal(session) and may(user, self.verb, beneficiary_id=session.beneficiary_id)

    def run(self, actor: Any, session: TrainingSession, reason: str) -> None:
        if self.asks_reason:
            self.act(actor=actor, session=session, reason=reason)
        else:
            self.act(actor=actor, session=session)


MOVES: dict[str, Move] = {
    move.name: move
    for move in [
        Move(
            "open", State.OPEN, Verb.PLAN_TRAINING, gettext_lazy("Open for nominations"),
            gettext_lazy("The session is open for nominations."), actions.open_session,
        ),
        Move(
            "hold", State.HELD, Verb.PLAN_TRAINING, gettext_lazy("Mark as held"),
            gettext_lazy("The session is marked as held."), actions.mark_held,
            explanation=gettext_lazy(
                "From its last day on. Nominations nobody confirmed lapse."
            ),
        ),
        Move(
            "close", State.CLOSED, Verb.PLAN_TRAINING, gettext_lazy("Close the session"),
            gettext_lazy("The session is closed."), actions.close_session,
            explanation=gettext_lazy(
                "Closing creates the evidence of everyone who attended enough; the others are "
                "recorded as not attending."
            ),
        ),
        Move(
            "cancel", State.CANCELLED, Verb.PLAN_TRAINING, gettext_lazy("Cancel the session"),
            gettext_lazy("The session is cancelled."), actions.cancel_session, asks_reason=True,
            explanation=gettext_lazy(
                "Everyone holding or waiting for a place is withdrawn and told."
            ),
        ),
        Move(
            "reopen", State.HELD, Verb.REOPEN_SESSION, gettext_lazy("Reopen the session"),
            gettext_lazy("The session is reopened."), actions.reopen_session, asks_reason=True,
            reopens=True,
            explanation=gettext_lazy(
                "The evidence closing created is voided and everyone goes back to confirmed, so "
                "that the register can be corrected and the session closed again."
            ),
        ),
    ]
}  # fmt: skip


@login_required
def session_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = request.user
    session = get_object_or_404(
        _visible_sessions(user).prefetch_related(
            "days", "invited_institutions", "invited_services__beneficiary"
        ),
        pk=pk,
    )
    names = shows_names(user)
    context = {
        "session": session,
        "shows_names": names,
        "trainers": list(session.trainers.order_by("sort_name", "pk")) if names else [],
        "taken": selectors.places_taken(session),
        "moves": [move for move in MOVES.values() if move.offered(user, session)],
        "may_edit": session.state in (State.PLANNED, State.OPEN)
        and may(user, Verb.PLAN_TRAINING, beneficiary_id=session.beneficiary_id),
        "sees_joint": sees_joint_figures(user),
    }
    return render(request, "delivery/session.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def transition(request: AuthenticatedHttpRequest, pk: int, verb: str) -> HttpResponse:
    move = MOVES[verb]
    session = get_object_or_404(_visible_sessions(request.user), pk=pk)
    require(request.user, move.verb, beneficiary_id=session.beneficiary_id)
    form = ReasonForm(posted(request)) if move.asks_reason else ConfirmForm(posted(request))

    def act(data: dict[str, Any]) -> None:
        move.run(request.user, session, data.get("reason", ""))

    if submitted(request, form, act):
        messages.success(request, str(move.done))
        return redirect("delivery:session", pk=session.pk)
    context = {"session": session, "move": move, "form": form, "legal": move.legal(session)}
    return render(request, "delivery/transition.html", context)


# Planning -------------------------------------------------------------------------------------


def _initial_from_query(request: HttpRequest, form_class: type[Any]) -> dict[str, Any]:
    """What the page was asked to start from (?module=…&starts_on=…): how the trainers offered
    follow the module without JavaScript, and how htmx refreshes them."""
    initial: dict[str, Any] = {}
    for name in form_class.base_fields:
        if name in ("trainers", "invited_institutions", "invited_services"):
            if name in request.GET:
                initial[name] = request.GET.getlist(name)[:200]
        elif name in request.GET:
            initial[name] = request.GET[name][:200]
    return initial


def _form_page(
    request: AuthenticatedHttpRequest,
    form: Any,
    *,
    title: str,
    submit: str,
    session: TrainingSession | None = None,
) -> HttpResponse:
    cancel = (
        reverse("delivery:session", args=[session.pk]) if session else reverse("delivery:calendar")
    )
    context = {
        "form": form, "title": title, "submit": submit, "session": session,
        "action_url": request.path, "cancel_url": cancel,
    }  # fmt: skip
    return render(request, "delivery/session_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def plan(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    if not holds(user, Verb.PLAN_TRAINING):
        raise PermissionDenied
    initial = {} if request.method == "POST" else _initial_from_query(request, PlanSessionForm)
    form = PlanSessionForm(posted(request), initial=initial, user=user)
    planned: list[TrainingSession] = []

    def act(data: dict[str, Any]) -> None:
        planned.append(actions.plan_session(actor=user, **form.action_arguments(user)))

    if submitted(request, form, act):
        messages.success(request, _("The session is planned."))
        return redirect("delivery:session", pk=planned[0].pk)
    return _form_page(request, form, title=_("Plan a session"), submit=_("Plan"))


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = request.user
    session = get_object_or_404(_visible_sessions(user), pk=pk)
    require(user, Verb.PLAN_TRAINING, beneficiary_id=session.beneficiary_id)
    initial = ChangeSessionForm.initial_for(session)
    if request.method != "POST":
        initial |= _initial_from_query(request, ChangeSessionForm)
    form = ChangeSessionForm(posted(request), initial=initial, user=user, session=session)

    def act(data: dict[str, Any]) -> None:
        actions.change_session(actor=user, session=session, **form.action_arguments(user))

    if submitted(request, form, act):
        messages.success(request, _("The session is saved."))
        return redirect("delivery:session", pk=session.pk)
    title = _("Change the session %(session)s") % {"session": session}
    return _form_page(request, form, title=title, submit=_("Save"), session=session)


# Joint sessions -------------------------------------------------------------------------------


@roles_required(*DASHBOARD_ROLES)
def joint(request: HttpRequest) -> HttpResponse:
    user = request.user
    tables = [
        (
            _("By administration"),
            _("Administration"),
            selectors.joint_share(user, "administration"),
        ),
        (_("By module"), _("Module"), selectors.joint_share(user, "module")),
        (_("By year"), _("Year"), selectors.joint_share(user, "year")),
    ]
    return render(request, "delivery/joint.html", {"tables": tables})


class MoveConverter:
    """The moves a session's page offers, by name: any other is not a URL (404)."""

    regex = "|".join(MOVES)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(MoveConverter, "session_move")

urlpatterns: list[URLPattern] = [
    path("", calendar_page, name="calendar"),
    path("new/", plan, name="plan"),
    path("joint/", joint, name="joint"),
    path("<int:pk>/", session_page, name="session"),
    path("<int:pk>/edit/", edit, name="edit"),
    path("<int:pk>/<session_move:verb>/", transition, name="transition"),
]
