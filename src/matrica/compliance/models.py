"""Derived compliance tables. Only matrica.compliance.services writes them; nothing here is ever
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


class Snapshot(models.Model):
    """The date the derived tables answer for, and when they were last rebuilt."""

    as_of = models.DateField(_("as of"))
    refreshed_at = models.DateTimeField(_("refreshed at"), auto_now=True)
    seconds = models.FloatField(_("duration of the last full refresh (s)"), default=0)
    # False while a refresh moves the tables to `as_of`, a batch of people at a time: writers
    # keep them in step meanwhile, readers compute on the fly until the last batch is in.
    complete = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("compliance snapshot")

    def __str__(self) -> str:
        return f"{self.as_of}"


def derived_key(model: type[models.Model] | str) -> models.ForeignKey:
    """A foreign key of a derived table. Derived rows are rebuilt in bulk, so the key carries no
    database constraint and no single-column index: both would be maintained for each of
    millions of rows on every refresh. Composite indexes serve the reads; deleting a person
    still cascades through the ORM."""
    return models.ForeignKey(
        model, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )


class PlacedRow(models.Model):
    """Where a derived row belongs: its administration, institution and primary category."""

    beneficiary = derived_key(Beneficiary)
    institution = derived_key(Institution)
    primary_category = derived_key(StaffCategory)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True


PERSONAL = TenancyPaths(
    beneficiary="beneficiary", institution="institution", staff_member="staff_member",
    personal=True,
)  # fmt: skip
# Counts carry no names: the regional coordinator may read them (small cells are suppressed
# when they are shown).
AGGREGATE = TenancyPaths(
    beneficiary="beneficiary", institution="institution", regional_visible=True
)


class RequirementStatus(PlacedRow):
    """One person against one requirement (area × category), as of the snapshot date."""

    # The natural key, and the only index: every read goes by person. No surrogate id, whose
    # sequence and index PostgreSQL would feed row by row for the millions of rows of a full
    # refresh (measured: 4.7 s of a 5.7 s insert of 1.6 M rows).
    pk = models.CompositePrimaryKey("staff_member", "area", "category")
    staff_member = derived_key(StaffMember)
    area = derived_key(CompetencyArea)
    category = derived_key(StaffCategory)
    required_rank = models.PositiveSmallIntegerField()
    held_rank = models.PositiveSmallIntegerField(null=True)
    deadline = models.DateField()
    valid_until = models.DateField(null=True)
    status = models.CharField(max_length=10, choices=Status.choices)

    tenancy = PERSONAL

    def __str__(self) -> str:
        return f"{self.staff_member_id} {self.area_id}×{self.category_id}: {self.status}"


class PersonStatus(PlacedRow):
    """One person's standing overall, as of the snapshot date."""

    staff_member = models.OneToOneField(
        StaffMember, on_delete=models.CASCADE, related_name="+", primary_key=True,
        db_constraint=False,
    )  # fmt: skip
    requirements = models.PositiveSmallIntegerField()
    satisfied = models.PositiveSmallIntegerField()
    aware = models.BooleanField()
    at_level = models.BooleanField()
    expiring = models.PositiveSmallIntegerField()
    overdue = models.PositiveSmallIntegerField()
    severity = models.PositiveSmallIntegerField(help_text="0 = overdue … 4 = current")

    tenancy = PERSONAL

    class Meta:
        indexes = [models.Index(fields=["institution", "severity"])]

    def __str__(self) -> str:
        return f"{self.staff_member_id}: {self.satisfied}/{self.requirements}"


class CellMeasures(models.Model):
    """Where one institution's matrix cell stands: how many people hold the requirement, and
    how many stand in each status (or, in a change, by how many these move)."""

    beneficiary = derived_key(Beneficiary)
    institution = derived_key(Institution)
    area = derived_key(CompetencyArea)
    category = derived_key(StaffCategory)
    people = models.IntegerField()
    current = models.IntegerField()
    expiring = models.IntegerField()
    expired = models.IntegerField()
    missing = models.IntegerField()
    overdue = models.IntegerField()

    objects = ScopedQuerySet.as_manager()
    tenancy = AGGREGATE

    class Meta:
        abstract = True


class CellCount(CellMeasures):
    """Per institution and matrix cell: how many people stand where."""

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "area", "category"], name="one_count_per_cell"
            )
        ]

    def __str__(self) -> str:
        return f"{self.institution_id} {self.area_id}×{self.category_id}: {self.people}"


