"""Certificates follow a session's outcome: issued on closing to those who attended and passed
the post-test, revoked on reopening."""

from __future__ import annotations

import pytest

from matrica.credentials.models import Certificate
from matrica.delivery import actions
from matrica.evaluation.models import ModuleTest, TestResult
from matrica.testing.sessions import closed_session, held_session

pytestmark = pytest.mark.django_db


def test_closing_issues_a_certificate_to_each_participant_when_the_module_has_no_test(world):
    serbia = world["RS"]
    session = closed_session(serbia)
    certificates = Certificate.objects.filter(session=session)
    assert sorted(c.staff_member_id for c in certificates) == sorted(
        m.pk for m in serbia.people[:2]
    )
    assert len({c.code for c in certificates}) == 2
    assert len({c.status_index for c in certificates}) == 2
    assert all(c.is_valid and c.completed_on == session.ends_on for c in certificates)


def test_only_those_who_passed_the_post_test_get_one(world):
    serbia = world["RS"]
    session = held_session(serbia)
    ModuleTest.objects.create(module=session.module, pass_mark=60)
    first, second = session.enrolments.order_by("pk")
    TestResult.objects.create(enrolment=first, phase="post", score=60, method="paper")
    TestResult.objects.create(enrolment=second, phase="post", score="59.99", method="paper")
    actions.close_session(actor=serbia.users["training_manager"], session=session)
    assert list(Certificate.objects.values_list("enrolment_id", "score")) == [(first.pk, 60)]


def test_reopening_revokes_and_closing_again_issues_new_codes(world):
    serbia = world["RS"]
    session = closed_session(serbia)
    old = set(Certificate.objects.values_list("code", flat=True))
    actions.reopen_session(
        actor=serbia.users["national_admin"], session=session, reason="Register corrected"
    )
    assert not Certificate.objects.filter(revoked_at__isnull=True).exists()
    session.refresh_from_db()
    actions.close_session(actor=serbia.users["training_manager"], session=session)
    valid = set(Certificate.objects.filter(revoked_at__isnull=True).values_list("code", flat=True))
    assert len(valid) == 2
    assert not valid & old


def test_the_first_certificate_gives_the_administration_its_signing_key(world):
    from matrica.credentials.models import IssuerKey

    assert not IssuerKey.objects.exists()
    closed_session(world["RS"])
    key = IssuerKey.objects.get()
    assert key.beneficiary == world["RS"].beneficiary
    assert key.retired_at is None
