"""Reads of the training-needs survey: the campaigns a user may see, the surveys waiting for a
person, and a campaign's results (the heat map area × staff category and the response rate).

Results are shown to everyone under disclosure control (matrica.disclosure), the national
roles included: the answers are anonymous, and a figure about fewer than five answers could
give one person's away. Every response rates every area, so a staff category's column is one
group: its answers, the people asked and answered, and every cell's figures are shown together
or not at all. The columns add up to the campaign's total, which is published: the usual
secondary suppression protects a column that the total would give back.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone

from matrica import disclosure
from matrica.framework.models import CompetencyArea, StaffCategory
from matrica.surveys.models import AreaAnswer, Campaign, Frequency, Invitation
from matrica.tenancy.permissions import Verb, holds, may
from matrica.tenancy.roles import Role

TOTAL = "total"


def runs_surveys(user: Any) -> bool:
    return holds(user, Verb.RUN_SURVEYS)


def sees_results(user: Any) -> bool:
    """The national roles that run surveys, and the coordinator (every administration's)."""
    return runs_surveys(user) or bool(user.is_active and user.role == Role.COORDINATOR)


def may_run(user: Any, campaign: Campaign) -> bool:
    return may(user, Verb.RUN_SURVEYS, beneficiary_id=campaign.beneficiary_id)


def campaigns_visible_to(user: Any) -> QuerySet[Campaign]:
    return (
        Campaign.objects.visible_to(user)
        .select_related("beneficiary")
        .annotate(
            invited=Count("invitations"),
            answered=Count("invitations", filter=Q(invitations__answered=True)),
        )
        .order_by("-opens_on", "beneficiary__code", "title", "pk")
    )


def open_invitations(user: Any, today: datetime.date | None = None) -> QuerySet[Invitation]:
    """The surveys the signed-in person may answer today."""
    if not user.staff_member_id:
        return Invitation.objects.none()
    today = today or timezone.localdate()
    return (
        Invitation.objects.filter(
            staff_member_id=user.staff_member_id,
            answered=False,
            campaign__state=Campaign.State.OPEN,
            campaign__opens_on__lte=today,
            campaign__closes_on__gte=today,
        )
        .select_related("campaign")
        .order_by("campaign__closes_on", "pk")
    )


def invitation_for(user: Any, campaign_pk: int) -> Invitation | None:
    """The signed-in person's invitation to a campaign (None: they were not asked)."""
    if not user.staff_member_id:
        return None
    return (
        Invitation.objects.filter(campaign_id=campaign_pk, staff_member_id=user.staff_member_id)
        .select_related("campaign")
        .first()
    )


def _share(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _mean(value: float | None) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass(frozen=True)
class Cell:
    answers: int
    mean_confidence: Decimal | None
    wants_training: int
    frequencies: dict[str, int]

    @property
    def wish_share(self) -> Decimal | None:
        return _share(self.wants_training, self.answers)

    @property
    def shade(self) -> str:
        """A class for the heat map: how many want training (a third, two thirds, more)."""
        share = self.wish_share
        if share is None:
            return "none"
        return "level-A" if share < 34 else "level-P" if share < 67 else "level-S"


@dataclass(frozen=True)
class Column:
    category: StaffCategory
    invited: int
    answered: int
    hidden: bool

    @property
    def rate(self) -> Decimal | None:
        return _share(self.answered, self.invited)


@dataclass
class Results:
    campaign: Campaign
    areas: list[CompetencyArea]
    columns: list[Column]
    invited: int
    answered: int
    total_hidden: bool
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)

    @property
    def rate(self) -> Decimal | None:
        return _share(self.answered, self.invited)

    @property
    def any_hidden(self) -> bool:
        return self.total_hidden or any(column.hidden for column in self.columns)

    def rows(self) -> list[tuple[CompetencyArea, list[tuple[Column, Cell | None]]]]:
        """The heat map: per area, each column's cell (None where nobody answered)."""
        return [
            (area, [(c, self.cells.get((area.pk, c.category.pk))) for c in self.columns])
            for area in self.areas
        ]


def campaign_results(campaign: Campaign) -> Results:
    """The campaign's figures, suppressed where too few answered. A handful of queries,
    whatever the number of answers."""
    counts = {
        row["category_id"]: row
        for row in Invitation.objects.filter(campaign=campaign)
        .values("category_id")
        .annotate(invited=Count("pk"), answered=Count("pk", filter=Q(answered=True)))
        .order_by()
    }
    targeted = {c.pk: c for c in campaign.target_categories.all()}
    categories = StaffCategory.objects.filter(pk__in={*targeted, *counts}).order_by("order", "code")
    sizes: dict[Any, int] = {pk: row["answered"] for pk, row in counts.items()}
    sizes[TOTAL] = sum(sizes.values())
    hidden = disclosure.suppress(sizes, [disclosure.Linked(tuple(counts), TOTAL)])
    columns = [
        Column(
            category=category,
            invited=counts.get(category.pk, {}).get("invited", 0),
            answered=counts.get(category.pk, {}).get("answered", 0),
            hidden=category.pk in hidden,
        )
        for category in categories
    ]
    results = Results(
        campaign=campaign,
        areas=list(CompetencyArea.objects.order_by("order", "code")),
        columns=columns,
        invited=sum(row["invited"] for row in counts.values()),
        answered=sizes[TOTAL],
        total_hidden=TOTAL in hidden,
    )
    shown = [column.category.pk for column in columns if not column.hidden and column.answered]
    frequencies = {code: Count("pk", filter=Q(frequency=code)) for code in Frequency.values}
    figures = (
        AreaAnswer.objects.filter(response__campaign=campaign, response__category__in=shown)
        .values("area_id", "response__category_id")
        .annotate(
            answers=Count("pk"),
            mean=Avg("confidence"),
            wish=Count("pk", filter=Q(wants_training=True)),
            **{f"f_{code}": expression for code, expression in frequencies.items()},
        )
        .order_by()
    )
    results.cells = {
        (row["area_id"], row["response__category_id"]): Cell(
            answers=row["answers"],
            mean_confidence=_mean(row["mean"]),
            wants_training=row["wish"],
            frequencies={code: row[f"f_{code}"] for code in Frequency.values},
        )
        for row in figures
    }
    return results
