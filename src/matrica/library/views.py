"""Library pages: the search with its facets, a resource, its file, and the curator's forms.
Thin: read through `search` and the user's scope (404 out of it), ask the action's permission,
parse, call the action."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from matrica.framework.models import Module
from matrica.http import AuthenticatedHttpRequest
from matrica.library import actions
from matrica.library.forms import ResourceForm, WithdrawForm
from matrica.library.models import Resource
from matrica.library.search import FACETS, Filters, search
from matrica.library.storage import private_storage
from matrica.pages import query_without_page, search_terms
from matrica.staff.views import posted, submitted
from matrica.tenancy.permissions import Verb, holds, may, require

PAGE_SIZE = 20


def _curates(request: AuthenticatedHttpRequest, resource: Resource) -> bool:
    return may(request.user, Verb.CURATE_LIBRARY, beneficiary_id=resource.beneficiary_id)


@require_GET
@login_required
def library(request: AuthenticatedHttpRequest) -> HttpResponse:
    text = search_terms(request, request.GET.get("q", ""))
    result = search(request.user, text, Filters.from_query(request.GET))
    paginator = Paginator(result.resources, PAGE_SIZE)
    if result.total is not None:
        paginator.count = result.total  # counted with the facets: no second count
    page = paginator.get_page(request.GET.get("page"))
    titles = {
        "area": _("Competency area"), "level": _("Level"), "audience": _("Audience"),
        "language": _("Language"), "kind": _("Type"),
    }  # fmt: skip
    context = {
        "q": text,
        "page": page,
        "facets": [(name, titles[name], result.facets[name]) for name in FACETS],
        "query": query_without_page(request),
        "may_add": holds(request.user, Verb.CURATE_LIBRARY),
    }
    template = "library/_results.html" if request.htmx else "library/library.html"
    return render(request, template, context)


def _visible(request: AuthenticatedHttpRequest, pk: int) -> Resource:
    return get_object_or_404(
        Resource.objects.visible_to(request.user).select_related("beneficiary"), pk=pk
    )


@require_GET
@login_required
def detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    resource = _visible(request, pk)
    curates = _curates(request, resource)
    if resource.is_withdrawn and not curates:
        raise Http404
    context = {
        "resource": resource,
        "areas": list(resource.areas.all()),
        "levels": list(resource.levels.all()),
        "audiences": list(resource.audiences.all()),
        "modules": list(resource.modules.visible_to(request.user)),
        "may_curate": curates and not resource.is_withdrawn,
    }
    return render(request, "library/detail.html", context)


@require_GET
@login_required
def download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    """The upload, only to users who may see the resource, never cached or sniffed."""
    resource = _visible(request, pk)
    if not resource.has_file or resource.is_withdrawn:
        raise Http404
    try:
        stream = private_storage().open(resource.stored_name, "rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(
        stream, as_attachment=True, filename=resource.original_filename or "file",
        content_type=resource.content_type or "application/octet-stream",
    )  # fmt: skip
    add_never_cache_headers(response)
    patch_cache_control(response, private=True)
    patch_vary_headers(response, ("Cookie",))
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _modules_for(request: AuthenticatedHttpRequest, beneficiary_id: int | None) -> Any:
    return Module.objects.visible_to(request.user).filter(
        Q(beneficiary__isnull=True) | Q(beneficiary_id=beneficiary_id or 0)
    )


def _form_page(request: AuthenticatedHttpRequest, form: object, title: str, submit: str,
               cancel: str, resource: Resource | None = None) -> HttpResponse:  # fmt: skip
    context = {"form": form, "title": title, "submit": submit, "cancel_url": cancel,
               "resource": resource}  # fmt: skip
    return render(request, "library/form_page.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def add(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A common resource for the coordinator; the administration's own for a national curator."""
    beneficiary = request.user.beneficiary
    require(request.user, Verb.CURATE_LIBRARY, beneficiary_id=request.user.beneficiary_id)
    form = ResourceForm(posted(request), request.FILES or None,
                        modules=_modules_for(request, request.user.beneficiary_id))  # fmt: skip
    created: list[Resource] = []

    def act(data: dict[str, Any]) -> None:
        form_data = form.arguments()
        created.append(
            actions.add_resource(actor=request.user, beneficiary=beneficiary, **form_data)
        )

    if submitted(request, form, act):
        messages.success(request, _("The resource was added."))
        return redirect("library:detail", created[0].pk)
    return _form_page(request, form, _("Add a resource"), _("Add"), reverse("library:list"))


@require_http_methods(["GET", "POST"])
@login_required
def change(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    resource = _visible(request, pk)
    require(request.user, Verb.CURATE_LIBRARY, beneficiary_id=resource.beneficiary_id)
    form = ResourceForm(
        posted(request), request.FILES or None, initial=ResourceForm.initial_of(resource),
        modules=_modules_for(request, resource.beneficiary_id), with_remove=resource.has_file,
    )  # fmt: skip

    def act(data: dict[str, Any]) -> None:
        form_data = form.arguments()
        actions.change_resource(actor=request.user, resource=resource, **form_data)

    if submitted(request, form, act):
        messages.success(request, _("The resource was changed."))
        return redirect("library:detail", resource.pk)
    cancel = reverse("library:detail", args=[resource.pk])
    return _form_page(request, form, _("Change a resource"), _("Save"), cancel, resource)


@require_http_methods(["GET", "POST"])
@login_required
def withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    resource = _visible(request, pk)
    require(request.user, Verb.CURATE_LIBRARY, beneficiary_id=resource.beneficiary_id)
    if resource.is_withdrawn:
        raise PermissionDenied
    form = WithdrawForm(posted(request))

    def act(data: dict[str, Any]) -> None:
        actions.withdraw_resource(actor=request.user, resource=resource, reason=data["reason"])

    if submitted(request, form, act):
        messages.success(request, _("The resource was withdrawn."))
        return redirect("library:list")
    cancel = reverse("library:detail", args=[resource.pk])
    return _form_page(request, form, _("Withdraw a resource"), _("Withdraw"), cancel, resource)
