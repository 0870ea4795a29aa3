"""A prison team of Serbia, and people to fill it: every discipline with someone trained for the
whole MDT column of the matrix, so that a test breaks exactly one thing."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from matrica.compliance.services import refresh_all
from matrica.framework.models import CompetencyArea, Level
from matrica.staff.models import StaffMember
from matrica.teams import actions
from matrica.teams.models import Discipline, Membership, Team
from matrica.testing.factories import CompletionFactory, StaffMemberFactory, category

# The MDT column of the matrix (../shared/docs/framework-matrix.md).
MDT_AREAS = ["RAD", "IDN", "REP", "DYN", "COM", "HRL", "RES", "RSK", "INT", "REI", "MAC"]
TODAY = timezone.localdate()
LONG_AGO = datetime.date(2020, 1, 6)


def trained(member: StaffMember, *, except_area: str | None = None, valid_until=None) -> None:
    """Current specialist evidence for every area of the MDT column (but `except_area`)."""
    specialist = Level.objects.get(code="S")
    for code in MDT_AREAS:
        if code == except_area:
            continue
        CompletionFactory.create(
            staff_member=member, area=CompetencyArea.objects.get(code=code), level=specialist,
            completed_on=TODAY - datetime.timedelta(days=30),
            valid_until=valid_until or TODAY + datetime.timedelta(days=700),
        )  # fmt: skip


def person(institution: Any, given: str, family: str, cat: str = "TRS") -> StaffMember:
    return StaffMemberFactory.create(
        institution=institution, given_name=given, family_name=family,
        primary_category=category(cat),
    )  # fmt: skip


def join(team: Team, member: StaffMember, code: str, role: str = "member", actor=None, on=None):
    actor = actor or team_actor(team)
    return actions.add_member(
        actor=actor, team=team, staff_member=member,
        discipline=Discipline.objects.get(beneficiary=team.beneficiary, code=code), role=role,
        start_date=on or LONG_AGO,
    )  # fmt: skip


_actors: dict[int, Any] = {}


def team_actor(team: Team) -> Any:
    return _actors[team.beneficiary_id]


@pytest.fixture
def serbia(world):
    _actors[world["RS"].beneficiary.pk] = world["RS"].users["national_admin"]
    _actors[world["ME"].beneficiary.pk] = world["ME"].users["national_admin"]
    return world["RS"]


@pytest.fixture
def prison_team(serbia) -> Team:
    return actions.create_team(
        actor=serbia.users["national_admin"], beneficiary=serbia.beneficiary,
        institution=serbia.prison, name="МДТ Ниш", formed_on=LONG_AGO,
        scope="Osuđeni za nasilni ekstremizam", cases_followed=4,
    )  # fmt: skip


PRISON_DISCIPLINES = ["OFFICER", "PSY", "SOC", "EDU", "SEC", "REL", "HEALTH", "LPO"]


@pytest.fixture
def staffed(serbia, prison_team) -> dict[str, Membership]:
    """Every discipline of the prison team filled; Milica Đorđević is its social worker. Nobody
    is trained yet."""
    memberships = {}
    for index, code in enumerate(PRISON_DISCIPLINES):
        if code == "SOC":
            member = serbia.people[1]
        elif code == "LPO":
            member = person(serbia.probation, "Петар", f"Петровић{index}", "PRO")
        else:
            member = person(serbia.prison, "Јелена", f"Илић{index}")
        memberships[code] = join(prison_team, member, code, "lead" if index == 0 else "member")
    return memberships


def train_all(memberships: dict[str, Membership], **kwargs) -> None:
    for membership in memberships.values():
        trained(membership.staff_member, **kwargs)
    refresh_all(on=TODAY)