class GroupMeasures(PlacedRow):
    """The headline indicators' numerators of one institution and primary category (or, in a
    change, by how many these move)."""

    people = models.IntegerField()
    compliant = models.IntegerField()
    aware = models.IntegerField()
    at_level = models.IntegerField()
    with_expiring = models.IntegerField()
    with_overdue = models.IntegerField()

    tenancy = AGGREGATE

    class Meta:
        abstract = True


class GroupCount(GroupMeasures):
    """Per institution and primary category: the headline indicators' numerators."""

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "primary_category"], name="one_count_per_group"
            )
        ]

    def __str__(self) -> str:
        return f"{self.institution_id} {self.primary_category_id}: {self.people}"


class TrendPoint(PlacedRow):
    """Share compliant at the end of a quarter, per institution and primary category."""

    quarter_end = models.DateField()
    people = models.IntegerField()
    compliant = models.IntegerField()

    tenancy = AGGREGATE

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["quarter_end", "institution", "primary_category"], name="one_trend_point"
            )
        ]

    def __str__(self) -> str:
        return f"{self.quarter_end} {self.institution_id}: {self.compliant}/{self.people}"


class StatusSpan(PlacedRow):
    """One person against one requirement over days on which the same evidence counts: from
    `starts` to `ends` (inclusive) the requirement, its deadline and the latest valid-until of
    satisfying evidence stay the same, so the status of any day in the span follows from the
    day alone (`engine.status_on`). Kept for every date (docs/decisions/005)."""

    pk = models.CompositePrimaryKey("staff_member", "area", "category", "starts")
    staff_member = derived_key(StaffMember)
    area = derived_key(CompetencyArea)
    category = derived_key(StaffCategory)
    starts = models.DateField()
    ends = models.DateField()
    required_rank = models.PositiveSmallIntegerField()
    deadline = models.DateField()
    valid_until = models.DateField(null=True)

    tenancy = PERSONAL

    class Meta:
        indexes = [
            # The expiring and overdue lists of a date. Per institution, overdue spans (no
            # evidence) come in the list's order (deadline, person, cell), so a page reads its
            # rows and stops; expiring is a narrow range of valid-until. The columns a list
            # filters on ride along: the list never reads the table until its page's rows.
            models.Index(
                fields=[
                    "institution",
                    "valid_until",
                    "deadline",
                    "staff_member",
                    "area",
                    "category",
                    "ends",
                    "starts",
                ],
                name="span_lapse",
            ),
            # The people behind one cell of the matrix on a date: the cell's spans per
            # institution that have not ended by then, with what their status needs.
            models.Index(
                fields=[
                    "institution",
                    "area",
                    "category",
                    "ends",
                    "starts",
                    "staff_member",
                    "valid_until",
                    "deadline",
                ],
                name="span_cell",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff_member_id} {self.area_id}×{self.category_id} {self.starts}–{self.ends}"


class Grain(models.IntegerChoices):
    """How many days one row of changes adds up: counts on a day are the sum of the years
    before it, the months of its year before it and the days of its month up to it."""

    YEAR = 1, _("year")
    MONTH = 2, _("month")
    DAY = 3, _("day")


class CellChange(CellMeasures):
    """How the counts of one institution's matrix cell change over a day, month or year."""

    grain = models.PositiveSmallIntegerField(choices=Grain.choices)
    starts = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "grain", "starts", "area", "category"],
                name="one_cell_change",
            )
        ]

    def __str__(self) -> str:
        return f"{self.institution_id} {self.area_id}×{self.category_id} {self.starts}"


class GroupChange(GroupMeasures):
    """How the headline numerators of one institution and primary category change over a day,
    month or year."""

    grain = models.PositiveSmallIntegerField(choices=Grain.choices)
    starts = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "grain", "starts", "primary_category"],
                name="one_group_change",
            )
        ]

    def __str__(self) -> str:
        return f"{self.institution_id} {self.primary_category_id} {self.starts}"


class History(models.Model):
    """Whether an administration's spans and changes are complete: pages read them only then,
    and compute on the fly while they are rebuilt (after a change of the matrix)."""

    beneficiary = models.OneToOneField(
        Beneficiary, on_delete=models.CASCADE, related_name="+", primary_key=True,
        db_constraint=False,
    )  # fmt: skip
    ready = models.BooleanField(default=False)
    built_at = models.DateTimeField(null=True)
    seconds = models.FloatField(default=0)
    # The rule periods it was built with (`history.rule_periods`): a later rebuild redoes only
    # the cells whose rules differ from them.
    rules = models.JSONField(null=True, editable=False)

    class Meta:
        verbose_name = _("compliance history")

    def __str__(self) -> str:
        return f"{self.beneficiary_id}: {'ready' if self.ready else 'stale'}"


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
