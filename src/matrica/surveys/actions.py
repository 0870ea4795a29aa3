"""Writes of the training-needs survey: launching a campaign, opening it (which invites the
people it targets), closing it, and a person's answer. Each action checks the actor's
permission, validates, writes and audits in one transaction. Nobody's compliance changes, so
nothing is reported to compliance.

Lifecycle: draft → open → closed. A draft opens on its open date (`advance_campaigns`, run daily
by `matrica surveys`) or earlier by hand; an open campaign closes after its close date, or
earlier by hand. Answers are taken only while a campaign is open and today lies between its
dates, whether or not the daily command has run yet.

An answer to an anonymous campaign is written without an audit row (one would name its author
and its time): the invitation's `answered` flag, the receipt, is audited instead.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from matrica.audit.models import AuditEvent
from matrica.audit.services import record, record_created, save_audited, snapshot, write
from matrica.framework.models import CompetencyArea, StaffCategory
from matrica.staff.models import StaffMember
from matrica.surveys.models import AreaAnswer, Campaign, Invitation, Response
from matrica.tenancy.models import Beneficiary, Institution
from matrica.tenancy.permissions import Verb, require
from matrica.tenancy.scoping import SYSTEM
from matrica.text import clean_text

if TYPE_CHECKING:
    from matrica.tenancy.scoping import Actor

State = Campaign.State


def _check_targets(
    beneficiary: Beneficiary,
    categories: Sequence[StaffCategory],
    institutions: Sequence[Institution],
) -> None:
    if not categories:
        raise ValidationError({"target_categories": _("Choose the staff categories to ask.")})
    if any(c.is_role or c.applies_to_all for c in categories):
        raise ValidationError(
            {"target_categories": _("Choose staff categories: a role or “all staff” is not one.")}
        )
    if any(i.beneficiary_id != beneficiary.pk for i in institutions):
        raise ValidationError(
            {"target_institutions": _("The institution belongs to another administration.")}
        )


@transaction.atomic
def create_campaign(
    *,
    actor: Actor,
    beneficiary: Beneficiary,
    title: str,
    target_categories: Sequence[StaffCategory],
    target_institutions: Sequence[Institution] = (),
    opens_on: datetime.date,
    closes_on: datetime.date,
    anonymous: bool = True,
    today: datetime.date | None = None,
) -> Campaign:
    """A campaign in draft: nobody is asked until it opens."""
    require(actor, Verb.RUN_SURVEYS, beneficiary_id=beneficiary.pk)
    _check_targets(beneficiary, target_categories, target_institutions)
    if closes_on < (today or timezone.localdate()):
        raise ValidationError({"closes_on": _("The close date has already passed.")})
    campaign = Campaign(
        beneficiary=beneficiary, title=clean_text(title), opens_on=opens_on,
        closes_on=closes_on, anonymous=anonymous,
    )  # fmt: skip
    write(actor=actor, obj=campaign)
    campaign.target_categories.set(target_categories)
    campaign.target_institutions.set(target_institutions)
    return campaign


def targeted_people(campaign: Campaign, on: datetime.date) -> QuerySet[StaffMember]:
    """The people a campaign asks: in post on `on`, of its categories and institutions."""
    people = StaffMember.objects.filter(
        beneficiary_id=campaign.beneficiary_id,
        active=True,
        entry_date__lte=on,
        primary_category__in=campaign.target_categories.all(),
    ).filter(Q(leaving_date__isnull=True) | Q(leaving_date__gte=on))
    institutions = list(campaign.target_institutions.values_list("pk", flat=True))
    if institutions:
        people = people.filter(institution__in=institutions)
    return people


def _open(actor: Actor, campaign: Campaign, today: datetime.date) -> int:
    before = snapshot(campaign)
    campaign.state = State.OPEN
    campaign.opens_on = min(campaign.opens_on, today)
    campaign.full_clean()
    campaign.save()
    record(
        actor=actor, action=AuditEvent.Action.UPDATE, obj=campaign, before=before,
        after=snapshot(campaign), message="Campaign opened",
    )  # fmt: skip
    people = targeted_people(campaign, today).order_by("pk")
    Invitation.objects.bulk_create(
        Invitation(campaign=campaign, staff_member_id=pk, category_id=category)
        for pk, category in people.values_list("pk", "primary_category_id")
    )
    return record_created(
        actor=actor,
        created=Invitation.objects.filter(campaign=campaign),
        message="Invited by the campaign's opening",
    )


@transaction.atomic
def open_campaign(*, actor: Actor, campaign: Campaign, today: datetime.date | None = None) -> int:
    """Open a draft now (its open date moves to today if it was later) and invite the people
    it targets. Returns how many were invited."""
    require(actor, Verb.RUN_SURVEYS, beneficiary_id=campaign.beneficiary_id)
    today = today or timezone.localdate()
    if campaign.state != State.DRAFT:
        raise ValidationError(_("Only a draft campaign can be opened."))
    if campaign.closes_on < today:
        raise ValidationError(_("The close date has passed: this campaign can no longer open."))
    return _open(actor, campaign, today)


def _close(actor: Actor, campaign: Campaign, today: datetime.date) -> None:
    before = snapshot(campaign)
    campaign.state = State.CLOSED
    if campaign.closes_on > today:
        campaign.closes_on = max(today, campaign.opens_on)
    campaign.full_clean()
    campaign.save()
    record(
        actor=actor, action=AuditEvent.Action.UPDATE, obj=campaign, before=before,
        after=snapshot(campaign), message="Campaign closed",
    )  # fmt: skip


@transaction.atomic
def close_campaign(*, actor: Actor, campaign: Campaign, today: datetime.date | None = None) -> None:
    """Close an open campaign now: no answer is taken after this."""
    require(actor, Verb.RUN_SURVEYS, beneficiary_id=campaign.beneficiary_id)
    if campaign.state != State.OPEN:
        raise ValidationError(_("Only an open campaign can be closed."))
    _close(actor, campaign, today or timezone.localdate())


@dataclass(frozen=True)
class Advanced:
    opened: int
    closed: int
    invited: int


@transaction.atomic
def advance_campaigns(*, today: datetime.date) -> Advanced:
    """Open the drafts whose open date has come and close the open campaigns whose close date
    has passed, as the system. Run daily by `matrica surveys`; running it twice changes nothing
    the second time."""
    opened = invited = 0
    drafts = Campaign.objects.filter(state=State.DRAFT, opens_on__lte=today, closes_on__gte=today)
    for campaign in drafts.order_by("pk"):
        invited += _open(SYSTEM, campaign, today)
        opened += 1
    due = Campaign.objects.filter(state=State.OPEN, closes_on__lt=today).order_by("pk")
    closed = 0
    for campaign in due:
        _close(SYSTEM, campaign, today)
        closed += 1
    return Advanced(opened=opened, closed=closed, invited=invited)


# Answering -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AreaRating:
    """What a person says about one area."""

    confidence: int
    frequency: str
    wants_training: bool


def answer_closed(invitation: Invitation, today: datetime.date | None = None) -> str | None:
    """Why this invitation cannot be answered now (None: it can)."""
    campaign = invitation.campaign
    today = today or timezone.localdate()
    if invitation.answered:
        return _("You have already answered this survey. Thank you.")
    if campaign.state != State.OPEN or not campaign.opens_on <= today <= campaign.closes_on:
        return _("This survey is not open for answers.")
    return None


@transaction.atomic
def answer_survey(
    *,
    actor: Actor,
    invitation: Invitation,
    ratings: Mapping[int, AreaRating],
    today: datetime.date | None = None,
) -> None:
    """A person's own answer, every area of the matrix rated (area id → rating). In an
    anonymous campaign the answer carries the campaign and the person's category only."""
    if not actor.staff_member_id or actor.staff_member_id != invitation.staff_member_id:
        raise Http404
    reason = answer_closed(invitation, today)
    if reason:
        raise ValidationError(reason)
    areas = set(CompetencyArea.objects.values_list("pk", flat=True))
    if set(ratings) != areas:
        raise ValidationError(_("Answer the questions for every area."))
    # The receipt first, by a conditional update: of two answers sent at once, one only counts.
    if not Invitation.objects.filter(pk=invitation.pk, answered=False).update(answered=True):
        raise ValidationError(_("You have already answered this survey. Thank you."))
    before = snapshot(invitation)
    invitation.answered = True
    record(
        actor=actor, action=AuditEvent.Action.UPDATE, obj=invitation, before=before,
        after=snapshot(invitation), message="Survey answered",
    )  # fmt: skip
    campaign = invitation.campaign
    response = Response(
        campaign=campaign,
        category_id=invitation.category_id,
        staff_member_id=None if campaign.anonymous else invitation.staff_member_id,
    )
    response.full_clean()
    answers = [
        AreaAnswer(
            response=response, area_id=area, confidence=rating.confidence,
            frequency=rating.frequency, wants_training=rating.wants_training,
        )
        for area, rating in ratings.items()
    ]  # fmt: skip
    for answer in answers:
        answer.full_clean(exclude=["response"])
    if campaign.anonymous:
        # Not audited: an audit row would name its author and its time.
        response.save()
        AreaAnswer.objects.bulk_create(answers)
    else:
        save_audited(actor=actor, obj=response)
        AreaAnswer.objects.bulk_create(answers)
