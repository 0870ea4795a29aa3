"""Multi-disciplinary teams (MDTs): a team of an institution, a probation office or a region,
the disciplines it must include (configurable per administration) and its members. Readiness is
derived (teams/selectors.py), never stored."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from matrica.staff.models import StaffMember
from matrica.tenancy.models import Beneficiary, Institution, Service
from matrica.tenancy.scoping import ScopedQuerySet, TenancyPaths


class TeamKind(models.TextChoices):
    """Which disciplines a team must include follows from where it works."""

    PRISON = "prison", _("Prison team")
    PROBATION = "probation", _("Probation team")
    REGIONAL = "regional", _("Regional team")


class Discipline(models.Model):
    """A discipline a team may include, per administration; `required_for_*` say which kinds of
    team must include it. The default list is seeded on first use (teams.actions)."""

    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.CASCADE, related_name="+", verbose_name=_("administration")
    )
    code = models.CharField(_("code"), max_length=12)
    title = models.CharField(_("title"), max_length=120)
    required_for_prison = models.BooleanField(_("required for prison teams"), default=True)
    required_for_probation = models.BooleanField(_("required for probation teams"), default=True)
    required_for_regional = models.BooleanField(_("required for regional teams"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = ScopedQuerySet.as_manager()
    tenancy = TenancyPaths(beneficiary="beneficiary", regional_visible=True)

    class Meta:
        ordering = ["beneficiary_id", "order", "code"]
        verbose_name = _("discipline")
        verbose_name_plural = _("disciplines")
        constraints = [
            models.UniqueConstraint(fields=["beneficiary", "code"], name="unique_discipline_code")
        ]

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        # The default titles are marked for translation (actions.DEFAULT_DISCIPLINES); an
        # administration's own titles are shown as they were written.
        return gettext(self.title)

    def required_for(self, kind: str) -> bool:
        return bool(getattr(self, f"required_for_{kind}"))


class Team(models.Model):
    class Cadence(models.TextChoices):
        WEEKLY = "weekly", _("Weekly")
        FORTNIGHTLY = "fortnightly", _("Fortnightly")
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")
        AS_NEEDED = "as_needed", _("As needed")

    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.PROTECT, related_name="+", verbose_name=_("administration")
    )
    # None: a regional team of the administration.
    institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("institution or probation office"),
    )
    name = models.CharField(_("name"), max_length=200)
    scope = models.TextField(_("scope"), blank=True)
    cadence = models.CharField(
        _("meeting cadence"), max_length=12, choices=Cadence.choices, default=Cadence.MONTHLY
    )
    # A count only: Matrica holds no offender data.
    cases_followed = models.PositiveIntegerField(_("cases followed (count)"), default=0)
    formed_on = models.DateField(_("formed on"))
    active = models.BooleanField(_("active"), default=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    # No personal data: the coordinator may count teams (never open one: the pages are gated).
    tenancy = TenancyPaths(
        beneficiary="beneficiary", institution="institution", regional_visible=True
    )

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [
            models.UniqueConstraint(fields=["beneficiary", "name"], name="unique_team_name"),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("formed_on")),
                name="team_closes_after_forming",
            ),
            models.CheckConstraint(
                condition=Q(active=True, closed_on__isnull=True)
                | Q(active=False, closed_on__isnull=False),
                name="closed_team_is_inactive",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def kind(self) -> str:
        if self.institution_id is None:
            return TeamKind.REGIONAL
        if self.institution is not None and self.institution.service.kind == Service.Kind.PROBATION:
            return TeamKind.PROBATION
        return TeamKind.PRISON

    def get_kind_display(self) -> str:
        return str(TeamKind(self.kind).label)

    def clean(self) -> None:
        if (
            self.institution_id
            and self.beneficiary_id
            and self.institution is not None
            and self.institution.beneficiary_id != self.beneficiary_id
        ):
            raise ValidationError(
                {"institution": _("The institution belongs to another administration.")}
            )


class Membership(models.Model):
    class Role(models.TextChoices):
        LEAD = "lead", _("Lead")
        DEPUTY = "deputy", _("Deputy")
        MEMBER = "member", _("Member")

    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("team")
    )
    staff_member = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, related_name="+", verbose_name=_("staff member")
    )
    discipline = models.ForeignKey(
        Discipline, on_delete=models.PROTECT, related_name="+", verbose_name=_("discipline")
    )
    role = models.CharField(_("role in the team"), max_length=8, choices=Role.choices)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    # A team's members are seen along the team's place (a linked probation officer posted
    # elsewhere is still a member of the prison's team), and by the person themselves.
    tenancy = TenancyPaths(
        beneficiary="team__beneficiary",
        institution="team__institution",
        staff_member="staff_member",
        personal=True,
    )

    class Meta:
        ordering = ["start_date", "pk"]
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="membership_ends_after_it_starts",
            ),
            # The rule across dates is in clean(); the database holds the open-ended case.
            models.UniqueConstraint(
                fields=["team"],
                condition=Q(role="lead", end_date__isnull=True),
                name="one_current_lead",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team}: {self.staff_member} ({self.discipline})"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        team = self.team if self.team_id else None
        member = self.staff_member if self.staff_member_id else None
        if team is not None and member is not None and member.beneficiary_id != team.beneficiary_id:
            errors["staff_member"] = _("The person belongs to another administration.")
        if (
            team is not None
            and self.discipline_id
            and (self.discipline.beneficiary_id != team.beneficiary_id)
        ):
            errors["discipline"] = _("The discipline belongs to another administration.")
        if self.end_date and self.start_date and self.end_date < self.start_date:
            errors["end_date"] = _("A membership cannot end before it starts.")
        if team is not None and self.start_date and self.start_date < team.formed_on:
            errors["start_date"] = _("A membership cannot start before the team was formed.")
        if member is not None and self.start_date and self.start_date < member.entry_date:
            errors["start_date"] = _(
                "A membership cannot start before the person's entry into post."
            )
        if errors or team is None or not self.start_date:
            if errors:
                raise ValidationError(errors)
            return
        overlapping = Membership.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=self.start_date), team_id=self.team_id
        ).exclude(pk=self.pk)
        if self.end_date:
            overlapping = overlapping.filter(start_date__lte=self.end_date)
        if member is not None and overlapping.filter(staff_member_id=member.pk).exists():
            errors["staff_member"] = _(
                "This person is already a member of the team in that period."
            )
        if self.role == self.Role.LEAD and overlapping.filter(role=self.Role.LEAD).exists():
            errors["role"] = _("The team already has a lead in that period.")
        if errors:
            raise ValidationError(errors)
