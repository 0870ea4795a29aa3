"""Evidence pages: record one piece of evidence for a person, void one recorded in error. Thin,
like the staff pages whose form mechanics they share: fetch through the user's scope, ask the
action's permission, parse, call the action, show its refusals next to the fields."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from matrica.http import AuthenticatedHttpRequest
from matrica.staff.selectors import staff_visible_to
from matrica.staff.views import back_to_record, form_page, posted, submitted
from matrica.tenancy.permissions import Verb, require
from matrica.training import actions
from matrica.training.forms import EvidenceForm, VoidForm
from matrica.training.models import Completion


@login_required
@require_http_methods(["GET", "POST"])
def record_evidence(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    member = get_object_or_404(staff_visible_to(request.user), pk=pk)
    require(request.user, Verb.RECORD_EVIDENCE, beneficiary_id=member.beneficiary_id)
    title = _("Record evidence for %(name)s") % {"name": member}
    form = EvidenceForm(posted(request), staff_member=member)

    def act(data: dict[str, Any]) -> None:
        actions.record_evidence(actor=request.user, staff_member=member, **data)

    if submitted(request, form, act):
        return back_to_record(request, member.pk, _("The evidence is recorded."))
    intro = _(
        "Recognised prior learning or a manual entry, for one person. The results of a "
        "training session are recorded with the session."
    )
    return form_page(
        request, form, title=title, submit=_("Record evidence"), member=member, intro=intro,
        heading="h3",
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def void_evidence(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    completion = get_object_or_404(
        Completion.objects.visible_to(request.user).select_related("staff_member", "area", "level"),
        pk=pk,
    )
    member = completion.staff_member
    require(request.user, Verb.RECORD_EVIDENCE, beneficiary_id=member.beneficiary_id)
    title = _("Void the evidence %(area)s, %(level)s, completed on %(completed_on)s") % {
        "area": completion.area,
        "level": completion.level,
        "completed_on": completion.completed_on.isoformat(),
    }
    form = VoidForm(posted(request))

    def act(data: dict[str, Any]) -> None:
        actions.void_evidence(actor=request.user, completion=completion, **data)

    if submitted(request, form, act):
        return back_to_record(request, member.pk, _("The evidence is voided."))
    return form_page(
        request, form, title=title, submit=_("Void evidence"), member=member, heading="h3"
    )
