"""The coordinator's regional comparison (page, CSV, XLSX, PDF) and the drafting of the next
framework version from it (a draft beside the version in force, its cells changed, published).

Thin: parse the request, ask `needs.comparison` / `needs.drafts` or call a `framework.actions`
action, render. Only the coordinator (and a superuser) gets here; anyone else 403."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from matrica import exports
from matrica.framework.actions import (
    change_draft_requirement,
    create_draft_version,
    publish_version,
    remove_draft_requirement,
)
from matrica.framework.forms import PublishForm
from matrica.framework.models import FrameworkVersion
from matrica.framework.selectors import version_in_force
from matrica.http import request_user
from matrica.needs.comparison import Comparison, regional_comparison, sees_comparison
from matrica.needs.coverage import Coverage
from matrica.needs.drafts import differences
from matrica.needs.forms_comparison import CellChoiceForm, CellForm, DraftForm
from matrica.pages import allowed_if, as_of
from matrica.printing import render_pdf

STYLE = Path(__file__).parent / "templates" / "needs" / "comparison_print.css"


def _context(request: HttpRequest) -> dict[str, Any]:
    comparison = regional_comparison(request_user(request), as_of(request))
    return {
        "comparison": comparison,
        "on": comparison.on,
        "statuses": list(Coverage),
        "drafts": FrameworkVersion.objects.drafts().order_by("code"),
        "in_force": version_in_force(comparison.on),
        "draft_form": DraftForm(),
    }


@allowed_if(sees_comparison)
def comparison_page(request: HttpRequest) -> HttpResponse:
    return render(request, "needs/comparison.html", _context(request))


def table(comparison: Comparison) -> exports.Table:
    """The side-by-side rows (part "comparison", the year of the date) and the trend (part
    "trend", one row per administration and year), the region last in each; suppressed figures
    as the hidden label, stable codes in their own columns."""
    statuses = list(Coverage)
    header = [
        _("Part"), _("Year"), _("Administration code"), _("Administration"),
        _("Cells required"), *(str(status.label) for status in statuses),
        _("Staff"), _("Basic awareness (%)"), _("Front-line at level (%)"), _("Compliant (%)"),
        _("With overdue"), _("Survey needs"),
        _("Sessions held"), _("Joint sessions"), _("Share joint (%)"),
        _("Participants (people)"), _("Session hours"),
    ]  # fmt: skip

    def percent(share: Any) -> Any:
        if share is None:
            return None
        return share.display if share.suppressed else share.percent and round(share.percent, 1)

    lines: list[list[Any]] = []
    for row in [*comparison.rows, comparison.region]:
        delivery = row.delivery.cells()
        indicators = row.compliance
        lines.append(
            [
                "comparison", comparison.year, row.code, row.name or _("Region"),
                row.coverage.cells, *(row.coverage.of(status.value) for status in statuses),
                indicators.people.display if indicators else None,
                percent(indicators.aware) if indicators else None,
                percent(indicators.front_line_at_level) if indicators else None,
                percent(indicators.compliant) if indicators else None,
                indicators.with_overdue.display if indicators else None,
                survey_cell(row),
                delivery["sessions"], delivery["joint"], delivery["joint_percent"],
                delivery["participants"], delivery["hours"],
            ]
        )  # fmt: skip
    for line in comparison.trend:
        name = line.beneficiary.name if line.beneficiary else _("Region")
        for point in line.points:
            delivery = point.delivery.cells()
            lines.append(
                [
                    "trend", point.year, line.code, name,
                    None, *(None for _status in statuses),
                    None, None, None, percent(point.compliant), None, None,
                    delivery["sessions"], delivery["joint"], delivery["joint_percent"],
                    delivery["participants"], delivery["hours"],
                ]
            )  # fmt: skip
    return exports.Table(header=header, rows=lines, title=_("Regional comparison"))


def survey_cell(row: Any) -> str | None:
    return row.survey_needs.summary() if row.survey_needs is not None else None


@allowed_if(sees_comparison)
def comparison_export(request: HttpRequest, file_format: str) -> HttpResponse:
    comparison = regional_comparison(request_user(request), as_of(request))
    return exports.download(
        table(comparison), file_format, ["comparison", comparison.on.isoformat()]
    )


@allowed_if(sees_comparison)
def comparison_pdf(request: HttpRequest) -> HttpResponse:
    context = _context(request)
    pdf = render_pdf(request, "needs/comparison_print.html", context, STYLE)
    name = exports.filename("comparison", context["on"].isoformat(), extension="pdf")
    return exports.file_download(pdf, "application/pdf", name)


# Drafting the next version -----------------------------------------------------------------


def _refusal(request: HttpRequest, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


@allowed_if(sees_comparison)
@require_POST
def draft_create(request: HttpRequest) -> HttpResponse:
    """A draft copied from the version in force today."""
    form = DraftForm(request.POST)
    source = version_in_force(timezone.localdate())
    if source is None:
        messages.error(request, _("No version of the matrix is in force to copy."))
        return redirect("needs:comparison")
    if not form.is_valid():
        messages.error(request, _("Check the code and title of the draft."))
        return redirect("needs:comparison")
    code = form.cleaned_data["code"] or f"{source.code}-next"
    if not form.cleaned_data["code"] and FrameworkVersion.objects.filter(code=code).exists():
        code = ""  # taken by an earlier draft: the action proposes a free code
    try:
        draft = create_draft_version(
            actor=request_user(request), source=source, code=code,
            title=form.cleaned_data["title"] or _("Draft of the next matrix"),
        )  # fmt: skip
    except ValidationError as refusal:
        _refusal(request, refusal)
        return redirect("needs:comparison")
    messages.success(
        request,
        _("Draft %(code)s created as a copy of version %(source)s.")
        % {"code": draft.code, "source": source.code},
    )
    return redirect("needs:draft", code=draft.code)


def _draft_context(request: HttpRequest, draft: FrameworkVersion, **forms: Any) -> dict[str, Any]:
    in_force = version_in_force(timezone.localdate())
    cells = differences(draft, in_force)
    return {
        "draft": draft,
        "in_force": in_force,
        "cells": cells,
        "changed": sum(1 for cell in cells if cell.kind != "same"),
        "cell_form": forms.get("cell_form") or CellForm(initial=_initial(request, cells)),
        "remove_form": forms.get("remove_form") or CellChoiceForm(),
        "publish_form": PublishForm(),
    }


def _initial(request: HttpRequest, cells: list[Any]) -> dict[str, Any]:
    """The cell form filled from a row's "Change" link (?area=ID&category=ID)."""
    area, category = request.GET.get("area", ""), request.GET.get("category", "")
    for cell in cells:
        requirement = cell.draft
        if requirement is not None and (str(requirement.area_id), str(requirement.category_id)) == (
            area,
            category,
        ):
            return {
                "area": requirement.area_id,
                "category": requirement.category_id,
                "level": requirement.level_id,
                "refresher_months": requirement.refresher_months,
                "deadline_months": requirement.deadline_months,
            }
    return {}


