"""The follow-up on use at work: "My follow-ups" (the questionnaires waiting for the signed-in
user), the questionnaire itself (a phone page), the thank-you page, and the results per module
for the national roles and the coordinator, on the page and as CSV or XLSX.

Thin: the invitation is fetched through what the user may answer (404 otherwise), the answer goes
to `evaluation.actions.answer_follow_up`, the figures come from `follow_up_selectors`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from matrica import disclosure, exports
from matrica.evaluation import actions
from matrica.evaluation import follow_up_selectors as selectors
from matrica.evaluation.forms import FollowUpForm
from matrica.evaluation.models import FOLLOW_UP_QUESTIONS
from matrica.http import AuthenticatedHttpRequest
from matrica.pages import allowed_if
from matrica.staff.forms import add_action_errors


@login_required
def my_follow_ups(request: AuthenticatedHttpRequest) -> HttpResponse:
    invitations = list(selectors.open_follow_ups(request.user))
    return render(
        request,
        "evaluation/follow_up_list.html",
        {
            "own": [i for i in invitations if i.respondent == actions.Respondent.PARTICIPANT],
            "staff": [i for i in invitations if i.respondent == actions.Respondent.MANAGER],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def answer(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(
        selectors.answerable_by(request.user).select_related(
            "session__module", "enrolment__staff_member"
        ),
        pk=pk,
    )
    form = FollowUpForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        ratings = {name: form.cleaned_data[name] for name in FOLLOW_UP_QUESTIONS}
        try:
            actions.answer_follow_up(
                actor=request.user,
                invitation=invitation,
                ratings=ratings,
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect("evaluation:follow_up_thanks")
    return render(
        request,
        "evaluation/follow_up_answer.html",
        {
            "invitation": invitation,
            "about_someone": invitation.respondent == actions.Respondent.MANAGER,
            "form": form,
        },
    )


@login_required
def thanks(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "evaluation/follow_up_thanks.html")


def _year(request: HttpRequest, offered: list[int]) -> int:
    raw = request.GET.get("year", "")
    year = selectors.results_year(raw)
    if year is not None:
        return year
    fallback = selectors.default_year(offered)
    if raw:
        message = _("“%(raw)s” is not a year: showing %(year)d.")
        messages.warning(request, message % {"raw": raw[:20], "year": fallback}, fail_silently=True)
    return fallback


def _results(request: HttpRequest) -> tuple[selectors.Results, list[int]]:
    offered = selectors.years_offered(request.user)
    return selectors.follow_up_results(request.user, _year(request, offered)), offered


@allowed_if(selectors.sees_results)
def results(request: HttpRequest) -> HttpResponse:
    outcome, offered = _results(request)
    return render(
        request,
        "evaluation/follow_up_results.html",
        {
            "results": outcome,
            "years": offered,
            "questions": _questions(),
            "hidden_label": disclosure.hidden_label(),
            "threshold": disclosure.threshold(),
        },
    )


def _questions() -> list[str]:
    return [str(FollowUpForm.base_fields[name].label) for name in FOLLOW_UP_QUESTIONS]


def _table(outcome: selectors.Results) -> exports.Table:
    """One row per (administration,) module; hidden figures as the hidden label, a rate or a
    mean that cannot be computed (nothing sent, nothing answered) left empty."""
    hidden = disclosure.hidden_label()
    header = [
        _("Administration code"), _("Administration"), _("Module code"), _("Module"),
        _("Participants asked"), _("Participants answered"), _("Participants' response rate (%)"),
        _("Managers asked"), _("Managers answered"), _("Managers' response rate (%)"),
        _("Answers"),
        *(_("Mean: %(question)s") % {"question": question} for question in _questions()),
    ]  # fmt: skip
    lines: list[list[Any]] = []
    for row in outcome.rows:
        counts: list[Any] = [
            row.participants_sent, row.participants_answered, row.participants_rate,
            row.managers_sent, row.managers_answered, row.managers_rate, row.answers,
        ]  # fmt: skip
        means: list[Decimal | str | None] = list(row.mean_list)
        if row.hidden:
            counts = [hidden] * len(counts)
        if row.means_hidden:
            means = [hidden] * len(means)
        lines.append(
            [
                row.beneficiary.code,
                row.beneficiary.name,
                row.module.code,
                row.module.local_title,
                *counts,
                *means,
            ]
        )
    title = _("Follow-up %(year)d") % {"year": outcome.year}
    return exports.Table(header=header, rows=lines, title=title)


@allowed_if(selectors.sees_results)
def results_export(request: HttpRequest, file_format: str) -> HttpResponse:
    outcome, _offered = _results(request)
    scope = outcome.beneficiary.code if outcome.beneficiary else "region"
    return exports.download(_table(outcome), file_format, ["follow-up", scope, outcome.year])


urlpatterns = [
    path("follow-up/", my_follow_ups, name="follow_up_list"),
    path("follow-up/<int:pk>/", answer, name="follow_up_answer"),
    path("follow-up/thanks/", thanks, name="follow_up_thanks"),
    path("follow-up/results/", results, name="follow_up_results"),
    path("follow-up/results.<str:file_format>", results_export, name="follow_up_results_export"),
]
