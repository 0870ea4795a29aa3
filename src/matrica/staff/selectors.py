"""Reads of the staff registry, always starting from what the user may see."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from matrica.framework.models import StaffCategory
from matrica.pages import limited_search
from matrica.staff.models import StaffMember, StaffRole
from matrica.tenancy.models import Beneficiary, Institution
from matrica.tenancy.permissions import Verb, may
from matrica.text import fold

if TYPE_CHECKING:
    from matrica.accounts.models import User


def staff_visible_to(user: User | AnonymousUser) -> QuerySet[StaffMember]:
    return StaffMember.objects.visible_to(user)


def institutions_for_staff(user: User | AnonymousUser) -> QuerySet[Institution]:
    """The institutions whose people the user may add and move: visible to them, in an
    administration where they may manage staff."""
    reachable = [
        pk
        for pk in Beneficiary.objects.visible_to(user).values_list("pk", flat=True)
        if may(user, Verb.MANAGE_STAFF, beneficiary_id=pk)
    ]
    return Institution.objects.visible_to(user).filter(beneficiary_id__in=reachable)


def search_staff(queryset: QuerySet[StaffMember], text: str) -> QuerySet[StaffMember]:
    """Every word must occur in the name or employee number, ignoring case, diacritics and
    script: 'djordjevic' and 'Ђорђ' both find 'Đorđević'. Only the first words and characters
    count (`matrica.pages.limited_search`): each word is one more condition."""
    limited, _cut = limited_search(text)
    for word in fold(limited).split():
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
