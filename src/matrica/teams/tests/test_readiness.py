"""Readiness: every required discipline filled by a current member who meets the MDT-member
requirements of the matrix."""

from __future__ import annotations

import datetime

import pytest

from matrica.compliance.services import refresh_all
from matrica.teams import actions
from matrica.teams.selectors import readiness

from .conftest import LONG_AGO, TODAY, join, person, team_actor, train_all, trained

pytestmark = pytest.mark.django_db


def state_of(team):
    team.refresh_from_db()
    return readiness([team])[team.pk]


def test_an_empty_prison_team_misses_every_discipline_including_a_linked_probation_officer(
    prison_team,
):
    state = state_of(prison_team)
    assert not state.ready
    assert not state.filled
    assert "no psychologist" in state.gaps
    assert "no linked probation officer" in state.gaps
    assert len(state.gaps) == 8


def test_a_probation_team_needs_no_linked_probation_officer(serbia):
    team = actions.create_team(
        actor=serbia.users["national_admin"], beneficiary=serbia.beneficiary,
        institution=serbia.probation, name="Probacija Beograd", formed_on=LONG_AGO,
    )  # fmt: skip
    state = state_of(team)
    assert "no linked probation officer" not in state.gaps
    assert len(state.gaps) == 7


def test_a_team_with_every_discipline_filled_by_trained_members_is_ready(staffed, prison_team):
    train_all(staffed)
    state = state_of(prison_team)
    assert state.ready, state.gaps
    assert state.gaps == []


@pytest.mark.parametrize("code", ["PSY", "SOC", "EDU", "SEC", "REL", "HEALTH", "LPO", "OFFICER"])
def test_each_discipline_left_empty_is_named(staffed, prison_team, code):
    train_all(staffed)
    membership = staffed[code]
    actions.end_membership(
        actor=team_actor(prison_team), membership=membership,
        end_date=TODAY - datetime.timedelta(days=1),
    )  # fmt: skip
    state = state_of(prison_team)
    assert not state.ready
    assert not state.filled
    assert len(state.gaps) == 1
    assert state.gaps[0].startswith("no ")


def test_expired_training_names_the_member_the_area_and_the_date(staffed, prison_team, serbia):
    expired_on = TODAY - datetime.timedelta(days=40)
    for code, membership in staffed.items():
        trained(membership.staff_member, except_area="MAC" if code == "SOC" else None)
    from matrica.framework.models import CompetencyArea, Level
    from matrica.testing.factories import CompletionFactory

    CompletionFactory.create(
        staff_member=serbia.people[1], area=CompetencyArea.objects.get(code="MAC"),
        level=Level.objects.get(code="S"), completed_on=expired_on - datetime.timedelta(days=700),
        valid_until=expired_on,
    )  # fmt: skip
    refresh_all(on=TODAY)
    state = state_of(prison_team)
    assert state.filled
    assert not state.ready
    assert state.gaps == [
        "social worker Milica Đorđević: Multi-agency and multi-disciplinary co-operation "
        f"training expired on {expired_on.isoformat()}"
    ]


def test_expiring_training_still_counts_as_ready(staffed, prison_team):
    train_all(staffed, valid_until=TODAY + datetime.timedelta(days=20))
    state = state_of(prison_team)
    assert state.ready, state.gaps


def test_a_member_whose_mdt_requirement_is_missing_keeps_the_team_from_ready(staffed, prison_team):
    for code, membership in staffed.items():
        trained(membership.staff_member, except_area="RSK" if code == "PSY" else None)
    refresh_all(on=TODAY)
    state = state_of(prison_team)
    assert not state.ready
    assert state.filled
    assert len(state.gaps) == 1
    assert "Structured risk and needs assessment" in state.gaps[0]
    assert state.gaps[0].startswith("psychologist ")


def test_a_second_trained_member_of_the_same_discipline_fills_it(staffed, prison_team, serbia):
    for code, membership in staffed.items():
        trained(membership.staff_member, except_area="MAC" if code == "SOC" else None)
    other = person(serbia.prison, "Мила", "Марић")
    trained(other)
    join(prison_team, other, "SOC")
    refresh_all(on=TODAY)
    assert state_of(prison_team).ready


def test_a_member_who_left_the_service_does_not_fill_a_discipline(staffed, prison_team):
    train_all(staffed)
    member = staffed["EDU"].staff_member
    member.active = False
    member.leaving_date = TODAY - datetime.timedelta(days=2)
    member.save()
    assert state_of(prison_team).gaps == ["no educator"]
