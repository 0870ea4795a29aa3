"""The team pages as every role sees them; what the coordinator sees; query budgets; the way
from a gap to a session that fixes it."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from matrica.compliance.services import refresh_all
from matrica.delivery import actions as delivery
from matrica.delivery.tests.conftest import make_pool_trainer, plan
from matrica.framework.models import Module
from matrica.teams import actions
from matrica.testing.world import PEOPLE

from .conftest import LONG_AGO, TODAY, join, person, train_all, trained

pytestmark = pytest.mark.django_db

ROLES = ["national_admin", "training_manager", "institution_manager", "trainer", "staff"]
MANAGERS = {"national_admin", "training_manager", "institution_manager"}
NATIONAL = {"national_admin", "training_manager"}
# Measured with 3 teams (members): the same budget holds for 20 (15).
LIST_BUDGET = 13
TEAM_BUDGET = 14


@pytest.fixture
def member(serbia, prison_team):
    return join(prison_team, serbia.people[1], "SOC")


def urls(team: Any, membership: Any) -> dict[str, str]:
    return {
        "list": reverse("teams:list"),
        "create": reverse("teams:create"),
        "national": reverse("teams:national"),
        "regional": reverse("teams:regional"),
        "team": reverse("teams:team", args=[team.pk]),
        "change": reverse("teams:change", args=[team.pk]),
        "close": reverse("teams:close", args=[team.pk]),
        "add_member": reverse("teams:add_member", args=[team.pk]),
        "end_member": reverse("teams:end_member", args=[team.pk, membership.pk]),
        "change_member": reverse("teams:change_member", args=[team.pk, membership.pk]),
    }


def expected(name: str, code: str, role: str) -> int:
    """What the user `role` of administration `code` gets for the Serbian prison team's URL."""
    if name == "regional":
        return 403
    if name == "national":
        return 200 if role in NATIONAL else 403
    if role not in MANAGERS:
        return 403
    if name in {"list", "create"}:
        return 200
    return 200 if code == "RS" else 404


@pytest.mark.parametrize("code", ["RS", "ME"])
@pytest.mark.parametrize("role", ROLES)
def test_every_url_for_every_role_of_both_administrations(
    client, world, prison_team, member, code, role
):
    client.force_login(world[code].users[role])
    for name, url in urls(prison_team, member).items():
        response = client.get(url)
        assert response.status_code == expected(name, code, role), (name, code, role)
        if response.status_code == 200 and code == "ME":
            assert "МДТ Ниш" not in response.content.decode()
            assert "Đorđević" not in response.content.decode()


def test_the_coordinator_sees_only_the_regional_view(client, world, prison_team, member):
    client.force_login(world.coordinator)
    for name, url in urls(prison_team, member).items():
        assert client.get(url).status_code == (200 if name == "regional" else 403), name


def test_an_anonymous_visitor_is_sent_to_sign_in(client, prison_team, member):
    for url in urls(prison_team, member).values():
        assert client.get(url).status_code == 302


def test_an_institution_manager_gets_404_for_another_institutions_team(client, serbia):
    team = actions.create_team(
        actor=serbia.users["national_admin"], beneficiary=serbia.beneficiary,
        institution=serbia.probation, name="Probacija", formed_on=LONG_AGO,
    )  # fmt: skip
    client.force_login(serbia.users["institution_manager"])
    assert client.get(reverse("teams:team", args=[team.pk])).status_code == 404
    assert client.get(reverse("teams:change", args=[team.pk])).status_code == 404
    assert "Probacija" not in client.get(reverse("teams:list")).content.decode()


def test_the_coordinator_never_sees_a_name_and_small_member_counts_are_hidden(
    client, world, staffed
):
    client.force_login(world.coordinator)
    page = client.get(reverse("teams:regional")).content.decode()
    for people in PEOPLE.values():
        for _given, family, _category in people:
            assert family not in page
    assert "Петровић" not in page
    assert "МДТ Ниш" not in page
    assert "Serbia" in page
    rows = _regional_rows(client)
    assert rows["Serbia"][-1] == "8"
    assert rows["Montenegro"][-1] == "0"  # nobody to protect: a structural zero


def _regional_rows(client) -> dict[str, list[str]]:
    import re

    page = client.get(reverse("teams:regional")).content.decode()
    rows = {}
    for row in re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", page, re.S):
        name, rest = row.split("</th>", 1)
        cells = [
            re.sub(r"<[^>]+>", "", cell).split(" ")[0]
            for cell in re.findall(r"<td>(.*?)</td>", rest, re.S)
        ]
        rows[name] = cells
    return rows


def test_a_small_member_count_and_the_one_that_would_give_it_back_are_hidden(
    client, world, staffed
):
    montenegro = world["ME"]
    team = actions.create_team(
        actor=montenegro.users["national_admin"], beneficiary=montenegro.beneficiary,
        institution=montenegro.prison, name="MDT Spuž", formed_on=LONG_AGO,
    )  # fmt: skip
    join(team, montenegro.people[0], "PSY", actor=montenegro.users["national_admin"])
    join(team, montenegro.people[2], "SOC", actor=montenegro.users["national_admin"])
    client.force_login(world.coordinator)
    rows = _regional_rows(client)
    assert rows["Montenegro"][-1] == "&lt;5"
    assert rows["Serbia"][-1] == "&lt;5"  # else the region's total would give Montenegro's back
    assert rows["Montenegro"][2] == "1"  # teams are counted, not hidden
    page = client.get(reverse("teams:regional")).content.decode()
    assert "Šćepanović" not in page


