"""The survey needs column of the regional comparison: each administration's latest training-needs
survey (opened on or before the date), as `surveys.selectors.campaign_results` publishes it,
with its disclosure control: the number of answers and the response rate unless the campaign's
total is suppressed, and the areas most asked for, from the staff categories whose columns are
shown (5 answers or more, nothing derivable from the total)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext as _

from matrica import disclosure
from matrica.framework.models import CompetencyArea
from matrica.surveys.models import Campaign
from matrica.surveys.selectors import campaign_results, campaigns_visible_to

TOP_AREAS = 3


@dataclass(frozen=True)
class SurveyNeeds:
    campaign: Campaign
    answered: int | None  # None: suppressed (fewer than 5 answers, or derivable)
    rate: Decimal | None
    top_areas: tuple[tuple[CompetencyArea, Decimal], ...]  # (area, % wanting training)

    @property
    def suppressed(self) -> bool:
        return self.answered is None

    def summary(self) -> str:
        """One line, for the downloads: the campaign, answers and rate, the areas most asked
        for."""
        if self.answered is None:
            return f"{self.campaign.title}: {disclosure.hidden_label()}"
        line = _("%(title)s: %(answered)d answers (%(rate)s %% of those asked)") % {
            "title": self.campaign.title,
            "answered": self.answered,
            "rate": self.rate if self.rate is not None else "–",
        }
        areas = ", ".join(f"{area.code} {share} %" for area, share in self.top_areas)
        return f"{line}; {areas}" if areas else line


def survey_needs(user: Any, on: datetime.date) -> dict[int, SurveyNeeds]:
    """Administration id → its latest survey's needs; an administration without one is absent."""
    latest: dict[int, Campaign] = {}
    opened = campaigns_visible_to(user).filter(
        state__in=[Campaign.State.OPEN, Campaign.State.CLOSED], opens_on__lte=on
    )
    for campaign in opened:  # newest first: the first of each administration wins
        latest.setdefault(campaign.beneficiary_id, campaign)
    result = {}
    for beneficiary_id, campaign in latest.items():
        results = campaign_results(campaign)
        if results.total_hidden:
            result[beneficiary_id] = SurveyNeeds(campaign, None, None, ())
            continue
        wishes: dict[int, list[int]] = {}
        for (area_id, _category_id), cell in results.cells.items():
            counted = wishes.setdefault(area_id, [0, 0])
            counted[0] += cell.wants_training
            counted[1] += cell.answers
        areas = {area.pk: area for area in results.areas}
        ranked = sorted(
            (
                (areas[pk], (Decimal(100) * wish / answers).quantize(Decimal("0.1"), ROUND_HALF_UP))
                for pk, (wish, answers) in wishes.items()
                if answers
            ),
            key=lambda item: (-item[1], item[0].order, item[0].code),
        )
        result[beneficiary_id] = SurveyNeeds(
            campaign, results.answered, results.rate, tuple(ranked[:TOP_AREAS])
        )
    return result
