"""The right of access (docs/privacy.md): a national administrator or training manager of the
person's administration downloads everything held on one person, as JSON and as a PDF; nobody
else gets it, and it holds no one else's data."""

from __future__ import annotations

import datetime
import io
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from matrica.audit.models import AuditEvent
from matrica.compliance.models import ExpiryNotice
from matrica.framework.models import CompetencyArea, Level
from matrica.staff.actions import assign_role, update_staff_member, withdraw_role
from matrica.testing.factories import category
from matrica.training.actions import record_evidence, void_evidence

pytestmark = pytest.mark.django_db


@pytest.fixture
def subject(world):
    """Ђорђе Ђорђевић (RS) with a role, a withdrawn role, evidence, voided evidence, a notice
    and an account (staff-rs) that signed in."""
    rs = world["RS"]
    admin = rs.users["national_admin"]
    member = rs.people[0]
    update_staff_member(actor=admin, staff_member=member, email="djordje@example.org")
    role = assign_role(
        actor=admin, staff_member=member, category=category("TRN"),
        start_date=datetime.date(2020, 1, 1),
    )  # fmt: skip
    mistaken = assign_role(
        actor=admin, staff_member=member, category=category("MDT"),
        start_date=datetime.date(2019, 1, 1),
    )  # fmt: skip
    mistaken_pk = mistaken.pk
    withdraw_role(actor=admin, role=mistaken, reason="Entered for the wrong person")
    area, level = CompetencyArea.objects.get(code="RAD"), Level.objects.get(code="A")
    kept = record_evidence(
        actor=admin, staff_member=member, area=area, level=level,
        completed_on=datetime.date(2024, 1, 15), valid_until=datetime.date(2027, 1, 15),
        source="prior_learning", note="Course abroad",
    )  # fmt: skip
    voided = record_evidence(
        actor=admin, staff_member=member, area=area, level=level,
        completed_on=datetime.date(2023, 1, 15), valid_until=datetime.date(2026, 1, 15),
        source="manual", note="Typed twice",
    )  # fmt: skip
    voided_pk = voided.pk
    void_evidence(actor=admin, completion=voided, reason="Recorded in error")
    notice = ExpiryNotice.objects.create(
        staff_member=member, area=area, valid_until=datetime.date(2027, 1, 15),
        recipients=["djordje@example.org"],
    )  # fmt: skip
    account = rs.users["staff"]
    from matrica.audit.services import record_sign_in

    record_sign_in(action=AuditEvent.Action.LOGIN, user=account, username=account.username)
    return {
        "member": member, "role": role, "withdrawn_role": mistaken_pk, "kept": kept,
        "voided": voided_pk, "notice": notice, "account": account,
    }  # fmt: skip


def export(client, user, member, kind="json"):
    client.force_login(user)
    return client.get(reverse(f"staff:subject_{kind}", args=[member.pk]))


def test_the_export_holds_every_row_that_references_the_person(client, world, subject):
    member = subject["member"]
    response = export(client, world["RS"].users["national_admin"], member)

    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["staff_member"]["id"] == member.pk
    assert data["staff_member"]["family_name"] == "Ђорђевић"
    assert data["staff_member"]["email"] == "djordje@example.org"
    assert [role["id"] for role in data["roles"]] == [subject["role"].pk]
    assert [c["id"] for c in data["evidence"]] == [subject["kept"].pk]
    assert data["statuses"]["requirements"], "today's statuses from the compliance engine"
    assert all(row["staff_member_id"] == member.pk for row in data["statuses"]["requirements"])
    assert [n["id"] for n in data["expiry_notices"]] == [subject["notice"].pk]
    assert data["account"]["username"] == "staff-rs"
    assert "password" not in data["account"]

    referenced = {(e["record_type"], e["record_id"]) for e in data["audit_events"]}
    assert ("staff.staffmember", str(member.pk)) in referenced
    assert ("staff.staffrole", str(subject["role"].pk)) in referenced
    assert ("staff.staffrole", str(subject["withdrawn_role"])) in referenced  # found by its JSON
    assert ("training.completion", str(subject["kept"].pk)) in referenced
    assert ("training.completion", str(subject["voided"])) in referenced
    assert ("accounts.user", str(subject["account"].pk)) in referenced  # the sign-in
    expected = AuditEvent.objects.filter(
        object_id__in=[
            str(member.pk), str(subject["role"].pk), str(subject["withdrawn_role"]),
            str(subject["kept"].pk), str(subject["voided"]), str(subject["account"].pk),
        ]
    )  # fmt: skip
    mine = {
        event.pk for event in expected.select_related("object_type")
        if (event.object_type.model, event.object_id) in {
            ("staffmember", str(member.pk)), ("staffrole", str(subject["role"].pk)),
            ("staffrole", str(subject["withdrawn_role"])), ("completion", str(subject["kept"].pk)),
            ("completion", str(subject["voided"])), ("user", str(subject["account"].pk)),
        }
    }  # fmt: skip
    assert mine <= {e["id"] for e in data["audit_events"]}


def test_the_export_holds_no_one_else(client, world, subject):
    others = world["RS"].people[1:]
    body = export(client, world["RS"].users["national_admin"], subject["member"]).content.decode()

    for other in others:
        assert other.family_name not in body
    assert "pbkdf2" not in body
    assert "md5$" not in body


