"""The per-person status table as CSV or XLSX: the same rows the pages show, written by the
one export helper (`matrica.exports`)."""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterator
from typing import Any

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _

from matrica import exports
from matrica.audit.models import AuditEvent
from matrica.audit.services import record_many
from matrica.compliance import selectors
from matrica.compliance.scope import ComplianceScope
from matrica.compliance.status import Status
from matrica.framework.models import CompetencyArea, Level, StaffCategory
from matrica.staff.models import StaffMember
from matrica.tenancy.models import Beneficiary

FORMATS = exports.FORMATS


def header() -> list[str]:
    return [
        _("Staff number"), _("Name"), _("Institution"), _("Category"), _("Area"),
        _("Required level"), _("Held level"), _("Status"), _("Status code"), _("Valid until"),
        _("Deadline"),
    ]  # fmt: skip


def status_lines(scope: ComplianceScope) -> tuple[list[list[Any]], set[int]]:
    """One line per (person, requirement) in the scope, ordered by institution and person; and
    the administrations whose people the lines name. One query for the lines, one for the
    people, one each for the areas, categories and levels."""
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

    lines = []
    for row in sorted(rows, key=order):
        member = members[row["staff_member_id"]]
        lines.append([
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
        ])  # fmt: skip
    return lines, {member.beneficiary_id for member in members.values()}


def status_table(scope: ComplianceScope) -> Iterator[list[Any]]:
    """The lines of `status_lines`, for the command that writes them to a file."""
    yield from status_lines(scope)[0]


def table(scope: ComplianceScope) -> exports.Table:
    return exports.Table(header=header(), rows=status_table(scope), title=_("Compliance"))


def write_csv(scope: ComplianceScope, stream: io.TextIOBase | Any) -> int:
    return exports.write_csv(table(scope), stream)


def write_xlsx(scope: ComplianceScope, stream: Any) -> int:
    return exports.write_xlsx(table(scope), stream)


def place(scope: ComplianceScope) -> str:
    """What a file covers, for its name: an institution, an administration or all in reach."""
    if scope.institution:
        return f"institution-{scope.institution.pk}"
    return scope.beneficiary.code if scope.beneficiary else "all"


def name(scope: ComplianceScope) -> list[object]:
    """The parts of the file name: what the file covers and the date it answers for."""
    return ["compliance", place(scope), scope.on.isoformat()]


def download(scope: ComplianceScope, file_format: str) -> HttpResponse:
    """The status table for a user of the dashboard: it names people, so it is on the audit
    trail, one row per administration whose people it holds, in one INSERT."""
    if file_format not in FORMATS:
        raise Http404
    lines, administrations = status_lines(scope)
    covered = Beneficiary.objects.filter(pk__in=administrations).order_by()
    record_many(
        actor=scope.user, action=AuditEvent.Action.EXPORT,
        changes=[(administration, None, None) for administration in covered],
        message=f"Compliance table downloaded ({file_format.upper()}, {scope.on.isoformat()})",
    )  # fmt: skip
    table = exports.Table(header=header(), rows=lines, title=_("Compliance"))
    return exports.download(table, file_format, name(scope))


# The lists behind the dashboard: the expiring and overdue lists and the people behind a cell of
# the matrix. They name people, so only the page's own readers get them (`scope.sees_people`,
# checked by the view), and each download is on the audit trail.


def _date(value: Any) -> datetime.date | None:
    """A date from the status relation, which SQLite hands back as text."""
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value))


def status_list_header() -> list[str]:
    return [
        _("Staff number"), _("Family name"), _("Given name"), _("Administration code"),
        _("Institution"), _("Area code"), _("Area"), _("Category code"), _("Because of"),
        _("Status"), _("Status code"), _("Valid until"), _("Deadline"),
    ]  # fmt: skip


def status_list_rows(scope: ComplianceScope, status: Status) -> list[list[Any]]:
    """Every line of the expiring or overdue list, in the page's order (soonest first): one
    query for the lines, one for the people, one each for the areas and categories."""
    lines = selectors.status_list(scope, status, held=False)[:]
    members = StaffMember.objects.select_related("institution").in_bulk(
        {line["staff_member_id"] for line in lines}
    )
    administrations = dict(Beneficiary.objects.values_list("pk", "code"))
    # Code and title of each area and category, once: a list may hold 400 000 lines.
    areas = {pk: (a.code, a.local_title) for pk, a in CompetencyArea.objects.in_bulk().items()}
    categories = {pk: (c.code, c.local_title) for pk, c in StaffCategory.objects.in_bulk().items()}
    label = str(dict(Status.choices)[status])
    rows = []
    for line in lines:
        member = members[line["staff_member_id"]]
        rows.append([
            member.employee_number, member.family_name, member.given_name,
            administrations[member.beneficiary_id], member.institution.name,
            *areas[line["area_id"]], *categories[line["category_id"]], label, line["status"],
            _date(line["valid_until"]), _date(line["deadline"]),
        ])  # fmt: skip
    return rows


def cell_people_header() -> list[str]:
    return [
        _("Staff number"), _("Family name"), _("Given name"), _("Administration code"),
        _("Institution"), _("Area code"), _("Category code"), _("Status"), _("Status code"),
        _("Valid until"),
    ]  # fmt: skip


def cell_people_rows(
    scope: ComplianceScope, area: CompetencyArea, category: StaffCategory
) -> list[list[Any]]:
    """Every person behind one cell of the matrix, worst standing first, as the page lists them
    (their worst status in the cell and the date it lapses): a fixed number of queries."""
    cell: dict[str, Any] = {"area_id": area.pk, "category_id": category.pk}
    people = selectors.people_by_standing(scope, **cell)[:]
    labels = dict(Status.choices)
    administrations = dict(Beneficiary.objects.values_list("pk", "code"))
    rows = []
    for line in selectors.people_grid(scope, people, **cell):
        member = line.member
        rows.append([
            member.employee_number, member.family_name, member.given_name,
            administrations[member.beneficiary_id], member.institution.name, area.code,
            category.code, str(labels[line.worst]), line.worst, line.valid_until.get(area.pk),
        ])  # fmt: skip
    return rows


def download_names(
    scope: ComplianceScope,
    *,
    header: list[str],
    rows: list[list[Any]],
    title: str,
    name: list[object],
    file_format: str,
    message: str,
) -> HttpResponse:
    """A list of named people as a file, on the audit trail: one row per administration whose
    people it holds (the fourth column, the administration's code), in one INSERT."""
    if file_format not in FORMATS:
        raise Http404
    covered = Beneficiary.objects.filter(code__in={row[3] for row in rows}).order_by()
    record_many(
        actor=scope.user, action=AuditEvent.Action.EXPORT,
        changes=[(administration, None, None) for administration in covered],
        message=f"{message} ({file_format.upper()}, {scope.on.isoformat()})",
    )  # fmt: skip
    table = exports.Table(header=header, rows=rows, title=title)
    return exports.download(table, file_format, [*name, scope.on.isoformat()])
