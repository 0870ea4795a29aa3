"""The import page: upload a roster or past evidence, match its columns, see every problem,
import. Thin: the steps are `imports.actions`, the rules the import actions'."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from matrica import exports
from matrica.http import AuthenticatedHttpRequest
from matrica.imports import actions
from matrica.imports.forms import ColumnsForm, UploadForm, kinds_for
from matrica.imports.kinds import KINDS, Kind
from matrica.imports.models import ImportRun
from matrica.tabular import Refused, Sheet, layout
from matrica.tenancy.models import Beneficiary
from matrica.tenancy.permissions import holds, reaches

SHOWN_PROBLEMS = 200


def _kinds(request: AuthenticatedHttpRequest) -> list[Kind]:
    kinds = kinds_for(request.user)
    if not kinds:
        raise PermissionDenied
    return kinds


def _beneficiaries(request: AuthenticatedHttpRequest) -> QuerySet[Beneficiary]:
    reachable = [
        beneficiary.pk
        for beneficiary in Beneficiary.objects.visible_to(request.user)
        if reaches(request.user, beneficiary.pk)
    ]
    return Beneficiary.objects.filter(pk__in=reachable).order_by("code")


@login_required
def upload(request: AuthenticatedHttpRequest) -> HttpResponse:
    kinds = _kinds(request)
    form = UploadForm(
        request.POST or None, request.FILES or None, kinds=kinds,
        beneficiaries=_beneficiaries(request),
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            run = actions.upload_file(
                actor=request.user, kind=data["kind"], beneficiary=data["beneficiary"],
                file_name=data["file"].name, content=data["file"].read(),
                encoding=data["encoding"], full=data["full"],
            )  # fmt: skip
        except Refused as refusal:
            form.add_error("file", refusal.message)
        else:
            return redirect("imports:run", run.pk)
    runs = ImportRun.objects.visible_to(request.user).filter(kind__in=[k.code for k in kinds])
    return render(
        request, "imports/upload.html",
        {"form": form, "runs": runs.select_related("beneficiary", "uploaded_by")[:20],
         "kinds": kinds},
    )  # fmt: skip


def _run(request: AuthenticatedHttpRequest, pk: int) -> ImportRun:
    run = get_object_or_404(ImportRun.objects.visible_to(request.user), pk=pk)
    if not holds(request.user, KINDS[run.kind].verb):
        raise PermissionDenied
    return run


def _columns_form(run: ImportRun, data: Any = None) -> ColumnsForm:
    columns = list(KINDS[run.kind].columns)
    found = layout(Sheet(run.headers, 1, []), columns, run.mapping)
    current = {run.headers[position]: key for key, position in found.index.items()}
    return ColumnsForm(data, headers=run.headers, columns=columns, current=current)


@login_required
def run_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    kind = KINDS[run.kind]
    found = layout(Sheet(run.headers, 1, []), kind.columns, run.mapping)
    labels = {column.key: column.label for column in kind.columns}
    return render(
        request, "imports/run.html",
        {"run": run, "kind": kind, "columns_form": _columns_form(run),
         "missing": [labels[key] for key in found.missing], "unknown": found.unknown,
         "problems": run.problems[:SHOWN_PROBLEMS],
         "more_problems": max(0, len(run.problems) - SHOWN_PROBLEMS),
         "problem_rows": len({p["row"] for p in run.problems if p["row"]})},
    )  # fmt: skip


@login_required
@require_POST
def run_columns(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    form = _columns_form(run, request.POST)
    if form.is_valid():
        try:
            actions.match_columns(actor=request.user, run=run, mapping=form.mapping())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("imports:run", run.pk)
    kind = KINDS[run.kind]
    return render(
        request, "imports/run.html",
        {"run": run, "kind": kind, "columns_form": form, "missing": [], "unknown": [],
         "problems": run.problems[:SHOWN_PROBLEMS], "more_problems": 0, "problem_rows": 0},
        status=400,
    )  # fmt: skip


@login_required
@require_POST
def run_apply(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    with suppress(ValidationError):  # the page says why (its status)
        actions.apply_import(actor=request.user, run=run)
    if request.htmx:
        return HttpResponseClientRedirect(reverse("imports:run", args=[run.pk]))
    return redirect("imports:run", run.pk)


@login_required
def run_problems(request: AuthenticatedHttpRequest, pk: int, file_format: str) -> HttpResponse:
    run = _run(request, pk)
    table = exports.Table(
        [_("Row"), _("Column"), _("Value"), _("Problem")],
        [[p["row"], p["column"], p["value"], p["reason"]] for p in run.problems],
        title=_("Problems"),
    )
    return exports.download(table, file_format, ["import-problems", run.pk])


@login_required
def template(request: AuthenticatedHttpRequest, kind: str, file_format: str) -> HttpResponse:
    """An empty file with the columns an import reads, headed in the user's language."""
    if kind not in {spec.code for spec in _kinds(request)}:
        raise Http404
    spec = KINDS[kind]
    table = exports.Table([str(column.label) for column in spec.columns], [], title=str(spec.label))
    return exports.download(table, file_format, ["import-template", kind])