def test_a_manager_creates_a_team_and_adds_a_member_found_in_either_script(client, serbia):
    client.force_login(serbia.users["national_admin"])
    response = client.post(
        reverse("teams:create"),
        {"name": "Тим Пожаревац", "institution": serbia.prison.pk, "cadence": "weekly",
         "cases_followed": 3, "formed_on": "2024-01-10", "scope": ""},
    )  # fmt: skip
    assert response.status_code == 302
    team_url = response["Location"]
    page = client.get(team_url).content.decode()
    assert "Тим Пожаревац" in page
    assert "no psychologist" in page
    team_pk = int(team_url.rstrip("/").split("/")[-1])
    add = reverse("teams:add_member", args=[team_pk])
    found = client.get(add, {"q": "djordjevic"}).content.decode()
    assert "Milica Đorđević" in found
    assert "Ђорђе Ђорђевић" in found
    from matrica.teams.models import Discipline

    psy = Discipline.objects.get(beneficiary=serbia.beneficiary, code="PSY")
    response = client.post(
        add, {"staff_member": serbia.people[1].pk, "discipline": psy.pk, "role": "lead",
              "start_date": TODAY.isoformat()},
    )  # fmt: skip
    assert response.status_code == 302
    assert "no psychologist" not in client.get(team_url).content.decode()


def test_a_member_of_another_administration_cannot_be_posted(client, world, prison_team):
    client.force_login(world["RS"].users["national_admin"])
    from matrica.teams.models import Discipline

    psy = Discipline.objects.get(beneficiary=world["RS"].beneficiary, code="PSY")
    response = client.post(
        reverse("teams:add_member", args=[prison_team.pk]),
        {"staff_member": world["ME"].people[0].pk, "discipline": psy.pk, "role": "member",
         "start_date": TODAY.isoformat()},
    )  # fmt: skip
    assert response.status_code == 200
    assert not prison_team.memberships.exists()


def test_the_team_page_links_to_a_session_that_fixes_the_missing_training(
    client, serbia, staffed, prison_team
):
    for code, membership in staffed.items():
        trained(membership.staff_member, except_area="MAC" if code == "SOC" else None)
    refresh_all(on=TODAY)
    practice = Module.objects.get(code="MA")  # confers MAC at specialist level
    trainer = serbia.users["trainer"].staff_member
    make_pool_trainer(trainer, practice)
    session = plan(serbia, practice, trainer)
    delivery.open_session(actor=serbia.users["training_manager"], session=session)
    awareness = Module.objects.get(code="BA")
    make_pool_trainer(trainer, awareness)
    unrelated = plan(serbia, awareness, trainer, starts_on=TODAY + datetime.timedelta(days=60))
    delivery.open_session(actor=serbia.users["training_manager"], session=unrelated)
    client.force_login(serbia.users["institution_manager"])
    page = client.get(reverse("teams:team", args=[prison_team.pk])).content.decode()
    assert (
        "social worker Milica Đorđević: Multi-agency and multi-disciplinary co-operation "
        "training overdue since" in page
    )
    assert reverse("delivery:nominate", args=[session.pk]) in page
    assert reverse("delivery:nominate", args=[unrelated.pk]) not in page


def test_the_team_list_costs_the_same_for_3_and_20_teams(
    client, serbia, django_assert_max_num_queries
):
    client.force_login(serbia.users["national_admin"])
    created = 0
    for count in (3, 20):
        for index in range(created, count):
            team = actions.create_team(
                actor=serbia.users["national_admin"], beneficiary=serbia.beneficiary,
                institution=serbia.prison, name=f"Tim {count}-{index}", formed_on=LONG_AGO,
            )  # fmt: skip
            join(team, person(serbia.prison, "Ана", f"Анић{index}"), "PSY")
        created = count
        refresh_all(on=TODAY)
        with django_assert_max_num_queries(LIST_BUDGET):
            assert client.get(reverse("teams:list")).status_code == 200


def test_the_team_page_costs_the_same_for_3_and_15_members(
    client, serbia, prison_team, django_assert_max_num_queries
):
    client.force_login(serbia.users["national_admin"])
    url = reverse("teams:team", args=[prison_team.pk])
    added = 0
    for target in (3, 15):
        while added < target:
            join(prison_team, person(serbia.prison, "Ана", f"Анић{added}"), "PSY")
            added += 1
        refresh_all(on=TODAY)
        with django_assert_max_num_queries(TEAM_BUDGET):
            assert client.get(url).status_code == 200


def test_the_national_view_lists_institutions_without_a_team_and_teams_not_ready(
    client, serbia, staffed, prison_team
):
    train_all(staffed)
    client.force_login(serbia.users["training_manager"])
    page = client.get(reverse("teams:national")).content.decode()
    assert "RS probation office" in page  # no team
    assert "Every team is ready." in page


def test_the_trend_counts_teams_with_every_discipline_filled_by_quarter(serbia, staffed):
    from matrica.teams.selectors import filled_trend, teams_visible_to

    points = filled_trend(teams_visible_to(serbia.users["national_admin"]))
    assert points[-1].teams == 1
    assert points[-1].filled == 1
    assert all(point.filled <= point.teams for point in points)
