"""factory_boy factories for the test world. The framework itself comes from the real loader."""

from __future__ import annotations

import datetime
from typing import Any

import factory
from dateutil.relativedelta import relativedelta

from matrica.accounts.models import User
from matrica.framework.models import CompetencyArea, Level, StaffCategory
from matrica.staff.models import StaffMember, StaffRole
from matrica.tenancy.models import Beneficiary, Institution, Service
from matrica.tenancy.roles import Role
from matrica.training.models import Completion


def base36(number: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    text = ""
    while True:
        number, remainder = divmod(number, 36)
        text = digits[remainder] + text
        if not number:
            return text


class BeneficiaryFactory(factory.django.DjangoModelFactory[Beneficiary]):
    class Meta:
        model = Beneficiary
        django_get_or_create = ["code"]

    # Codes are at most four characters: base 36 keeps a long run's thousands of them short.
    code = factory.Sequence(lambda n: "Z" + base36(n))
    name = factory.LazyAttribute(lambda o: f"Administration {o.code}")


class ServiceFactory(factory.django.DjangoModelFactory[Service]):
    class Meta:
        model = Service
        django_get_or_create = ["beneficiary", "kind"]

    beneficiary = factory.SubFactory(BeneficiaryFactory)
    kind = Service.Kind.PRISON
    name = factory.LazyAttribute(lambda o: f"{o.kind} service")


class InstitutionFactory(factory.django.DjangoModelFactory[Institution]):
    class Meta:
        model = Institution

    service = factory.SubFactory(ServiceFactory)
    beneficiary = factory.LazyAttribute(lambda o: o.service.beneficiary)
    name = factory.Sequence(lambda n: f"Institution {n}")
    kind = Institution.Kind.PRISON


def category(code: str) -> StaffCategory:
    return StaffCategory.objects.get(code=code)


class StaffMemberFactory(factory.django.DjangoModelFactory[StaffMember]):
    class Meta:
        model = StaffMember

    institution = factory.SubFactory(InstitutionFactory)
    beneficiary = factory.LazyAttribute(lambda o: o.institution.beneficiary)
    employee_number = factory.Sequence(lambda n: f"E{n:05d}")
    given_name = "Ana"
    family_name = factory.Sequence(lambda n: f"Person{n}")
    primary_category = factory.LazyFunction(lambda: category("FLO"))
    entry_date = datetime.date(2015, 3, 1)


class StaffRoleFactory(factory.django.DjangoModelFactory[StaffRole]):
    class Meta:
        model = StaffRole

    staff_member = factory.SubFactory(StaffMemberFactory)
    category = factory.LazyFunction(lambda: category("TRN"))
    start_date = datetime.date(2020, 1, 1)


class CompletionFactory(factory.django.DjangoModelFactory[Completion]):
    class Meta:
        model = Completion

    staff_member = factory.SubFactory(StaffMemberFactory)
    area = factory.LazyFunction(lambda: CompetencyArea.objects.get(code="RAD"))
    level = factory.LazyFunction(lambda: Level.objects.get(code="A"))
    completed_on = datetime.date(2024, 1, 15)
    valid_until = factory.LazyAttribute(lambda o: o.completed_on + relativedelta(months=36))
    source = Completion.Source.SESSION


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw")
    role = Role.STAFF

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> User:
        return super()._create(model_class, *args, **kwargs)
