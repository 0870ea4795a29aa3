"""The demo's survey, built on the test world through the actions: a closed anonymous
campaign whose heat map shows the categories of five answers or more."""

from __future__ import annotations

import datetime
import random

import pytest

from matrica.demo.surveys import build_surveys, wipe_surveys
from matrica.surveys import selectors
from matrica.surveys.models import Campaign, Response
from matrica.tenancy.models import Beneficiary
from matrica.testing.factories import StaffMemberFactory, category

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 6, 30)


@pytest.fixture
def demo(world):
    rs = world["RS"]
    for code, count in (("FLO", 14), ("TRS", 9)):
        for _ in range(count):
            StaffMemberFactory.create(institution=rs.prison, primary_category=category(code))
    Beneficiary.objects.filter(pk=rs.beneficiary.pk).update(is_demo=True)
    return rs


def test_the_demo_campaign_is_closed_and_answered_enough_for_a_heat_map(demo):
    campaign = build_surveys(rng=random.Random(7), today=TODAY)
    assert campaign.beneficiary == demo.beneficiary
    assert campaign.state == Campaign.State.CLOSED
    assert campaign.closes_on < TODAY
    results = selectors.campaign_results(campaign)
    shown = [c for c in results.columns if c.answered and not c.hidden]
    assert {c.category.code for c in shown} == {"FLO", "TRS"}
    assert all(c.answered >= 5 for c in shown)
    assert results.cells  # figures shown
    assert results.answered == Response.objects.filter(campaign=campaign).count()
    assert not Response.objects.filter(staff_member__isnull=False).exists()


def test_the_demo_survey_is_the_same_for_the_same_seed_and_wiped_with_the_demo(demo):
    first = build_surveys(rng=random.Random(7), today=TODAY)
    answered = selectors.campaign_results(first).answered
    wipe_surveys(Beneficiary.objects.filter(is_demo=True))
    assert not Campaign.objects.exists()
    assert not Response.objects.exists()
    again = build_surveys(rng=random.Random(7), today=TODAY)
    assert selectors.campaign_results(again).answered == answered
