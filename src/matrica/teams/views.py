"""Team pages: thin views over teams.selectors (reads, through visible_to) and teams.actions
(writes). A team out of the user's scope answers 404."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from matrica import disclosure
from matrica.http import AuthenticatedHttpRequest
from matrica.pages import paginate, roles_required
from matrica.staff.views import posted, submitted
from matrica.teams import actions, selectors
from matrica.teams.forms import (
    CloseTeamForm,
    DisciplineForm,
    EndMembershipForm,
    MemberForm,
    MemberRoleForm,
    NewDisciplineForm,
    NewTeamForm,
    TeamForm,
)
from matrica.teams.models import Discipline, Membership, Team
from matrica.tenancy.models import Beneficiary, Institution
from matrica.tenancy.permissions import Verb, holds
from matrica.tenancy.roles import Role

TEAM_ROLES = (Role.NATIONAL_ADMIN, Role.TRAINING_MANAGER, Role.INSTITUTION_MANAGER)
NATIONAL_ROLES = (Role.NATIONAL_ADMIN, Role.TRAINING_MANAGER)
teams_page = roles_required(*TEAM_ROLES)


def _team(request: AuthenticatedHttpRequest, pk: int) -> Team:
    return get_object_or_404(selectors.teams_visible_to(request.user), pk=pk)


def _membership(request: AuthenticatedHttpRequest, pk: int, membership_pk: int) -> Membership:
    team = _team(request, pk)
    return get_object_or_404(
        Membership.objects.visible_to(request.user).select_related("team", "staff_member"),
        team=team, pk=membership_pk,
    )  # fmt: skip


def _may_manage(request: AuthenticatedHttpRequest) -> None:
    if not holds(request.user, Verb.MANAGE_TEAMS):
        raise PermissionDenied


def _form_page(
    request: AuthenticatedHttpRequest, form: forms.Form, *, title: str, submit: str,
    team: Team | None = None, intro: str = "", extra: dict[str, Any] | None = None,
) -> HttpResponse:  # fmt: skip
    cancel = reverse("teams:team", args=[team.pk]) if team else reverse("teams:list")
    context = {
        "form": form, "title": title, "submit": submit, "team": team, "intro": intro,
        "action_url": request.get_full_path(), "cancel_url": cancel, **(extra or {}),
    }  # fmt: skip
    return render(request, "teams/form_page.html", context)


def _back(request: AuthenticatedHttpRequest, team: Team, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("teams:team", pk=team.pk)


@teams_page
def team_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = paginate(request, selectors.teams_visible_to(request.user).order_by("-active", "name"))
    states = selectors.readiness(page.object_list)
    rows = [(team, states[team.pk]) for team in page.object_list]
    return render(
        request, "teams/list.html",
        {"page": page, "rows": rows, "may_manage": holds(request.user, Verb.MANAGE_TEAMS),
         "national": request.user.is_superuser or request.user.role in NATIONAL_ROLES},
    )  # fmt: skip


@teams_page
def team_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    team = _team(request, pk)
    state = selectors.readiness([team])[team.pk]
    members = selectors.current_members(team)
    sessions = selectors.sessions_that_fix(request.user, state.needed)[:10]
    return render(
        request, "teams/team.html",
        {"team": team, "state": state, "members": members, "sessions": sessions,
         "may_manage": holds(request.user, Verb.MANAGE_TEAMS)},
    )  # fmt: skip


@teams_page
@require_http_methods(["GET", "POST"])
def create_team(request: AuthenticatedHttpRequest) -> HttpResponse:
    _may_manage(request)
    user = request.user
    institutions = Institution.objects.visible_to(user).select_related("beneficiary")
    regional = user.role != Role.INSTITUTION_MANAGER and bool(user.beneficiary_id)
    if user.role == Role.INSTITUTION_MANAGER:
        institutions = institutions.filter(pk=user.institution_id)
    form = NewTeamForm(posted(request), institutions=institutions, regional=regional)
    created: list[Team] = []

    def act(data: dict[str, Any]) -> None:
        place = data.pop("institution")
        beneficiary = place.beneficiary if place else user.beneficiary
        if beneficiary is None:
            raise ValidationError({"institution": _("Choose the institution of the team.")})
        created.append(
            actions.create_team(actor=user, beneficiary=beneficiary, institution=place, **data)
        )

    if submitted(request, form, act):
        return _back(request, created[0], _("The team is recorded."))
    return _form_page(request, form, title=_("New team"), submit=_("Create team"))


@teams_page
@require_http_methods(["GET", "POST"])
def change_team(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _may_manage(request)
    team = _team(request, pk)
    initial = {name: getattr(team, name) for name in TeamForm.base_fields}
    form = TeamForm(posted(request), initial=initial)

    def act(data: dict[str, Any]) -> None:
        actions.change_team(actor=request.user, team=team, **data)

    if submitted(request, form, act):
        return _back(request, team, _("The team is saved."))
    title = _("Change the team %(name)s") % {"name": team.name}
    return _form_page(request, form, title=title, submit=_("Save"), team=team)


@teams_page
@require_http_methods(["GET", "POST"])
def close_team(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _may_manage(request)
    team = _team(request, pk)
    form = CloseTeamForm(posted(request))

    def act(data: dict[str, Any]) -> None:
        actions.close_team(actor=request.user, team=team, **data)

    if submitted(request, form, act):
        return _back(request, team, _("The team is closed."))
    title = _("Close the team %(name)s") % {"name": team.name}
    intro = _("Every current membership ends on the team's last day.")
    return _form_page(request, form, title=title, submit=_("Close team"), team=team, intro=intro)


@teams_page
@require_http_methods(["GET", "POST"])
def add_member(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _may_manage(request)
    team = _team(request, pk)
    query = request.GET.get("q", "").strip()
    data = posted(request)
    if data is not None:
        chosen = data.get("staff_member", "")
        people = selectors.member_candidates(request.user, team, "", limit=None).filter(
            pk__in=[int(chosen)] if chosen.isascii() and chosen.isdigit() else []
        )
    else:
        people = selectors.member_candidates(request.user, team, query)
    form = MemberForm(data, people=people, disciplines=selectors.disciplines_of(team))

    def act(cleaned: dict[str, Any]) -> None:
        actions.add_member(actor=request.user, team=team, **cleaned)

    if submitted(request, form, act):
        return _back(request, team, _("The member is added."))
    title = _("Add a member to %(name)s") % {"name": team.name}
    return _form_page(
        request, form, title=title, submit=_("Add member"), team=team,
        extra={"search": True, "query": query},
    )  # fmt: skip


@teams_page
@require_http_methods(["GET", "POST"])
def end_membership(request: AuthenticatedHttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    _may_manage(request)
    membership = _membership(request, pk, membership_pk)
    form = EndMembershipForm(posted(request))

    def act(data: dict[str, Any]) -> None:
        actions.end_membership(actor=request.user, membership=membership, **data)

    if submitted(request, form, act):
        return _back(request, membership.team, _("The membership is ended."))
    title = _("End the membership of %(name)s") % {"name": membership.staff_member.full_name}
    return _form_page(request, form, title=title, submit=_("End membership"), team=membership.team)


@teams_page
@require_http_methods(["GET", "POST"])
def change_member(request: AuthenticatedHttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    _may_manage(request)
    membership = _membership(request, pk, membership_pk)
    form = MemberRoleForm(
        posted(request), disciplines=selectors.disciplines_of(membership.team),
        initial={"role": membership.role, "discipline": membership.discipline_id},
    )  # fmt: skip

    def act(data: dict[str, Any]) -> None:
        actions.change_member_role(actor=request.user, membership=membership, **data)

    if submitted(request, form, act):
        return _back(request, membership.team, _("The member's role is saved."))
    title = _("Change the role of %(name)s") % {"name": membership.staff_member.full_name}
    return _form_page(request, form, title=title, submit=_("Save"), team=membership.team)


@roles_required(*NATIONAL_ROLES)
def national(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    figures = selectors.national_figures(user)
    trend = selectors.filled_trend(selectors.teams_visible_to(user))
    return render(request, "teams/national.html", {"figures": figures, "trend": trend})


@roles_required(Role.COORDINATOR)
def regional(request: AuthenticatedHttpRequest) -> HttpResponse:
    rows, overall = selectors.regional_figures(request.user)
    trend = selectors.filled_trend(selectors.teams_visible_to(request.user))
    return render(
        request,
        "teams/regional.html",
        {
            "rows": rows,
            "overall": overall,
            "trend": trend,
            "hidden_label": disclosure.hidden_label(),
        },
    )


def _administration(request: AuthenticatedHttpRequest) -> Beneficiary:
    """The national user's own administration (its disciplines); none for other users."""
    return get_object_or_404(
        Beneficiary.objects.visible_to(request.user), pk=request.user.beneficiary_id or 0
    )


