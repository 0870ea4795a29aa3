from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from matrica.staff.models import StaffMember
from matrica.tenancy.models import Beneficiary, Institution
from matrica.tenancy.roles import ROLE_REACH, Reach, Role
from matrica.tenancy.scoping import ScopedQuerySet, TenancyPaths


class ScopedUserManager(UserManager.from_queryset(ScopedQuerySet)):  # type: ignore[misc]
    pass


class User(AbstractUser):
    """A person who logs in. The role and its anchors (administration, institution, own staff
    record) decide everything the user may see; see matrica.tenancy.scoping."""

    role = models.CharField(_("role"), max_length=30, choices=Role.choices, blank=True)
    beneficiary = models.ForeignKey(
        Beneficiary,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("administration"),
    )
    institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("institution"),
    )
    staff_member = models.OneToOneField(
        StaffMember,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="user",
        verbose_name=_("own staff record"),
    )
    is_demo = models.BooleanField(_("demo account"), default=False)

    objects = ScopedUserManager()  # type: ignore[misc]
    tenancy = TenancyPaths(
        beneficiary="beneficiary",
        institution="institution",
        staff_member="staff_member",
        personal=True,
        # The coordinator manages the national administrators' accounts, and sees no other.
        regional_filter=Q(role=Role.NATIONAL_ADMIN),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def reach(self) -> Reach | None:
        return ROLE_REACH.get(self.role)

    def clean(self) -> None:
        super().clean()
        reach = self.reach
        errors: dict[str, str] = {}
        if (
            reach in (Reach.ADMINISTRATION, Reach.INSTITUTION, Reach.SELF)
            and not self.beneficiary_id
        ):
            errors["beneficiary"] = str(_("This role needs an administration."))
        if reach in (Reach.INSTITUTION, Reach.SELF) and not self.institution_id:
            errors["institution"] = str(_("This role needs an institution."))
        if reach is Reach.SELF and not self.staff_member_id:
            errors["staff_member"] = str(_("This role needs the user's own staff record."))
        if (
            self.institution is not None
            and self.beneficiary_id
            and self.institution.beneficiary_id != self.beneficiary_id
        ):
            errors["institution"] = str(_("The institution belongs to another administration."))
        if (
            self.staff_member is not None
            and self.beneficiary_id
            and self.staff_member.beneficiary_id != self.beneficiary_id
        ):
            errors["staff_member"] = str(_("This person belongs to another administration."))
        if errors:
            raise ValidationError(errors)
