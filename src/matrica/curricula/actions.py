"""Writes to an administration's curriculum inventory: its courses and how each covers the
matrix. Each action checks the actor's permission, validates every rule, writes and audits, in
one transaction. Nobody's compliance changes (the inventory describes teaching, not people), so
nothing is reported to compliance."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from matrica.audit.models import AuditEvent
from matrica.audit.services import delete_audited, record, required_reason, snapshot, write
from matrica.curricula.models import Course, CourseCoverage
from matrica.framework.models import CompetencyArea, Level, StaffCategory
from matrica.tenancy.models import Beneficiary
from matrica.tenancy.permissions import Verb, require
from matrica.text import clean_text

if TYPE_CHECKING:
    from matrica.tenancy.scoping import Actor

EDITABLE_FIELDS = ("code", "title", "kind", "hours", "topics", "active")


@dataclass(frozen=True)
class Cell:
    """A course's coverage of one matrix cell, as a form or a file gives it."""

    area: CompetencyArea
    category: StaffCategory
    level: Level
    hours: int


def _check_cells(cells: Sequence[Cell], hours: int) -> None:
    seen = set()
    for cell in cells:
        key = (cell.area.pk, cell.category.pk)
        if key in seen:
            raise ValidationError(
                _("The cell %(area)s × %(category)s is given twice.")
                % {"area": cell.area.code, "category": cell.category.code}
            )
        seen.add(key)
        if cell.hours < 1 or cell.hours > hours:
            raise ValidationError(
                _(
                    "The hours of %(area)s × %(category)s must be between 1 and the "
                    "course's %(hours)d."
                )
                % {"area": cell.area.code, "category": cell.category.code, "hours": hours}
            )


def _write_cells(actor: Actor, course: Course, cells: Sequence[Cell]) -> None:
    """Replace the course's coverage with `cells`, each change on the trail."""
    for old in list(course.coverage.all()):
        delete_audited(actor=actor, obj=old, message="Coverage replaced")
    for cell in cells:
        coverage = CourseCoverage(
            course=course, area=cell.area, category=cell.category, level=cell.level,
            hours=cell.hours,
        )  # fmt: skip
        write(actor=actor, obj=coverage)


@transaction.atomic
def create_course(
    *,
    actor: Actor,
    beneficiary: Beneficiary,
    code: str,
    title: str,
    kind: str,
    hours: int,
    target_categories: Sequence[StaffCategory],
    cells: Sequence[Cell] = (),
    topics: str = "",
    active: bool = True,
) -> Course:
    require(actor, Verb.MANAGE_CURRICULUM, beneficiary_id=beneficiary.pk)
    if not target_categories:
        raise ValidationError({"target_categories": _("Say whom the course is for.")})
    _check_cells(cells, hours)
    course = Course(
        beneficiary=beneficiary, code=clean_text(code), title=clean_text(title), kind=kind,
        hours=hours, topics=clean_text(topics), active=active,
    )  # fmt: skip
    write(actor=actor, obj=course)
    course.target_categories.set(target_categories)
    _write_cells(actor, course, cells)
    return course


@transaction.atomic
def change_course(
    *,
    actor: Actor,
    course: Course,
    target_categories: Sequence[StaffCategory] | None = None,
    cells: Sequence[Cell] | None = None,
    **changes: Any,
) -> Course:
    """Change any of the course's fields, its target groups, or (all at once) its coverage."""
    require(actor, Verb.MANAGE_CURRICULUM, beneficiary_id=course.beneficiary_id)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed: %(f)s.") % {"f": ", ".join(sorted(unknown))}
        )
    before = snapshot(course)
    for name, value in changes.items():
        setattr(course, name, clean_text(value) if isinstance(value, str) else value)
    write(actor=actor, obj=course)
    if target_categories is not None:
        if not target_categories:
            raise ValidationError({"target_categories": _("Say whom the course is for.")})
        old = sorted(c.code for c in course.target_categories.all())
        course.target_categories.set(target_categories)
        new = sorted(c.code for c in target_categories)
        if old != new:
            record(actor=actor, action=AuditEvent.Action.UPDATE, obj=course, before=before,
                   after=snapshot(course), message=f"Target groups: {', '.join(new)}")  # fmt: skip
    if cells is not None:
        _check_cells(cells, course.hours)
        _write_cells(actor, course, cells)
    elif "hours" in changes:
        _check_cells(
            [Cell(c.area, c.category, c.level, c.hours) for c in course.coverage.all()],
            course.hours,
        )
    return course


@transaction.atomic
def withdraw_course(*, actor: Actor, course: Course, reason: str) -> None:
    """A course entered in error leaves the inventory; the trail keeps it and why. A course no
    longer run is changed to `active=False` instead, so that it stays on record."""
    require(actor, Verb.MANAGE_CURRICULUM, beneficiary_id=course.beneficiary_id)
    reason = required_reason(reason, _("Say why the course is withdrawn."))
    for coverage in list(course.coverage.all()):
        delete_audited(actor=actor, obj=coverage, message=reason)
    delete_audited(actor=actor, obj=course, message=reason)
