"""A person's training record as CSV or XLSX: where they stand against each requirement on the
date the page answers for (?on=), the roles they hold, and the evidence recorded for them. One
table, one line per item, the section named by a translated label and a stable code.

Composed from staff, training and compliance like the record page (`matrica.records`), so it
lives above them too; its URL stays among the staff pages (`staff:record_export`). The person is
fetched through the user's scope (404 otherwise), and the download is on the audit trail."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from matrica import exports
from matrica.audit.models import AuditEvent
from matrica.audit.services import record
from matrica.compliance.selectors import person_entries
from matrica.compliance.status import Status
from matrica.http import AuthenticatedHttpRequest
from matrica.pages import as_of
from matrica.staff.models import StaffMember
from matrica.staff.selectors import staff_visible_to
from matrica.training.models import Completion
from matrica.training.selectors import evidence_of

# The sections of the file, by their stable codes.
REQUIREMENT, ROLE, EVIDENCE = "requirement", "role", "evidence"


def header() -> list[str]:
    return [
        _("Staff number"), _("Name"), _("Section"), _("Section code"), _("Area code"), _("Area"),
        _("Category code"), _("Category"), _("Required level"), _("Level"), _("Status"),
        _("Status code"), _("From"), _("Until"), _("Deadline"), _("Source"),
        _("Source code"), _("Module code"), _("Note"),
    ]  # fmt: skip


def rows(member: StaffMember, on: datetime.date) -> Iterator[list[Any]]:
    """The requirements as the compliance engine answers them on `on`, then the roles, then the
    evidence, newest first: a few queries for the person, none per line."""
    person = [member.employee_number, member.full_name]
    sections = {REQUIREMENT: _("Requirement"), ROLE: _("Role"), EVIDENCE: _("Evidence")}
    statuses = dict(Status.choices)
    sources = dict(Completion.Source.choices)

    def line(section: str, *cells: Any) -> list[Any]:
        return [*person, str(sections[section]), section, *cells]

    for entry in person_entries(member, on):
        area, category, held = entry["area"], entry["category"], entry["held"]
        yield line(
            REQUIREMENT, area.code, area.local_title, category.code, category.local_title,
            entry["required"].local_title, held.local_title if held else "",
            str(statuses[entry["status"]]), entry["status"], None, entry["valid_until"],
            entry["deadline"], "", "", "", "",
        )  # fmt: skip
    for role in member.roles.select_related("category"):
        yield line(
            ROLE, "", "", role.category.code, role.category.local_title, "", "", "", "",
            role.start_date, role.end_date, None, "", "", "", "",
        )  # fmt: skip
    for completion in evidence_of(member):
        module = completion.module
        yield line(
            EVIDENCE, completion.area.code, completion.area.local_title, "", "", "",
            completion.level.local_title, "", "", completion.completed_on,
            completion.valid_until, None, str(sources[completion.source]), completion.source,
            module.code if module else "", completion.note,
        )  # fmt: skip


def table(member: StaffMember, on: datetime.date) -> exports.Table:
    return exports.Table(header=header(), rows=rows(member, on), title=_("Training record"))


@require_GET
@login_required
def record_export(request: AuthenticatedHttpRequest, pk: int, file_format: str) -> HttpResponse:
    """The record as the page shows it, for whoever may see the page."""
    if file_format not in exports.FORMATS:
        raise Http404
    member = get_object_or_404(
        staff_visible_to(request.user).select_related("beneficiary", "institution"), pk=pk
    )
    on = as_of(request)
    response = exports.download(
        table(member, on), file_format, ["record", member.employee_number, on]
    )
    record(
        actor=request.user, action=AuditEvent.Action.EXPORT, obj=member,
        message=f"Training record downloaded ({file_format.upper()}, {on.isoformat()})",
    )  # fmt: skip
    return response


# Joined to the staff pages' namespace by the project's URLconf.
urlpatterns = [path("<int:pk>/record.<str:file_format>", record_export, name="record_export")]
