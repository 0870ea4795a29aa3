from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from matrica.framework.translation import TranslatedFields
from matrica.tenancy.models import Beneficiary
from matrica.tenancy.scoping import ScopedQuerySet, SharedOrScopedQuerySet, TenancyPaths


class Level(TranslatedFields):
    """Awareness < practitioner < specialist; a higher rank satisfies a lower requirement."""

    code = models.CharField(_("code"), max_length=2, unique=True)
    rank = models.PositiveSmallIntegerField(_("rank"), unique=True)
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    default_deadline_months = models.PositiveSmallIntegerField(
        _("default deadline after entry into post (months)")
    )

    class Meta:
        ordering = ["rank"]
        verbose_name = _("level")
        verbose_name_plural = _("levels")

    def __str__(self) -> str:
        return self.local_title


class StaffCategory(TranslatedFields):
    """A column of the matrix: a primary category, or a role held in addition (trainer, MDT)."""

    code = models.CharField(_("code"), max_length=8, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    is_role = models.BooleanField(_("role held in addition to a primary category"), default=False)
    applies_to_all = models.BooleanField(_("applies to all staff"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("staff category")
        verbose_name_plural = _("staff categories")

    def __str__(self) -> str:
        return self.local_title


class CompetencyArea(TranslatedFields):
    """A row of the matrix."""

    code = models.CharField(_("code"), max_length=8, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("competency area")
        verbose_name_plural = _("competency areas")

    def __str__(self) -> str:
        return self.local_title


class FrameworkVersionQuerySet(models.QuerySet["FrameworkVersion"]):
    def published(self) -> FrameworkVersionQuerySet:
        """The versions that can be in force: every question "which version applies on this
        date" starts here, so that a draft never changes a figure or a page."""
        return self.filter(published=True)

    def drafts(self) -> FrameworkVersionQuerySet:
        return self.filter(published=False)


class FrameworkVersion(models.Model):
    """One state of the common matrix. A published version is never rewritten: the version in
    force on a date is the latest published one effective on or before it. A draft (prepared by
    the coordinator, or imported from a CASE package) applies nowhere until it is published
    (`framework.actions.publish_version`); its `effective_from` is only proposed until then."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=200)
    effective_from = models.DateField(_("effective from"))
    published = models.BooleanField(_("published"), default=True)
    notes = models.TextField(_("notes"), blank=True)

    objects = FrameworkVersionQuerySet.as_manager()

    class Meta:
        ordering = ["-effective_from"]
        get_latest_by = "effective_from"
        verbose_name = _("framework version")
        verbose_name_plural = _("framework versions")
        constraints = [
            # Drafts may propose any date; two published versions never share one.
            models.UniqueConstraint(
                fields=["effective_from"],
                condition=Q(published=True),
                name="one_published_version_per_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.effective_from:%Y-%m-%d})"


class RequirementRule(models.Model):
    """What the cell (area, category) asks for: a level, how often to refresh it, and by when a
    new member of staff must first hold it."""

    area = models.ForeignKey(CompetencyArea, on_delete=models.PROTECT, verbose_name=_("area"))
    category = models.ForeignKey(
        StaffCategory, on_delete=models.PROTECT, verbose_name=_("category")
    )
    level = models.ForeignKey(Level, on_delete=models.PROTECT, verbose_name=_("required level"))
    refresher_months = models.PositiveSmallIntegerField(_("refresher interval (months)"))
    deadline_months = models.PositiveSmallIntegerField(_("deadline after entry into post (months)"))

    class Meta:
        abstract = True


class Requirement(RequirementRule):
    version = models.ForeignKey(
        FrameworkVersion,
        on_delete=models.CASCADE,
        related_name="requirements",
        verbose_name=_("version"),
    )

    class Meta:
        ordering = ["area__order", "category__order"]
        verbose_name = _("requirement")
        verbose_name_plural = _("requirements")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "area", "category"], name="one_requirement_per_cell"
            ),
            models.CheckConstraint(
                condition=Q(refresher_months__gt=0), name="requirement_refresher_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area.code}×{self.category.code}: {self.level.code}/{self.refresher_months}"


class NationalAdaptation(models.Model):
    """An administration's adaptation of one framework version: requirements it adds or
    tightens, each with a reason. A change is a new adaptation with a later effective date."""

    beneficiary = models.ForeignKey(
        Beneficiary,
        on_delete=models.CASCADE,
        related_name="adaptations",
        verbose_name=_("administration"),
    )
    version = models.ForeignKey(
        FrameworkVersion,
        on_delete=models.PROTECT,
        related_name="adaptations",
        verbose_name=_("framework version"),
    )
    effective_from = models.DateField(_("effective from"))
    title = models.CharField(_("title"), max_length=200)

    objects = ScopedQuerySet.as_manager()
    # The coordinator owns the common matrix and must see every deviation from it.
    tenancy = TenancyPaths(beneficiary="beneficiary", regional_visible=True)

    class Meta:
        ordering = ["beneficiary__code", "-effective_from"]
        verbose_name = _("national adaptation")
        verbose_name_plural = _("national adaptations")
        constraints = [
            models.UniqueConstraint(
                fields=["beneficiary", "effective_from"], name="one_adaptation_per_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.beneficiary.code} {self.title} ({self.effective_from:%Y-%m-%d})"

    def clean(self) -> None:
        if (
            self.version_id
            and self.effective_from
            and self.effective_from < self.version.effective_from
        ):
            raise ValidationError(
                {"effective_from": _("An adaptation cannot take effect before its version.")}
            )


class Deviation(RequirementRule):
    """A requirement that a national adaptation adds or tightens."""

    adaptation = models.ForeignKey(
        NationalAdaptation,
        on_delete=models.CASCADE,
        related_name="deviations",
        verbose_name=_("adaptation"),
    )
    reason = models.TextField(_("reason"))

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyPaths(beneficiary="adaptation__beneficiary", regional_visible=True)

    class Meta:
        ordering = ["area__order", "category__order"]
        verbose_name = _("deviation")
        verbose_name_plural = _("deviations")
        constraints = [
            models.UniqueConstraint(
                fields=["adaptation", "area", "category"], name="one_deviation_per_cell"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="deviation_has_reason"),
            models.CheckConstraint(
                condition=Q(refresher_months__gt=0), name="deviation_refresher_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area.code}×{self.category.code}: {self.level.code}/{self.refresher_months}"

    def clean(self) -> None:
        """A deviation may only add to or tighten the common cell: a lower level, a longer
        refresher interval or a later deadline would undo the floor the region agreed on."""
        errors: dict[str, Any] = {}
        self.reason = self.reason.strip()
        if not self.reason:
            errors["reason"] = _("Say why the administration deviates from the common matrix.")
        base = None
        if self.adaptation_id and self.area_id and self.category_id:
            base = (
                Requirement.objects.filter(
                    version_id=self.adaptation.version_id,
                    area_id=self.area_id,
                    category_id=self.category_id,
                )
                .select_related("level")
                .first()
            )
        if base is not None:
            if self.level_id and self.level.rank < base.level.rank:
                errors["level"] = _("A national adaptation cannot lower the required level.")
            if self.refresher_months and self.refresher_months > base.refresher_months:
                errors["refresher_months"] = _(
                    "A national adaptation cannot lengthen the refresher interval."
                )
            if self.deadline_months is not None and self.deadline_months > base.deadline_months:
                errors["deadline_months"] = _("A national adaptation cannot extend the deadline.")
        if errors:
            raise ValidationError(errors)


class ModuleQuerySet(SharedOrScopedQuerySet):
    """The common modules, which everyone reads, and the national ones within reach."""

    def common(self) -> ModuleQuerySet:
        return self.filter(beneficiary__isnull=True)


class Module(TranslatedFields):
    """A curriculum unit and what completing it confers: a module of the common matrix, or one
    an administration adds to it (`beneficiary` set), which is evidence exactly like a common
    one."""

    class DeliveryMode(models.TextChoices):
        CLASSROOM = "classroom", _("Classroom")
        ONLINE_LIVE = "online_live", _("Online, live")
        ELEARNING = "elearning", _("E-learning")
        BLENDED = "blended", _("Blended")

    beneficiary = models.ForeignKey(
        Beneficiary,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="modules",
        verbose_name=_("administration"),
        help_text=_("Empty for a module of the common matrix."),
    )
    code = models.CharField(_("code"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    learning_outcomes = models.TextField(_("learning outcomes"), blank=True)
    hours = models.PositiveSmallIntegerField(_("hours"))
    validity_months = models.PositiveSmallIntegerField(_("validity (months)"))
    delivery_modes = models.JSONField(_("delivery modes"), default=list, blank=True)
    languages = models.JSONField(_("languages of delivery"), default=list, blank=True)
    joint_delivery = models.BooleanField(
        _("designed for joint prison and probation delivery"), default=False
    )
    attendance_threshold = models.PositiveSmallIntegerField(
        _("attendance needed for completion (%)"),
        default=100,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    notes = models.TextField(_("notes"), blank=True)
    prerequisites_any_of = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="leads_to",
        verbose_name=_("prerequisites (any one of)"),
    )

    objects = ModuleQuerySet.as_manager()
    # The coordinator reads every administration's modules; national data otherwise.
    tenancy = TenancyPaths(beneficiary="beneficiary", regional_visible=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("module")
        verbose_name_plural = _("modules")
        constraints = [
            models.CheckConstraint(
                condition=Q(validity_months__gt=0), name="module_validity_positive"
            ),
            models.CheckConstraint(
                condition=Q(attendance_threshold__gte=1, attendance_threshold__lte=100),
                name="module_attendance_threshold_percent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.local_title}"

    @property
    def is_national(self) -> bool:
        return self.beneficiary_id is not None

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.beneficiary is not None and self.code:
            prefix = f"{self.beneficiary.code}-"
            if not self.code.startswith(prefix) or self.code == prefix:
                # A national code never collides with one the common matrix ships.
                errors["code"] = _(
                    "A national module's code starts with the administration's code and a "
                    "hyphen, for example %(example)s."
                ) % {"example": f"{prefix}BA2"}
        unknown_modes = set(self.delivery_modes or []) - set(self.DeliveryMode.values)
        if unknown_modes:
            errors["delivery_modes"] = _("Unknown delivery mode: %(modes)s.") % {
                "modes": ", ".join(sorted(map(str, unknown_modes)))
            }
        if errors:
            raise ValidationError(errors)


class Conferral(models.Model):
    """One (area, level) pair that completing a module confers."""

    module = models.ForeignKey(
        Module, on_delete=models.CASCADE, related_name="conferrals", verbose_name=_("module")
    )
    area = models.ForeignKey(CompetencyArea, on_delete=models.PROTECT, verbose_name=_("area"))
    level = models.ForeignKey(Level, on_delete=models.PROTECT, verbose_name=_("level"))

    class Meta:
        ordering = ["module__code", "area__order"]
        verbose_name = _("conferral")
        verbose_name_plural = _("conferrals")
        constraints = [
            models.UniqueConstraint(fields=["module", "area"], name="one_conferral_per_area"),
        ]

    def __str__(self) -> str:
        return f"{self.module.code}: {self.area.code}-{self.level.code}"
