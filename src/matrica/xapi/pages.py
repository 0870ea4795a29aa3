"""The pages where a national administrator or training manager manages the e-learning
sources of their administration and answers the queue of unknown learners and activities."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from matrica.framework.models import Module
from matrica.http import AuthenticatedHttpRequest
from matrica.pages import allowed_if
from matrica.staff.models import StaffMember
from matrica.tenancy.models import Beneficiary
from matrica.tenancy.permissions import Verb, holds, reaches
from matrica.xapi import actions, selectors
from matrica.xapi.forms import ResolveActivityForm, ResolveActorForm, RulesForm, SourceForm
from matrica.xapi.models import Source


def _manages(user: object) -> bool:
    return holds(user, Verb.RECORD_EVIDENCE)


def _beneficiaries(request: AuthenticatedHttpRequest) -> QuerySet[Beneficiary]:
    reachable = [
        beneficiary.pk
        for beneficiary in Beneficiary.objects.visible_to(request.user)
        if reaches(request.user, beneficiary.pk)
    ]
    return Beneficiary.objects.filter(pk__in=reachable).order_by("code")


def _endpoint(request: AuthenticatedHttpRequest) -> str:
    return request.build_absolute_uri(reverse("xapi:about")).removesuffix("about")


@allowed_if(_manages)
def sources(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = SourceForm(request.POST or None, beneficiaries=_beneficiaries(request))
    created, secret = None, None
    if request.method == "POST" and form.is_valid():
        try:
            created, secret = actions.create_source(
                actor=request.user, beneficiary=form.cleaned_data["beneficiary"],
                name=form.cleaned_data["name"],
            )  # fmt: skip
        except ValidationError as error:
            form.add_error(None, error)
        else:
            form = SourceForm(beneficiaries=_beneficiaries(request))
    listed = selectors.sources_visible_to(request.user)
    waiting = selectors.waiting_counts(listed)
    return render(
        request, "xapi/sources.html",
        {"form": form, "sources": [(s, waiting.get(s.pk, 0)) for s in listed],
         "created": created, "secret": secret, "endpoint": _endpoint(request)},
        status=400 if request.method == "POST" and created is None else 200,
    )  # fmt: skip


def _source(request: AuthenticatedHttpRequest, pk: int) -> Source:
    return get_object_or_404(selectors.sources_visible_to(request.user), pk=pk)


def _modules(request: AuthenticatedHttpRequest, source: Source) -> QuerySet[Module]:
    """The modules an activity of `source` may be: the common ones and its administration's."""
    return (
        Module.objects.visible_to(request.user)
        .filter(Q(beneficiary__isnull=True) | Q(beneficiary=source.beneficiary_id))
        .order_by("code")
    )


def _module_choices(request: AuthenticatedHttpRequest, source: Source) -> list[tuple[int, str]]:
    return [(m.pk, f"{m.code} {m.title}") for m in _modules(request, source)]


@allowed_if(_manages)
def source(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    item = _source(request, pk)
    modules = _module_choices(request, item)
    return render(
        request, "xapi/source.html",
        {"source": item, "endpoint": _endpoint(request),
         "rules": RulesForm(initial={"account_is_employee_number": item.account_is_employee_number,
                                     "mbox_is_email": item.mbox_is_email}),
         "actors": [(row, ResolveActorForm(initial={"actor_key": row["actor_key"]},
                                           prefix=f"a{index}"))
                    for index, row in enumerate(selectors.waiting_actors(item))],
         "activities": [(row, ResolveActivityForm(initial={"activity_id": row["activity_id"]},
                                                  modules=modules, prefix=f"m{index}"))
                        for index, row in enumerate(selectors.waiting_activities(item))]},
    )  # fmt: skip


def _done(request: AuthenticatedHttpRequest, item: Source, recorded: int) -> HttpResponse:
    messages.success(
        request,
        ngettext(
            "Saved. %(count)d waiting statement became evidence.",
            "Saved. %(count)d waiting statements became evidence.",
            recorded,
        )
        % {"count": recorded},
    )
    return redirect("xapi:source", item.pk)


@allowed_if(_manages)
@require_POST
def revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    item = _source(request, pk)
    actions.revoke_source(actor=request.user, source=item)
    messages.success(request, _("The credentials are revoked: the platform can no longer send."))
    return redirect("xapi:source", item.pk)


@allowed_if(_manages)
@require_POST
def rules(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    item = _source(request, pk)
    form = RulesForm(request.POST)
    form.is_valid()
    recorded = actions.set_rules(
        actor=request.user, source=item,
        account_is_employee_number=bool(form.cleaned_data.get("account_is_employee_number")),
        mbox_is_email=bool(form.cleaned_data.get("mbox_is_email")),
    )  # fmt: skip
    return _done(request, item, recorded)


def _prefix(request: AuthenticatedHttpRequest) -> str:
    return request.POST.get("prefix", "")


@allowed_if(_manages)
@require_POST
def resolve_actor(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    item = _source(request, pk)
    form = ResolveActorForm(request.POST, prefix=_prefix(request) or None)
    if not form.is_valid():
        messages.error(request, _("Choose a person."))
        return redirect("xapi:source", item.pk)
    number = form.cleaned_data["employee_number"].strip()
    person = None
    if number:
        person = (
            StaffMember.objects.visible_to(request.user)
            .filter(beneficiary=item.beneficiary_id, employee_number=number)
            .first()
        )
        if person is None:
            messages.error(
                request, _("No one in this administration has the employee number %(number)s.")
                % {"number": number},
            )  # fmt: skip
            return redirect("xapi:source", item.pk)
    recorded = actions.resolve_actor(
        actor=request.user, source=item, actor_key=form.cleaned_data["actor_key"],
        staff_member=person,
    )  # fmt: skip
    return _done(request, item, recorded)


@allowed_if(_manages)
@require_POST
def resolve_activity(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    item = _source(request, pk)
    form = ResolveActivityForm(
        request.POST, modules=_module_choices(request, item), prefix=_prefix(request) or None
    )
    if not form.is_valid():
        messages.error(request, _("Choose a module."))
        return redirect("xapi:source", item.pk)
    chosen = form.cleaned_data["module"]
    recorded = actions.resolve_activity(
        actor=request.user, source=item, activity_id=form.cleaned_data["activity_id"],
        module=None if chosen is None else _modules(request, item).get(pk=chosen),
    )  # fmt: skip
    return _done(request, item, recorded)