@roles_required(*NATIONAL_ROLES)
def disciplines(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The administration's disciplines and which teams must include each."""
    beneficiary = _administration(request)
    if request.method == "POST":
        return HttpResponseNotAllowed(["GET"])
    actions.disciplines_for(request.user, beneficiary)
    context = {
        "beneficiary": beneficiary,
        "disciplines": Discipline.objects.visible_to(request.user).filter(beneficiary=beneficiary),
    }
    return render(request, "teams/disciplines.html", context)


@roles_required(*NATIONAL_ROLES)
def add_discipline(request: AuthenticatedHttpRequest) -> HttpResponse:
    beneficiary = _administration(request)
    form = NewDisciplineForm(posted(request))

    def act(data: dict[str, Any]) -> None:
        actions.add_discipline(actor=request.user, beneficiary=beneficiary, **data)

    if submitted(request, form, act):
        messages.success(request, _("The discipline is added."))
        return redirect("teams:disciplines")
    return _form_page(request, form, title=_("New discipline"), submit=_("Add discipline"))


@roles_required(*NATIONAL_ROLES)
def change_discipline(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    discipline = get_object_or_404(
        Discipline.objects.visible_to(request.user).filter(
            beneficiary_id=request.user.beneficiary_id or 0
        ),
        pk=pk,
    )
    initial = {name: getattr(discipline, name) for name in actions.DISCIPLINE_FIELDS}
    initial["title"] = discipline.display_title
    form = DisciplineForm(posted(request), initial=initial)

    def act(data: dict[str, Any]) -> None:
        changed = {name: data[name] for name in form.changed_data if name in data}
        actions.change_discipline(actor=request.user, discipline=discipline, **changed)

    if submitted(request, form, act):
        messages.success(request, _("The discipline is saved."))
        return redirect("teams:disciplines")
    title = _("Change the discipline %(name)s") % {"name": discipline.display_title}
    return _form_page(request, form, title=title, submit=_("Save"))
