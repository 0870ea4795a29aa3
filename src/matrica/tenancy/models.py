from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from matrica.tenancy.scoping import ScopedQuerySet, TenancyPaths


class Beneficiary(models.Model):
    """A jurisdiction with its own prison and probation administration: the tenant boundary."""

    # The code stands in URLs and file names: two to four capital letters (ISO 3166 alpha-2
    # where there is one; XK for Kosovo*).
    code = models.CharField(
        _("code"),
        max_length=4,
        unique=True,
        validators=[
            RegexValidator(r"^[A-Z]{2,4}$", _("Use two to four capital letters A–Z, e.g. RS."))
        ],
    )
    name = models.CharField(_("name"), max_length=100)
    authority = models.CharField(_("authority"), max_length=200, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    footnote = models.TextField(_("footnote"), blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)
    # The retention rule (docs/privacy.md): the personal data of people who left more than this
    # many years ago is pseudonymised by `matrica retention`; their figures stay.
    retention_years = models.PositiveSmallIntegerField(
        _("retention after leaving (years)"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyPaths(beneficiary="pk", regional_visible=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("administration")
        verbose_name_plural = _("administrations")

    def __str__(self) -> str:
        return self.name


class Service(models.Model):
    class Kind(models.TextChoices):
        PRISON = "prison", _("Prison service")
        PROBATION = "probation", _("Probation service")

    beneficiary = models.ForeignKey(
        Beneficiary,
        on_delete=models.CASCADE,
        related_name="services",
        verbose_name=_("administration"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyPaths(beneficiary="beneficiary", regional_visible=True)

    class Meta:
        ordering = ["beneficiary__code", "kind"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        constraints = [
            models.UniqueConstraint(fields=["beneficiary", "kind"], name="one_service_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.beneficiary.code})"


class Institution(models.Model):
    class Kind(models.TextChoices):
        PRISON = "prison", _("Prison")
        REMAND = "remand", _("Remand facility")
        JUVENILE = "juvenile", _("Juvenile facility")
        HOSPITAL = "hospital", _("Prison hospital")
        PROBATION_OFFICE = "probation_office", _("Probation office")
        TRAINING_CENTRE = "training_centre", _("Training centre")
        HEADQUARTERS = "headquarters", _("Headquarters")

    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="institutions", verbose_name=_("service")
    )
    # Denormalised from the service so that every scoped query is one indexed equality.
    beneficiary = models.ForeignKey(
        Beneficiary,
        on_delete=models.PROTECT,
        related_name="institutions",
        verbose_name=_("administration"),
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    city = models.CharField(_("city"), max_length=100, blank=True)

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyPaths(beneficiary="beneficiary", institution="pk", regional_visible=True)

    class Meta:
        ordering = ["beneficiary__code", "name"]
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        constraints = [
            models.UniqueConstraint(fields=["beneficiary", "name"], name="unique_institution_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if (
            self.service_id
            and self.beneficiary_id
            and self.service.beneficiary_id != self.beneficiary_id
        ):
            raise ValidationError({"service": _("The service belongs to another administration.")})
