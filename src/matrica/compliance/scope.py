"""What a compliance page covers: a user's reach, narrowed to an administration or an
institution they chose. Aggregates follow the organisational scope (`Institution.visible_to`);
names follow the personal scope (`StaffMember.visible_to`). Both come from tenancy.scoping."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from matrica.compliance.models import History
from matrica.compliance.services import materialize_statuses, snapshot_date
from matrica.staff.models import StaffMember
from matrica.tenancy.models import Beneficiary, Institution
from matrica.tenancy.roles import ROLE_REACH, Reach


@dataclass(frozen=True)
class ComplianceScope:
    user: Any
    on: datetime.date
    beneficiary: Beneficiary | None = None
    institution: Institution | None = None

    @cached_property
    def from_snapshot(self) -> bool:
        """Whether the derived tables answer for this date (otherwise the engine runs)."""
        return snapshot_date() == self.on

    @cached_property
    def history_ready(self) -> bool:
        """Whether the spans and count changes answer for every administration in the scope
        (none is being rebuilt after a change of its rules)."""
        ready = History.objects.filter(ready=True).values("beneficiary_id")
        return not self.institutions().exclude(beneficiary_id__in=ready).exists()

    @property
    def from_history(self) -> bool:
        """Whether the history answers this date (not the snapshot's)."""
        return not self.from_snapshot and self.history_ready

    @cached_property
    def adhoc_table(self) -> str:
        """For a date other than the snapshot's, while the history is being rebuilt: the scope's
        statuses computed once, into a temporary table that every read of this scope then uses
        like the derived table."""
        return materialize_statuses(self.on, self.institutions())

    @property
    def regional(self) -> bool:
        """Figures seen from above the administrations: small cells must be suppressed."""
        return not self.user.is_superuser and ROLE_REACH.get(self.user.role) is Reach.REGION

    @property
    def sees_people(self) -> bool:
        return not self.regional

    def institutions(self) -> QuerySet[Institution]:
        queryset = Institution.objects.visible_to(self.user)
        if self.institution is not None:
            queryset = queryset.filter(pk=self.institution.pk)
        elif self.beneficiary is not None:
            queryset = queryset.filter(beneficiary=self.beneficiary)
        return queryset

    def people(self) -> QuerySet[StaffMember]:
        queryset = StaffMember.objects.visible_to(self.user)
        if self.institution is not None:
            queryset = queryset.filter(institution=self.institution)
        elif self.beneficiary is not None:
            queryset = queryset.filter(beneficiary=self.beneficiary)
        return queryset


def scope_for(
    user: Any,
    on: datetime.date,
    administration: str = "",
    institution_id: str | int | None = None,
) -> ComplianceScope:
    """The scope a request asks for. An administration or institution outside the user's reach
    answers 404, like one that does not exist."""
    beneficiary = None
    institution = None
    if institution_id:
        try:
            institution = (
                Institution.objects.visible_to(user)
                .select_related("beneficiary", "service")
                .get(pk=int(institution_id))
            )
        except (Institution.DoesNotExist, ValueError) as missing:
            raise Http404 from missing
    elif administration:
        if ROLE_REACH.get(user.role) not in (Reach.REGION, Reach.ADMINISTRATION) and not (
            user.is_superuser
        ):
            raise Http404  # an administration-wide view is beyond an institution's reach
        try:
            beneficiary = Beneficiary.objects.visible_to(user).get(code=administration)
        except Beneficiary.DoesNotExist as missing:
            raise Http404 from missing
    elif user.institution_id and ROLE_REACH.get(user.role) is Reach.INSTITUTION:
        institution = user.institution
    elif user.beneficiary_id and ROLE_REACH.get(user.role) is Reach.ADMINISTRATION:
        beneficiary = user.beneficiary
    return ComplianceScope(user=user, on=on, beneficiary=beneficiary, institution=institution)
