"""The gap analysis pages: the coloured matrix, its cells as CSV or XLSX, and the printable PDF.
Thin: parse the administration and the date, ask `needs.gaps`, render."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from matrica import exports
from matrica.needs import gaps
from matrica.needs.coverage import LAG_SHARE, Coverage
from matrica.pages import allowed_if, as_of
from matrica.printing import render_pdf
from matrica.tenancy.models import Beneficiary

STYLE = Path(__file__).parent / "templates" / "needs" / "gaps_print.css"


def _analysis(request: HttpRequest) -> gaps.Analysis:
    user = request.user
    beneficiary = gaps.administration_for(user, request.GET.get("administration", ""))
    return gaps.analyse(user=user, beneficiary=beneficiary, on=as_of(request))


def _context(request: HttpRequest) -> dict[str, Any]:
    analysis = _analysis(request)
    query = urlencode({"administration": analysis.beneficiary.code, "on": analysis.on.isoformat()})
    administrations = (
        list(Beneficiary.objects.visible_to(request.user).order_by("code"))
        if gaps.sees_any_administration(request.user)
        else []
    )
    return {
        "analysis": analysis,
        "on": analysis.on,
        "administrations": administrations,
        "query": query,
        "legend": legend(),
        "gaps": [(cell, gaps.sentence(cell)) for cell in analysis.top_gaps],
        "strengths": [(cell, gaps.sentence(cell)) for cell in analysis.top_strengths],
        "pdf_url": f"{reverse('needs:gaps_pdf')}?{query}",
    }


def legend() -> list[tuple[Coverage, str]]:
    """Each status with what it means, in the order of the legend."""
    meaning = {
        Coverage.STRENGTH: _(
            "an active course covers the cell at or above the required level, with at least "
            "the recommended hours"
        ),
        Coverage.PARTIAL_HOURS: _("a course reaches the required level, in fewer hours"),
        Coverage.PARTIAL_LEVEL: _("courses cover the cell, below the required level"),
        Coverage.GAP: _("no active course covers the cell"),
        Coverage.DELIVERY_LAG: _(
            "the cell is covered, but fewer than %(share)d%% of its people hold the required level"
        )
        % {"share": LAG_SHARE},
    }
    return [(status, meaning[status]) for status in Coverage]


@allowed_if(gaps.sees_gaps)
def gaps_page(request: HttpRequest) -> HttpResponse:
    return render(request, "needs/gaps.html", _context(request))


@allowed_if(gaps.sees_gaps)
def gaps_export(request: HttpRequest, file_format: str) -> HttpResponse:
    analysis = _analysis(request)
    return exports.download(
        gaps.table(analysis),
        file_format,
        ["gaps", analysis.beneficiary.code, analysis.on.isoformat()],
    )


@allowed_if(gaps.sees_gaps)
def gaps_pdf(request: HttpRequest) -> HttpResponse:
    context = _context(request)
    pdf = render_pdf(request, "needs/gaps_print.html", context, STYLE)
    analysis = context["analysis"]
    name = exports.filename(
        "gaps", analysis.beneficiary.code, analysis.on.isoformat(), extension="pdf"
    )
    return exports.file_download(pdf, "application/pdf", name)
