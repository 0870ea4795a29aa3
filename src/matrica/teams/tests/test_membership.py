"""Joining and leaving a team: the MDT-member role and the person's compliance follow at once;
one lead at a time; an institution manager keeps their own institution's teams only."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404

from matrica.compliance.models import PersonStatus, RequirementStatus
from matrica.compliance.services import refresh_all
from matrica.framework.models import StaffCategory
from matrica.staff.models import StaffRole
from matrica.teams import actions
from matrica.teams.models import Discipline, Membership

from .conftest import LONG_AGO, TODAY, join, person

pytestmark = pytest.mark.django_db


def mdt_rows(member):
    return RequirementStatus.objects.filter(staff_member=member, category__code="MDT")


def mdt_roles(member):
    return StaffRole.objects.filter(staff_member=member, category__code="MDT")


def test_joining_gives_the_mdt_role_from_the_join_date_and_its_requirements(serbia, prison_team):
    refresh_all(on=TODAY)
    member = serbia.people[1]
    before = PersonStatus.objects.get(staff_member=member).requirements
    assert not mdt_rows(member).exists()
    join(prison_team, member, "SOC", on=TODAY - datetime.timedelta(days=10))
    role = mdt_roles(member).get()
    assert role.start_date == TODAY - datetime.timedelta(days=10)
    assert role.end_date is None
    assert mdt_rows(member).count() == 11
    assert PersonStatus.objects.get(staff_member=member).requirements > before


def test_joining_keeps_a_role_already_held(serbia, prison_team):
    member = serbia.people[1]
    StaffRole.objects.create(
        staff_member=member, category=StaffCategory.objects.get(code="MDT"), start_date=LONG_AGO
    )
    join(prison_team, member, "SOC", on=TODAY)
    assert mdt_roles(member).count() == 1


def test_leaving_ends_the_role_and_its_requirements(serbia, prison_team):
    refresh_all(on=TODAY)
    member = serbia.people[1]
    membership = join(prison_team, member, "SOC")
    assert mdt_rows(member).exists()
    last_day = TODAY - datetime.timedelta(days=1)
    actions.end_membership(
        actor=serbia.users["national_admin"], membership=membership, end_date=last_day
    )
    assert mdt_roles(member).get().end_date == last_day
    assert not mdt_rows(member).exists()


def test_leaving_one_team_keeps_the_role_while_another_membership_needs_it(serbia, prison_team):
    other = actions.create_team(
        actor=serbia.users["national_admin"], beneficiary=serbia.beneficiary, institution=None,
        name="Regionalni tim", formed_on=LONG_AGO,
    )  # fmt: skip
    member = serbia.people[1]
    first = join(prison_team, member, "SOC")
    join(other, member, "SOC")
    actions.end_membership(actor=serbia.users["national_admin"], membership=first, end_date=TODAY)
    assert mdt_roles(member).get().end_date is None


def test_closing_a_team_ends_its_memberships_and_roles(serbia, prison_team):
    membership = join(prison_team, serbia.people[1], "SOC")
    with pytest.raises(ValidationError):
        actions.close_team(actor=serbia.users["national_admin"], team=prison_team, reason=" ")
    actions.close_team(actor=serbia.users["national_admin"], team=prison_team, reason="Spojen")
    membership.refresh_from_db()
    assert membership.end_date == TODAY
    assert mdt_roles(serbia.people[1]).get().end_date == TODAY
    assert not prison_team.active


def test_one_lead_at_a_time(serbia, prison_team):
    join(prison_team, serbia.people[0], "OFFICER", role="lead")
    with pytest.raises(ValidationError) as refused:
        join(prison_team, serbia.people[1], "SOC", role="lead")
    assert "role" in refused.value.message_dict
    deputy = join(prison_team, serbia.people[1], "SOC", role="deputy")
    with pytest.raises(ValidationError):
        actions.change_member_role(
            actor=serbia.users["national_admin"], membership=deputy, role="lead"
        )


def test_the_database_refuses_a_second_current_lead(serbia, prison_team):
    join(prison_team, serbia.people[0], "OFFICER", role="lead")
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            team=prison_team, staff_member=serbia.people[1], role="lead", start_date=TODAY,
            discipline=Discipline.objects.get(beneficiary=serbia.beneficiary, code="SOC"),
        )  # fmt: skip


def test_a_new_lead_after_the_old_one_left(serbia, prison_team):
    lead = join(prison_team, serbia.people[0], "OFFICER", role="lead")
    actions.end_membership(
        actor=serbia.users["national_admin"], membership=lead,
        end_date=TODAY - datetime.timedelta(days=5),
    )  # fmt: skip
    join(prison_team, serbia.people[1], "SOC", role="lead", on=TODAY)


def test_a_member_of_another_administration_is_refused(world, prison_team):
    montenegrin = world["ME"].people[0]
    with pytest.raises((ValidationError, Http404)):
        join(prison_team, montenegrin, "SOC", actor=world["RS"].users["national_admin"])


def test_dates_must_be_sane(serbia, prison_team):
    with pytest.raises(ValidationError):
        join(prison_team, serbia.people[1], "SOC", on=datetime.date(2019, 1, 1))
    membership = join(prison_team, serbia.people[1], "SOC")
    with pytest.raises(ValidationError):
        actions.end_membership(
            actor=serbia.users["national_admin"], membership=membership,
            end_date=LONG_AGO - datetime.timedelta(days=1),
        )  # fmt: skip


def test_an_institution_manager_keeps_their_own_institutions_teams_only(serbia, prison_team):
    manager = serbia.users["institution_manager"]  # of the prison
    own = join(prison_team, serbia.people[0], "OFFICER", actor=manager)
    assert own.pk
    with pytest.raises(Http404):
        actions.create_team(
            actor=manager, beneficiary=serbia.beneficiary, institution=serbia.probation,
            name="Tuđi tim", formed_on=LONG_AGO,
        )  # fmt: skip
    with pytest.raises(Http404):
        actions.create_team(
            actor=manager, beneficiary=serbia.beneficiary, institution=None,
            name="Regionalni", formed_on=LONG_AGO,
        )  # fmt: skip
    probation_team = actions.create_team(
        actor=serbia.users["national_admin"], beneficiary=serbia.beneficiary,
        institution=serbia.probation, name="Probacija", formed_on=LONG_AGO,
    )  # fmt: skip
    with pytest.raises(Http404):
        actions.change_team(actor=manager, team=probation_team, name="Preimenovan")
    with pytest.raises(Http404):
        join(probation_team, serbia.people[0], "OFFICER", actor=manager)


def test_staff_and_trainers_may_not_manage_teams(serbia, prison_team):
    from django.core.exceptions import PermissionDenied

    for role in ("staff", "trainer"):
        with pytest.raises(PermissionDenied):
            actions.change_team(actor=serbia.users[role], team=prison_team, name="X")


def test_names_round_trip_in_both_scripts(serbia, prison_team):
    member = person(serbia.prison, "Ђурђа", "Шћекић")
    join(prison_team, member, "PSY")
    prison_team.refresh_from_db()
    assert prison_team.name == "МДТ Ниш"
    assert Membership.objects.get(staff_member=member).staff_member.full_name == "Ђурђа Шћекић"
