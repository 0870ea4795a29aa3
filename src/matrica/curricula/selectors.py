"""Reads of the curriculum inventory, scoped once through `visible_to`: who may open the pages,
and the courses with everything a page shows, in a fixed number of queries."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from matrica.curricula.models import Course, CourseCoverage
from matrica.tenancy.permissions import Verb, holds
from matrica.tenancy.roles import ROLE_REACH, Reach


def reads_inventory(user: Any) -> bool:
    """Who opens the inventory pages: those who keep an administration's inventory (national
    administrators, training managers: their own) and the regional coordinator (every
    administration's, read-only, to compare them). Institution managers, trainers and staff
    plan no curriculum: the pages answer 403 to them."""
    if not (user.is_authenticated and user.is_active):
        return False
    return (
        user.is_superuser
        or ROLE_REACH.get(user.role) is Reach.REGION
        or holds(user, Verb.MANAGE_CURRICULUM)
    )


def courses_visible_to(user: Any) -> QuerySet[Course]:
    """The courses the user may see, with their administration, target groups and coverage
    (area, category and level of each cell) fetched alongside."""
    coverage = CourseCoverage.objects.select_related("area", "category", "level").order_by(
        "area__order", "area__code", "category__order", "category__code"
    )
    return (
        Course.objects.visible_to(user)
        .select_related("beneficiary")
        .prefetch_related("target_categories", Prefetch("coverage", queryset=coverage))
    )
