"""The curriculum inventory's pages: the courses of an administration (every administration's
for the coordinator, read-only), a course, and the forms that add, change and withdraw one.
Thin: read through the user's scope (404 out of it), ask the action's permission (403 without
it), parse, call the action, show its refusals next to the fields."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from matrica.curricula import actions
from matrica.curricula.forms import CellFormSet, CourseForm, WithdrawForm, cell_initial
from matrica.curricula.models import Course
from matrica.curricula.selectors import courses_visible_to, reads_inventory
from matrica.http import AuthenticatedHttpRequest
from matrica.pages import allowed_if, paginate, query_without_page
from matrica.staff.forms import add_action_errors
from matrica.staff.views import posted, submitted
from matrica.tenancy.models import Beneficiary
from matrica.tenancy.permissions import Verb, may, require

MORE_CELLS = "more_cells"


def _manages(request: AuthenticatedHttpRequest, beneficiary_id: int | None) -> bool:
    return bool(beneficiary_id) and may(
        request.user, Verb.MANAGE_CURRICULUM, beneficiary_id=beneficiary_id
    )


@require_GET
@allowed_if(reads_inventory)
def course_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    courses = courses_visible_to(request.user)
    administrations = list(
        Beneficiary.objects.visible_to(request.user)
        .filter(pk__in=Course.objects.visible_to(request.user).values("beneficiary"))
        .order_by("code")
    )
    # Only a code offered in the menu filters: anything else typed into the address shows all.
    chosen = request.GET.get("administration", "")
    if chosen in {administration.code for administration in administrations}:
        courses = courses.filter(beneficiary__code=chosen)
    kind = request.GET.get("kind", "")
    if kind in Course.Kind.values:
        courses = courses.filter(kind=kind)
    if not request.GET.get("all"):
        courses = courses.filter(active=True)
    context = {
        "page": paginate(request, courses),
        "query": query_without_page(request),
        "administrations": administrations if len(administrations) > 1 else [],
        "chosen": chosen,
        "kinds": Course.Kind.choices,
        "kind": kind,
        "show_all": bool(request.GET.get("all")),
        "may_add": _manages(request, request.user.beneficiary_id),
    }
    return render(request, "curricula/course_list.html", context)


def _course(request: AuthenticatedHttpRequest, pk: int) -> Course:
    return get_object_or_404(courses_visible_to(request.user), pk=pk)


@require_GET
@allowed_if(reads_inventory)
def course_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    course = _course(request, pk)
    context = {"course": course, "may_manage": _manages(request, course.beneficiary_id)}
    return render(request, "curricula/course_detail.html", context)


def _save(
    request: AuthenticatedHttpRequest, form: CourseForm, cells: Any, act: Any
) -> Course | None:
    """The course saved through `act(data, cells)`, or None with the refusal on the form."""
    if request.method != "POST" or not (form.is_valid() and cells.is_valid()):
        return None
    try:
        return act(form.cleaned_data, cells.cells())
    except ValidationError as error:
        if hasattr(error, "error_dict") and "cells" in error.error_dict:
            # The cells' refusals are shown above the cells, the rest next to their fields.
            cells.non_form_errors().extend(e.message % (e.params or {}) if e.params else e.message
                                           for e in error.error_dict.pop("cells"))  # fmt: skip
        if not hasattr(error, "error_dict") or error.error_dict:
            add_action_errors(form, error)
        return None


def _after_save(request: AuthenticatedHttpRequest, course: Course, message: str) -> HttpResponse:
    messages.success(request, message)
    if MORE_CELLS in request.POST:
        return redirect("curricula:change", course.pk)
    return redirect("curricula:detail", course.pk)


def _form_page(
    request: AuthenticatedHttpRequest, form: CourseForm, cells: Any, *, title: str,
    course: Course | None = None,
) -> HttpResponse:  # fmt: skip
    cancel = reverse("curricula:detail", args=[course.pk]) if course else reverse("curricula:list")
    context = {"form": form, "cells": cells, "title": title, "course": course,
               "cancel_url": cancel, "more_cells": MORE_CELLS}  # fmt: skip
    status = 400 if request.method == "POST" else 200
    return render(request, "curricula/course_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@allowed_if(reads_inventory)
def course_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(request.user, Verb.MANAGE_CURRICULUM, beneficiary_id=request.user.beneficiary_id)
    beneficiary = request.user.beneficiary
    if beneficiary is None:  # a superuser keeps no administration's inventory of their own
        raise PermissionDenied
    form = CourseForm(posted(request))
    cells = CellFormSet(posted(request), prefix="cells")

    def act(data: dict[str, Any], given: list[actions.Cell]) -> Course:
        return actions.create_course(
            actor=request.user, beneficiary=beneficiary, cells=given,
            target_categories=list(data.pop("target_categories")), **data,
        )  # fmt: skip

    course = _save(request, form, cells, act)
    if course is not None:
        return _after_save(request, course, _("The course was added."))
    return _form_page(request, form, cells, title=_("Add a course"))


@require_http_methods(["GET", "POST"])
@allowed_if(reads_inventory)
def course_change(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    course = _course(request, pk)
    require(request.user, Verb.MANAGE_CURRICULUM, beneficiary_id=course.beneficiary_id)
    form = CourseForm(posted(request), initial=CourseForm.initial_of(course))
    cells = CellFormSet(posted(request), prefix="cells", initial=cell_initial(course))

    def act(data: dict[str, Any], given: list[actions.Cell]) -> Course:
        return actions.change_course(
            actor=request.user, course=course, cells=given,
            target_categories=list(data.pop("target_categories")), **data,
        )  # fmt: skip

    if _save(request, form, cells, act) is not None:
        return _after_save(request, course, _("The course was changed."))
    return _form_page(request, form, cells, title=_("Change a course"), course=course)


@require_http_methods(["GET", "POST"])
@allowed_if(reads_inventory)
def course_withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    course = _course(request, pk)
    require(request.user, Verb.MANAGE_CURRICULUM, beneficiary_id=course.beneficiary_id)
    form = WithdrawForm(posted(request))

    def act(data: dict[str, Any]) -> None:
        actions.withdraw_course(actor=request.user, course=course, reason=data["reason"])

    if submitted(request, form, act):
        messages.success(request, _("The course was withdrawn from the inventory."))
        return redirect("curricula:list")
    context = {"form": form, "course": course,
               "cancel_url": reverse("curricula:detail", args=[course.pk])}  # fmt: skip
    return render(request, "curricula/course_withdraw.html", context)
