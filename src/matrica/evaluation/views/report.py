"""The year's delivery report: the page, its breakdowns as CSV or XLSX, and the printable PDF.

Thin: parse the year, ask `evaluation.report` (which decides who sees which report and what
disclosure control hides), render."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from matrica import disclosure, exports
from matrica.evaluation import report as reports
from matrica.pages import allowed_if
from matrica.printing import render_pdf

STYLE = Path(__file__).parent.parent / "templates" / "evaluation" / "report_print.css"

BREAKDOWN_HEADINGS = {
    reports.ADMINISTRATION: (gettext_lazy("By administration"), gettext_lazy("Administration")),
    reports.MODULE: (gettext_lazy("By module"), gettext_lazy("Module")),
    reports.TRAINER: (gettext_lazy("By trainer"), gettext_lazy("Trainer")),
    reports.INSTITUTION: (
        gettext_lazy("By participants' institution"),
        gettext_lazy("Institution"),
    ),
}
CODE_HEADINGS = {
    reports.ADMINISTRATION: gettext_lazy("Administration code"),
    reports.MODULE: gettext_lazy("Module code"),
    reports.TRAINER: gettext_lazy("Employee number"),
    reports.INSTITUTION: gettext_lazy("Institution id"),
}


def sees_report(user: Any) -> bool:
    return reports.sees_regional_report(user) or reports.sees_national_report(user)


def _year(request: HttpRequest) -> int:
    """?year=YYYY; this year when absent, and with a message when unreadable."""
    raw = request.GET.get("year", "")
    year = reports.report_year(raw)
    if year is not None:
        return year
    if raw:
        message = _("“%(raw)s” is not a year we report on: showing %(year)d.")
        messages.warning(
            request, message % {"raw": raw[:20], "year": reports.this_year()}, fail_silently=True
        )
    return reports.this_year()


def _context(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    report = reports.delivery_report(user, _year(request))
    return {
        "report": report,
        "years": reports.years_offered(user),
        "breakdowns": [
            (name, *BREAKDOWN_HEADINGS[name], rows) for name, rows in report.breakdowns.items()
        ],
        "charts": charts(report),
        "hidden": report.any_suppressed,
    }


# Charts: inline SVG drawn here, the numbers also in the tables -------------------------------

LABEL_WIDTH, BAR_SPACE, ROW_HEIGHT, CHART_WIDTH = 170, 330, 22, 580


@dataclass(frozen=True)
class Bar:
    label: str
    text: str  # the value as shown, or the hidden label
    y: float
    x: float
    width: float
    text_x: float


@dataclass(frozen=True)
class BarChart:
    slug: str
    title: str
    description: str
    bars: list[Bar]
    zero_x: float
    width: int = CHART_WIDTH

    @property
    def height(self) -> int:
        return len(self.bars) * ROW_HEIGHT + 10


def bar_chart(
    slug: str, title: str, description: str, values: Sequence[tuple[str, float | None, str]]
) -> BarChart | None:
    """Horizontal bars, one per (label, value, text); a value of None draws no bar but keeps
    its line with its text (a suppressed or missing figure). Negative values run left of zero.
    None when there is nothing to draw."""
    numbers = [value for _label, value, _text in values if value is not None]
    if not numbers or not any(numbers):
        return None
    low, high = min(0.0, *numbers), max(0.0, *numbers)
    scale = BAR_SPACE / ((high - low) or 1)
    zero = LABEL_WIDTH + (-low) * scale
    bars = []
    for index, (label, value, text) in enumerate(values):
        length = abs(value or 0) * scale
        start = zero - length if (value or 0) < 0 else zero
        bars.append(
            Bar(
                label=label if len(label) <= 24 else label[:23] + "…",
                text=text,
                y=index * ROW_HEIGHT + 5,
                x=round(start, 1),
                width=round(length, 1),
                text_x=round(max(zero, start + length) + 4, 1),
            )
        )
    return BarChart(slug, title, description, bars, round(zero, 1))


def charts(report: reports.Report) -> list[BarChart]:
    hidden = disclosure.hidden_label()
    months = [(date_format(month.date, "M"), month) for month in report.months]
    by_group = report.breakdowns[reports.MODULE]
    joint_rows = report.breakdowns.get(reports.ADMINISTRATION, by_group)
    participations = [
        (label, None, hidden)
        if month.suppressed
        else (label, float(month.participations), str(month.participations))
        for label, month in months
    ]
    gains = [
        (row.label, float(row.gain or 0), f"{row.gain:+}")
        if row.gain_shown
        else (row.label, None, hidden if row.gain_people else "–")
        for row in by_group
    ]
    joint = [
        (row.label, None, hidden)
        if row.suppressed
        else (row.label, float(row.joint_percent or 0), f"{row.joint_percent or 0} %")
        for row in joint_rows
    ]
    year = {"year": report.year}
    found = [
        bar_chart(
            "sessions",
            _("Sessions held per month"),
            _("Sessions held in each month of %(year)d, by their first day.") % year,
            [(label, float(month.sessions), str(month.sessions)) for label, month in months],
        ),
        bar_chart(
            "participations",
            _("Participations per month"),
            _("People who attended a session in %(year)d, by the month it started.") % year,
            participations,
        ),
        bar_chart(
            "gain",
            _("Mean learning gain by module"),
            _(
                "Post-test minus pre-test score, in percentage points, averaged over the "
                "people with both scores."
            ),
            gains,
        ),
        bar_chart(
            "joint",
            _("Share of joint sessions"),
            _(
                "Sessions with participants from both the prison and the probation service, "
                "as a share of the sessions held."
            ),
            joint,
        ),
    ]
    return [chart for chart in found if chart is not None]


@allowed_if(sees_report)
def report_page(request: HttpRequest) -> HttpResponse:
    return render(request, "evaluation/report.html", _context(request))


def _table(report: reports.Report) -> exports.Table:
    """Every breakdown in one table, the breakdown named in its first column (a stable word),
    the total first; suppressed figures as the hidden label."""
    header = [
        _("Breakdown"), _("Code"), _("Name"), _("Sessions held"), _("Joint sessions"),
        _("Share joint (%)"), _("Participants (people)"), _("Participations"),
        _("Session hours"), _("Participant hours"), _("Mean learning gain (points)"),
        _("People with both scores"), _("Mean satisfaction (1–5)"), _("Feedback answers"),
    ]  # fmt: skip
    columns = [
        "sessions", "joint", "joint_percent", "participants", "participations",
        "session_hours", "participant_hours", "gain", "gain_people", "satisfaction", "answers",
    ]  # fmt: skip
    scope = report.beneficiary.code if report.beneficiary else _("Region")
    lines: list[list[Any]] = []
    total = report.total.cells()
    lines.append([reports.TOTAL, scope, _("Total"), *(total[c] for c in columns)])
    for name, rows in report.breakdowns.items():
        for row in rows:
            cells = row.cells()
            lines.append([name, row.key, row.label, *(cells[c] for c in columns)])
    return exports.Table(
        header=header, rows=lines, title=_("Delivery %(year)d") % {"year": report.year}
    )


@allowed_if(sees_report)
def report_export(request: HttpRequest, file_format: str) -> HttpResponse:
    report = reports.delivery_report(request.user, _year(request))
    scope = report.beneficiary.code if report.beneficiary else "region"
    return exports.download(_table(report), file_format, ["delivery", scope, report.year])


@allowed_if(sees_report)
def report_pdf(request: HttpRequest) -> HttpResponse:
    context = _context(request)
    pdf = render_pdf(request, "evaluation/report_print.html", context, STYLE)
    report = context["report"]
    scope = report.beneficiary.code if report.beneficiary else "region"
    name = exports.filename("delivery", scope, report.year, extension="pdf")
    return exports.file_download(pdf, "application/pdf", name)


urlpatterns = [
    path("report/", report_page, name="report"),
    path("report/report.pdf", report_pdf, name="report_pdf"),
    path("report/<str:file_format>/", report_export, name="report_export"),
]
