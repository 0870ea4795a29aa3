"""The per-person status table as CSV or XLSX: the same rows the pages show."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook

from matrica.compliance import selectors
from matrica.compliance.scope import ComplianceScope
from matrica.compliance.status import Status
from matrica.framework.models import CompetencyArea, Level, StaffCategory
from matrica.staff.models import StaffMember

FORMATS = ("csv", "xlsx")


def header() -> list[str]:
    return [
        _("Staff number"), _("Name"), _("Institution"), _("Category"), _("Area"),
        _("Required level"), _("Held level"), _("Status"), _("Valid until"), _("Deadline"),
    ]  # fmt: skip


def status_table(scope: ComplianceScope) -> Iterator[list[Any]]:
    """One line per (person, requirement) in the scope, ordered by institution and person."""
    rows = selectors.status_rows(scope)
    members = StaffMember.objects.select_related("institution").in_bulk(
        {row["staff_member_id"] for row in rows}
    )
    areas = dict(CompetencyArea.objects.values_list("pk", "code"))
    categories = dict(StaffCategory.objects.values_list("pk", "code"))
    levels = dict(Level.objects.values_list("rank", "code"))
    labels = dict(Status.choices)

    def order(row: dict[str, Any]) -> tuple[str, str, int, int]:
        member = members[row["staff_member_id"]]
        return (member.institution.name, member.employee_number, row["area_id"], row["category_id"])

    for row in sorted(rows, key=order):
        member = members[row["staff_member_id"]]
        yield [
            member.employee_number,
            member.full_name,
            member.institution.name,
            categories[row["category_id"]],
            areas[row["area_id"]],
            levels[row["required_rank"]],
            levels.get(row["held_rank"], ""),
            str(labels[row["status"]]),
            str(row["valid_until"] or ""),
            str(row["deadline"]),
        ]


def write_csv(scope: ComplianceScope, stream: io.TextIOBase | Any) -> int:
    writer = csv.writer(stream)
    writer.writerow(header())
    written = 0
    for line in status_table(scope):
        writer.writerow(line)
        written += 1
    return written


def write_xlsx(scope: ComplianceScope, stream: Any) -> int:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Compliance"))
    sheet.append(header())
    written = 0
    for line in status_table(scope):
        sheet.append(line)
        written += 1
    workbook.save(stream)
    return written


def filename(scope: ComplianceScope, file_format: str) -> str:
    place = (
        f"institution-{scope.institution.pk}"
        if scope.institution
        else scope.beneficiary.code
        if scope.beneficiary
        else "all"
    )
    return f"matrica-compliance-{place}-{scope.on.isoformat()}.{file_format}"


def download(scope: ComplianceScope, file_format: str) -> HttpResponse:
    if file_format not in FORMATS:
        raise Http404
    if file_format == "csv":
        # A byte-order mark lets spreadsheet programs read Cyrillic and diacritics as UTF-8.
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response.write("\ufeff")
        write_csv(scope, response)
    else:
        response = HttpResponse(
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        write_xlsx(scope, response)
    response["Content-Disposition"] = f'attachment; filename="{filename(scope, file_format)}"'
    return response
