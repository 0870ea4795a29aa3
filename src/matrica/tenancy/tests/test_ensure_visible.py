"""A write never moves a record out of its writer's sight (`tenancy.scoping.ensure_visible`).

`audit.services.write`, the common tail of every action, checks after saving, inside the
action's transaction, that the actor still sees what they wrote; if not, the action answers 404
and nothing of it stays: no row, no audit row, no figure. Permissions and models' own rules
refuse most such moves earlier; these tests find the moves only this check refuses.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import reverse

from matrica.accounts import actions as account_actions
from matrica.audit import services as audit_services
from matrica.audit.models import AuditEvent
from matrica.staff import actions as staff_actions
from matrica.tenancy import permissions
from matrica.tenancy.permissions import Verb
from matrica.tenancy.roles import Role
from matrica.testing.world import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def institution_managers_manage_staff(monkeypatch: pytest.MonkeyPatch) -> None:
    """A narrower writer than today's: an institution manager allowed to manage staff (the
    grant a later issue may make). Their permission reaches the whole administration, since
    permissions go by administration; their sight is their own institution."""
    monkeypatch.setitem(
        permissions.GRANTS, Role.INSTITUTION_MANAGER, frozenset({Verb.MANAGE_STAFF})
    )


def move_to_probation(world: World) -> None:
    rs = world["RS"]
    person = rs.people[0]
    staff_actions.update_staff_member(
        actor=rs.users["institution_manager"], staff_member=person, institution=rs.probation
    )


def test_a_writer_cannot_move_someone_out_of_their_own_sight(
    world, institution_managers_manage_staff
):
    rs = world["RS"]
    person = rs.people[0]
    assert person.institution == rs.prison == rs.users["institution_manager"].institution
    with pytest.raises(Http404):
        move_to_probation(world)
    person.refresh_from_db()
    assert person.institution == rs.prison
    assert not AuditEvent.objects.filter(object_type__model="staffmember").exists()


def test_the_same_writer_may_change_what_stays_in_sight(world, institution_managers_manage_staff):
    rs = world["RS"]
    person = rs.people[0]
    staff_actions.update_staff_member(
        actor=rs.users["institution_manager"], staff_member=person, family_name="Ђорђевић-Поповић"
    )
    person.refresh_from_db()
    assert person.family_name == "Ђорђевић-Поповић"
    assert AuditEvent.objects.filter(object_type__model="staffmember").count() == 1


def test_the_refusal_above_comes_from_ensure_visible_alone(
    world, institution_managers_manage_staff, monkeypatch
):
    """Keeps the test above honest: without the check, nothing else refuses that move. If this
    fails because another rule now refuses it first, find the test above a new case."""
    monkeypatch.setattr(audit_services, "ensure_visible", lambda obj, user: None)
    move_to_probation(world)
    person = world["RS"].people[0]
    person.refresh_from_db()
    assert person.institution == world["RS"].probation


def test_write_refuses_a_record_the_actor_cannot_see_and_leaves_no_trace(world):
    person = world["RS"].people[1]
    person.family_name = "Promijenjeno"
    with pytest.raises(Http404), transaction.atomic():  # the action's transaction
        audit_services.write(actor=world["ME"].users["national_admin"], obj=person)
    person.refresh_from_db()
    assert person.family_name == "Đorđević"
    assert not AuditEvent.objects.filter(object_type__model="staffmember").exists()


def test_write_saves_and_audits_a_record_the_actor_sees(world):
    person = world["RS"].people[1]
    person.family_name = "Đorđević-Petrović"
    with transaction.atomic():
        audit_services.write(actor=world["RS"].users["national_admin"], obj=person)
    person.refresh_from_db()
    assert person.family_name == "Đorđević-Petrović"
    event = AuditEvent.objects.get(object_type__model="staffmember")
    assert event.user == world["RS"].users["national_admin"]


# The link from an account to a person: ensure_visible cannot catch it (the account itself
# stays in the writer's sight), so the account's own rules do.
def test_an_account_cannot_be_linked_to_a_person_of_another_administration(client, world):
    rs, me = world["RS"], world["ME"]
    trainer = rs.users["trainer"]
    foreign = me.people[1]
    with pytest.raises((ValidationError, Http404)):
        account_actions.update_user(
            actor=rs.users["national_admin"], user=trainer, staff_member=foreign
        )
    client.force_login(trainer)
    assert client.get(reverse("staff:record", args=[foreign.pk])).status_code == 404


def test_a_new_account_cannot_be_given_a_person_of_another_administration(world):
    rs, me = world["RS"], world["ME"]
    with pytest.raises((ValidationError, Http404)):
        account_actions.create_user(
            actor=rs.users["national_admin"], username="novi-staff-rs", role=Role.STAFF,
            institution=rs.prison, staff_member=me.people[1],
        )  # fmt: skip
