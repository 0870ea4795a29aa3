"""Derived compliance tables. Only matrica.compliance.engine writes them; nothing here is ever
edited by hand, and everything here can be rebuilt from evidence with `matrica compliance
refresh`."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from matrica.compliance.status import Status
from matrica.framework.models import CompetencyArea, StaffCategory
from matrica.staff.models import StaffMember
from matrica.tenancy.models import Beneficiary, Institution
from matrica.tenancy.scoping import ScopedQuerySet, TenancyPaths

# Derived rows are rebuilt in bulk, so their foreign keys carry no database constraint and no
# single-column index: both would be maintained for every one of millions of rows on each
# refresh. The composite indexes serve the reads; deleting a person still cascades (ORM).


class Snapshot(models.Model):
    """The date the derived tables answer for, and when they were last rebuilt."""

    as_of = models.DateField(_("as of"))
    refreshed_at = models.DateTimeField(_("refreshed at"), auto_now=True)
    seconds = models.FloatField(_("duration of the last full refresh (s)"), default=0)

    class Meta:
        verbose_name = _("compliance snapshot")

    def __str__(self) -> str:
        return f"{self.as_of}"


class RequirementStatus(models.Model):
    """One person against one requirement (area × category), as of the snapshot date."""

    staff_member = models.ForeignKey(
        StaffMember,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    beneficiary = models.ForeignKey(
        Beneficiary,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    institution = models.ForeignKey(
        Institution,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    primary_category = models.ForeignKey(
        StaffCategory,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    area = models.ForeignKey(
        CompetencyArea,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    category = models.ForeignKey(
        StaffCategory,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    required_rank = models.PositiveSmallIntegerField()
    held_rank = models.PositiveSmallIntegerField(null=True)
    deadline = models.DateField()
    valid_until = models.DateField(null=True)
    status = models.CharField(max_length=10, choices=Status.choices)

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyPaths(
        beneficiary="beneficiary", institution="institution", staff_member="staff_member",
        personal=True,
    )  # fmt: skip

    class Meta:
        indexes = [
            models.Index(fields=["staff_member", "area"]),
            models.Index(fields=["institution", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.staff_member_id} {self.area_id}×{self.category_id}: {self.status}"


class PersonStatus(models.Model):
    """One person's standing overall, as of the snapshot date."""

    staff_member = models.OneToOneField(
        StaffMember,
        on_delete=models.CASCADE,
        related_name="+",
        primary_key=True,
        db_constraint=False,
    )
    beneficiary = models.ForeignKey(
        Beneficiary,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    institution = models.ForeignKey(
        Institution,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    primary_category = models.ForeignKey(
        StaffCategory,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    requirements = models.PositiveSmallIntegerField()
    satisfied = models.PositiveSmallIntegerField()
    aware = models.BooleanField()
    at_level = models.BooleanField()
    expiring = models.PositiveSmallIntegerField()
    overdue = models.PositiveSmallIntegerField()
    worst = models.CharField(max_length=10, choices=Status.choices)
    severity = models.PositiveSmallIntegerField(help_text="0 = overdue … 4 = current")

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyPaths(
        beneficiary="beneficiary", institution="institution", staff_member="staff_member",
        personal=True,
    )  # fmt: skip

    class Meta:
        indexes = [models.Index(fields=["institution", "severity"])]

    def __str__(self) -> str:
        return f"{self.staff_member_id}: {self.worst}"

    @property
    def compliant(self) -> bool:
        return self.satisfied == self.requirements


class CellCount(models.Model):
    """Per institution and matrix cell: how many people stand where. Aggregates only, so the
    regional coordinator may read it (small cells are suppressed when shown)."""

    beneficiary = models.ForeignKey(
        Beneficiary,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    institution = models.ForeignKey(
        Institution,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    area = models.ForeignKey(
        CompetencyArea,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    category = models.ForeignKey(
        StaffCategory,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    people = models.IntegerField()
    current = models.IntegerField()
    expiring = models.IntegerField()
    expired = models.IntegerField()
    missing = models.IntegerField()
    overdue = models.IntegerField()

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyPaths(
        beneficiary="beneficiary", institution="institution", regional_visible=True
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "area", "category"], name="one_count_per_cell"
            )
        ]

    def __str__(self) -> str:
        return f"{self.institution_id} {self.area_id}×{self.category_id}: {self.people}"


class GroupCount(models.Model):
    """Per institution and primary category: the headline indicators' numerators."""

    beneficiary = models.ForeignKey(
        Beneficiary,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    institution = models.ForeignKey(
        Institution,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    primary_category = models.ForeignKey(
        StaffCategory,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    people = models.IntegerField()
    compliant = models.IntegerField()
    aware = models.IntegerField()
    at_level = models.IntegerField()
    with_expiring = models.IntegerField()
    with_overdue = models.IntegerField()

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyPaths(
        beneficiary="beneficiary", institution="institution", regional_visible=True
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "primary_category"], name="one_count_per_group"
            )
        ]

    def __str__(self) -> str:
        return f"{self.institution_id} {self.primary_category_id}: {self.people}"


class TrendPoint(models.Model):
    """Share compliant at the end of a quarter, per institution and primary category."""

    quarter_end = models.DateField()
    beneficiary = models.ForeignKey(
        Beneficiary,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    institution = models.ForeignKey(
        Institution,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    primary_category = models.ForeignKey(
        StaffCategory,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    people = models.IntegerField()
    compliant = models.IntegerField()

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyPaths(
        beneficiary="beneficiary", institution="institution", regional_visible=True
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["quarter_end", "institution", "primary_category"], name="one_trend_point"
            )
        ]

    def __str__(self) -> str:
        return f"{self.quarter_end} {self.institution_id}: {self.compliant}/{self.people}"


class ExpiryNotice(models.Model):
    """A notice sent about one lapse: the same lapse is never announced twice."""

    staff_member = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="+")
    area = models.ForeignKey(CompetencyArea, on_delete=models.CASCADE, related_name="+")
    valid_until = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)
    recipients = models.JSONField(default=list)

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyPaths(
        beneficiary="staff_member__beneficiary", institution="staff_member__institution",
        staff_member="staff_member", personal=True,
    )  # fmt: skip

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["staff_member", "area", "valid_until"], name="one_notice_per_lapse"
            )
        ]

    def __str__(self) -> str:
        return f"{self.staff_member_id} {self.area_id} {self.valid_until}"
