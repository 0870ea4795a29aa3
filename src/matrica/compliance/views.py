"""Compliance pages. Thin: parse the scope and date, call selectors, render."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from matrica.compliance import exports, selectors
from matrica.compliance.charts import trend_chart
from matrica.compliance.scope import ComplianceScope, scope_for
from matrica.compliance.status import Status
from matrica.framework.models import CompetencyArea, StaffCategory
from matrica.http import AuthenticatedHttpRequest
from matrica.pages import as_of, paginate, query_without_page, roles_required
from matrica.staff.models import StaffMember
from matrica.tenancy.models import Beneficiary
from matrica.tenancy.roles import DASHBOARD_ROLES

MAX_ID_DIGITS = 18  # below SQLite's and PostgreSQL's largest integer, 2**63 - 1


def _id(raw: str | None) -> int | None:
    """A record's id from a GET parameter; one that no record can have answers 404, like a
    record that does not exist (not 500: `int("²")` fails, and SQLite overflows past 2**63)."""
    if not raw:
        return None
    if not (raw.isascii() and raw.isdecimal() and len(raw) <= MAX_ID_DIGITS):
        raise Http404
    return int(raw)


def _scope(request: AuthenticatedHttpRequest) -> ComplianceScope:
    return scope_for(
        request.user,
        as_of(request),
        administration=request.GET.get("administration", ""),
        institution_id=_id(request.GET.get("institution")),
    )


def _scope_context(request: AuthenticatedHttpRequest, scope: ComplianceScope) -> dict[str, object]:
    return {
        "scope": scope,
        "on": scope.on,
        "administrations": Beneficiary.objects.visible_to(request.user),
        "institution_choices": scope.institutions().select_related("beneficiary")
        if scope.beneficiary or scope.institution
        else [],
        "query": query_without_page(request),
    }


@roles_required(*DASHBOARD_ROLES)
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    scope = _scope(request)
    categories, matrix = selectors.matrix_dashboard(scope)
    dimension = "administration" if not (scope.beneficiary or scope.institution) else "institution"
    if scope.institution:
        dimension = "category"
    context = {
        **_scope_context(request, scope),
        "headline": selectors.headline(scope),
        "categories": categories,
        "matrix": matrix,
        "dimension": dimension,
        "breakdown": selectors.breakdown(scope, dimension),
        "by_category": selectors.breakdown(scope, "category") if dimension != "category" else [],
        "by_service": selectors.breakdown(scope, "service"),
        "by_area": selectors.by_area(scope),
        "chart": trend_chart(selectors.trend(scope)),
    }
    # Always the whole page: the scope form swaps its <main> in (hx-select), like other pages.
    return render(request, "compliance/dashboard.html", context)


@roles_required(*DASHBOARD_ROLES)
def cell_people(request: AuthenticatedHttpRequest, area: str, category: str) -> HttpResponse:
    """The people behind one cell of the coloured matrix, worst first."""
    scope = _scope(request)
    if not scope.sees_people:
        raise Http404
    area_obj = get_object_or_404(CompetencyArea, code=area)
    category_obj = get_object_or_404(StaffCategory, code=category)
    cell = {"area_id": area_obj.pk, "category_id": category_obj.pk}
    page = paginate(request, selectors.people_by_standing(scope, **cell))  # type: ignore[arg-type]
    context = {
        **_scope_context(request, scope),
        "area": area_obj,
        "category": category_obj,
        "page": page,
        "lines": selectors.people_grid(scope, list(page), **cell),
    }
    return render(request, "compliance/cell_people.html", context)


@roles_required(*DASHBOARD_ROLES)
def cell_people_export(
    request: AuthenticatedHttpRequest, area: str, category: str, file_format: str
) -> HttpResponse:
    """Everyone behind the cell, as the page lists them, every page of it."""
    scope = _scope(request)
    if not scope.sees_people or file_format not in exports.FORMATS:
        raise Http404
    area_obj = get_object_or_404(CompetencyArea, code=area)
    category_obj = get_object_or_404(StaffCategory, code=category)
    cell = f"{area_obj.code} × {category_obj.code}"
    return exports.download_names(
        scope, header=exports.cell_people_header(),
        rows=exports.cell_people_rows(scope, area_obj, category_obj),
        title=cell, name=["compliance", area_obj.code, category_obj.code, exports.place(scope)],
        file_format=file_format, message=f"People behind {cell} downloaded",
    )  # fmt: skip


@roles_required(*DASHBOARD_ROLES)
def institution_grid(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """People × competency areas for one institution, overdue first."""
    scope = scope_for(request.user, as_of(request), institution_id=pk)
    if not scope.sees_people:
        raise Http404
    categories = list(StaffCategory.objects.filter(is_role=False, applies_to_all=False))
    category = request.GET.get("category", "")
    wanted = request.GET.get("status", "")
    # A choice the form does not offer is left out, and the page says so.
    if category and category not in {str(choice.pk) for choice in categories}:
        messages.warning(request, _("No such category: showing every category."))
        category = ""
    if wanted and wanted not in Status.values:
        messages.warning(request, _("No such status: showing every status."))
        wanted = ""
    filters = {"primary_category_id": int(category)} if category else {}
    people = selectors.people_by_standing(scope, worst_status=wanted or None, **filters)
    page = paginate(request, people)  # type: ignore[arg-type]
    context = {
        **_scope_context(request, scope),
        "institution": scope.institution,
        "areas": CompetencyArea.objects.all(),
        "page": page,
        "lines": selectors.people_grid(scope, list(page), **filters),
        "categories": categories,
        "statuses": Status.choices,
        "category": category,
        "wanted": wanted,
    }
    template = "compliance/_grid.html" if request.htmx else "compliance/institution_grid.html"
    return render(request, template, context)


def _status_list(request: AuthenticatedHttpRequest, status: Status) -> HttpResponse:
    scope = _scope(request)
    if not scope.sees_people:
        raise Http404
    page = paginate(request, selectors.status_list(scope, status))  # type: ignore[arg-type]
    members = StaffMember.objects.select_related("institution").in_bulk(
        [row["staff_member_id"] for row in page]
    )
    areas = {a.pk: a for a in CompetencyArea.objects.all()}
    categories = {c.pk: c for c in StaffCategory.objects.all()}
    entries = [
        {**row, "member": members[row["staff_member_id"]], "area": areas[row["area_id"]],
         "category": categories[row["category_id"]]}
        for row in page
    ]  # fmt: skip
    context = {
        **_scope_context(request, scope), "page": page, "entries": entries, "status": status,
        "export": f"compliance:{status.value}_export",
    }  # fmt: skip
    return render(request, "compliance/status_list.html", context)


def _status_list_export(
    request: AuthenticatedHttpRequest, status: Status, file_format: str
) -> HttpResponse:
    """The whole list as the page shows it (same scope and date), every page of it."""
    scope = _scope(request)
    if not scope.sees_people or file_format not in exports.FORMATS:
        raise Http404
    title = _("Expiring soon") if status == Status.EXPIRING else _("Overdue")
    return exports.download_names(
        scope, header=exports.status_list_header(), rows=exports.status_list_rows(scope, status),
        title=title, name=["compliance", status.value, exports.place(scope)],
        file_format=file_format, message=f"{status.value.capitalize()} list downloaded",
    )  # fmt: skip


@roles_required(*DASHBOARD_ROLES)
def expiring(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _status_list(request, Status.EXPIRING)


@roles_required(*DASHBOARD_ROLES)
def overdue(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _status_list(request, Status.OVERDUE)


@roles_required(*DASHBOARD_ROLES)
def expiring_export(request: AuthenticatedHttpRequest, file_format: str) -> HttpResponse:
    return _status_list_export(request, Status.EXPIRING, file_format)


@roles_required(*DASHBOARD_ROLES)
def overdue_export(request: AuthenticatedHttpRequest, file_format: str) -> HttpResponse:
    return _status_list_export(request, Status.OVERDUE, file_format)


@roles_required(*DASHBOARD_ROLES)
def export(request: AuthenticatedHttpRequest, file_format: str) -> HttpResponse:
    """The per-person status table of the scope, as the page shows it."""
    scope = _scope(request)
    if not scope.sees_people:
        raise Http404
    return exports.download(scope, file_format)
