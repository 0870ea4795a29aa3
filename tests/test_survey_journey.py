"""A front-line officer answers the training-needs survey on a phone-sized screen, and the
national administrator then sees the answer counted in the heat map (the fifth answer of the
category, so the column is shown); every page is checked with axe-core."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from matrica.framework.models import CompetencyArea
from matrica.surveys.models import Response
from matrica.surveys.tests.factories import answer, campaign, respondent
from tests.accessibility import assert_accessible, assert_no_horizontal_scroll
from tests.journeys import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}


def test_an_officer_answers_on_a_phone_and_the_answer_counts_in_the_heat_map(
    page, live_server, world
):
    rs = world["RS"]
    others = [respondent(rs, "FLO") for _ in range(4)]
    survey = campaign(rs, categories=("FLO",))
    for user in others:
        answer(user, survey, confidence=2, wants_training=True)

    page.set_viewport_size(PHONE)
    log_in(page, live_server, "staff-rs")
    page.goto(f"{live_server.url}/surveys/")
    expect(page.locator("h1")).to_contain_text("My surveys")
    assert_accessible(page)
    assert_no_horizontal_scroll(page)

    page.get_by_role("link", name="Needs 2026").click()
    expect(page.locator("h1")).to_contain_text("Needs 2026")
    expect(page.locator("main")).to_contain_text("anonymous")
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    for area in CompetencyArea.objects.order_by("order"):
        section = page.get_by_role("region", name=area.title)
        section.get_by_role("group", name="How confident").get_by_label("4").check()
        section.get_by_role("group", name="How often").get_by_label("Every week").check()
        section.get_by_role("group", name="training").get_by_label("No").check()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.locator(".messages")).to_contain_text("without your name")
    expect(page.locator("main")).to_contain_text("No survey to answer")
    assert_accessible(page)
    assert Response.objects.filter(campaign=survey).count() == 5

    page.context.clear_cookies()
    log_in(page, live_server, "admin-rs", check=False)
    page.goto(f"{live_server.url}/surveys/campaigns/")
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    page.get_by_role("link", name="Needs 2026").click()
    main = page.locator("main")
    expect(main).to_contain_text("5 answers of 6 people asked")
    heat_map = page.get_by_role("region", name="Needs by area and staff category")
    expect(heat_map).to_contain_text("5 / 6")
    # Four answers of 2 and this one of 4: a mean of 2.4; four of five wish training.
    rad = heat_map.locator("tbody tr", has_text="RAD")
    expect(rad).to_contain_text("2.4")
    expect(rad).to_contain_text("80.0 % wish training")
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
