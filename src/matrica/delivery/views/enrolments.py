"""The people of a session: nominating them (one by one or by rule), giving places, withdrawing,
and the register of each day.

Thin, like the staff pages: fetch the session through the user's scope (404 out of it), ask the
permission the action will ask (403 for a role without it), parse the form, call the action and
show what it did, or its refusal, on the page. Every form works as a plain POST; htmx only
updates the rule's preview in place."""

from __future__ import annotations

import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from matrica.delivery import actions, selectors
from matrica.delivery.enrolment_forms import (
    RULE_STATUSES,
    AttendanceForm,
    NominateForm,
    RuleForm,
    SearchForm,
    WithdrawForm,
)
from matrica.delivery.models import Attendance, Enrolment, TrainingSession
from matrica.http import AuthenticatedHttpRequest
from matrica.pages import paginate, query_without_page, search_terms
from matrica.staff.forms import add_action_errors
from matrica.staff.models import StaffMember
from matrica.staff.selectors import search_staff, staff_visible_to
from matrica.tenancy.models import Institution
from matrica.tenancy.permissions import Verb, require
from matrica.tenancy.roles import Role


def session_url(session: TrainingSession) -> str:
    """The session's own page (/delivery/<pk>/, built with the session pages)."""
    try:
        return reverse("delivery:session", args=[session.pk])
    except NoReverseMatch:  # the session pages are not mounted (yet): the same address
        return reverse("delivery:nominate", args=[session.pk]).removesuffix("nominate/")


def _session(request: AuthenticatedHttpRequest, pk: int, verb: Verb) -> TrainingSession:
    """A session the user may see (404 otherwise) and act on with `verb` (403 or 404, as the
    action)."""
    session = get_object_or_404(
        TrainingSession.objects.visible_to(request.user).select_related("module", "beneficiary"),
        pk=pk,
    )
    require(request.user, verb, beneficiary_id=session.beneficiary_id)
    return session


def _errors(error: ValidationError) -> list[str]:
    return list(error.messages)


