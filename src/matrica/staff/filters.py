"""One filter set for the staff list page, its export and (later) the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from matrica.framework.models import StaffCategory
from matrica.pages import search_terms
from matrica.staff.models import StaffMember
from matrica.staff.selectors import search_staff
from matrica.tenancy.models import Institution, Service


class StaffFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_search", label=_("Search"))
    institution = django_filters.ModelChoiceFilter(
        queryset=Institution.objects.none(), label=_("Institution")
    )
    service = django_filters.ChoiceFilter(
        field_name="institution__service__kind", choices=Service.Kind.choices, label=_("Service")
    )
    category = django_filters.ModelChoiceFilter(
        field_name="primary_category",
        queryset=StaffCategory.objects.filter(is_role=False, applies_to_all=False),
        label=_("Category"),
    )
    active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = StaffMember
        fields = ["q", "institution", "service", "category", "active"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The institution choices are scoped like the list itself.
        self.filters["institution"].queryset = Institution.objects.visible_to(user)

    def filter_search(
        self, queryset: QuerySet[StaffMember], name: str, value: str
    ) -> QuerySet[StaffMember]:
        # search_staff cuts an over-long search itself; with the request at hand, say so.
        if self.request is not None:
            value = search_terms(self.request, value)
        return search_staff(queryset, value)
