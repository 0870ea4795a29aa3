"""A participant takes the post-test on a phone-sized screen, gives feedback, gets the
certificate once the session is closed, and opens the verification page its QR code leads to,
in the system Chromium; every page is checked with axe-core."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from matrica.credentials.models import Certificate
from matrica.delivery import actions as delivery
from matrica.evaluation import actions as evaluation
from matrica.evaluation.models import FeedbackAnswer, TestResult
from matrica.testing.sessions import held_session
from tests.accessibility import assert_accessible, assert_no_horizontal_scroll
from tests.journeys import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}


def test_a_participant_takes_the_post_test_on_a_phone_and_proves_the_certificate(
    page, live_server, world
):
    rs = world["RS"]
    person = rs.users["staff"].staff_member
    session = held_session(rs, people=[person, rs.people[0]])
    manager = rs.users["training_manager"]
    test = evaluation.save_test(
        actor=manager, module=session.module, beneficiary_id=rs.beneficiary.pk, pass_mark=50
    )
    evaluation.add_question(
        actor=manager, test=test, language="en", kind="single",
        text="What do you do first when you notice signs of radicalisation?",
        choices=[evaluation.Answer("Record and report them", True),
                 evaluation.Answer("Confront the prisoner", False)],
    )  # fmt: skip
    evaluation.add_question(
        actor=manager, test=test, language="en", kind="multiple",
        text="Which signs are worth reporting?",
        choices=[evaluation.Answer("Justifying violence", True),
                 evaluation.Answer("Sudden isolation", True),
                 evaluation.Answer("Going to religious services", False)],
    )  # fmt: skip

    page.set_viewport_size(PHONE)
    log_in(page, live_server, "staff-rs")
    page.goto(f"{live_server.url}/delivery/{session.pk}/")
    page.get_by_role("link", name="Tests and feedback").click()
    expect(page.locator("h1")).to_contain_text("Tests and feedback")
    assert_accessible(page)
    assert_no_horizontal_scroll(page)

    page.get_by_role("link", name="Take the post-test").click()
    expect(page.locator("h1")).to_contain_text("Post-test")
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    page.get_by_label("Record and report them").check()
    page.get_by_label("Justifying violence").check()
    page.get_by_label("Sudden isolation").check()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.locator(".messages")).to_contain_text("Your score: 100.00%")
    expect(page.locator("main")).to_contain_text("Passed")
    assert TestResult.objects.get(enrolment__staff_member=person, phase="post").score == 100

    page.get_by_role("link", name="Give your feedback").click()
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    for question in ("relevant to my work", "trainers explained well", "materials were useful",
                     "more confident"):  # fmt: skip
        page.get_by_role("group", name=question).get_by_label("4").check()
    page.get_by_role("button", name="Send my feedback").click()
    expect(page.locator(".messages")).to_contain_text("without your name")
    assert FeedbackAnswer.objects.filter(session=session).count() == 1

    delivery.close_session(actor=manager, session=session)
    certificate = Certificate.objects.get(staff_member=person)

    page.goto(f"{live_server.url}/credentials/certificates/")
    expect(page.locator("main")).to_contain_text(session.module.code)
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF").first.click()
    assert download.value.suggested_filename.endswith(".pdf")

    # What the QR code holds: the public verification page, read by someone not signed in.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/credentials/verify/{certificate.code}/")
    main = page.locator("main")
    expect(main).to_contain_text(person.full_name)
    expect(main).to_contain_text("Valid")
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
