"""Reads of the staff registry, always starting from what the user may see."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dateutil.relativedelta import relativedelta
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from matrica.framework.models import CompetencyArea, Level, StaffCategory
from matrica.framework.selectors import rules_in_force
from matrica.staff.models import StaffMember, StaffRole
from matrica.text import fold

if TYPE_CHECKING:
    from matrica.accounts.models import User


def staff_visible_to(user: User | AnonymousUser) -> QuerySet[StaffMember]:
    return StaffMember.objects.visible_to(user)


def search_staff(queryset: QuerySet[StaffMember], text: str) -> QuerySet[StaffMember]:
    """Every word must occur in the name or employee number, ignoring case, diacritics and
    script: 'djordjevic' and 'Ђорђ' both find 'Đorđević'."""
    for word in fold(text).split():
        queryset = queryset.filter(search_text__contains=word)
    return queryset


def categories_held(staff_member: StaffMember, on: datetime.date) -> list[StaffCategory]:
    """The columns of the matrix that apply to a person on a date: all staff, the primary
    category, and every role held that day."""
    role_ids = StaffRole.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=on),
        staff_member=staff_member,
        start_date__lte=on,
    ).values("category_id")
    return list(
        StaffCategory.objects.filter(
            Q(applies_to_all=True) | Q(pk=staff_member.primary_category_id) | Q(pk__in=role_ids)
        )
    )


@dataclass(frozen=True)
class AppliedRequirement:
    area: CompetencyArea
    category: StaffCategory
    level: Level
    refresher_months: int
    deadline: datetime.date
    deviation_reason: str


def requirements_for(staff_member: StaffMember, on: datetime.date) -> list[AppliedRequirement]:
    """What the framework in force on `on`, as adapted by the person's administration, asks of
    them. A deadline runs from entry into post, or for a role from the day it was taken up."""
    _version, _adaptation, rules = rules_in_force(beneficiary_id=staff_member.beneficiary_id, on=on)
    categories = {category.pk: category for category in categories_held(staff_member, on)}
    role_starts = dict(
        StaffRole.objects.filter(staff_member=staff_member, start_date__lte=on)
        .order_by("start_date")
        .values_list("category_id", "start_date")
    )
    areas = {area.pk: area for area in CompetencyArea.objects.all()}
    levels = {level.pk: level for level in Level.objects.all()}
    applied = []
    for (area_id, category_id), rule in rules.items():
        if category_id not in categories:
            continue
        starts = role_starts.get(category_id, staff_member.entry_date)
        applied.append(
            AppliedRequirement(
                area=areas[area_id],
                category=categories[category_id],
                level=levels[rule.level_id],
                refresher_months=rule.refresher_months,
                deadline=starts + relativedelta(months=rule.deadline_months),
                deviation_reason=rule.deviation_reason,
            )
        )
    applied.sort(key=lambda a: (a.area.order, a.category.order))
    return applied
