"""The participant's feedback on a session: the standard form, in their language, anonymous."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from matrica.evaluation import actions
from matrica.evaluation.forms import FeedbackForm
from matrica.evaluation.views.tests import _session, own_enrolment
from matrica.http import AuthenticatedHttpRequest
from matrica.staff.views import posted, submitted


@login_required
@require_http_methods(["GET", "POST"])
def give_feedback(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    mine = own_enrolment(request, session)
    if mine is None:
        raise Http404
    reason = actions.feedback_open(mine)
    form = FeedbackForm(posted(request))

    def act(data: dict[str, Any]) -> None:
        actions.give_feedback(
            actor=request.user, enrolment=mine, ratings=form.ratings(), comment=data["comment"]
        )

    if reason is None and submitted(request, form, act):
        messages.success(request, _("Thank you: your feedback is recorded, without your name."))
        return redirect("evaluation:session", pk=session.pk)
    context = {
        "session": session, "form": form, "reason": reason,
        "back": reverse("evaluation:session", args=[session.pk]),
    }  # fmt: skip
    return render(request, "evaluation/feedback.html", context)


urlpatterns: list[URLPattern] = [
    path("sessions/<int:pk>/feedback/", give_feedback, name="feedback"),
]
