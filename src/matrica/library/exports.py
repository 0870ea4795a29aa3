"""The resource library as CSV or XLSX: the resources the page finds for the same search and
facets (`search`, without its facet counts), every page of it, through the one export helper.
A list of publications, no personal data: not audited."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from matrica import exports
from matrica.http import AuthenticatedHttpRequest
from matrica.library.models import Resource
from matrica.library.search import Filters, search
from matrica.pages import limited_search


def header() -> list[str]:
    return [
        _("Resource id"), _("Code"), _("Title"), _("Type"), _("Type code"), _("Publisher"),
        _("Year"), _("Language codes"), _("Administration code"), _("Area codes"),
        _("Level codes"), _("Audience codes"), _("Web address"), _("File name"),
    ]  # fmt: skip


def _codes(related: Any) -> str:
    return " ".join(sorted(item.code for item in related.all()))


def rows(resources: QuerySet[Resource]) -> Iterator[list[Any]]:
    """One line per resource, in the page's order; the areas, levels and audiences in one query
    each, whatever the number of resources. A common resource has no administration code."""
    kinds = dict(Resource.Kind.choices)
    for resource in resources.prefetch_related("areas", "levels", "audiences"):
        yield [
            resource.pk, resource.code or "", resource.local_title, str(kinds[resource.kind]),
            resource.kind, resource.publisher, resource.year, " ".join(resource.languages),
            resource.beneficiary.code if resource.beneficiary else "", _codes(resource.areas),
            _codes(resource.levels), _codes(resource.audiences), resource.url,
            resource.original_filename,
        ]  # fmt: skip


def table(resources: QuerySet[Resource]) -> exports.Table:
    return exports.Table(header=header(), rows=rows(resources), title=_("Resource library"))


@require_GET
@login_required
def library_export(request: AuthenticatedHttpRequest, file_format: str) -> HttpResponse:
    if file_format not in exports.FORMATS:
        raise Http404
    text, _cut = limited_search(request.GET.get("q", ""))  # the page said what it left out
    result = search(request.user, text, Filters.from_query(request.GET), with_facets=False)
    return exports.download(table(result.resources), file_format, ["library", timezone.localdate()])
