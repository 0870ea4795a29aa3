"""Training delivery: sessions of a module, who is nominated to them, who attended, and the pool
of trainers who may deliver a module. Only matrica.delivery.actions writes these rows."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils.translation import gettext_lazy as _

from matrica.framework.models import Module
from matrica.staff.models import StaffMember
from matrica.tenancy.models import Beneficiary, Institution, Service
from matrica.tenancy.roles import Role
from matrica.tenancy.scoping import ScopedQuerySet, TenancyPaths, visibility_filter


class SessionQuerySet(ScopedQuerySet):
    def visible_to(self, user: Any) -> SessionQuerySet:
        """National roles: their administration's sessions (the coordinator: all, they carry no
        names). Institution managers: sessions open to their institution. Trainers: the sessions
        they deliver. Everyone: the sessions they are enrolled in."""
        condition = visibility_filter(self.model, user)
        if condition is None:
            return self.none()
        role = getattr(user, "role", "")
        if getattr(user, "is_superuser", False) or role in (
            Role.COORDINATOR,
            Role.NATIONAL_ADMIN,
            Role.TRAINING_MANAGER,
        ):
            return self.filter(condition)
        reach = Q(pk__in=[])
        if user.staff_member_id:
            reach |= Q(
                pk__in=Enrolment.objects.filter(staff_member_id=user.staff_member_id).values(
                    "session_id"
                )
            ) | Q(
                pk__in=TrainingSession.trainers.through.objects.filter(
                    staffmember_id=user.staff_member_id
                ).values("trainingsession_id")
            )
        if role == Role.INSTITUTION_MANAGER and user.institution_id:
            reach |= Q(pk__in=open_to_institution(user.institution_id))
        return self.filter(condition, reach)


def open_to_institution(institution_id: int) -> models.QuerySet[Any, dict[str, Any]]:
    """Ids of the sessions an institution's people may be nominated to: those inviting it or its
    service, or (inviting nobody in particular) the whole administration."""
    institution = Institution.objects.filter(pk=institution_id)
    return TrainingSession.objects.filter(
        Q(invited_institutions=institution_id)
        | Q(invited_services__in=institution.values("service_id"))
        | Q(
            beneficiary__in=institution.values("beneficiary_id"),
            invites_everyone=True,
        )
    ).values("pk")


class TrainingSession(models.Model):
    """One delivery of a module: its days, place, trainers and the people invited."""

    class State(models.TextChoices):
        PLANNED = "planned", _("Planned")
        OPEN = "open", _("Open for nominations")
        HELD = "held", _("Held")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    beneficiary = models.ForeignKey(
        Beneficiary,
        on_delete=models.PROTECT,
        related_name="training_sessions",
        verbose_name=_("administration"),
    )
    module = models.ForeignKey(
        Module, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("module")
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PLANNED
    )
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    online_url = models.URLField(_("online link"), blank=True)
    capacity = models.PositiveSmallIntegerField(_("places"))
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True
    )
    trainers = models.ManyToManyField(
        StaffMember, blank=True, related_name="sessions_delivered", verbose_name=_("trainers")
    )
    invites_everyone = models.BooleanField(
        _("open to every institution of the administration"), default=False
    )
    invited_institutions = models.ManyToManyField(
        Institution, blank=True, related_name="+", verbose_name=_("institutions invited")
    )
    invited_services = models.ManyToManyField(
        Service, blank=True, related_name="+", verbose_name=_("services invited")
    )
    # Kept by the enrolment actions: a session whose participants come from both the prison and
    # the probation service. Stored so that every figure counts it without re-deriving it.
    is_joint = models.BooleanField(_("joint prison and probation session"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # When the row last changed: what API clients synchronise on (`updated_since`).
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    objects = SessionQuerySet.as_manager()
    tenancy = TenancyPaths(beneficiary="beneficiary", regional_visible=True)

    class Meta:
        ordering = ["starts_on", "pk"]
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="session_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(capacity__gt=0), name="session_has_places"),
        ]
        indexes = [models.Index(fields=["beneficiary", "starts_on"])]

    def __str__(self) -> str:
        return f"{self.module.code} {self.starts_on:%Y-%m-%d}"

    @property
    def is_online(self) -> bool:
        return bool(self.online_url)

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("A session cannot end before it starts.")
        if self.starts_on and self.ends_on and (self.ends_on - self.starts_on).days > 90:
            errors["ends_on"] = _(
                "A session lasts at most 90 days; plan longer courses as several."
            )
        if self.module_id and self.beneficiary_id:
            owner = self.module.beneficiary_id
            if owner is not None and owner != self.beneficiary_id:
                errors["module"] = _("This module belongs to another administration.")
        if not self.venue.strip() and not self.online_url:
            errors["venue"] = _("Say where the session takes place: a venue or an online link.")
        if errors:
            raise ValidationError(errors)


class SessionDay(models.Model):
    """One day of a session, with its hours: attendance is recorded per day."""

    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="days", verbose_name=_("session")
    )
    date = models.DateField(_("date"))
    starts_at = models.TimeField(_("from"))
    ends_at = models.TimeField(_("until"))
    # Kept with the row so that hours add up in SQL on every database.
    minutes = models.PositiveSmallIntegerField(editable=False, default=0)

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyPaths(beneficiary="session__beneficiary", regional_visible=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("session day")
        verbose_name_plural = _("session days")
        constraints = [
            models.UniqueConstraint(fields=["session", "date"], name="one_session_day_per_date"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="session_day_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"

    @classmethod
    def of(
        cls,
        session: TrainingSession,
        date: datetime.date,
        starts_at: datetime.time,
        ends_at: datetime.time,
    ) -> SessionDay:
        """A day of `session`, its length in minutes kept with it (days are written in bulk)."""
        start = datetime.datetime.combine(date, starts_at)
        length = (datetime.datetime.combine(date, ends_at) - start).total_seconds() // 60
        return cls(
            session=session, date=date, starts_at=starts_at, ends_at=ends_at,
            minutes=max(0, int(length)),
        )  # fmt: skip


class TrainerSeesParticipants(ScopedQuerySet):
    """Personal rows of a session (enrolments, attendance): a trainer sees those of the
    sessions they deliver, besides their own, as the register needs."""

    session_path = "session"

    def visible_to(self, user: Any) -> Any:
        visible = super().visible_to(user)
        if getattr(user, "role", "") != Role.TRAINER or not user.staff_member_id:
            return visible
        delivered = TrainingSession.trainers.through.objects.filter(
            staffmember_id=user.staff_member_id
        ).values("trainingsession_id")
        return self.filter(
            Q(pk__in=visible.values("pk")) | Q(**{f"{self.session_path}__in": delivered})
        )


class AttendanceQuerySet(TrainerSeesParticipants):
    session_path = "day__session"


class Enrolment(models.Model):
    """A person's place in a session, from nomination to attendance."""

    class State(models.TextChoices):
        NOMINATED = "nominated", _("Nominated")
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("Waitlisted")
        ATTENDED = "attended", _("Attended")
        NO_SHOW = "no_show", _("Did not attend")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    # Holding or waiting for a place: what capacity, clashes and joint detection look at.
    ACTIVE = frozenset({State.NOMINATED, State.CONFIRMED, State.WAITLISTED})
    # Counted as taking part: confirmed before the session, attended after it.
    PARTICIPATING = frozenset({State.CONFIRMED, State.ATTENDED})

    session = models.ForeignKey(
        TrainingSession,
        on_delete=models.CASCADE,
        related_name="enrolments",
        verbose_name=_("session"),
    )
    staff_member = models.ForeignKey(
        StaffMember,
        on_delete=models.CASCADE,
        related_name="enrolments",
        verbose_name=_("staff member"),
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.NOMINATED
    )
    nominated_at = models.DateTimeField(_("nominated at"), auto_now_add=True)
    nominated_by = models.CharField(_("nominated by"), max_length=150, blank=True)
    # The completions closing the session created for this person: voided if it is reopened.
    completion_ids = models.JSONField(default=list, blank=True, editable=False)

    objects = TrainerSeesParticipants.as_manager()
    tenancy = TenancyPaths(
        beneficiary="staff_member__beneficiary",
        institution="staff_member__institution",
        staff_member="staff_member",
        personal=True,
    )

    class Meta:
        ordering = ["session", "staff_member__sort_name"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "staff_member"], name="one_enrolment_per_person"
            ),
        ]
        indexes = [models.Index(fields=["staff_member", "state"])]

    def __str__(self) -> str:
        return f"{self.staff_member}: {self.session}"

    @staticmethod
    def str_expression() -> Concat:
        """`str()` of an enrolment, computed by the database (audit rows written in bulk)."""
        return Concat(
            "staff_member__given_name", Value(" "), "staff_member__family_name", Value(": "),
            "session__module__code", Value(" "),
            Cast("session__starts_on", models.CharField()), output_field=models.CharField(),
        )  # fmt: skip


