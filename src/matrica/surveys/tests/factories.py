"""Campaigns and respondents for the survey tests (and the browser journey)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from matrica.accounts.models import User
from matrica.framework.models import CompetencyArea
from matrica.surveys import actions
from matrica.surveys.models import Campaign
from matrica.tenancy.models import Institution
from matrica.tenancy.roles import Role
from matrica.testing.factories import StaffMemberFactory, UserFactory, category
from matrica.testing.world import Administration


def respondent(
    administration: Administration, code: str = "FLO", institution: Institution | None = None
) -> User:
    """A new person of `code` with a staff account of their own."""
    person = StaffMemberFactory.create(
        institution=institution or administration.prison, primary_category=category(code)
    )
    return UserFactory.create(
        role=Role.STAFF, beneficiary=administration.beneficiary,
        institution=person.institution, staff_member=person,
    )  # fmt: skip


def campaign(
    administration: Administration,
    *,
    categories: tuple[str, ...] = ("FLO", "TRS"),
    anonymous: bool = True,
    opened: bool = True,
    days: int = 14,
    institutions: tuple[Institution, ...] = (),
) -> Campaign:
    """A campaign of the administration's national administrator, open from today unless
    `opened` is False."""
    today = timezone.localdate()
    made = actions.create_campaign(
        actor=administration.users["national_admin"], beneficiary=administration.beneficiary,
        title="Needs 2026", target_categories=[category(c) for c in categories],
        target_institutions=list(institutions), opens_on=today,
        closes_on=today + datetime.timedelta(days=days), anonymous=anonymous,
    )  # fmt: skip
    if opened:
        actions.open_campaign(actor=administration.users["national_admin"], campaign=made)
        made.refresh_from_db()
    return made


def ratings(
    confidence: int = 3, frequency: str = "weekly", wants_training: bool = True
) -> dict[int, actions.AreaRating]:
    rating = actions.AreaRating(confidence, frequency, wants_training)
    return dict.fromkeys(CompetencyArea.objects.values_list("pk", flat=True), rating)


def answer(user: User, campaign: Campaign, **rating: object) -> None:
    invitation = campaign.invitations.get(staff_member=user.staff_member)
    actions.answer_survey(actor=user, invitation=invitation, ratings=ratings(**rating))  # type: ignore[arg-type]
