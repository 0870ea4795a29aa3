"""What an administration already teaches: its courses (initial, in-service, specialised) and
how each covers the cells of the matrix. The gap analysis (`needs`) compares this with what the
matrix requires and with compliance."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from matrica.framework.models import CompetencyArea, Level, StaffCategory
from matrica.tenancy.models import Beneficiary
from matrica.tenancy.scoping import ScopedQuerySet, TenancyPaths


class Course(models.Model):
    """A course an administration runs today, as its curriculum describes it."""

    class Kind(models.TextChoices):
        INITIAL = "initial", _("Initial training")
        IN_SERVICE = "in_service", _("In-service training")
        SPECIALISED = "specialised", _("Specialised training")

    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.PROTECT, related_name="courses",
        verbose_name=_("administration"),
    )  # fmt: skip
    code = models.CharField(_("code"), max_length=30)
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    target_categories = models.ManyToManyField(
        StaffCategory, related_name="+", verbose_name=_("target groups")
    )
    hours = models.PositiveSmallIntegerField(_("hours"))
    topics = models.TextField(_("topics"), blank=True)
    active = models.BooleanField(_("run today"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedQuerySet.as_manager()
    # National curricula hold no personal data: the coordinator compares them across the region.
    tenancy = TenancyPaths(beneficiary="beneficiary", regional_visible=True)

    class Meta:
        ordering = ["beneficiary__code", "code"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        constraints = [
            models.UniqueConstraint(fields=["beneficiary", "code"], name="unique_course_code"),
            models.CheckConstraint(condition=Q(hours__gt=0), name="course_hours_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class CourseCoverage(models.Model):
    """How a course covers one matrix cell (area × staff category): at which level, in how many
    of its hours."""

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="coverage", verbose_name=_("course")
    )
    area = models.ForeignKey(CompetencyArea, on_delete=models.PROTECT, verbose_name=_("area"))
    category = models.ForeignKey(
        StaffCategory, on_delete=models.PROTECT, related_name="+", verbose_name=_("staff category")
    )
    level = models.ForeignKey(Level, on_delete=models.PROTECT, verbose_name=_("level"))
    hours = models.PositiveSmallIntegerField(_("hours"))

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyPaths(beneficiary="course__beneficiary", regional_visible=True)

    class Meta:
        ordering = ["area__order", "category__order"]
        verbose_name = _("coverage of a matrix cell")
        verbose_name_plural = _("coverage of matrix cells")
        constraints = [
            models.UniqueConstraint(
                fields=["course", "area", "category"], name="one_coverage_per_cell"
            ),
            models.CheckConstraint(condition=Q(hours__gt=0), name="coverage_hours_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.course.code}: {self.area.code}×{self.category.code} {self.level.code}"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.course_id and self.hours and self.hours > self.course.hours:
            errors["hours"] = _("A cell cannot take more hours than the whole course.")
        if errors:
            raise ValidationError(errors)
