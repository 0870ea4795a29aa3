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
    """Each cell once, and no cell taking more hours than the whole course."""
    seen = set()
    for cell in cells:
        key = (cell.area.pk, cell.category.pk)
        if key in seen:
            raise ValidationError({"cells": _("The cell %(area)s × %(category)s is given twice.")
                % {"area": cell.area.code, "category": cell.category.code}})  # fmt: skip
        seen.add(key)
        if cell.hours < 1 or cell.hours > hours:
            message = _(
                "The hours of %(area)s × %(category)s must be between 1 and the course's %(hours)d."
            )
            names = {"area": cell.area.code, "category": cell.category.code, "hours": hours}
            raise ValidationError({"cells": message % names})


def _write_cells(actor: Actor, course: Course, cells: Sequence[Cell], message: str = "") -> None:
    """Replace the course's coverage with `cells`, each change on the trail: a cell that stays
    as it was is left alone, so that the trail shows only what changed."""
    held = {(c.area_id, c.category_id): c for c in course.coverage.all()}
    for cell in cells:
        old = held.pop((cell.area.pk, cell.category.pk), None)
        if old is not None and (old.level_id, old.hours) == (cell.level.pk, cell.hours):
            continue
        if old is not None:
            delete_audited(actor=actor, obj=old, message=message or "Coverage replaced")
        coverage = CourseCoverage(
            course=course, area=cell.area, category=cell.category, level=cell.level,
            hours=cell.hours,
        )  # fmt: skip
        write(actor=actor, obj=coverage, message=message)
    for old in held.values():
        delete_audited(actor=actor, obj=old, message=message or "Coverage removed")


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
    message: str = "",
) -> Course:
    """Add a course to `beneficiary`'s inventory with the cells it covers. `message` (an
    import's file) goes on the trail."""
    require(actor, Verb.MANAGE_CURRICULUM, beneficiary_id=beneficiary.pk)
    if not target_categories:
        raise ValidationError({"target_categories": _("Say whom the course is for.")})
    _check_cells(cells, hours)
    course = Course(
        beneficiary=beneficiary, code=clean_text(code), title=clean_text(title), kind=kind,
        hours=hours, topics=clean_text(topics), active=active,
    )  # fmt: skip
    write(actor=actor, obj=course, message=message)
    course.target_categories.set(target_categories)
    _write_cells(actor, course, cells, message)
    return course


@transaction.atomic
def change_course(
    *,
    actor: Actor,
    course: Course,
    target_categories: Sequence[StaffCategory] | None = None,
    cells: Sequence[Cell] | None = None,
    message: str = "",
    **changes: Any,
) -> Course:
    """Change any of the course's fields, its target groups, or (all at once) its coverage.
    Only what differs is written and audited: the same values again change nothing."""
    require(actor, Verb.MANAGE_CURRICULUM, beneficiary_id=course.beneficiary_id)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed: %(f)s.") % {"f": ", ".join(sorted(unknown))}
        )
    if target_categories is not None and not target_categories:
        raise ValidationError({"target_categories": _("Say whom the course is for.")})
    changes = {
        name: clean_text(value) if isinstance(value, str) else value
        for name, value in changes.items()
    }
    hours = changes.get("hours", course.hours)
    if cells is not None:
        _check_cells(cells, hours)
    elif hours != course.hours:
        _check_cells(
            [Cell(c.area, c.category, c.level, c.hours) for c in course.coverage.all()], hours
        )
    before = snapshot(course)
    changed = {name: value for name, value in changes.items() if getattr(course, name) != value}
    if changed:
        for name, value in changed.items():
            setattr(course, name, value)
        try:
            write(actor=actor, obj=course, message=message)
        except ValidationError:
            for name in changed:  # the caller's object as it is stored
                setattr(course, name, before[name])
            raise
    if target_categories is not None:
        old = sorted(c.code for c in course.target_categories.all())
        new = sorted({c.code for c in target_categories})
        if old != new:
            course.target_categories.set(target_categories)
            said = f"Target groups: {', '.join(new)}" + (f" ({message})" if message else "")
            record(actor=actor, action=AuditEvent.Action.UPDATE, obj=course, before=before,
                   after=snapshot(course), message=said)  # fmt: skip
    if cells is not None:
        _write_cells(actor, course, cells, message)
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
