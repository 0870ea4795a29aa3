"""Whether training works (Kirkpatrick's first three levels): a module's knowledge test taken
before and after a session (level 2), the participants' feedback on the session (level 1), and
a follow-up on use at work some months later (level 3). Only matrica.evaluation.actions writes
these rows.

Feedback and follow-up answers are anonymous by construction: no stored field ties an answer to
a person or to the moment it was given (random keys, no time stamps). Whether someone has
answered is kept apart, in a receipt that says nothing of the answer.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from matrica.delivery.models import Enrolment, TrainerSeesParticipants, TrainingSession
from matrica.framework.models import Module
from matrica.tenancy.models import Beneficiary
from matrica.tenancy.scoping import ScopedQuerySet, SharedOrScopedQuerySet, TenancyPaths

SCALE = [MinValueValidator(1), MaxValueValidator(5)]
# The rated questions of each form, in the order they are asked.
FEEDBACK_QUESTIONS = ("relevance", "trainer", "materials", "confidence")
FOLLOW_UP_QUESTIONS = ("used", "changed", "support")
PERCENT = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]


class ModuleTest(models.Model):
    """A module's knowledge test: its pass mark and question bank. A common module's test is
    the coordinator's (no administration); an administration may keep its own test of any
    module it delivers, which its sessions then use instead."""

    module = models.ForeignKey(
        Module, on_delete=models.PROTECT, related_name="tests", verbose_name=_("module")
    )
    beneficiary = models.ForeignKey(
        Beneficiary,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("administration"),
        help_text=_("Empty for the common test of a common module."),
    )
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"),
        default=70,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("The share of the post-test's points a participant needs to pass."),
    )

    objects = SharedOrScopedQuerySet.as_manager()
    tenancy = TenancyPaths(beneficiary="beneficiary", regional_visible=True)

    class Meta:
        ordering = ["module__code", "pk"]
        verbose_name = _("knowledge test")
        verbose_name_plural = _("knowledge tests")
        constraints = [
            models.UniqueConstraint(
                fields=["module", "beneficiary"], name="one_test_per_module_and_owner"
            ),
            models.UniqueConstraint(
                fields=["module"],
                condition=Q(beneficiary__isnull=True),
                name="one_common_test_per_module",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.module.code}"

    def clean(self) -> None:
        if self.module_id:
            owner = self.module.beneficiary_id
            if owner is not None and owner != self.beneficiary_id:
                raise ValidationError(
                    {"module": _("This module belongs to another administration.")}
                )


class Question(models.Model):
    """One question of a test, in one language: single choice (one right answer) or multiple
    choice (every right answer and no wrong one earns the point)."""

    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")

    test = models.ForeignKey(
        ModuleTest, on_delete=models.CASCADE, related_name="questions", verbose_name=_("test")
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SINGLE)
    text = models.TextField(_("question"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyPaths(beneficiary="test__beneficiary", regional_visible=True)

    class Meta:
        ordering = ["test", "language", "position", "pk"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.text[:60]


class Choice(models.Model):
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="choices", verbose_name=_("question")
    )
    text = models.CharField(_("answer"), max_length=500)
    correct = models.BooleanField(_("correct"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["question", "position", "pk"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")

    def __str__(self) -> str:
        return self.text[:60]


class TestResultQuerySet(TrainerSeesParticipants):
    session_path = "enrolment__session"


class TestResult(models.Model):
    """A participant's score in the pre-test or the post-test of a session, taken on the
    phone page or entered by the trainer from a paper test."""

    __test__ = False  # not a pytest test class, despite its name

    class Phase(models.TextChoices):
        PRE = "pre", _("Pre-test")
        POST = "post", _("Post-test")

    class Method(models.TextChoices):
        ONLINE = "online", _("Taken online")
        PAPER = "paper", _("On paper, entered by the trainer")

    enrolment = models.ForeignKey(
        Enrolment,
        on_delete=models.CASCADE,
        related_name="test_results",
        verbose_name=_("enrolment"),
    )
    phase = models.CharField(_("test"), max_length=4, choices=Phase.choices)
    score = models.DecimalField(_("score (%)"), max_digits=5, decimal_places=2, validators=PERCENT)
    method = models.CharField(_("how"), max_length=6, choices=Method.choices)
    # The choices picked online (ids), kept so that a score can be explained.
    answers = models.JSONField(default=list, blank=True, editable=False)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)

    objects = TestResultQuerySet.as_manager()
    tenancy = TenancyPaths(
        beneficiary="enrolment__staff_member__beneficiary",
        institution="enrolment__staff_member__institution",
        staff_member="enrolment__staff_member",
        personal=True,
    )

    class Meta:
        ordering = ["enrolment", "phase"]
        verbose_name = _("test result")
        verbose_name_plural = _("test results")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "phase"], name="one_result_per_phase"),
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=100), name="score_is_a_percentage"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment} {self.phase} {self.score}"


class Rating(models.IntegerChoices):
    """The five-point scale of every feedback and follow-up question."""

    ONE = 1, _("1: not at all")
    TWO = 2, _("2")
    THREE = 3, _("3")
    FOUR = 4, _("4")
    FIVE = 5, _("5: very much")


class FeedbackAnswer(models.Model):
    """One participant's anonymous feedback on a session. Nothing here names the person or the
    time: the key is random and there is no time stamp, so not even the order of answers can
    be matched with the receipts."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="+", verbose_name=_("session")
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    relevance = models.PositiveSmallIntegerField(
        _("The session was relevant to my work"), choices=Rating.choices, validators=SCALE
    )
    trainer = models.PositiveSmallIntegerField(
        _("The trainers explained well"), choices=Rating.choices, validators=SCALE
    )
    materials = models.PositiveSmallIntegerField(
        _("The materials were useful"), choices=Rating.choices, validators=SCALE
    )
    confidence = models.PositiveSmallIntegerField(
        _("I feel more confident in this area"), choices=Rating.choices, validators=SCALE
    )
    comment = models.TextField(_("Anything else you want to tell us"), blank=True)

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyPaths(beneficiary="session__beneficiary")

    class Meta:
        verbose_name = _("feedback answer")
        verbose_name_plural = _("feedback answers")

    def __str__(self) -> str:
        return str(self.session)


