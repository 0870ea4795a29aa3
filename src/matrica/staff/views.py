"""Staff pages: the list, and the forms that add and change people, their roles and leaving.

Thin: fetch through the user's scope (404 out of it), ask the same permission as the action
(403 for a role without it), parse the form, call the action, and show its refusals next to the
fields. Each form is a page of its own (plain POST and redirect, no JavaScript needed) and, with
htmx, a fragment loaded into the training record and posted in place."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseLocation

from matrica.http import AuthenticatedHttpRequest
from matrica.pages import paginate, query_without_page
from matrica.staff import actions
from matrica.staff.filters import StaffFilter
from matrica.staff.forms import (
    ConfirmForm,
    EndRoleForm,
    LeavingForm,
    ReasonForm,
    RoleDatesForm,
    RoleForm,
    StaffMemberForm,
    add_action_errors,
)
from matrica.staff.models import StaffMember, StaffRole
from matrica.staff.selectors import institutions_for_staff, staff_visible_to
from matrica.tenancy.permissions import Verb, holds, require


@login_required
def staff_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    queryset = staff_visible_to(request.user).select_related(
        "institution", "primary_category", "beneficiary"
    )
    staff_filter = StaffFilter(request.GET, queryset=queryset, user=request.user, request=request)
    context = {
        "filter": staff_filter,
        "page": paginate(request, staff_filter.qs),
        "query": query_without_page(request),
        "may_add": holds(request.user, Verb.MANAGE_STAFF),
    }
    template = "staff/_staff_table.html" if request.htmx else "staff/staff_list.html"
    return render(request, template, context)


# The shared mechanics of a form page, used by the training pages too.


def posted(request: AuthenticatedHttpRequest) -> QueryDict | None:
    """The submitted data, or None to show an empty form (a POST with no field is still one)."""
    return request.POST if request.method == "POST" else None


def submitted(
    request: AuthenticatedHttpRequest, form: forms.Form, act: Callable[[dict[str, Any]], Any]
) -> bool:
    """Whether the form was posted, parsed, and accepted by the action `act(cleaned_data)`.
    The action's refusal (ValidationError) is shown on the form; PermissionDenied and Http404
    propagate as 403 and 404."""
    if request.method != "POST" or not form.is_valid():
        return False
    try:
        act(form.cleaned_data)
    except ValidationError as error:
        add_action_errors(form, error)
        return False
    return True


def back_to_record(
    request: AuthenticatedHttpRequest, staff_member_id: int, message: str
) -> HttpResponse:
    """After a change: the training record, with what was done. htmx loads it in place (and into
    the history); a plain form post is redirected to it."""
    messages.success(request, message)
    url = reverse("staff:record", args=[staff_member_id])
    if request.htmx:
        return HttpResponseLocation(url, target="main", select="main", swap="outerHTML")
    return redirect(url)


def form_page(
    request: AuthenticatedHttpRequest,
    form: forms.Form,
    *,
    title: str,
    submit: str,
    member: StaffMember | None = None,
    intro: str = "",
    heading: str = "h2",
) -> HttpResponse:
    """The form as a page of its own, or (htmx) as the fragment the record shows in place."""
    if request.htmx and not form.is_bound and form.fields:
        next(iter(form.fields.values())).widget.attrs["autofocus"] = True
    cancel = reverse("staff:record", args=[member.pk]) if member else reverse("staff:list")
    context = {
        "form": form, "title": title, "submit": submit, "member": member, "intro": intro,
        "heading": heading, "action_url": request.get_full_path(), "cancel_url": cancel,
    }  # fmt: skip
    template = "staff/_form.html" if request.htmx else "staff/form_page.html"
    return render(request, template, context)


def _member(request: AuthenticatedHttpRequest, pk: int) -> StaffMember:
    """A person the user may see (404 otherwise) and may manage (403 or 404, as the action)."""
    member = get_object_or_404(staff_visible_to(request.user), pk=pk)
    require(request.user, Verb.MANAGE_STAFF, beneficiary_id=member.beneficiary_id)
    return member


def _role(request: AuthenticatedHttpRequest, pk: int, role_pk: int) -> StaffRole:
    """A role of a person the user may manage (404 or 403, as the action)."""
    member = _member(request, pk)
    return get_object_or_404(
        StaffRole.objects.visible_to(request.user).select_related("staff_member", "category"),
        pk=role_pk,
        staff_member=member,
    )


@login_required
@require_http_methods(["GET", "POST"])
def add_member(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not holds(request.user, Verb.MANAGE_STAFF):
        raise PermissionDenied
    form = StaffMemberForm(posted(request), institutions=institutions_for_staff(request.user))
    created: list[StaffMember] = []

    def act(data: dict[str, Any]) -> None:
        created.append(actions.create_staff_member(actor=request.user, **data))

    if submitted(request, form, act):
        member = created[0]
        return back_to_record(
            request, member.pk, _("%(name)s is added to the registry.") % {"name": member}
        )
    return form_page(request, form, title=_("Add a staff member"), submit=_("Add"))


@login_required
@require_http_methods(["GET", "POST"])
def edit_member(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    member = _member(request, pk)
    title = _("Edit the details of %(name)s") % {"name": member}
    institutions = institutions_for_staff(request.user).filter(beneficiary_id=member.beneficiary_id)
    form = StaffMemberForm(
        posted(request), initial=StaffMemberForm.initial_for(member), institutions=institutions
    )

    def act(data: dict[str, Any]) -> None:
        actions.update_staff_member(actor=request.user, staff_member=member, **data)

    if submitted(request, form, act):
        return back_to_record(request, member.pk, _("The details are saved."))
    return form_page(request, form, title=title, submit=_("Save"), member=member)


@login_required
@require_http_methods(["GET", "POST"])
def record_leaving(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    member = _member(request, pk)
    title = _("Record that %(name)s left the service") % {"name": member}
    form = LeavingForm(posted(request))

    def act(data: dict[str, Any]) -> None:
        actions.record_leaving(actor=request.user, staff_member=member, **data)

    if submitted(request, form, act):
        return back_to_record(request, member.pk, _("The last day in post is recorded."))
    return form_page(request, form, title=title, submit=_("Record leaving"), member=member)


@login_required
@require_http_methods(["GET", "POST"])
def reinstate_member(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    member = _member(request, pk)
    title = _("Take %(name)s back into post") % {"name": member}
    form = ConfirmForm(posted(request))

    def act(data: dict[str, Any]) -> None:
        actions.reinstate_staff_member(actor=request.user, staff_member=member)

    if submitted(request, form, act):
        return back_to_record(request, member.pk, _("The person is back in post."))
    intro = _(
        "Undo a leaving recorded in error, or take the person back: they count again from "
        "their entry into post."
    )
    return form_page(
        request, form, title=title, submit=_("Back in post"), member=member, intro=intro
    )


@login_required
@require_http_methods(["GET", "POST"])
def add_role(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    member = _member(request, pk)
    title = _("Give %(name)s a role") % {"name": member}
    form = RoleForm(posted(request))

    def act(data: dict[str, Any]) -> None:
        actions.assign_role(actor=request.user, staff_member=member, **data)

    if submitted(request, form, act):
        return back_to_record(request, member.pk, _("The role is recorded."))
    return form_page(request, form, title=title, submit=_("Add role"), member=member, heading="h3")


@login_required
@require_http_methods(["GET", "POST"])
def change_role(request: AuthenticatedHttpRequest, pk: int, role_pk: int) -> HttpResponse:
    role = _role(request, pk, role_pk)
    member = role.staff_member
    title = _("Change the dates of the role %(role)s") % {"role": role.category}
    form = RoleDatesForm(
        posted(request), initial={"start_date": role.start_date, "end_date": role.end_date}
    )

    def act(data: dict[str, Any]) -> None:
        actions.change_role(actor=request.user, role=role, **data)

    if submitted(request, form, act):
        return back_to_record(request, member.pk, _("The role's dates are saved."))
    return form_page(request, form, title=title, submit=_("Save"), member=member, heading="h3")


@login_required
@require_http_methods(["GET", "POST"])
def end_role(request: AuthenticatedHttpRequest, pk: int, role_pk: int) -> HttpResponse:
    role = _role(request, pk, role_pk)
    member = role.staff_member
    title = _("End the role %(role)s") % {"role": role.category}
    form = EndRoleForm(posted(request))

    def act(data: dict[str, Any]) -> None:
        actions.end_role(actor=request.user, role=role, **data)

    if submitted(request, form, act):
        return back_to_record(request, member.pk, _("The role is ended."))
    return form_page(request, form, title=title, submit=_("End role"), member=member, heading="h3")


@login_required
@require_http_methods(["GET", "POST"])
def withdraw_role(request: AuthenticatedHttpRequest, pk: int, role_pk: int) -> HttpResponse:
    role = _role(request, pk, role_pk)
    member = role.staff_member
    title = _("Withdraw the role %(role)s") % {"role": role.category}
    form = ReasonForm(posted(request))

    def act(data: dict[str, Any]) -> None:
        actions.withdraw_role(actor=request.user, role=role, **data)

    if submitted(request, form, act):
        return back_to_record(request, member.pk, _("The role is withdrawn."))
    intro = _(
        "Only for a role recorded in error: it stops counting on every date. A role that "
        "ended is ended, not withdrawn."
    )
    return form_page(
        request, form, title=title, submit=_("Withdraw role"), member=member, intro=intro,
        heading="h3",
    )  # fmt: skip