@allowed_if(sees_comparison)
def draft_page(request: HttpRequest, code: str) -> HttpResponse:
    """The draft beside the version in force; POST sets one cell (adds or changes it)."""
    draft = get_object_or_404(FrameworkVersion.objects.drafts(), code=code)
    if request.method != "POST":
        return render(request, "needs/draft.html", _draft_context(request, draft))
    form = CellForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            change_draft_requirement(actor=request_user(request), version=draft, **data)
        except ValidationError as refusal:
            _refusal(request, refusal)
        else:
            messages.success(
                request,
                _("Cell %(area)s × %(category)s of draft %(code)s saved.")
                % {"area": data["area"].code, "category": data["category"].code,
                   "code": draft.code},
            )  # fmt: skip
            return redirect("needs:draft", code=draft.code)
    context = _draft_context(request, draft, cell_form=form)
    return render(request, "needs/draft.html", context, status=400)


@allowed_if(sees_comparison)
@require_POST
def draft_remove(request: HttpRequest, code: str) -> HttpResponse:
    draft = get_object_or_404(FrameworkVersion.objects.drafts(), code=code)
    form = CellChoiceForm(request.POST)
    if not form.is_valid():
        context = _draft_context(request, draft, remove_form=form)
        return render(request, "needs/draft.html", context, status=400)
    data = form.cleaned_data
    try:
        remove_draft_requirement(actor=request_user(request), version=draft, **data)
    except ValidationError as refusal:
        _refusal(request, refusal)
    else:
        messages.success(
            request,
            _("Cell %(area)s × %(category)s removed from draft %(code)s.")
            % {"area": data["area"].code, "category": data["category"].code, "code": draft.code},
        )
    return redirect("needs:draft", code=draft.code)


@allowed_if(sees_comparison)
@require_POST
def draft_publish(request: HttpRequest, code: str) -> HttpResponse:
    draft = get_object_or_404(FrameworkVersion.objects.drafts(), code=code)
    form = PublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the date the version takes effect."))
        return redirect("needs:draft", code=draft.code)
    try:
        publish_version(
            actor=request_user(request), version=draft,
            effective_from=form.cleaned_data["effective_from"],
        )  # fmt: skip
    except ValidationError as refusal:
        _refusal(request, refusal)
        return redirect("needs:draft", code=draft.code)
    messages.success(
        request,
        _("Version %(code)s is published, in force from %(date)s.")
        % {"code": draft.code, "date": draft.effective_from.isoformat()},
    )
    return redirect("needs:comparison")
