"""The staff list as CSV or XLSX: the people the page shows, with its search and filters
("export what you see", through the same `StaffFilter`), written by the one export helper.

A download carries names, so it is on the audit trail: one row per administration whose people
the file holds, in one INSERT."""

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
from matrica.audit.models import AuditEvent
from matrica.audit.services import record_many
from matrica.framework.models import StaffCategory
from matrica.http import AuthenticatedHttpRequest
from matrica.staff.filters import StaffFilter
from matrica.staff.models import StaffMember
from matrica.staff.selectors import staff_visible_to
from matrica.tenancy.models import Beneficiary, Service

# The stable codes of a person's standing in the registry, beside the translated label.
ACTIVE, LEFT, INACTIVE = "active", "left", "inactive"

COLUMNS = (
    "employee_number", "family_name", "given_name", "beneficiary__code", "institution__name",
    "institution__service__kind", "primary_category_id", "entry_date", "active", "leaving_date",
)  # fmt: skip


def header() -> list[str]:
    return [
        _("Staff number"), _("Family name"), _("Given name"), _("Administration code"),
        _("Institution"), _("Service"), _("Service code"), _("Category"), _("Category code"),
        _("Entry into post"), _("Status"), _("Status code"), _("Last day in post"),
    ]  # fmt: skip


def standing(active: bool, leaving_date: object) -> str:
    """The person's standing code: in post, left the service, or inactive for another reason."""
    if active:
        return ACTIVE
    return LEFT if leaving_date else INACTIVE


def rows(people: QuerySet[StaffMember]) -> Iterator[list[Any]]:
    """One line per person, in the page's order; one query for the people, one for the
    categories' titles, whatever the number of people."""
    categories = {category.pk: category for category in StaffCategory.objects.all()}
    services = dict(Service.Kind.choices)
    labels = {ACTIVE: _("Active"), LEFT: _("Left the service"), INACTIVE: _("Inactive")}
    for (number, family, given, administration, institution, service, category_id, entry,
         active, leaving) in people.values_list(*COLUMNS).iterator(chunk_size=2000):  # fmt: skip
        category = categories[category_id]
        code = standing(active, leaving)
        yield [
            number, family, given, administration, institution, str(services[service]), service,
            category.local_title, category.code, entry, str(labels[code]), code, leaving,
        ]  # fmt: skip


def table(people: QuerySet[StaffMember]) -> exports.Table:
    return exports.Table(header=header(), rows=rows(people), title=_("Staff"))


@require_GET
@login_required
def staff_list_export(request: AuthenticatedHttpRequest, file_format: str) -> HttpResponse:
    """The staff list as the page shows it (same scope, search and filters), every page of it."""
    if file_format not in exports.FORMATS:
        raise Http404
    queryset = staff_visible_to(request.user)
    people = StaffFilter(request.GET, queryset=queryset, user=request.user, request=request).qs
    covered = Beneficiary.objects.filter(pk__in=people.values("beneficiary_id")).order_by()
    record_many(
        actor=request.user, action=AuditEvent.Action.EXPORT,
        changes=[(administration, None, None) for administration in covered],
        message=f"Staff list downloaded ({file_format.upper()})",
    )  # fmt: skip
    return exports.download(table(people), file_format, ["staff", timezone.localdate()])