class FeedbackReceipt(models.Model):
    """That a participant has given feedback on their session (once only): no time, no answer."""

    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.CASCADE, related_name="feedback_receipt"
    )

    class Meta:
        verbose_name = _("feedback receipt")
        verbose_name_plural = _("feedback receipts")

    def __str__(self) -> str:
        return str(self.enrolment)


class FollowUpInvitation(models.Model):
    """A request, some months after a session, to say how its training is used at work: sent
    to each participant who attended and to their institution's manager."""

    class Respondent(models.TextChoices):
        PARTICIPANT = "participant", _("Participant")
        MANAGER = "manager", _("Institution manager")

    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="+", verbose_name=_("session")
    )
    respondent = models.CharField(_("respondent"), max_length=11, choices=Respondent.choices)
    # The participant asked, or (managers) the participant asked about.
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="+", verbose_name=_("enrolment")
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    sent_on = models.DateField(_("sent on"))
    answered = models.BooleanField(_("answered"), default=False)

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyPaths(
        beneficiary="enrolment__staff_member__beneficiary",
        institution="enrolment__staff_member__institution",
        staff_member="enrolment__staff_member",
        personal=True,
    )

    class Meta:
        ordering = ["session", "pk"]
        verbose_name = _("follow-up invitation")
        verbose_name_plural = _("follow-up invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "respondent"], name="one_follow_up_per_respondent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session} {self.respondent}"


class FollowUpAnswer(models.Model):
    """An anonymous answer to a follow-up: as for feedback, nothing ties it to the invitation."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="+", verbose_name=_("session")
    )
    respondent = models.CharField(
        _("respondent"), max_length=11, choices=FollowUpInvitation.Respondent.choices
    )
    used = models.PositiveSmallIntegerField(
        _("What was learnt is used at work"), choices=Rating.choices, validators=SCALE
    )
    changed = models.PositiveSmallIntegerField(
        _("It changed how the work is done"), choices=Rating.choices, validators=SCALE
    )
    support = models.PositiveSmallIntegerField(
        _("The workplace supports using it"), choices=Rating.choices, validators=SCALE
    )
    comment = models.TextField(_("An example, or what stands in the way"), blank=True)

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyPaths(beneficiary="session__beneficiary")

    class Meta:
        verbose_name = _("follow-up answer")
        verbose_name_plural = _("follow-up answers")

    def __str__(self) -> str:
        return str(self.session)
