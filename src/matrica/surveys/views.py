"""The survey pages: "My surveys" and the self-assessment (a phone page) for the people asked;
the campaigns, launching one, opening and closing it, and its results (the heat map, CSV and
XLSX) for the national roles that run surveys and, read-only, the coordinator.

Thin: campaigns are fetched through `visible_to` (404 out of scope), pages gated by the verb
(403), writes go to `surveys.actions`, figures come from `surveys.selectors`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from matrica import disclosure, exports
from matrica.framework.models import CompetencyArea
from matrica.http import AuthenticatedHttpRequest, request_user
from matrica.pages import allowed_if
from matrica.staff.views import posted, submitted
from matrica.surveys import actions, selectors
from matrica.surveys.forms import AnswerForm, CampaignForm
from matrica.surveys.models import Campaign, Frequency
from matrica.tenancy.models import Institution


def _campaign(request: HttpRequest, pk: int) -> Campaign:
    return get_object_or_404(
        Campaign.objects.visible_to(request_user(request)).select_related("beneficiary"), pk=pk
    )


# For the people asked ----------------------------------------------------------------------------


@login_required
def my_surveys(request: AuthenticatedHttpRequest) -> HttpResponse:
    invitations = list(selectors.open_invitations(request.user))
    return render(request, "surveys/mine.html", {"invitations": invitations})


@login_required
@require_http_methods(["GET", "POST"])
def answer(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The self-assessment, reached by the link the person is given: only the people the
    campaign asked find it (anyone else: 404)."""
    invitation = selectors.invitation_for(request.user, pk)
    if invitation is None:
        raise Http404
    reason = actions.answer_closed(invitation)
    form = AnswerForm(posted(request), areas=CompetencyArea.objects.order_by("order", "code"))

    def act(_data: dict[str, Any]) -> None:
        actions.answer_survey(actor=request.user, invitation=invitation, ratings=form.ratings())

    if reason is None and submitted(request, form, act):
        if invitation.campaign.anonymous:
            messages.success(request, _("Thank you: your answers are recorded, without your name."))
        else:
            messages.success(request, _("Thank you: your answers are recorded."))
        return redirect("surveys:mine")
    context = {"campaign": invitation.campaign, "form": form, "reason": reason}
    return render(request, "surveys/answer.html", context)


# For those who run surveys, and the coordinator -------------------------------------------------


@allowed_if(selectors.sees_results)
def campaigns(request: AuthenticatedHttpRequest) -> HttpResponse:
    context = {
        "campaigns": selectors.campaigns_visible_to(request.user),
        "may_launch": selectors.runs_surveys(request.user) and request.user.beneficiary_id,
    }
    return render(request, "surveys/campaigns.html", context)


@allowed_if(selectors.runs_surveys)
@require_http_methods(["GET", "POST"])
def launch(request: AuthenticatedHttpRequest) -> HttpResponse:
    beneficiary = request.user.beneficiary
    if beneficiary is None:  # a superuser belongs to no administration: nothing to launch for
        raise PermissionDenied
    institutions = Institution.objects.visible_to(request.user).filter(beneficiary=beneficiary)
    form = CampaignForm(posted(request), institutions=institutions)
    made: list[Campaign] = []

    def act(data: dict[str, Any]) -> None:
        made.append(
            actions.create_campaign(
                actor=request.user,
                beneficiary=beneficiary,
                title=data["title"],
                target_categories=list(data["target_categories"]),
                target_institutions=list(data["target_institutions"]),
                opens_on=data["opens_on"],
                closes_on=data["closes_on"],
                anonymous=data["anonymous"],
            )
        )

    if submitted(request, form, act):
        messages.success(request, _("The campaign is saved as a draft."))
        return redirect("surveys:campaign", pk=made[0].pk)
    return render(request, "surveys/launch.html", {"form": form})


@allowed_if(selectors.sees_results)
def campaign(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    found = _campaign(request, pk)
    results = selectors.campaign_results(found)
    context = {
        "campaign": found,
        "results": results,
        "may_run": selectors.may_run(request.user, found),
        "targets": {
            "categories": list(found.target_categories.all()),
            "institutions": list(found.target_institutions.all()),
        },
        "hidden_label": disclosure.hidden_label(),
        "threshold": disclosure.threshold(),
    }
    return render(request, "surveys/campaign.html", context)


def _lifecycle(request: AuthenticatedHttpRequest, pk: int, step: str) -> HttpResponse:
    found = _campaign(request, pk)
    try:
        if step == "open":
            invited = actions.open_campaign(actor=request.user, campaign=found)
            messages.success(
                request, _("The campaign is open: %(count)d people asked.") % {"count": invited}
            )
        else:
            actions.close_campaign(actor=request.user, campaign=found)
            messages.success(request, _("The campaign is closed."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("surveys:campaign", pk=found.pk)


@allowed_if(selectors.runs_surveys)
@require_POST
def open_campaign(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _lifecycle(request, pk, "open")


@allowed_if(selectors.runs_surveys)
@require_POST
def close_campaign(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _lifecycle(request, pk, "close")


def results_table(results: selectors.Results) -> exports.Table:
    """One row per (area, staff category), stable codes beside labels; a suppressed column's
    figures as the hidden label."""
    hidden = disclosure.hidden_label()
    header = [
        _("Administration code"), _("Campaign"), _("Area code"), _("Area"),
        _("Staff category code"), _("Staff category"), _("People asked"), _("Answers"),
        _("Response rate (%)"), _("Mean confidence (1–5)"), _("Wishing training"),
        _("Wishing training (%)"),
        *(_("Frequency “%(code)s”: %(label)s") % {"code": code, "label": label}
          for code, label in Frequency.choices),
    ]  # fmt: skip
    campaign = results.campaign
    rows: list[list[Any]] = []
    for area, cells in results.rows():
        for column, cell in cells:
            figures: list[Any]
            if column.hidden:
                figures = [hidden] * (6 + len(Frequency.values))
            else:
                figures = [
                    column.invited, column.answered, column.rate,
                    cell.mean_confidence if cell else None, cell.wants_training if cell else 0,
                    cell.wish_share if cell else None,
                    *((cell.frequencies[code] if cell else 0) for code in Frequency.values),
                ]  # fmt: skip
            rows.append([
                campaign.beneficiary.code, campaign.title, area.code, area.local_title,
                column.category.code, column.category.local_title, *figures,
            ])  # fmt: skip
    return exports.Table(header=header, rows=rows, title=_("Training needs"))


@allowed_if(selectors.sees_results)
def results_export(request: AuthenticatedHttpRequest, pk: int, file_format: str) -> HttpResponse:
    found = _campaign(request, pk)
    table = results_table(selectors.campaign_results(found))
    return exports.download(table, file_format, ["survey", found.beneficiary.code, found.pk])
