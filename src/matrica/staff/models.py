from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from matrica.framework.models import StaffCategory
from matrica.tenancy.models import Beneficiary, Institution
from matrica.tenancy.scoping import ScopedQuerySet, TenancyPaths
from matrica.text import fold, search_variants


class StaffMember(models.Model):
    """A person of a prison or probation service. Personal data is kept to what training
    records need."""

    beneficiary = models.ForeignKey(
        Beneficiary,
        on_delete=models.PROTECT,
        related_name="staff",
        verbose_name=_("administration"),
    )
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="staff", verbose_name=_("institution")
    )
    employee_number = models.CharField(_("employee number"), max_length=40)
    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=100)
    primary_category = models.ForeignKey(
        StaffCategory,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("primary category"),
        limit_choices_to={"is_role": False, "applies_to_all": False},
    )
    entry_date = models.DateField(_("entry into post"))
    # Who has left is kept, not deleted: figures for dates before the leaving date still count
    # them. A person marked inactive before leaving dates were recorded has no date and is
    # left out of every figure, as before.
    active = models.BooleanField(_("active"), default=True)
    leaving_date = models.DateField(_("last day in post"), null=True, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.LANGUAGES, default="en"
    )
    email = models.EmailField(_("email"), blank=True)
    # Folded forms kept with the row so that search and sort need no per-row Python.
    search_text = models.TextField(editable=False, default="")
    # When the row last changed: what API clients synchronise on (`updated_since`).
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)
    sort_name = models.CharField(max_length=210, editable=False, default="", db_index=True)

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyPaths(
        beneficiary="beneficiary", institution="institution", staff_member="pk", personal=True
    )

    class Meta:
        ordering = ["sort_name", "pk"]
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")
        constraints = [
            models.UniqueConstraint(
                fields=["beneficiary", "employee_number"], name="unique_employee_number"
            ),
            models.CheckConstraint(
                condition=Q(leaving_date__isnull=True) | Q(active=False),
                name="leaver_is_inactive",
            ),
            models.CheckConstraint(
                condition=Q(leaving_date__isnull=True) | Q(leaving_date__gte=F("entry_date")),
                name="leaves_after_entry",
            ),
        ]
        indexes = [models.Index(fields=["institution", "sort_name"])]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args: object, **kwargs: object) -> None:
        self.refresh_search_fields()
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @staticmethod
    def str_expression() -> Concat:
        """`str()` of a person, computed by the database (audit rows written in bulk)."""
        return Concat("given_name", Value(" "), "family_name", output_field=models.CharField())

    def refresh_search_fields(self) -> None:
        self.search_text = search_variants(
            f"{self.given_name} {self.family_name} {self.family_name} {self.employee_number}"
        )
        self.sort_name = fold(f"{self.family_name} {self.given_name}")[:210]

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if (
            self.institution_id
            and self.beneficiary_id
            and self.institution.beneficiary_id != self.beneficiary_id
        ):
            errors["institution"] = _("The institution belongs to another administration.")
        if self.primary_category_id and (
            self.primary_category.is_role or self.primary_category.applies_to_all
        ):
            errors["primary_category"] = _(
                "Choose a staff category: a role (trainer, MDT member) or “all staff” is not one."
            )
        if self.leaving_date and self.leaving_date > timezone.localdate():
            errors["leaving_date"] = _("The last day in post cannot be in the future.")
        if self.leaving_date and self.entry_date and self.leaving_date < self.entry_date:
            errors["leaving_date"] = _("A person cannot leave before their entry into post.")
        if errors:
            raise ValidationError(errors)


class StaffRole(models.Model):
    """A role held in addition to the primary category (trainer, MDT member), from a date."""

    staff_member = models.ForeignKey(
        StaffMember, on_delete=models.CASCADE, related_name="roles", verbose_name=_("staff member")
    )
    category = models.ForeignKey(
        StaffCategory,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("role"),
        limit_choices_to={"is_role": True},
    )
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyPaths(
        beneficiary="staff_member__beneficiary",
        institution="staff_member__institution",
        staff_member="staff_member",
        personal=True,
    )

    class Meta:
        ordering = ["start_date"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="role_ends_after_it_starts",
            ),
            models.UniqueConstraint(
                fields=["staff_member", "category", "start_date"], name="unique_role_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff_member}: {self.category.code}"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.category_id and not self.category.is_role:
            errors["category"] = _("Only a role held in addition (trainer, MDT member) goes here.")
        if self.end_date and self.start_date and self.end_date < self.start_date:
            errors["end_date"] = _("A role cannot end before it starts.")
        member = self.staff_member if self.staff_member_id else None
        if member is not None and self.start_date and self.start_date < member.entry_date:
            errors["start_date"] = _("A role cannot start before the person's entry into post.")
        if (
            member is not None
            and member.leaving_date
            and self.start_date
            and self.start_date > member.leaving_date
        ):
            errors["start_date"] = _("A role cannot start after the person left the service.")
        if self.staff_member_id and self.category_id and self.start_date and not errors:
            overlapping = StaffRole.objects.filter(
                Q(end_date__isnull=True) | Q(end_date__gte=self.start_date),
                staff_member_id=self.staff_member_id,
                category_id=self.category_id,
            ).exclude(pk=self.pk)
            if self.end_date:
                overlapping = overlapping.filter(start_date__lte=self.end_date)
            if overlapping.exists():
                errors["start_date"] = _("This person already holds this role in that period.")
        if errors:
            raise ValidationError(errors)
