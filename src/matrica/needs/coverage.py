"""How an administration's curriculum covers the matrix: each cell the rules require, compared
with the courses it runs today and with the cell's compliance on the date.

- strength: an active course covers the cell at or above the required level, with at least the
  recommended hours (or, where no module gives a recommendation, at the level alone);
- partial by hours: a course reaches the level, in fewer hours than recommended;
- partial by level: courses cover the cell, all below the required level;
- gap: no active course covers the cell;
- delivery lag: the cell is covered (strength or partial) but fewer than LAG_SHARE % of its
  people hold the required level on the date.

The recommended hours of a cell are the hours of the shortest module (common, or the
administration's own) that confers the cell's area at or above the required level.

Set-based: a handful of queries for the whole matrix, none per cell. The compliance share comes
from the compliance dashboard of the same scope and date, with its disclosure control: a share
suppressed for the viewer is never used to classify (the cell keeps its curriculum status), so
the status never reveals a hidden figure.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from matrica.compliance.scope import ComplianceScope
from matrica.compliance.selectors import Share, matrix_dashboard
from matrica.curricula.models import CourseCoverage
from matrica.framework.models import CompetencyArea, Conferral, Level, StaffCategory
from matrica.framework.selectors import matrix_modules, rules_in_force
from matrica.tenancy.models import Beneficiary

LAG_SHARE = 60  # percent: below it, a covered cell lags in delivery


class Coverage(models.TextChoices):
    """How a cell is covered; the values are stable codes (downloads, other apps)."""

    STRENGTH = "strength", _("Strength")
    PARTIAL_HOURS = "partial_hours", _("Partial: hours short")
    PARTIAL_LEVEL = "partial_level", _("Partial: level short")
    GAP = "gap", _("Gap")
    DELIVERY_LAG = "delivery_lag", _("Delivery lag")


COVERED = frozenset({Coverage.STRENGTH, Coverage.PARTIAL_HOURS, Coverage.PARTIAL_LEVEL})


@dataclass(frozen=True)
class CellCoverage:
    area: CompetencyArea
    category: StaffCategory
    required_level: Level
    recommended_hours: int | None
    best_level: Level | None
    course_hours: int  # hours the best course gives the cell; 0 when none covers it
    courses: tuple[str, ...]  # codes of the active courses covering the cell
    compliance: Share | None  # share holding the required level (None: nobody in the cell)
    status: Coverage

    @property
    def curriculum_status(self) -> Coverage:
        """The status from the curriculum alone (what a delivery lag hides)."""
        return classify(
            required_rank=self.required_level.rank,
            recommended_hours=self.recommended_hours,
            offers=[(self.best_level.rank, self.course_hours)] if self.best_level else [],
            compliance=None,
        )[0]

    @property
    def hours_short(self) -> int:
        if self.recommended_hours is None or self.best_level is None:
            return 0
        return max(0, self.recommended_hours - self.course_hours)


def lagging(compliance: Share | None) -> bool:
    """Whether a cell's compliance is low enough to call its delivery lagging; a share hidden
    from the viewer, or about nobody, says nothing."""
    if compliance is None or compliance.percent is None:
        return False
    return compliance.percent < LAG_SHARE


def classify(
    *,
    required_rank: int,
    recommended_hours: int | None,
    offers: list[tuple[int, int]],
    compliance: Share | None,
) -> tuple[Coverage, int | None]:
    """The status of one cell from the (level rank, hours) each covering course offers, and
    the index in `offers` of the best one (None for a gap)."""
    if not offers:
        return Coverage.GAP, None

    def enough_hours(hours: int) -> bool:
        return recommended_hours is None or hours >= recommended_hours

    # Best first: at the level with the hours, then at the level, then the highest level; more
    # hours break ties.
    def key(index: int) -> tuple[bool, bool, int, int]:
        rank, hours = offers[index]
        at_level = rank >= required_rank
        return (at_level and enough_hours(hours), at_level, rank, hours)

    best = max(range(len(offers)), key=key)
    rank, hours = offers[best]
    if rank < required_rank:
        status = Coverage.PARTIAL_LEVEL
    elif not enough_hours(hours):
        status = Coverage.PARTIAL_HOURS
    else:
        status = Coverage.STRENGTH
    if lagging(compliance):
        status = Coverage.DELIVERY_LAG
    return status, best


def recommended_hours(
    user: Any, beneficiary: Beneficiary, rules: dict[tuple[int, int], Any]
) -> dict[tuple[int, int], int | None]:
    """Per cell, the hours of the shortest module conferring its area at the required level."""
    conferred: dict[int, list[tuple[int, int]]] = defaultdict(list)
    rows = (
        Conferral.objects.filter(module__in=matrix_modules(user, beneficiary).values("pk"))
        .order_by()
        .values_list("area_id", "level__rank", "module__hours")
    )
    for area_id, rank, hours in rows:
        conferred[area_id].append((rank, hours))
    result: dict[tuple[int, int], int | None] = {}
    for cell, rule in rules.items():
        lengths = [h for rank, h in conferred[cell[0]] if rank >= rule.level_rank]
        result[cell] = min(lengths) if lengths else None
    return result


def coverage_matrix(
    *, user: Any, beneficiary: Beneficiary, on: datetime.date
) -> list[CellCoverage]:
    """Every cell the rules in force for the administration require on `on`, in matrix order
    (areas, then categories), with its coverage. The caller has checked that `user` may see
    `beneficiary`; compliance shares are under the viewer's disclosure control."""
    _version, _adaptation, rules = rules_in_force(beneficiary_id=beneficiary.pk, on=on)
    if not rules:
        return []
    levels = {level.pk: level for level in Level.objects.all()}
    by_rank = {level.rank: level for level in levels.values()}
    recommended = recommended_hours(user, beneficiary, rules)

    offers: dict[tuple[int, int], list[tuple[int, int, str]]] = defaultdict(list)
    rows = (
        CourseCoverage.objects.visible_to(user)
        .filter(course__beneficiary=beneficiary, course__active=True)
        .order_by("course__code")
        .values_list("area_id", "category_id", "level__rank", "hours", "course__code")
    )
    for area_id, category_id, rank, hours, code in rows:
        offers[(area_id, category_id)].append((rank, hours, code))

    scope = ComplianceScope(user=user, on=on, beneficiary=beneficiary)
    categories, dashboard = matrix_dashboard(scope)
    shares: dict[tuple[int, int], Share | None] = {}
    areas: dict[int, CompetencyArea] = {}
    for area, line in dashboard:
        areas[area.pk] = area
        for dashboard_cell in line:
            shares[(area.pk, dashboard_cell.category.pk)] = dashboard_cell.current
    category_by_id = {category.pk: category for category in categories}

    result = []
    for area_id, area in areas.items():
        for category_id, category in category_by_id.items():
            rule = rules.get((area_id, category_id))
            if rule is None:
                continue
            cell = (area_id, category_id)
            cell_offers = offers.get(cell, [])
            compliance = shares.get(cell)
            status, best = classify(
                required_rank=rule.level_rank,
                recommended_hours=recommended[cell],
                offers=[(rank, hours) for rank, hours, _code in cell_offers],
                compliance=compliance,
            )
            best_offer = cell_offers[best] if best is not None else None
            result.append(
                CellCoverage(
                    area=area,
                    category=category,
                    required_level=levels[rule.level_id],
                    recommended_hours=recommended[cell],
                    best_level=by_rank[best_offer[0]] if best_offer else None,
                    course_hours=best_offer[1] if best_offer else 0,
                    courses=tuple(dict.fromkeys(code for _r, _h, code in cell_offers)),
                    compliance=compliance,
                    status=status,
                )
            )
    return result
