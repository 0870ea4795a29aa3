"""The gap analysis of one administration: its matrix coloured by coverage, the top gaps and
strengths in words, and the figures behind every cell. Computed on the fly from
`needs.coverage` (a handful of queries); the page, the PDF and the downloads all read it.

Who sees it: the national roles that keep the curriculum (national administrator, training
manager) for their own administration; the regional coordinator for any administration, with
every figure about people under disclosure control (the compliance engine suppresses it)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from matrica import disclosure, exports
from matrica.framework.models import CompetencyArea, StaffCategory
from matrica.needs.coverage import CellCoverage, Coverage, coverage_matrix
from matrica.tenancy.models import Beneficiary
from matrica.tenancy.permissions import Verb, holds
from matrica.tenancy.roles import Role

TOP = 5  # gaps and strengths told in words

# Worst first: what the top gaps list puts first.
SEVERITY = {
    Coverage.GAP: 0,
    Coverage.PARTIAL_LEVEL: 1,
    Coverage.PARTIAL_HOURS: 2,
    Coverage.DELIVERY_LAG: 3,
    Coverage.STRENGTH: 4,
}


def sees_any_administration(user: Any) -> bool:
    return bool(user.is_superuser or user.role == Role.COORDINATOR)


def sees_gaps(user: Any) -> bool:
    """The coordinator, and national roles keeping an administration's curriculum."""
    if not (user.is_authenticated and user.is_active):
        return False
    if sees_any_administration(user):
        return True
    return holds(user, Verb.MANAGE_CURRICULUM) and bool(user.beneficiary_id)


def administration_for(user: Any, code: str) -> Beneficiary:
    """The administration a request asks about: a national user's own (another one, or one
    that does not exist, is 404); for the coordinator the one chosen, else the first."""
    if not sees_gaps(user):
        raise PermissionDenied
    choices = Beneficiary.objects.visible_to(user).order_by("code")
    if not sees_any_administration(user):
        choices = choices.filter(pk=user.beneficiary_id)
    beneficiary = choices.filter(code=code).first() if code else choices.first()
    if beneficiary is None:
        raise Http404
    return beneficiary


@dataclass(frozen=True)
class MatrixCell:
    category: StaffCategory
    cell: CellCoverage | None  # None: the rules require nothing of this cell


@dataclass
class Analysis:
    beneficiary: Beneficiary
    on: datetime.date
    regional: bool  # seen by the coordinator: figures about people under disclosure control
    cells: list[CellCoverage]
    categories: list[StaffCategory]
    rows: list[tuple[CompetencyArea, list[MatrixCell]]]

    def counts(self) -> list[tuple[Coverage, int]]:
        """How many cells have each status, in the legend's order."""
        found = dict.fromkeys(Coverage, 0)
        for cell in self.cells:
            found[cell.status] += 1
        return [(status, found[status]) for status in Coverage]

    @property
    def top_gaps(self) -> list[CellCoverage]:
        weak = [cell for cell in self.cells if cell.status != Coverage.STRENGTH]
        return sorted(weak, key=_gap_order)[:TOP]

    @property
    def top_strengths(self) -> list[CellCoverage]:
        strong = [cell for cell in self.cells if cell.status == Coverage.STRENGTH]
        return sorted(strong, key=_strength_order)[:TOP]

    @property
    def any_suppressed(self) -> bool:
        return any(
            cell.compliance is not None and cell.compliance.suppressed for cell in self.cells
        )


def _gap_order(cell: CellCoverage) -> tuple[int, int, int, int, int]:
    """Worst status first, then the most people in the cell, then the most demanding
    requirement, then matrix order. A suppressed number of people counts as none, so that the
    order never gives it away."""
    return (
        SEVERITY[cell.status],
        -people(cell),
        -cell.required_level.rank,
        cell.area.order,
        cell.category.order,
    )


def people(cell: CellCoverage) -> int:
    """The people in the cell as the viewer may know them (0 where suppressed)."""
    if cell.compliance is None or cell.compliance.suppressed:
        return 0
    return cell.compliance.denominator


def _strength_order(cell: CellCoverage) -> tuple[int, int, int, int]:
    """Most above the requirement first (level, then hours beyond the recommendation)."""
    above = (cell.best_level.rank if cell.best_level else 0) - cell.required_level.rank
    spare = cell.course_hours - (cell.recommended_hours or 0)
    return (-above, -spare, cell.area.order, cell.category.order)


