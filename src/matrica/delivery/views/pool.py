"""The module catalogue, national modules and the trainer pool.

Thin like the staff pages: fetch through the user's scope (404 out of it), ask the same
permission as the action (403 for a role without it), parse the form, call the action
(framework.actions for national modules, delivery.actions for authorisations) and show its
refusals next to the fields. Names are shown only to those who may see the people: the pool and
a trainer's page start from `StaffMember.objects.visible_to`, which gives the regional
coordinator nobody."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from matrica.delivery import actions as delivery_actions
from matrica.delivery.models import TrainerAuthorisation
from matrica.delivery.pool_forms import (
    LANGUAGE_NAMES,
    AuthoriseTrainerForm,
    EndAuthorisationForm,
    NationalModuleForm,
)
from matrica.delivery.pool_selectors import (
    pool_with_reasons,
    sessions_delivered,
    trainer_years,
    visible_pool,
)
from matrica.framework import actions as framework_actions
from matrica.framework.models import CompetencyArea, Level, Module
from matrica.framework.selectors import matrix_modules, module_catalogue, module_details
from matrica.http import AuthenticatedHttpRequest
from matrica.pages import paginate, query_without_page
from matrica.staff.models import StaffMember
from matrica.staff.selectors import search_staff
from matrica.staff.views import posted, submitted
from matrica.tenancy.models import Beneficiary
from matrica.tenancy.permissions import Verb, holds, may, require


def _module(request: AuthenticatedHttpRequest, pk: int) -> Module:
    """A module the user may read: common, or national within reach (404 otherwise)."""
    return get_object_or_404(module_details(request.user), pk=pk)


def _editable(request: AuthenticatedHttpRequest, pk: int) -> Module:
    """A national module the user may change (404 out of reach, 403 without the verb or for
    a module of the common matrix, as the action)."""
    module = _module(request, pk)
    if not module.is_national:
        raise PermissionDenied
    require(request.user, Verb.PLAN_TRAINING, beneficiary_id=module.beneficiary_id)
    return module


def _planned_module(request: AuthenticatedHttpRequest, pk: int) -> Module:
    """A module whose trainer pool the user may see and change: a planner's (403 otherwise)."""
    module = _module(request, pk)
    if not holds(request.user, Verb.PLAN_TRAINING):
        raise PermissionDenied
    return module


def _page(
    request: AuthenticatedHttpRequest,
    form: forms.Form,
    *,
    title: str,
    submit: str,
    cancel_url: str,
    template: str = "delivery/pool/form_page.html",
    **extra: Any,
) -> HttpResponse:
    context = {
        "form": form, "title": title, "submit": submit, "cancel_url": cancel_url,
        "action_url": request.get_full_path(), **extra,
    }  # fmt: skip
    return render(request, template, context)


