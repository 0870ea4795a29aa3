"""`names_everyone_placed`: a list of names may take its total from the figures of the
institutions the user sees only if it would name exactly the people placed in them."""

from __future__ import annotations

import pytest

from matrica.accounts.models import User
from matrica.staff.models import StaffMember
from matrica.tenancy.models import Institution
from matrica.tenancy.roles import Role
from matrica.tenancy.scoping import names_everyone_placed
from matrica.testing.factories import UserFactory

pytestmark = pytest.mark.django_db


def everyone_placed_is_named(user: User) -> bool:
    named = set(StaffMember.objects.visible_to(user).values_list("pk", flat=True))
    placed = set(
        StaffMember.objects.filter(
            institution__in=Institution.objects.visible_to(user)
        ).values_list("pk", flat=True)
    )
    return named == placed


def test_the_claim_holds_for_every_user_it_is_made_for(world):
    users = [
        world.coordinator, world.superuser,
        *(user for code in ("RS", "ME") for user in world[code].users.values()),
        # An institution's manager not yet given an institution sees no names at all.
        UserFactory.create(username="manager-unplaced", role=Role.INSTITUTION_MANAGER,
                           beneficiary=world["RS"].beneficiary),
    ]  # fmt: skip
    claimed = [user for user in users if names_everyone_placed(user)]
    assert {user.username for user in claimed} >= {"root", "admin-rs", "manager-me"}
    for user in claimed:
        assert everyone_placed_is_named(user), user.username
    # Those who see fewer names than people (a coordinator sees none, a trainer their own)
    # are never claimed.
    for user in users:
        if not everyone_placed_is_named(user):
            assert not names_everyone_placed(user), user.username