def _outcome(
    request: AuthenticatedHttpRequest,
    session: TrainingSession,
    *,
    title: str,
    groups: list[tuple[str, list[StaffMember]]],
    errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    """What an action did (or why it did nothing), with the way back to the session."""
    context = {
        "session": session, "session_url": session_url(session), "title": title,
        "groups": groups, "errors": errors or [],
    }  # fmt: skip
    return render(request, "delivery/enrolments/outcome.html", context, status=status)


# Nominating ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def nominate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Search the people one may see, tick some, nominate them; the page then says who was
    nominated and who was not, with the reason."""
    session = _session(request, pk, Verb.NOMINATE)
    search = SearchForm(request.GET)
    text = search_terms(request, search.cleaned_data["q"]) if search.is_valid() else ""
    people = staff_visible_to(request.user).filter(
        beneficiary_id=session.beneficiary_id, active=True
    )
    if text:
        people = search_staff(people, text)
    state = (
        Enrolment.objects.visible_to(request.user)
        .filter(session=session, staff_member=OuterRef("pk"))
        .values("state")
    )
    people = people.select_related("institution", "primary_category").annotate(
        enrolment_state=Subquery(state[:1])
    )
    form = NominateForm(request.POST if request.method == "POST" else None)
    result: actions.NominationResult | None = None
    if request.method == "POST" and form.is_valid():
        ids = form.cleaned_data["people"]
        chosen = list(staff_visible_to(request.user).filter(pk__in=ids))
        if len(chosen) != len(ids):
            raise Http404
        try:
            result = actions.nominate(actor=request.user, session=session, staff_members=chosen)
        except ValidationError as error:
            add_action_errors(form, error)
    context = {
        "session": session, "session_url": session_url(session), "search": search,
        "form": form, "page": paginate(request, people), "query": query_without_page(request),
        "result": result, "states": dict(Enrolment.State.choices),
    }  # fmt: skip
    template = (
        "delivery/enrolments/_people.html" if request.htmx and request.method == "GET"
        else "delivery/enrolments/nominate.html"
    )  # fmt: skip
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def nominate_by_rule(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Describe whom to put forward; "Preview" (GET) shows how many and the first of them,
    "Nominate" (POST, the same rule) nominates them all through the action."""
    session = _session(request, pk, Verb.NOMINATE)
    institutions = Institution.objects.visible_to(request.user).filter(
        beneficiary_id=session.beneficiary_id
    )
    data = request.POST if request.method == "POST" else (request.GET or _default_rule(request))
    form = RuleForm(data, institutions=institutions)
    result: actions.NominationResult | None = None
    page = None
    if form.is_valid():
        rule = form.rule()
        if request.method == "POST":
            try:
                result = actions.nominate_by_rule(actor=request.user, session=session, rule=rule)
            except ValidationError as error:
                add_action_errors(form, error)
        else:
            chosen = selectors.candidates(
                session, rule, visible=StaffMember.objects.visible_to(request.user)
            ).select_related("institution", "primary_category")
            page = paginate(request, chosen)
    hidden = [(name, value) for name in RuleForm.base_fields for value in data.getlist(name)]
    context = {
        "session": session, "session_url": session_url(session), "form": form, "page": page,
        "query": query_without_page(request), "hidden": hidden, "result": result,
    }  # fmt: skip
    return render(request, "delivery/enrolments/nominate_rule.html", context)


def _default_rule(request: AuthenticatedHttpRequest) -> QueryDict:
    """The rule a first visit previews: every status the form offers, its default window, and
    for an institution manager their own institution."""
    data = QueryDict(mutable=True)
    data.setlist("statuses", [value for value, _label in RULE_STATUSES])
    data["within_days"] = str(RuleForm.base_fields["within_days"].initial)
    if request.user.role == Role.INSTITUTION_MANAGER and request.user.institution_id:
        data["institution"] = str(request.user.institution_id)
    return data


# Places -----------------------------------------------------------------------------------------


@login_required
@require_POST
def confirm(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Give places to the open nominations in the order they were made."""
    session = _session(request, pk, Verb.PLAN_TRAINING)
    title = _("Places given")
    try:
        confirmed, waitlisted = actions.confirm(actor=request.user, session=session)
    except ValidationError as error:
        return _outcome(request, session, title=title, groups=[], errors=_errors(error))
    groups = [
        (_("Given a place"), [e.staff_member for e in confirmed]),
        (_("On the waitlist"), [e.staff_member for e in waitlisted]),
    ]
    if not confirmed and not waitlisted:
        groups = []
    return _outcome(request, session, title=title, groups=groups)


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request: AuthenticatedHttpRequest, pk: int, enrolment_pk: int) -> HttpResponse:
    """Take a person out of the session, with an optional reason; say who got their place."""
    session = get_object_or_404(
        TrainingSession.objects.visible_to(request.user).select_related("module"), pk=pk
    )
    enrolment = get_object_or_404(
        Enrolment.objects.visible_to(request.user).select_related("staff_member", "session"),
        pk=enrolment_pk,
        session=session,
    )
    member = enrolment.staff_member
    if request.user.staff_member_id != member.pk:  # anyone may withdraw themselves
        require(request.user, Verb.NOMINATE, beneficiary_id=member.beneficiary_id)
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            promoted = actions.withdraw(
                actor=request.user, enrolment=enrolment, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            title = _("%(name)s is withdrawn from the session.") % {"name": member.full_name}
            groups = [(_("Given the free place"), [promoted.staff_member])] if promoted else []
            return _outcome(request, session, title=title, groups=groups)
    context = {
        "session": session, "session_url": session_url(session), "form": form,
        "enrolment": enrolment, "member": member,
    }  # fmt: skip
    return render(request, "delivery/enrolments/withdraw.html", context)


# The register -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def attendance(request: AuthenticatedHttpRequest, pk: int, day: str) -> HttpResponse:
    """The register of one day: a large checkbox per person with a place, "Save"."""
    session = _session(request, pk, Verb.RECORD_ATTENDANCE)
    if (
        request.user.role == Role.TRAINER
        and not session.trainers.filter(pk=request.user.staff_member_id or 0).exists()
    ):
        raise Http404  # a trainer keeps the register of the sessions they deliver only
    try:
        date = datetime.date.fromisoformat(day)
    except ValueError as error:
        raise Http404 from error
    days = list(session.days.all())
    session_day = next((d for d in days if d.date == date), None)
    if session_day is None:
        raise Http404
    form = AttendanceForm(request.POST if request.method == "POST" else None)
    saved = False
    if request.method == "POST" and form.is_valid():
        try:
            actions.record_attendance(
                actor=request.user, day=session_day, present=form.cleaned_data["present"]
            )
            saved = True
        except ValidationError as error:
            add_action_errors(form, error)
    participants = (
        Enrolment.objects.visible_to(request.user)
        .filter(session=session, state__in=Enrolment.PARTICIPATING)
        .select_related("staff_member")
        .order_by("staff_member__sort_name", "pk")
    )
    if request.method == "POST" and not saved:
        ticked = set(form.cleaned_data.get("present", [])) if form.is_valid() else set()
    else:
        ticked = set(
            Attendance.objects.visible_to(request.user)
            .filter(day=session_day, present=True)
            .values_list("enrolment__staff_member_id", flat=True)
        )
    recorded = Attendance.objects.visible_to(request.user).filter(day=session_day).exists()
    context = {
        "session": session, "session_url": session_url(session), "day": session_day,
        "days": days, "form": form, "participants": participants, "ticked": ticked,
        "saved": saved, "recorded": recorded,
        "ahead": session_day.date > timezone.localdate(),
    }  # fmt: skip
    return render(request, "delivery/enrolments/attendance.html", context)


urlpatterns = [
    path("<int:pk>/nominate/", nominate, name="nominate"),
    path("<int:pk>/nominate/rule/", nominate_by_rule, name="nominate_rule"),
    path("<int:pk>/confirm/", confirm, name="confirm"),
    path("<int:pk>/enrolments/<int:enrolment_pk>/withdraw/", withdraw, name="withdraw_enrolment"),
    path("<int:pk>/attendance/<str:day>/", attendance, name="attendance"),
]
