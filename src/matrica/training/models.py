from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from matrica.framework.models import CompetencyArea, Level, Module
from matrica.staff.models import StaffMember
from matrica.tenancy.scoping import ScopedQuerySet, TenancyPaths


class Completion(models.Model):
    """Evidence that a person holds an (area, level) from a date until a date."""

    class Source(models.TextChoices):
        SESSION = "session", _("Training session")
        ELEARNING = "elearning", _("E-learning")
        PRIOR_LEARNING = "prior_learning", _("Recognised prior learning")
        MANUAL = "manual", _("Manual entry")

    # Evidence from a delivered module speaks for itself; any other must say why it is accepted.
    FROM_DELIVERY = frozenset({Source.SESSION, Source.ELEARNING})

    staff_member = models.ForeignKey(
        StaffMember,
        on_delete=models.CASCADE,
        related_name="completions",
        verbose_name=_("staff member"),
    )
    area = models.ForeignKey(CompetencyArea, on_delete=models.PROTECT, verbose_name=_("area"))
    level = models.ForeignKey(Level, on_delete=models.PROTECT, verbose_name=_("level"))
    completed_on = models.DateField(_("completed on"))
    valid_until = models.DateField(_("valid until"))
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    module = models.ForeignKey(
        Module, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("module")
    )
    note = models.TextField(_("note"), blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    # When the row last changed: what API clients synchronise on (`updated_since`).
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyPaths(
        beneficiary="staff_member__beneficiary",
        institution="staff_member__institution",
        staff_member="staff_member",
        personal=True,
    )

    class Meta:
        ordering = ["-completed_on", "area__order"]
        verbose_name = _("completion")
        verbose_name_plural = _("completions")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gt=F("completed_on")),
                name="completion_valid_after_completed",
            ),
            # Evidence not coming from a delivered module must say why it is accepted.
            models.CheckConstraint(
                condition=Q(source__in=["session", "elearning"]) | ~Q(note=""),
                name="completion_manual_has_note",
            ),
        ]
        indexes = [
            # Covers the compliance engine's probe for a person's evidence in an area: level
            # and validity come from the index, not from a row lookup per completion.
            models.Index(
                fields=["staff_member", "area", "completed_on", "level", "valid_until"],
                name="completion_evidence_probe",
            )
        ]

    def __str__(self) -> str:
        return f"{self.staff_member}: {self.area.code}-{self.level.code} {self.completed_on}"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.completed_on and self.completed_on > timezone.localdate():
            errors["completed_on"] = _("Evidence cannot be dated in the future.")
        if self.completed_on and self.valid_until and self.valid_until <= self.completed_on:
            errors["valid_until"] = _("Evidence must stay valid for some time after it is gained.")
        self.note = self.note.strip()
        if self.source not in self.FROM_DELIVERY and not self.note:
            errors["note"] = _("Say why this evidence is accepted.")
        if self.source in self.FROM_DELIVERY and not self.module_id:
            errors["module"] = _(
                "Say which module this evidence from a session or e-learning is for."
            )
        if errors:
            raise ValidationError(errors)

    @staticmethod
    def str_expression() -> Concat:
        """`str()` of a completion, computed by the database (audit rows written in bulk)."""
        return Concat(
            "staff_member__given_name", Value(" "), "staff_member__family_name", Value(": "),
            "area__code", Value("-"), "level__code", Value(" "),
            Cast("completed_on", models.CharField()), output_field=models.CharField(),
        )  # fmt: skip