def test_downloads_are_never_cached(client, world, subject):
    for kind in ("json", "pdf"):
        response = export(client, world["RS"].users["national_admin"], subject["member"], kind)
        assert "no-store" in response["Cache-Control"]
        assert response["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize("role", ["national_admin", "training_manager"])
def test_the_persons_administration_may_export(client, world, subject, role):
    assert export(client, world["RS"].users[role], subject["member"]).status_code == 200


@pytest.mark.parametrize("role", ["national_admin", "training_manager"])
def test_another_administration_gets_404(client, world, subject, role):
    for kind in ("json", "pdf"):
        assert export(client, world["ME"].users[role], subject["member"], kind).status_code == 404


def test_a_manager_who_sees_the_person_but_manages_no_staff_gets_403(client, world, subject):
    response = export(client, world["RS"].users["institution_manager"], subject["member"])
    assert response.status_code == 403


def pdf_text(pdf: bytes) -> str:
    """The text of a PDF as a reader's copy and paste or search gets it (through each font's
    ToUnicode map), read by pypdf, page after page."""
    reader = PdfReader(io.BytesIO(pdf))
    return "".join(page.extract_text() for page in reader.pages)


def test_the_pdf_renders_the_cyrillic_name(client, world, subject):
    response = export(client, world["RS"].users["national_admin"], subject["member"], "pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    assert "Ђорђе" in text
    assert "Ђорђевић" in text


def test_the_pdf_is_labelled_in_the_persons_language(world, subject):
    from matrica.staff.actions import update_staff_member
    from matrica.subject import render_pdf

    member = subject["member"]
    update_staff_member(
        actor=world["RS"].users["national_admin"], staff_member=member, preferred_language="sr"
    )

    text = pdf_text(render_pdf(member))

    assert "Улоге" in text  # "Roles"
    assert "Евидентирани докази" in text  # "Evidence held"


def test_the_record_page_links_to_the_export_for_those_who_may(client, world, subject):
    url = reverse("staff:record", args=[subject["member"].pk])
    client.force_login(world["RS"].users["training_manager"])
    assert (
        reverse("staff:subject_pdf", args=[subject["member"].pk])
        in client.get(url).content.decode()
    )
    client.force_login(world["RS"].users["institution_manager"])
    assert "subject.pdf" not in client.get(url).content.decode()


def test_an_export_is_on_the_trail(client, world):
    member = world["RS"].people[0]
    client.force_login(world["RS"].users["national_admin"])
    client.get(reverse("staff:subject_json", args=[member.pk]))
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert (event.user, event.object_id) == (world["RS"].users["national_admin"], str(member.pk))


def test_the_export_holds_the_persons_training_sessions_and_their_attendance(world, client):
    """Sessions are personal data too: where the person was nominated, whether they came."""
    from matrica.delivery import actions as delivery
    from matrica.delivery.tests.conftest import make_pool_trainer
    from matrica.framework.models import Module
    from matrica.tenancy.scoping import SYSTEM

    rs = world["RS"]
    module = Module.objects.get(code="BA")
    make_pool_trainer(rs.people[2], module)
    day = timezone.localdate() - datetime.timedelta(days=1)
    session = delivery.plan_session(
        actor=SYSTEM, module=module, beneficiary_id=rs.beneficiary.pk, starts_on=day,
        ends_on=day, starts_at=datetime.time(9), ends_at=datetime.time(12), capacity=5,
        venue="Niš", trainers=[rs.people[2]], invites_everyone=True,
    )  # fmt: skip
    delivery.open_session(actor=SYSTEM, session=session)
    delivery.nominate(actor=SYSTEM, session=session, staff_members=[rs.people[0]])
    delivery.confirm(actor=SYSTEM, session=session)
    delivery.record_attendance(actor=SYSTEM, day=session.days.get(), present=[rs.people[0].pk])
    client.force_login(rs.users["national_admin"])
    data = json.loads(client.get(reverse("staff:subject_json", args=[rs.people[0].pk])).content)
    [row] = data["training_sessions"]
    assert (row["module"], row["state"], row["days_present"]) == ("BA", "confirmed", [str(day)])
    # Nominated, given a place, marked present: each on the person's own trail.
    kinds = [event["record_type"] for event in data["audit_events"]]
    assert kinds.count("delivery.enrolment") == 2
    assert kinds.count("delivery.attendance") == 1
    trainer = json.loads(client.get(reverse("staff:subject_json", args=[rs.people[2].pk])).content)
    assert [s["id"] for s in trainer["sessions_delivered"]] == [session.pk]
    assert trainer["training_sessions"] == []


def test_the_export_holds_test_scores_certificates_and_that_feedback_was_given_not_what(
    world, client
):
    """Scores and certificates are the person's data; feedback is anonymous, so the export
    says in which sessions they gave it and nothing of what they said."""
    from matrica.delivery import actions as delivery
    from matrica.evaluation import actions as evaluation
    from matrica.evaluation.models import ModuleTest
    from matrica.testing.sessions import held_session

    rs = world["RS"]
    person = rs.users["staff"].staff_member
    session = held_session(rs, people=[person])
    ModuleTest.objects.create(module=session.module, pass_mark=50)
    evaluation.record_scores(
        actor=rs.users["trainer"], session=session, phase="post",
        scores={session.enrolments.get().pk: Decimal("80")},
    )  # fmt: skip
    evaluation.give_feedback(
        actor=rs.users["staff"], enrolment=session.enrolments.get(),
        ratings={"relevance": 5, "trainer": 4, "materials": 3, "confidence": 2},
        comment="Секретан коментар",
    )  # fmt: skip
    delivery.close_session(actor=rs.users["training_manager"], session=session)
    client.force_login(rs.users["national_admin"])
    response = client.get(reverse("staff:subject_json", args=[person.pk]))
    data = json.loads(response.content)
    [score] = data["test_results"]
    assert (score["phase"], score["score"], score["method"]) == ("post", "80.00", "paper")
    [certificate] = data["certificates"]
    assert (certificate["module"], certificate["revoked_at"]) == ("BA", None)
    assert data["feedback_given_in_sessions"] == [session.pk]
    assert "Секретан коментар" not in response.content.decode()