def analyse(*, user: Any, beneficiary: Beneficiary, on: datetime.date) -> Analysis:
    cells = coverage_matrix(user=user, beneficiary=beneficiary, on=on)
    areas: dict[int, CompetencyArea] = {}
    categories: dict[int, StaffCategory] = {}
    by_key: dict[tuple[int, int], CellCoverage] = {}
    for cell in cells:
        areas.setdefault(cell.area.pk, cell.area)
        categories.setdefault(cell.category.pk, cell.category)
        by_key[(cell.area.pk, cell.category.pk)] = cell
    columns = sorted(categories.values(), key=lambda c: (c.order, c.code))
    rows = [
        (area, [MatrixCell(category, by_key.get((area.pk, category.pk))) for category in columns])
        for area in sorted(areas.values(), key=lambda a: (a.order, a.code))
    ]
    return Analysis(
        beneficiary=beneficiary,
        on=on,
        regional=not user.is_superuser and user.role == Role.COORDINATOR,
        cells=cells,
        categories=columns,
        rows=rows,
    )


# Words ------------------------------------------------------------------------------------------


def _courses(cell: CellCoverage) -> str:
    return ", ".join(cell.courses)


def compliance_text(cell: CellCoverage) -> str:
    """The cell's compliance share as shown (the hidden label where suppressed)."""
    if cell.compliance is None:
        return "–"
    return cell.compliance.display


def sentence(cell: CellCoverage) -> str:
    """One cell's finding in words."""
    names = {
        "category": cell.category.local_title,
        "area": cell.area.local_title,
        "level": cell.required_level.local_title,
        "best": cell.best_level.local_title if cell.best_level else "",
        "courses": _courses(cell),
        "hours": cell.course_hours,
        "recommended": cell.recommended_hours or 0,
        "short": cell.hours_short,
        "share": compliance_text(cell),
    }
    if cell.status == Coverage.GAP:
        return (
            _("%(category)s lack the required %(level)s level in %(area)s: no course covers it.")
            % names
        )
    if cell.status == Coverage.PARTIAL_LEVEL:
        return (
            _(
                "%(category)s lack the required %(level)s level in %(area)s: %(courses)s "
                "teach it only to the %(best)s level."
            )
            % names
        )
    if cell.status == Coverage.PARTIAL_HOURS:
        return (
            _(
                "%(category)s reach the %(level)s level in %(area)s through %(courses)s in "
                "%(hours)d hours, %(short)d short of the %(recommended)d hours recommended."
            )
            % names
        )
    if cell.status == Coverage.DELIVERY_LAG:
        return (
            _(
                "%(category)s are taught %(area)s (%(courses)s), but only %(share)s of them "
                "hold the required %(level)s level."
            )
            % names
        )
    if cell.recommended_hours is None:
        return (
            _(
                "%(category)s are taught %(area)s at the %(best)s level (required: %(level)s) "
                "in %(courses)s."
            )
            % names
        )
    return (
        _(
            "%(category)s are taught %(area)s at the %(best)s level (required: %(level)s) "
            "in %(hours)d hours (recommended: %(recommended)d) in %(courses)s."
        )
        % names
    )


# Downloads --------------------------------------------------------------------------------------


def table(analysis: Analysis) -> exports.Table:
    """One row per required cell, stable codes beside the labels; the compliance share as a
    percentage, or the hidden label where suppressed."""
    header = [
        _("Area code"), _("Competency area"), _("Category code"), _("Staff category"),
        _("Coverage code"), _("Coverage"), _("Required level code"), _("Required level"),
        _("Recommended hours"), _("Best course level code"), _("Best course level"),
        _("Course hours"), _("Courses"), _("Holding the required level (%)"), _("People"),
    ]  # fmt: skip
    hidden = disclosure.hidden_label()
    rows: list[list[exports.Value]] = []
    for cell in analysis.cells:
        share: exports.Value = None
        people: exports.Value = None
        if cell.compliance is not None and cell.compliance.suppressed:
            share = people = hidden
        elif cell.compliance is not None:
            percent = cell.compliance.percent
            share = round(percent, 1) if percent is not None else None
            people = cell.compliance.denominator
        rows.append(
            [
                cell.area.code, cell.area.local_title, cell.category.code,
                cell.category.local_title, cell.status.value, str(cell.status.label),
                cell.required_level.code, cell.required_level.local_title,
                cell.recommended_hours, cell.best_level.code if cell.best_level else None,
                cell.best_level.local_title if cell.best_level else None,
                cell.course_hours, _courses(cell), share, people,
            ]
        )  # fmt: skip
    return exports.Table(header=header, rows=rows, title=_("Gap analysis"))
