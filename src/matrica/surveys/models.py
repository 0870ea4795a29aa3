"""Training-needs surveys: an administration asks its staff, once in a while, how confident
they feel in each competency area of the matrix, how often the situation arises in their work,
and whether they want training in it. Only matrica.surveys.actions writes these rows.

An anonymous campaign's answers are anonymous by construction (docs/surveys.md): a `Response`
holds the campaign, the respondent's staff category and nothing else about them; its key is
random and it has no time stamp of any kind, so neither a field nor the order of the rows ties
it to a person. Who has answered is kept apart, on the person's `Invitation` (made when the
campaign opens, in roster order), as a flag that says nothing of the answer.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Concat
from django.utils.translation import gettext_lazy as _

from matrica.framework.models import CompetencyArea, StaffCategory
from matrica.staff.models import StaffMember
from matrica.tenancy.models import Beneficiary, Institution
from matrica.tenancy.scoping import ScopedQuerySet, TenancyPaths


class Frequency(models.TextChoices):
    """How often the situation of an area arises in the respondent's work (stable codes)."""

    NEVER = "never", _("Never")
    YEARLY = "yearly", _("A few times a year")
    MONTHLY = "monthly", _("Every month")
    WEEKLY = "weekly", _("Every week")
    DAILY = "daily", _("Every day")


class Confidence(models.IntegerChoices):
    ONE = 1, _("1: not confident")
    TWO = 2, _("2")
    THREE = 3, _("3")
    FOUR = 4, _("4")
    FIVE = 5, _("5: fully confident")


class Campaign(models.Model):
    """A survey an administration runs: whom it asks (staff categories, and institutions or the
    whole administration) and when (open and close dates, both included)."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.PROTECT, related_name="+", verbose_name=_("administration")
    )
    title = models.CharField(_("title"), max_length=200)
    target_categories = models.ManyToManyField(
        StaffCategory, related_name="+", verbose_name=_("staff categories asked")
    )
    target_institutions = models.ManyToManyField(
        Institution,
        related_name="+",
        blank=True,
        verbose_name=_("institutions asked"),
        help_text=_("None chosen: the whole administration."),
    )
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    anonymous = models.BooleanField(
        _("anonymous"),
        default=True,
        help_text=_("Answers are kept without any link to the person who gave them."),
    )
    state = models.CharField(
        _("state"), max_length=6, choices=State.choices, default=State.DRAFT, editable=False
    )

    objects = ScopedQuerySet.as_manager()
    # A campaign holds no personal data: the coordinator sees every administration's.
    tenancy = TenancyPaths(beneficiary="beneficiary", regional_visible=True)

    class Meta:
        ordering = ["-opens_on", "title", "pk"]
        verbose_name = _("survey campaign")
        verbose_name_plural = _("survey campaigns")
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=F("opens_on")), name="campaign_closes_after_opening"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.opens_on and self.closes_on and self.closes_on < self.opens_on:
            raise ValidationError({"closes_on": _("A campaign cannot close before it opens.")})


class Invitation(models.Model):
    """A person asked by a campaign, made when it opens. `answered` is the receipt: it says
    that they have answered (for the response rate, and to refuse a second answer), never
    what. The category is the person's when the campaign opened, and their answer carries the
    same one, so the response rate and the heat map count the same people."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("campaign")
    )
    staff_member = models.ForeignKey(
        StaffMember, on_delete=models.CASCADE, related_name="+", verbose_name=_("staff member")
    )
    category = models.ForeignKey(
        StaffCategory, on_delete=models.PROTECT, related_name="+", verbose_name=_("staff category")
    )
    answered = models.BooleanField(_("answered"), default=False)

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyPaths(
        beneficiary="campaign__beneficiary",
        institution="staff_member__institution",
        staff_member="staff_member",
        personal=True,
    )

    class Meta:
        ordering = ["campaign", "pk"]
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "staff_member"], name="one_invitation_per_person"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign}: {self.staff_member}"

    @staticmethod
    def str_expression() -> Concat:
        """`str()` computed by the database, for the audit rows of a campaign's opening."""
        return Concat(
            "campaign__title", Value(": "), "staff_member__given_name", Value(" "),
            "staff_member__family_name", output_field=models.CharField(),
        )  # fmt: skip


class Response(models.Model):
    """One person's answer to a campaign. In an anonymous campaign nothing here names the
    person or the moment: a random key, no time stamp, no person; only the campaign and the
    staff category (the heat map's columns). A named campaign keeps the person too."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="+", verbose_name=_("campaign")
    )
    category = models.ForeignKey(
        StaffCategory, on_delete=models.PROTECT, related_name="+", verbose_name=_("staff category")
    )
    # Empty in an anonymous campaign (the action sees to it): only a named campaign keeps it.
    staff_member = models.ForeignKey(
        StaffMember,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("staff member"),
    )

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyPaths(
        beneficiary="campaign__beneficiary",
        institution="staff_member__institution",
        staff_member="staff_member",
        personal=True,
    )

    class Meta:
        # By the random key: listing answers never gives the order they came in.
        ordering = ["id"]
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")

    def __str__(self) -> str:
        return str(self.campaign)


class AreaAnswer(models.Model):
    """A response's self-assessment in one competency area."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(
        Response, on_delete=models.CASCADE, related_name="areas", verbose_name=_("response")
    )
    area = models.ForeignKey(
        CompetencyArea, on_delete=models.PROTECT, related_name="+", verbose_name=_("area")
    )
    confidence = models.PositiveSmallIntegerField(
        _("How confident do you feel in this area?"),
        choices=Confidence.choices,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    frequency = models.CharField(
        _("How often does it arise in your work?"), max_length=7, choices=Frequency.choices
    )
    wants_training = models.BooleanField(_("Would you like training in it?"))

    class Meta:
        ordering = ["response", "area__order"]
        verbose_name = _("answer for an area")
        verbose_name_plural = _("answers for an area")
        constraints = [
            models.UniqueConstraint(fields=["response", "area"], name="one_answer_per_area"),
            models.CheckConstraint(
                condition=Q(confidence__gte=1, confidence__lte=5), name="confidence_from_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area_id}: {self.confidence}"
