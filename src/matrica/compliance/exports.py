"""The per-person status table as CSV or XLSX: the same rows the pages show, written by the
one export helper (`matrica.exports`)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _

from matrica import exports
from matrica.compliance import selectors
from matrica.compliance.scope import ComplianceScope
from matrica.compliance.status import Status
from matrica.framework.models import CompetencyArea, Level, StaffCategory
from matrica.staff.models import StaffMember

FORMATS = exports.FORMATS


def header() -> list[str]:
    return [
        _("Staff number"), _("Name"), _("Institution"), _("Category"), _("Area"),
        _("Required level"), _("Held level"), _("Status"), _("Status code"), _("Valid until"),
        _("Deadline"),
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
            row["status"],
            row["valid_until"],
            row["deadline"],
        ]


def table(scope: ComplianceScope) -> exports.Table:
    return exports.Table(header=header(), rows=status_table(scope), title=_("Compliance"))


def write_csv(scope: ComplianceScope, stream: io.TextIOBase | Any) -> int:
    return exports.write_csv(table(scope), stream)


def write_xlsx(scope: ComplianceScope, stream: Any) -> int:
    return exports.write_xlsx(table(scope), stream)


def name(scope: ComplianceScope) -> list[object]:
    """The parts of the file name: what the file covers and the date it answers for."""
    place = (
        f"institution-{scope.institution.pk}"
        if scope.institution
        else scope.beneficiary.code
        if scope.beneficiary
        else "all"
    )
    return ["compliance", place, scope.on.isoformat()]


def download(scope: ComplianceScope, file_format: str) -> HttpResponse:
    return exports.download(table(scope), file_format, name(scope))