class Attendance(models.Model):
    """Whether a person was present on one day of a session (absent unless recorded present)."""

    enrolment = models.ForeignKey(
        Enrolment,
        on_delete=models.CASCADE,
        related_name="attendance",
        verbose_name=_("enrolment"),
    )
    day = models.ForeignKey(
        SessionDay, on_delete=models.CASCADE, related_name="attendance", verbose_name=_("day")
    )
    present = models.BooleanField(_("present"), default=False)

    objects = AttendanceQuerySet.as_manager()
    tenancy = TenancyPaths(
        beneficiary="enrolment__staff_member__beneficiary",
        institution="enrolment__staff_member__institution",
        staff_member="enrolment__staff_member",
        personal=True,
    )

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "day"], name="one_attendance_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment.staff_member} {self.day.date:%Y-%m-%d}"


class TrainerAuthorisation(models.Model):
    """Leave for someone to train a module without the training-of-trainers evidence the pool
    otherwise asks for, with its reason."""

    staff_member = models.ForeignKey(
        StaffMember,
        on_delete=models.CASCADE,
        related_name="trainer_authorisations",
        verbose_name=_("trainer"),
    )
    module = models.ForeignKey(
        Module, on_delete=models.PROTECT, related_name="+", verbose_name=_("module")
    )
    granted_on = models.DateField(_("granted on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    reason = models.TextField(_("reason"))

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyPaths(
        beneficiary="staff_member__beneficiary",
        institution="staff_member__institution",
        staff_member="staff_member",
        personal=True,
    )

    class Meta:
        ordering = ["module__code", "staff_member__sort_name"]
        verbose_name = _("trainer authorisation")
        verbose_name_plural = _("trainer authorisations")
        constraints = [
            models.UniqueConstraint(
                fields=["staff_member", "module", "granted_on"], name="one_authorisation_a_day"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="authorisation_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.staff_member}: {self.module.code}"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        self.reason = self.reason.strip()
        if not self.reason:
            errors["reason"] = _("Say why this person may train the module.")
        if self.valid_until and self.granted_on and self.valid_until <= self.granted_on:
            errors["valid_until"] = _("An authorisation must last some time after it is granted.")
        if self.module_id and self.staff_member_id:
            owner = self.module.beneficiary_id
            if owner is not None and owner != self.staff_member.beneficiary_id:
                errors["module"] = _("This module belongs to another administration.")
        if errors:
            raise ValidationError(errors)
