"""The demo's training-needs survey: a closed, anonymous campaign of one administration's two
largest institutions, answered by most of the people it asked, through the survey actions, so
that the heat map shows every category of five answers or more (and hides the smaller ones)."""

from __future__ import annotations

import datetime
import random

from django.db.models import Count, QuerySet

from matrica.accounts.models import User
from matrica.framework.models import CompetencyArea, StaffCategory
from matrica.surveys import actions
from matrica.surveys.models import Campaign, Frequency, Invitation
from matrica.tenancy.models import Beneficiary, Institution
from matrica.tenancy.roles import Role
from matrica.tenancy.scoping import SYSTEM

CATEGORIES = ("FLO", "TRS", "SIL", "MGR", "PRO")
ANSWER_SHARE = 0.7
MOST_ANSWERS = 300  # enough for the heat map, few enough to answer one by one, at any scale
# Areas where front-line staff are least sure of themselves in the demo (their needs stand out).
HARDER = {"RAD", "IDN", "REP", "RSK"}
FREQUENCIES = list(Frequency.values)


def _rating(rng: random.Random, area: str) -> actions.AreaRating:
    confidence = max(1, min(5, round(rng.gauss(2.4 if area in HARDER else 3.6, 0.9))))
    return actions.AreaRating(
        confidence=confidence,
        frequency=rng.choice(FREQUENCIES[2:] if area in HARDER else FREQUENCIES),
        wants_training=rng.random() < (0.85 if confidence <= 2 else 0.35),
    )


def build_surveys(*, rng: random.Random, today: datetime.date, code: str = "RS") -> Campaign:
    """A campaign that ran for three weeks two months before `today`, in the demo
    administration `code` (the first demo administration if there is none of that code)."""
    demo = Beneficiary.objects.filter(is_demo=True).order_by("code")
    beneficiary = demo.filter(code=code).first() or demo.first()
    if beneficiary is None:
        raise ValueError("no demo administration: build the demo first")
    opens_on = today - datetime.timedelta(days=60)
    closes_on = opens_on + datetime.timedelta(days=21)
    largest = (
        Institution.objects.filter(beneficiary=beneficiary)
        .annotate(people=Count("staff"))
        .order_by("-people", "pk")[:2]
    )
    campaign = actions.create_campaign(
        actor=SYSTEM, beneficiary=beneficiary, title="Training needs survey",
        target_categories=list(StaffCategory.objects.filter(code__in=CATEGORIES)),
        target_institutions=list(largest), opens_on=opens_on, closes_on=closes_on,
        anonymous=True, today=opens_on,
    )  # fmt: skip
    actions.open_campaign(actor=SYSTEM, campaign=campaign, today=opens_on)
    areas = list(CompetencyArea.objects.values_list("pk", "code"))
    invitations = list(
        Invitation.objects.filter(campaign=campaign)
        .select_related("campaign", "staff_member")
        .order_by("pk")
    )
    answering = [i for i in invitations if rng.random() < ANSWER_SHARE][:MOST_ANSWERS]
    rng.shuffle(answering)
    for invitation in answering:
        person = invitation.staff_member
        # The person themself answers (the action accepts no one else); the demo has no
        # account for most people, so an unsaved one stands in for theirs.
        respondent = User(
            username=f"demo-{person.employee_number}", role=Role.STAFF,
            beneficiary_id=person.beneficiary_id, institution_id=person.institution_id,
            staff_member=person,
        )  # fmt: skip
        actions.answer_survey(
            actor=respondent, invitation=invitation,
            ratings={pk: _rating(rng, area) for pk, area in areas},
            today=opens_on + datetime.timedelta(days=rng.randrange(21)),
        )  # fmt: skip
    actions.close_campaign(actor=SYSTEM, campaign=campaign, today=closes_on + datetime.timedelta(1))
    campaign.refresh_from_db()
    return campaign


def wipe_surveys(demo: QuerySet[Beneficiary]) -> None:
    """Remove the demo's campaigns with their invitations and answers."""
    Campaign.objects.filter(beneficiary__in=demo).delete()
