"""A small world for tests: two administrations, each with a prison and a probation
institution, people with names in both scripts, and one user of every role in each."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from matrica.accounts.models import User
from matrica.staff.models import StaffMember
from matrica.tenancy.models import Beneficiary, Institution, Service
from matrica.tenancy.roles import Role
from matrica.testing.factories import (
    BeneficiaryFactory,
    InstitutionFactory,
    ServiceFactory,
    StaffMemberFactory,
    UserFactory,
    category,
)


@dataclass
class Administration:
    beneficiary: Beneficiary
    prison: Institution
    probation: Institution
    people: list[StaffMember]
    users: dict[str, User] = field(default_factory=dict)


@dataclass
class World:
    coordinator: User
    superuser: User
    administrations: dict[str, Administration]

    def __getitem__(self, code: str) -> Administration:
        return self.administrations[code]


PEOPLE = {
    "RS": [
        ("Ђорђе", "Ђорђевић", "FLO"),
        ("Milica", "Đorđević", "TRS"),
        ("Марко", "Јовановић", "FLO"),
    ],
    "ME": [
        ("Jovana", "Šćepanović", "FLO"),
        ("Nikola", "Vučinić", "PRO"),
        ("Ana", "Čolaković", "FLO"),
    ],
}


def build_administration(code: str, name: str) -> Administration:
    beneficiary = BeneficiaryFactory.create(code=code, name=name)
    prison = InstitutionFactory.create(
        service=ServiceFactory.create(beneficiary=beneficiary, kind=Service.Kind.PRISON),
        name=f"{code} prison",
    )
    probation = InstitutionFactory.create(
        service=ServiceFactory.create(beneficiary=beneficiary, kind=Service.Kind.PROBATION),
        name=f"{code} probation office",
        kind=Institution.Kind.PROBATION_OFFICE,
    )
    people = [
        StaffMemberFactory.create(
            institution=probation if cat == "PRO" else prison,
            given_name=given,
            family_name=family,
            primary_category=category(cat),
            employee_number=f"{code}-{index:03d}",
        )
        for index, (given, family, cat) in enumerate(PEOPLE[code], start=1)
    ]
    administration = Administration(beneficiary, prison, probation, people)
    lower = code.lower()
    administration.users = {
        "national_admin": UserFactory.create(
            username=f"admin-{lower}", role=Role.NATIONAL_ADMIN, beneficiary=beneficiary,
            is_staff=True,
        ),
        "training_manager": UserFactory.create(
            username=f"training-{lower}", role=Role.TRAINING_MANAGER, beneficiary=beneficiary,
            is_staff=True,
        ),
        "institution_manager": UserFactory.create(
            username=f"manager-{lower}", role=Role.INSTITUTION_MANAGER, beneficiary=beneficiary,
            institution=prison,
        ),
        "trainer": UserFactory.create(
            username=f"trainer-{lower}", role=Role.TRAINER, beneficiary=beneficiary,
            institution=prison, staff_member=people[2],
        ),
        "staff": UserFactory.create(
            username=f"staff-{lower}", role=Role.STAFF, beneficiary=beneficiary,
            institution=prison, staff_member=people[0],
        ),
    }  # fmt: skip
    return administration


def build_world() -> World:
    return World(
        coordinator=UserFactory.create(
            username="coordinator", role=Role.COORDINATOR, is_staff=True
        ),
        superuser=UserFactory.create(username="root", is_superuser=True, is_staff=True, role=""),
        administrations={
            "RS": build_administration("RS", "Serbia"),
            "ME": build_administration("ME", "Montenegro"),
        },
    )


def login_as(client: Any, world: World, who: str) -> None:
    """Sign a test client in as `who`: "anonymous" (nobody), "coordinator", or "RS:trainer"
    (an administration's code and a role of its users)."""
    if who == "anonymous":
        return
    if who == "coordinator":
        client.force_login(world.coordinator)
        return
    code, role = who.split(":")
    client.force_login(world[code].users[role])
