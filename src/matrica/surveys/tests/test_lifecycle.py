"""A campaign's life: a draft asks nobody; opening (by hand or on its date) asks the people it
targets; answers are taken only while it is open; closing (by hand or after its date) ends them."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from matrica.audit.models import AuditEvent
from matrica.staff.models import StaffMember
from matrica.surveys import actions
from matrica.surveys.models import Campaign, Invitation
from matrica.surveys.tests.factories import answer, campaign, ratings, respondent
from matrica.testing.factories import category

pytestmark = pytest.mark.django_db
State = Campaign.State
TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def test_a_draft_asks_nobody(world):
    draft = campaign(world["RS"], opened=False)
    assert draft.state == State.DRAFT
    assert not Invitation.objects.filter(campaign=draft).exists()


def test_opening_asks_the_people_of_the_targeted_categories_only(world):
    rs = world["RS"]
    opened = campaign(rs, categories=("FLO",))
    asked = set(opened.invitations.values_list("staff_member__employee_number", flat=True))
    assert asked == {"RS-001", "RS-003"}  # the two front-line officers, not the trainer's TRS
    assert opened.state == State.OPEN
    assert AuditEvent.objects.filter(message="Invited by the campaign's opening").count() == 2


def test_opening_asks_only_the_chosen_institutions(world):
    rs = world["RS"]
    officer = respondent(rs, "PRO", institution=rs.probation)
    opened = campaign(rs, categories=("FLO", "PRO"), institutions=(rs.probation,))
    assert list(opened.invitations.values_list("staff_member", flat=True)) == [
        officer.staff_member_id
    ]


def test_opening_leaves_out_people_who_have_left(world):
    rs = world["RS"]
    StaffMember.objects.filter(pk=rs.people[2].pk).update(active=False, leaving_date=TODAY - DAY)
    opened = campaign(rs, categories=("FLO",))
    assert opened.invitations.count() == 1


def test_the_category_asked_is_the_one_held_when_the_campaign_opened(world):
    rs = world["RS"]
    opened = campaign(rs, categories=("FLO",))
    person = rs.users["staff"].staff_member
    StaffMember.objects.filter(pk=person.pk).update(primary_category=category("TRS"))
    answer(rs.users["staff"], opened)
    assert opened.invitations.get(staff_member=person).category.code == "FLO"


def test_opening_by_hand_before_the_date_brings_the_open_date_forward(world):
    rs = world["RS"]
    draft = actions.create_campaign(
        actor=rs.users["training_manager"], beneficiary=rs.beneficiary, title="Later",
        target_categories=[category("FLO")], opens_on=TODAY + 5 * DAY, closes_on=TODAY + 9 * DAY,
    )  # fmt: skip
    actions.open_campaign(actor=rs.users["training_manager"], campaign=draft)
    draft.refresh_from_db()
    assert (draft.state, draft.opens_on) == (State.OPEN, TODAY)


def test_the_daily_step_opens_drafts_on_their_date_and_closes_them_after_theirs(world):
    rs = world["RS"]
    draft = actions.create_campaign(
        actor=rs.users["national_admin"], beneficiary=rs.beneficiary, title="Spring",
        target_categories=[category("FLO")], opens_on=TODAY + DAY, closes_on=TODAY + 3 * DAY,
    )  # fmt: skip
    assert actions.advance_campaigns(today=TODAY).opened == 0
    done = actions.advance_campaigns(today=TODAY + DAY)
    assert (done.opened, done.invited, done.closed) == (1, 2, 0)
    assert actions.advance_campaigns(today=TODAY + DAY) == actions.Advanced(0, 0, 0)
    assert actions.advance_campaigns(today=TODAY + 4 * DAY).closed == 1
    draft.refresh_from_db()
    assert draft.state == State.CLOSED


def test_answers_are_taken_only_while_the_campaign_is_open(world):
    rs = world["RS"]
    draft = campaign(rs, opened=False)
    with pytest.raises(Invitation.DoesNotExist):  # nobody asked yet
        answer(rs.users["staff"], draft)
    opened = campaign(rs)
    invitation = opened.invitations.get(staff_member=rs.users["staff"].staff_member)
    after = opened.closes_on + DAY
    with pytest.raises(ValidationError, match="not open"):
        actions.answer_survey(
            actor=rs.users["staff"], invitation=invitation, ratings=ratings(), today=after
        )
    actions.close_campaign(actor=rs.users["national_admin"], campaign=opened)
    invitation.refresh_from_db()
    with pytest.raises(ValidationError, match="not open"):
        actions.answer_survey(actor=rs.users["staff"], invitation=invitation, ratings=ratings())
    assert not Invitation.objects.filter(answered=True).exists()


def test_closing_by_hand_brings_the_close_date_forward(world):
    rs = world["RS"]
    opened = campaign(rs)
    actions.close_campaign(actor=rs.users["national_admin"], campaign=opened)
    opened.refresh_from_db()
    assert (opened.state, opened.closes_on) == (State.CLOSED, TODAY)
    with pytest.raises(ValidationError):
        actions.close_campaign(actor=rs.users["national_admin"], campaign=opened)
    with pytest.raises(ValidationError):
        actions.open_campaign(actor=rs.users["national_admin"], campaign=opened)


def test_a_campaign_closes_after_it_opens(world):
    rs = world["RS"]
    with pytest.raises(ValidationError) as error:
        actions.create_campaign(
            actor=rs.users["national_admin"], beneficiary=rs.beneficiary, title="Backwards",
            target_categories=[category("FLO")], opens_on=TODAY + 3 * DAY, closes_on=TODAY + DAY,
        )  # fmt: skip
    assert "closes_on" in error.value.message_dict


def test_a_campaign_asks_staff_categories_not_roles(world):
    rs = world["RS"]
    with pytest.raises(ValidationError) as error:
        actions.create_campaign(
            actor=rs.users["national_admin"], beneficiary=rs.beneficiary, title="Roles",
            target_categories=[category("TRN")], opens_on=TODAY, closes_on=TODAY + DAY,
        )  # fmt: skip
    assert "target_categories" in error.value.message_dict


def test_only_the_administrations_own_institutions_can_be_asked(world):
    rs, me = world["RS"], world["ME"]
    with pytest.raises(ValidationError) as error:
        actions.create_campaign(
            actor=rs.users["national_admin"], beneficiary=rs.beneficiary, title="Foreign",
            target_categories=[category("FLO")], target_institutions=[me.prison],
            opens_on=TODAY, closes_on=TODAY + DAY,
        )  # fmt: skip
    assert "target_institutions" in error.value.message_dict


@pytest.mark.parametrize("role", ["institution_manager", "trainer", "staff"])
def test_roles_without_the_verb_cannot_run_surveys(world, role):
    rs = world["RS"]
    with pytest.raises(PermissionDenied):
        actions.create_campaign(
            actor=rs.users[role], beneficiary=rs.beneficiary, title="No",
            target_categories=[category("FLO")], opens_on=TODAY, closes_on=TODAY + DAY,
        )  # fmt: skip
    draft = campaign(rs, opened=False)
    with pytest.raises(PermissionDenied):
        actions.open_campaign(actor=rs.users[role], campaign=draft)


def test_another_administrations_campaign_is_out_of_reach(world):
    draft = campaign(world["RS"], opened=False)
    with pytest.raises(Http404):
        actions.open_campaign(actor=world["ME"].users["national_admin"], campaign=draft)
    with pytest.raises(PermissionDenied):
        actions.open_campaign(actor=world.coordinator, campaign=draft)
