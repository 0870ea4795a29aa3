"""Certificates follow a session's outcome: issued on closing to those who attended and passed
the post-test, revoked on reopening."""

from __future__ import annotations

import pytest

from matrica.credentials.models import Certificate
from matrica.delivery import actions
from matrica.evaluation.models import ModuleTest, TestResult
from matrica.staff.models import StaffMember
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


def test_each_person_is_told_in_their_language_once_the_closing_commits(
    world, django_capture_on_commit_callbacks, mailoutbox
):
    serbia = world["RS"]
    first, second = serbia.people[:2]
    first.email, first.preferred_language = "djordje@example.org", "sr"
    second.email, second.preferred_language = "milica@example.org", "en"
    StaffMember.objects.bulk_update([first, second], ["email", "preferred_language"])
    session = held_session(serbia, people=[first, second])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        actions.close_session(actor=serbia.users["training_manager"], session=session)
        assert not [m for m in mailoutbox if "certificate" in m.subject.lower()]
    for callback in callbacks:
        callback()
    told = {m.to[0]: m for m in mailoutbox if m.to[0] in (first.email, second.email)}
    english = [m for m in mailoutbox if m.to == [second.email] and "certificate" in m.subject]
    assert len(english) == 1
    code = Certificate.objects.get(staff_member=second).code
    assert f"/credentials/verify/{code}/" in english[0].body
    assert "/credentials/certificates/" in english[0].body
    assert first.email in told
