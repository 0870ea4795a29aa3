"""The resource library: handbooks, guidelines, courses and other material for training and
managing staff. A resource without an administration is common (the coordinator curates it and
everyone reads it); one with an administration is that administration's own."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from matrica.framework.models import CompetencyArea, Level, Module, StaffCategory
from matrica.framework.translation import TranslatedFields
from matrica.tenancy.models import Beneficiary
from matrica.tenancy.scoping import SharedOrScopedQuerySet, TenancyPaths


class ResourceQuerySet(SharedOrScopedQuerySet):
    """The common resources, which everyone signed in reads, and the national ones within
    reach (as `Module`)."""

    def current(self) -> ResourceQuerySet:
        """Not withdrawn."""
        return self.filter(withdrawn_at__isnull=True)


class Resource(TranslatedFields):
    class Kind(models.TextChoices):
        HANDBOOK = "handbook", _("Handbook")
        GUIDELINE = "guideline", _("Guideline")
        ELEARNING = "elearning", _("E-learning course")
        VIDEO = "video", _("Video")
        TOOLKIT = "toolkit", _("Toolkit")
        CASE_STUDY = "case_study", _("Case study")
        TEMPLATE = "template", _("Template")
        STANDARD = "standard", _("Standard")

    beneficiary = models.ForeignKey(
        Beneficiary,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resources",
        verbose_name=_("administration"),
        help_text=_("Empty for a common resource, read by every administration."),
    )
    code = models.CharField(
        _("code"),
        max_length=40,
        unique=True,
        null=True,
        blank=True,
        help_text=_("A stable code for resources loaded from the starter catalogue."),
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"), blank=True)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    url = models.URLField(_("web address"), max_length=500, blank=True)
    licence = models.CharField(_("licence"), max_length=200, blank=True)
    languages = models.JSONField(_("languages available"), default=list, blank=True)
    areas = models.ManyToManyField(
        CompetencyArea, blank=True, related_name="resources", verbose_name=_("competency areas")
    )
    levels = models.ManyToManyField(
        Level, blank=True, related_name="resources", verbose_name=_("levels")
    )
    audiences = models.ManyToManyField(
        StaffCategory, blank=True, related_name="resources", verbose_name=_("audiences")
    )
    modules = models.ManyToManyField(
        Module, blank=True, related_name="resources", verbose_name=_("modules")
    )
    # The uploaded file: stored under MATRICA_UPLOAD_DIR with a random name (`stored_name`),
    # given back under the name it was uploaded with.
    stored_name = models.CharField(_("stored file"), max_length=100, blank=True, editable=False)
    original_filename = models.CharField(_("file name"), max_length=255, blank=True)
    content_type = models.CharField(_("file type"), max_length=100, blank=True)
    file_size = models.PositiveBigIntegerField(_("file size (bytes)"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawal_reason = models.TextField(_("reason for withdrawal"), blank=True)
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)
    # Derived by `matrica.library.search.document`: every language's title and summary, folded.
    search_document = models.TextField(default="", blank=True, editable=False)
    # " en sq " : the languages, each between spaces, for the language facet on both databases.
    language_index = models.CharField(max_length=200, default="", blank=True, editable=False)

    objects = ResourceQuerySet.as_manager()
    tenancy = TenancyPaths(beneficiary="beneficiary", regional_visible=True)

    class Meta:
        ordering = ["title", "pk"]
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        constraints = [
            models.CheckConstraint(
                condition=Q(year__isnull=True) | Q(year__gte=1900, year__lte=2100),
                name="resource_year_plausible",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def local_summary(self) -> str:
        return self.localized("summary")

    @property
    def has_file(self) -> bool:
        return bool(self.stored_name)

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def language_names(self) -> list[str]:
        names = dict(settings.LANGUAGES)
        return [str(names.get(code, code)) for code in self.languages]

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        known = {code for code, _name in settings.LANGUAGES}
        unknown = [code for code in self.languages or [] if code not in known]
        if not isinstance(self.languages, list) or unknown:
            errors["languages"] = _("Unknown language: %(codes)s.") % {
                "codes": ", ".join(map(str, unknown))
            }
        if self.year is not None and not 1900 <= self.year <= 2100:
            errors["year"] = _("Give the year of publication, from 1900 to 2100.")
        unknown_translations = set(self.translations or {}) - known
        if unknown_translations:
            errors["translations"] = _("Unknown language: %(codes)s.") % {
                "codes": ", ".join(sorted(unknown_translations))
            }
        if errors:
            raise ValidationError(errors)
