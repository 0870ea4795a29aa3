"""An administration sets the disciplines its teams must include; readiness follows at once."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from matrica.teams import actions
from matrica.teams.models import Discipline
from matrica.teams.selectors import readiness

pytestmark = pytest.mark.django_db


def gaps_of(team):
    team.refresh_from_db()
    return readiness([team])[team.pk].gaps


def test_a_new_required_discipline_is_missing_from_every_prison_team(world, prison_team):
    admin = world["RS"].users["national_admin"]
    actions.add_discipline(
        actor=admin, beneficiary=world["RS"].beneficiary, code="lawyer", title="Правник",
        required_for_probation=False, required_for_regional=False,
    )  # fmt: skip
    assert "no правник" in gaps_of(prison_team)  # named in the sentence, lower case
    assert Discipline.objects.get(code="LAWYER").title == "Правник"


def test_a_discipline_made_optional_is_no_longer_a_gap(world, prison_team):
    assert "no psychologist" in gaps_of(prison_team)
    psychologist = Discipline.objects.get(beneficiary=world["RS"].beneficiary, code="PSY")
    actions.change_discipline(
        actor=world["RS"].users["training_manager"], discipline=psychologist,
        required_for_prison=False,
    )  # fmt: skip
    assert "no psychologist" not in gaps_of(prison_team)


def test_only_the_administrations_national_roles_set_its_disciplines(world, prison_team):
    psychologist = Discipline.objects.get(beneficiary=world["RS"].beneficiary, code="PSY")
    with pytest.raises(PermissionDenied):
        actions.change_discipline(
            actor=world["RS"].users["institution_manager"], discipline=psychologist, order=1
        )
    with pytest.raises(Http404):
        actions.change_discipline(
            actor=world["ME"].users["national_admin"], discipline=psychologist, order=1
        )


@pytest.mark.parametrize(
    ("username", "status"),
    [("admin-rs", 200), ("training-rs", 200), ("manager-rs", 403), ("trainer-rs", 403),
     ("staff-rs", 403), ("coordinator", 403), ("admin-me", 200)],
)  # fmt: skip
def test_the_disciplines_page(client, world, prison_team, username, status):
    from matrica.accounts.models import User

    client.force_login(User.objects.get(username=username))
    response = client.get(reverse("teams:disciplines"))
    assert response.status_code == status
    psychologist = Discipline.objects.get(beneficiary=world["RS"].beneficiary, code="PSY")
    edit = client.get(reverse("teams:change_discipline", args=[psychologist.pk]))
    # Serbia's discipline is Serbia's: another administration's administrator gets 404.
    assert edit.status_code == {200: 404 if username.endswith("-me") else 200}.get(status, 403)


def test_a_discipline_is_added_and_changed_through_the_pages(client, world, prison_team):
    client.force_login(world["RS"].users["national_admin"])
    response = client.post(reverse("teams:add_discipline"), {
        "code": "ped", "title": "Педагог", "required_for_prison": "on", "order": 9,
    })  # fmt: skip
    assert response.status_code == 302
    added = Discipline.objects.get(code="PED")
    assert (added.required_for_prison, added.required_for_probation) == (True, False)
    response = client.post(reverse("teams:change_discipline", args=[added.pk]), {
        "title": "Педагог", "order": 9,
    })  # fmt: skip
    assert response.status_code == 302
    added.refresh_from_db()
    assert not added.required_for_prison
    assert "Педагог" in client.get(reverse("teams:disciplines")).content.decode()
