from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
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

    def refresh_search_fields(self) -> None:
        self.search_text = search_variants(
            f"{self.given_name} {self.family_name} {self.family_name} {self.employee_number}"
        )
        self.sort_name = fold(f"{self.family_name} {self.given_name}")[:210]

    def clean(self) -> None:
        if (
            self.institution_id
            and self.beneficiary_id
            and self.institution.beneficiary_id != self.beneficiary_id
        ):
            raise ValidationError(
                {"institution": _("The institution belongs to another administration.")}
            )


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
