"""A training manager's day without the admin, in the system Chromium: a new person, a role with
dates, prior learning with its reason, and the status changing on the person's record. Every
page and every form loaded in place is checked with axe-core."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from matrica.staff.models import StaffMember
from matrica.training.models import Completion
from tests.accessibility import assert_accessible, assert_no_horizontal_scroll
from tests.journeys import log_in, requirement

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_training_manager_adds_a_person_gives_a_role_and_records_prior_learning(
    page, live_server, world
):
    today = timezone.localdate()
    log_in(page, live_server, "training-rs")
    page.goto(f"{live_server.url}/staff/")
    assert_accessible(page)

    # A new person, named in Cyrillic, in post for a year and a half.
    page.get_by_role("link", name="Add a staff member").click()
    expect(page.locator("h1")).to_have_text("Add a staff member")
    assert_accessible(page)
    page.get_by_label("Given name").fill("Љубица")
    page.get_by_label("Family name").fill("Ђурђевић")
    page.get_by_label("Employee number").fill("RS-777")
    page.get_by_label("Institution").select_option(label="RS prison")
    page.get_by_label("Primary category").select_option(label="Front-line custodial officers")
    entry = today - datetime.timedelta(days=540)
    page.get_by_label("Entry into post").fill(entry.isoformat())
    page.get_by_role("button", name="Add").click()

    expect(page.locator("h1")).to_contain_text("Љубица Ђурђевић")
    expect(page.locator(".messages")).to_contain_text("Љубица Ђурђевић is added to the registry.")
    assert_accessible(page)
    # Awareness was due six months after entry: overdue; nothing yet for a team role.
    expect(requirement(page, "Understanding radicalisation", "All staff")).to_contain_text(
        "Overdue"
    )
    expect(requirement(page, "Understanding radicalisation", "Multi-disciplinary")).to_have_count(0)

    # A role, with its dates, in a form loaded into the record.
    page.get_by_role("link", name="Add a role").click()
    role_form = page.locator("#role-form form")
    expect(role_form).to_be_visible()
    assert_accessible(page)
    role_form.get_by_label("Role").select_option(label="Multi-disciplinary team members")
    role_start = today - datetime.timedelta(days=60)
    role_form.get_by_label("From").fill(role_start.isoformat())
    role_form.get_by_role("button", name="Add role").click()

    expect(page.locator(".messages")).to_contain_text("The role is recorded.")
    roles = page.get_by_role("region", name="Roles")
    expect(roles).to_contain_text("Multi-disciplinary team members")
    expect(roles).to_contain_text(role_start.isoformat())
    expect(requirement(page, "Understanding radicalisation", "Multi-disciplinary")).to_contain_text(
        "Missing"  # specialist level, due two years after taking up the role
    )
    assert_accessible(page)

    # Prior learning, with the reason it is accepted; refused first without one.
    page.get_by_role("link", name="Record evidence").click()
    evidence_form = page.locator("#evidence-form form")
    expect(evidence_form).to_be_visible()
    assert_accessible(page)
    evidence_form.get_by_label("Area").select_option(
        label="Understanding radicalisation and violent extremism"
    )
    evidence_form.get_by_label("Level").select_option(label="Practitioner")
    completed = today - datetime.timedelta(days=30)
    evidence_form.get_by_label("Completed on").fill(completed.isoformat())
    evidence_form.get_by_label("Recognised prior learning").check()
    evidence_form.get_by_role("button", name="Record evidence").click()
    evidence_form = page.locator("#evidence-form form")
    expect(evidence_form.locator(".errorlist")).to_contain_text(
        "Say why this evidence is accepted."
    )
    assert_accessible(page)
    evidence_form.get_by_label("Why this evidence is accepted").fill(
        "Course at the judicial academy, certificate checked"
    )
    evidence_form.get_by_role("button", name="Record evidence").click()

    expect(page.locator(".messages")).to_contain_text("The evidence is recorded.")
    expect(requirement(page, "Understanding radicalisation", "All staff")).to_contain_text(
        "Current"
    )
    expect(
        requirement(page, "Understanding radicalisation", "Front-line custodial officers")
    ).to_contain_text("Current")
    expect(page.get_by_role("region", name="Evidence held")).to_contain_text(
        "Course at the judicial academy, certificate checked"
    )
    assert_accessible(page)

    # On a phone the record and its forms fit the width; wide tables scroll in their region.
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("link", name="Edit details").click()
    expect(page.locator("#member-form form")).to_be_visible()
    assert_no_horizontal_scroll(page)

    member = StaffMember.objects.get(employee_number="RS-777")
    assert member.full_name == "Љубица Ђурђевић"
    assert Completion.objects.get(staff_member=member).source == Completion.Source.PRIOR_LEARNING
