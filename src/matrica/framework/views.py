from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from matrica.exports import file_download, filename
from matrica.framework.actions import import_case_version, publish_version
from matrica.framework.case_export import export_package
from matrica.framework.case_import import CasePackageError, parse
from matrica.framework.forms import CaseUploadForm, PublishForm
from matrica.framework.models import FrameworkVersion
from matrica.framework.selectors import framework_matrix, matrix_modules
from matrica.http import AuthenticatedHttpRequest
from matrica.pages import as_of
from matrica.tenancy.models import Beneficiary
from matrica.tenancy.permissions import Verb, may, require


@login_required
def matrix(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The common matrix, or an administration's adaptation of it when one is chosen (national
    users see their own by default)."""
    on = as_of(request)
    administrations = Beneficiary.objects.visible_to(request.user)
    code = request.GET.get("administration", "")
    beneficiary = administrations.filter(code=code).first() if code else None
    if not code and request.user.beneficiary_id:
        beneficiary = administrations.filter(pk=request.user.beneficiary_id).first()
    modules = matrix_modules(request.user, beneficiary)
    context = {
        "matrix": framework_matrix(beneficiary=beneficiary, on=on, modules=modules),
        "on": on,
        "administrations": administrations,
        "beneficiary": beneficiary,
        "may_publish": may(request.user, Verb.PUBLISH_FRAMEWORK),
        "modules": modules.prefetch_related(
            "conferrals__area", "conferrals__level", "prerequisites_any_of"
        ),
    }
    return render(request, "framework/matrix.html", context)


def _versions_for(user: Any) -> QuerySet[FrameworkVersion]:
    """Published versions for everyone who may read the matrix; drafts only for those who may
    publish them (for anyone else a draft's address is absent, 404)."""
    versions = FrameworkVersion.objects.all()
    return versions if may(user, Verb.PUBLISH_FRAMEWORK) else versions.published()


@login_required
def case_export(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    """The version as an IMS CASE 1.1 package: the same bytes on every request."""
    version = get_object_or_404(_versions_for(request.user), code=code)
    content = json.dumps(export_package(version), ensure_ascii=False, indent=2)
    # slugify would drop the dot: 2020.1 → 2020-1, not 20201.
    name = filename("framework", version.code.replace(".", "-"), "case", extension="json")
    return file_download(content, "application/json", name)


def _case_context(request: AuthenticatedHttpRequest, **context: Any) -> dict[str, Any]:
    return {
        "versions": FrameworkVersion.objects.annotate(requirement_count=Count("requirements")),
        "form": CaseUploadForm(),
        "publish_form": PublishForm(),
        **context,
    }


@login_required
def case_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The coordinator's page for versions: export each as CASE, import a CASE package as a
    draft (with the report of what maps), publish a draft."""
    require(request.user, Verb.PUBLISH_FRAMEWORK)
    if request.method != "POST":
        return render(request, "framework/case.html", _case_context(request))
    form = CaseUploadForm(request.POST, request.FILES)
    result = error = None
    if form.is_valid():
        try:
            result = import_case_version(
                actor=request.user,
                data=parse(form.cleaned_data["file"]),
                code=form.cleaned_data["code"],
                title=form.cleaned_data["title"],
            )
        except CasePackageError as refusal:
            error = str(refusal)
        except ValidationError as invalid:
            error = " ".join(invalid.messages)
    status = 200 if result is not None else 400
    return render(
        request,
        "framework/case.html",
        _case_context(request, form=form, result=result, error=error),
        status=status,
    )


@login_required
@require_POST
def publish(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    require(request.user, Verb.PUBLISH_FRAMEWORK)
    version = get_object_or_404(FrameworkVersion.objects.drafts(), code=code)
    form = PublishForm(request.POST)
    if form.is_valid():
        try:
            publish_version(
                actor=request.user, version=version,
                effective_from=form.cleaned_data["effective_from"],
            )  # fmt: skip
        except ValidationError as invalid:
            messages.error(request, " ".join(invalid.messages))
        else:
            messages.success(
                request,
                _("Version %(code)s is published, in force from %(date)s.")
                % {"code": version.code, "date": version.effective_from.isoformat()},
            )
    else:
        messages.error(request, _("Give the date the version takes effect."))
    return redirect("framework:case")
