"""Resources recommended where people work: a matrix cell, a person's gaps, a module. Each is
one query, of the resources the user may see and that are not withdrawn."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet

from matrica.compliance.models import RequirementStatus
from matrica.compliance.status import Status
from matrica.library.models import Resource

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from matrica.framework.models import CompetencyArea, Module, StaffCategory
    from matrica.staff.models import StaffMember
    from matrica.tenancy.scoping import Actor

LIMIT = 5
GAPS = (Status.EXPIRING, Status.EXPIRED, Status.MISSING, Status.OVERDUE)


def _pk(value: Any) -> int:
    return int(getattr(value, "pk", value))


def _current(user: Actor | AnonymousUser) -> QuerySet[Resource]:
    return Resource.objects.visible_to(user).current()


def for_cell(
    user: Actor | AnonymousUser, area: CompetencyArea | int, category: StaffCategory | int
) -> QuerySet[Resource]:
    """For a cell of the matrix: resources of its area meant for its category or for anyone
    (no audience given)."""
    through = Resource.audiences.through
    for_category = through.objects.filter(staffcategory_id=_pk(category)).values("resource_id")
    with_audience = through.objects.values("resource_id")
    areas = Resource.areas.through.objects.filter(competencyarea_id=_pk(area))
    return _current(user).filter(
        Q(pk__in=for_category) | ~Q(pk__in=with_audience),
        pk__in=areas.values("resource_id"),
    )


def for_areas(
    user: Actor | AnonymousUser, areas: Iterable[CompetencyArea | int] | QuerySet[Any]
) -> QuerySet[Resource]:
    ids = areas if isinstance(areas, QuerySet) else [_pk(area) for area in areas]
    linked = Resource.areas.through.objects.filter(competencyarea_id__in=ids)
    return _current(user).filter(pk__in=linked.values("resource_id"))


def for_gaps(
    user: Actor | AnonymousUser,
    member: StaffMember,
    areas: Iterable[CompetencyArea | int] | None = None,
) -> QuerySet[Resource]:
    """For a person's gaps: resources of the areas where a requirement is missing, overdue,
    expired or expiring. `areas` when the page already knows them (computed as of its date);
    otherwise the derived statuses of the last refresh, read in the same query."""
    if areas is None:
        gap_areas = RequirementStatus.objects.filter(
            staff_member_id=member.pk, status__in=GAPS
        ).values("area_id")
        return for_areas(user, gap_areas)
    return for_areas(user, areas)


def for_module(user: Actor | AnonymousUser, module: Module | int) -> QuerySet[Resource]:
    """A module's materials."""
    linked = Resource.modules.through.objects.filter(module_id=_pk(module))
    return _current(user).filter(pk__in=linked.values("resource_id"))
