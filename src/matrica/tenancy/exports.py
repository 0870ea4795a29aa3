"""The administrations list as CSV or XLSX, through the one export helper: the administrations
the page lists to the same user, with their institutions counted. No personal data."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from matrica import exports
from matrica.http import AuthenticatedHttpRequest
from matrica.tenancy.models import Beneficiary


@require_GET
@login_required
def administration_list_export(request: AuthenticatedHttpRequest, file_format: str) -> HttpResponse:
    if file_format not in exports.FORMATS:
        raise Http404
    administrations = Beneficiary.objects.visible_to(request.user).annotate(
        institution_count=Count("institutions", distinct=True)
    )
    header = [
        _("Code"), _("Administration"), _("Authority"), _("Institutions"), _("Language codes"),
        _("Footnote"),
    ]  # fmt: skip
    rows = (
        [
            administration.code,
            administration.name,
            administration.authority,
            administration.institution_count,
            " ".join(administration.languages),
            administration.footnote,
        ]
        for administration in administrations
    )
    table = exports.Table(header=header, rows=rows, title=_("Administrations"))
    return exports.download(table, file_format, ["administrations", timezone.localdate()])