def _done(request: AuthenticatedHttpRequest, url: str, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect(url)


@login_required
def module_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The common modules and the national ones the user may read, by administration."""
    user = request.user
    context = {
        "catalogue": module_catalogue(user),
        "may_add": bool(user.beneficiary_id)
        and may(user, Verb.PLAN_TRAINING, beneficiary_id=user.beneficiary_id),
    }
    return render(request, "delivery/pool/module_list.html", context)


@login_required
def module_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    module = _module(request, pk)
    user = request.user
    context = {
        "module": module,
        "may_edit": module.is_national
        and may(user, Verb.PLAN_TRAINING, beneficiary_id=module.beneficiary_id),
        "may_see_pool": holds(user, Verb.PLAN_TRAINING),
        "delivery_modes": [
            Module.DeliveryMode(mode).label
            for mode in module.delivery_modes
            if mode in Module.DeliveryMode.values
        ],
        "languages": [LANGUAGE_NAMES.get(code, code) for code in module.languages],
    }
    return render(request, "delivery/pool/module_detail.html", context)


def _module_form(
    request: AuthenticatedHttpRequest,
    beneficiary: Beneficiary,
    module: Module | None = None,
) -> NationalModuleForm:
    prerequisites = matrix_modules(request.user, beneficiary).order_by("code")
    if module is not None:
        prerequisites = prerequisites.exclude(pk=module.pk)
    form = NationalModuleForm(
        posted(request),
        initial=NationalModuleForm.initial_for(module) if module else None,
        beneficiary=beneficiary,
        prerequisites=prerequisites,
        areas=list(CompetencyArea.objects.all()),
        levels=list(Level.objects.all()),
    )
    if module is not None:
        form.set_default_title(module)
    return form


@login_required
@require_http_methods(["GET", "POST"])
def module_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    require(user, Verb.PLAN_TRAINING, beneficiary_id=user.beneficiary_id)
    beneficiary = get_object_or_404(Beneficiary.objects.visible_to(user), pk=user.beneficiary_id)
    form = _module_form(request, beneficiary)
    created: list[Module] = []

    def act(data: dict[str, Any]) -> None:
        created.append(
            framework_actions.create_national_module(
                actor=user, beneficiary=beneficiary, **form.module_values()
            )
        )

    if submitted(request, form, act):
        return _done(
            request,
            reverse("delivery:module", args=[created[0].pk]),
            _("The module %(code)s is added.") % {"code": created[0].code},
        )
    return _page(
        request, form, title=_("Add a national module"), submit=_("Add module"),
        cancel_url=reverse("delivery:modules"), template="delivery/pool/module_form.html",
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def module_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    module = _editable(request, pk)
    assert module.beneficiary is not None
    form = _module_form(request, module.beneficiary, module)

    def act(data: dict[str, Any]) -> None:
        framework_actions.change_national_module(
            actor=request.user, module=module, **form.module_values()
        )

    if submitted(request, form, act):
        return _done(
            request, reverse("delivery:module", args=[module.pk]), _("The module is saved.")
        )
    return _page(
        request, form, title=_("Edit the module %(code)s") % {"code": module.code},
        submit=_("Save"), cancel_url=reverse("delivery:module", args=[module.pk]),
        template="delivery/pool/module_form.html",
    )  # fmt: skip


def _authorise_form(
    request: AuthenticatedHttpRequest, module: Module, query: str
) -> AuthoriseTrainerForm:
    people = StaffMember.objects.visible_to(request.user).filter(active=True)
    if module.beneficiary_id is not None:
        people = people.filter(beneficiary_id=module.beneficiary_id)
    shown = (search_staff(people, query) if query else people).order_by("sort_name", "pk")
    return AuthoriseTrainerForm(posted(request), people=people, shown=shown)


@login_required
def pool(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Who may train the module today, and why; with the form to authorise one more."""
    module = _planned_module(request, pk)
    today = timezone.localdate()
    # A large administration's pool runs to thousands: a page at a time, with its reasons.
    page = paginate(request, visible_pool(module, today, request.user))
    context = {
        "module": module,
        "today": today,
        "page": page,
        "query": query_without_page(request),
        "trainers": pool_with_reasons(module, today, request.user, people=list(page.object_list)),
        "form": _authorise_form(request, module, ""),
        "authorise_url": reverse("delivery:authorise", args=[module.pk]),
    }
    return render(request, "delivery/pool/pool.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def authorise(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    module = _planned_module(request, pk)
    query = request.GET.get("q", "").strip()
    form = _authorise_form(request, module, query)

    def act(data: dict[str, Any]) -> None:
        delivery_actions.authorise_trainer(actor=request.user, module=module, **data)

    pool_url = reverse("delivery:pool", args=[module.pk])
    if submitted(request, form, act):
        return _done(request, pool_url, _("The authorisation is recorded."))
    return _page(
        request, form, title=_("Authorise a trainer for %(module)s") % {"module": module},
        submit=_("Authorise"), cancel_url=pool_url, module=module, query=query,
        template="delivery/pool/authorise.html",
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def end_authorisation(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    authorisation = get_object_or_404(
        TrainerAuthorisation.objects.visible_to(request.user).select_related(
            "staff_member", "module"
        ),
        pk=pk,
    )
    require(
        request.user, Verb.PLAN_TRAINING, beneficiary_id=authorisation.staff_member.beneficiary_id
    )
    form = EndAuthorisationForm(posted(request))

    def act(data: dict[str, Any]) -> None:
        delivery_actions.withdraw_authorisation(
            actor=request.user, authorisation=authorisation, **data
        )

    pool_url = reverse("delivery:pool", args=[authorisation.module_id])
    if submitted(request, form, act):
        return _done(request, pool_url, _("The authorisation ends."))
    title = _("End the authorisation of %(name)s to train %(module)s") % {
        "name": authorisation.staff_member.full_name,
        "module": authorisation.module.code,
    }
    return _page(request, form, title=title, submit=_("End authorisation"), cancel_url=pool_url)


@login_required
def trainer(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A trainer's sessions, hours and participants per year, and the sessions they deliver."""
    member = get_object_or_404(
        StaffMember.objects.visible_to(request.user).select_related("institution"), pk=pk
    )
    context = {
        "member": member,
        "years": trainer_years(member),
        "sessions": sessions_delivered(member, request.user),
    }
    return render(request, "delivery/pool/trainer.html", context)


urlpatterns = [
    path("modules/", module_list, name="modules"),
    path("modules/new/", module_new, name="module_new"),
    path("modules/<int:pk>/", module_detail, name="module"),
    path("modules/<int:pk>/edit/", module_edit, name="module_edit"),
    path("modules/<int:pk>/trainers/", pool, name="pool"),
    path("modules/<int:pk>/trainers/authorise/", authorise, name="authorise"),
    path("authorisations/<int:pk>/end/", end_authorisation, name="end_authorisation"),
    path("trainers/<int:pk>/", trainer, name="trainer"),
]
