"""The training plan pages: the proposal for an administration and a period (a table, a
timeline and the expected effect on compliance), and accepting it as adjusted. Thin: parse the
parameters, ask `needs.plans`, render; accept through `needs.actions.accept_plan`."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from matrica.framework.models import Module
from matrica.http import AuthenticatedHttpRequest
from matrica.needs import plans, timeline
from matrica.needs.actions import Adjusted, accept_plan
from matrica.needs.plan_forms import adjust_forms, plan_form
from matrica.tenancy.models import Beneficiary, Institution
from matrica.tenancy.permissions import Verb, holds, require

# A plan of more sessions than this is reviewed and accepted one module at a time: a form of
# thousands of rows helps nobody (Türkiye's six months: 7 000 sessions).
MAX_ROWS = 300


def by_module(proposal: plans.Proposal) -> list[tuple[Module, int, int, str]]:
    """Per module: sessions, places, and the link to the module's own proposal."""
    counts: dict[str, list[Any]] = {}
    for session in proposal.sessions:
        entry = counts.setdefault(session.module.code, [session.module, 0, 0])
        entry[1] += 1
        entry[2] += session.capacity
    query = proposal.request.query()
    return [
        (module, sessions, places, "?" + urlencode({**query, "module": code}))
        for code, (module, sessions, places) in sorted(counts.items())
    ]


def _beneficiary(request: HttpRequest, code: str) -> Beneficiary:
    """The administration in the URL: 403 for a role that does not plan training, 404 when it
    is out of the user's reach (or does not exist)."""
    if not holds(request.user, Verb.PLAN_TRAINING):
        raise PermissionDenied
    beneficiary = Beneficiary.objects.visible_to(request.user).filter(code=code).first()
    if beneficiary is None:
        raise Http404
    require(request.user, Verb.PLAN_TRAINING, beneficiary_id=beneficiary.pk)
    return beneficiary


@login_required
def plan_index(request: HttpRequest) -> HttpResponse:
    """A national user's own administration; the administrations to choose from otherwise."""
    if not holds(request.user, Verb.PLAN_TRAINING):
        raise PermissionDenied
    own = getattr(request.user, "beneficiary", None)
    if own is not None:
        return redirect("needs:plan", code=own.code)
    administrations = Beneficiary.objects.visible_to(request.user).order_by("code")
    return render(request, "needs/plan_index.html", {"administrations": administrations})


def _module_choices(beneficiary: Beneficiary, user: Any) -> list[tuple[str, str]]:
    modules = Module.objects.visible_to(user).filter(
        Q(beneficiary__isnull=True) | Q(beneficiary=beneficiary)
    )
    return [(m.code, f"{m.code} {m.local_title}") for m in modules.order_by("code")]


def _proposal(request: HttpRequest, beneficiary: Beneficiary, data: Any) -> Any:
    form = plan_form(data, _module_choices(beneficiary, request.user))
    if not form.is_valid():
        return form, None
    values = form.cleaned_data
    plan_request = plans.PlanRequest(
        beneficiary=beneficiary, start=values["start"], months=values["months"],
        capacity=values["capacity"], per_trainer_month=values["per_trainer_month"],
        module_code=values["module"] or "",
    )  # fmt: skip
    return form, plans.propose(user=request.user, request=plan_request)


def _render(
    request: HttpRequest,
    beneficiary: Beneficiary,
    form: Any,
    proposal: plans.Proposal | None,
    adjust: list[Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    institutions = list(Institution.objects.filter(beneficiary=beneficiary).order_by("name", "pk"))
    rows = []
    too_many = proposal is not None and len(proposal.sessions) > MAX_ROWS
    if proposal is not None and not too_many:
        adjust = adjust or adjust_forms(proposal, institutions)
        rows = list(zip(proposal.sessions, adjust, strict=True))
    context = {
        "beneficiary": beneficiary,
        "form": form,
        "proposal": proposal,
        "rows": rows,
        "too_many": too_many,
        "by_module": by_module(proposal) if too_many and proposal is not None else [],
        "timeline": timeline.build(proposal) if proposal is not None else None,
        "accept_url": reverse("needs:plan_accept", kwargs={"code": beneficiary.code})
        + ("?" + urlencode(proposal.request.query()) if proposal is not None else ""),
    }
    return render(request, "needs/plan.html", context, status=status)


@login_required
@require_http_methods(["GET"])
def plan_page(request: HttpRequest, code: str) -> HttpResponse:
    beneficiary = _beneficiary(request, code)
    form, proposal = _proposal(request, beneficiary, request.GET)
    return _render(request, beneficiary, form, proposal)


@login_required
@require_POST
def plan_accept(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    beneficiary = _beneficiary(request, code)
    form, proposal = _proposal(request, beneficiary, request.GET)
    if proposal is None:
        return _render(request, beneficiary, form, None, status=400)
    institutions = list(Institution.objects.filter(beneficiary=beneficiary).order_by("name", "pk"))
    if len(proposal.sessions) > MAX_ROWS:
        messages.error(request, _("Accept a plan this large one module at a time."))
        return _render(request, beneficiary, form, proposal, status=400)
    if request.POST.get("fingerprint") != proposal.fingerprint:
        messages.warning(
            request,
            _("The figures changed since the proposal was shown: here is the new proposal."),
        )
        return _render(request, beneficiary, form, proposal, status=409)
    adjust = adjust_forms(proposal, institutions, request.POST)
    if not all(f.is_valid() for f in adjust):
        return _render(request, beneficiary, form, proposal, adjust, status=400)
    by_pk = {i.pk: i for i in institutions}
    kept = [
        Adjusted(
            session=session,
            starts_on=f.cleaned_data["starts_on"],
            capacity=f.cleaned_data["capacity"],
            host=by_pk[f.cleaned_data["host"]],
        )
        for session, f in zip(proposal.sessions, adjust, strict=True)
        if f.cleaned_data["keep"]
    ]
    try:
        created = accept_plan(actor=request.user, proposal=proposal, kept=kept)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return _render(request, beneficiary, form, proposal, adjust, status=400)
    messages.success(
        request,
        _("%(count)s sessions planned. They are on the calendar, in the state “planned”.")
        % {"count": len(created)},
    )
    first = min((s.starts_on for s in created), default=datetime.date.today())
    return redirect(f"{reverse('delivery:calendar')}?month={first:%Y-%m}")
