import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from matrica.testing.factories import (
    CompletionFactory,
    StaffMemberFactory,
    StaffRoleFactory,
    category,
)
from matrica.training.models import Completion

pytestmark = pytest.mark.django_db


def test_employee_numbers_are_unique_within_an_administration_only(world):
    rs, me = world["RS"], world["ME"]
    StaffMemberFactory(institution=me.prison, employee_number="RS-001")  # same number elsewhere
    with pytest.raises(IntegrityError), transaction.atomic():
        StaffMemberFactory(institution=rs.prison, employee_number="RS-001")


def test_a_person_cannot_work_in_another_administrations_institution(world):
    member = StaffMemberFactory.build(
        institution=world["ME"].prison, beneficiary=world["RS"].beneficiary,
        primary_category=category("FLO"),
    )  # fmt: skip
    with pytest.raises(ValidationError) as error:
        member.full_clean()
    assert "institution" in error.value.message_dict


def test_a_role_cannot_end_before_it_starts(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        StaffRoleFactory(
            staff_member=world["RS"].people[0],
            start_date=datetime.date(2024, 1, 1),
            end_date=datetime.date(2023, 1, 1),
        )


def test_evidence_must_be_valid_after_it_was_earned(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        CompletionFactory(
            staff_member=world["RS"].people[0],
            completed_on=datetime.date(2024, 1, 1),
            valid_until=datetime.date(2024, 1, 1),
        )


def test_manual_and_prior_learning_evidence_must_say_why(world):
    for source in (Completion.Source.MANUAL, Completion.Source.PRIOR_LEARNING):
        with pytest.raises(IntegrityError), transaction.atomic():
            CompletionFactory(staff_member=world["RS"].people[0], source=source, note="")
    CompletionFactory(
        staff_member=world["RS"].people[0],
        source=Completion.Source.PRIOR_LEARNING,
        note="Master's degree in criminology, 2019",
    )
