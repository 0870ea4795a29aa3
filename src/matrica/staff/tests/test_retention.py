"""The retention rule (docs/privacy.md): people who left more than their administration's
`retention_years` ago keep their evidence and their place in every figure, but lose their name,
in their record, their account and the audit trail."""

from __future__ import annotations

import datetime
import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db.models import Q

from matrica.audit.models import AuditEvent
from matrica.audit.services import record_sign_in
from matrica.compliance.models import CellCount, GroupCount
from matrica.compliance.services import refresh_all
from matrica.framework.models import CompetencyArea, Level
from matrica.staff.actions import (
    PSEUDONYMISED_MESSAGE,
    assign_role,
    pseudonym_code,
    pseudonymise_staff_member,
    record_leaving,
    update_staff_member,
    withdraw_role,
)
from matrica.staff.models import StaffMember
from matrica.staff.selectors import search_staff
from matrica.tenancy.actions import update_administration
from matrica.tenancy.roles import Role
from matrica.tenancy.scoping import SYSTEM
from matrica.testing.factories import StaffMemberFactory, UserFactory, category
from matrica.training.actions import record_evidence

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 30)


@pytest.fixture
def people(world):
    """In RS (retention 3 years): one who left in 2022 (due), with a role, evidence and an
    account; one who left in 2024 (not due); and everyone else in post. The common matrix took
    effect in 2021, so both count in the figures of 2021."""
    rs = world["RS"]
    admin = rs.users["national_admin"]
    update_administration(actor=world.superuser, beneficiary=rs.beneficiary, retention_years=3)

    def leaver(given: str, family: str, number: str, left: datetime.date) -> StaffMember:
        member = StaffMemberFactory.create(
            institution=rs.prison, given_name=given, family_name=family, employee_number=number,
            entry_date=datetime.date(2005, 2, 1), email=f"{number.lower()}@example.org",
        )  # fmt: skip
        assign_role(
            actor=admin, staff_member=member, category=category("TRN"),
            start_date=datetime.date(2008, 1, 1),
        )  # fmt: skip
        mistaken = assign_role(
            actor=admin, staff_member=member, category=category("MDT"),
            start_date=datetime.date(2009, 1, 1),
        )  # fmt: skip
        withdraw_role(actor=admin, role=mistaken, reason=f"Not {given} {family}'s role")
        record_evidence(
            actor=admin, staff_member=member, area=CompetencyArea.objects.get(code="RAD"),
            level=Level.objects.get(code="A"), completed_on=datetime.date(2021, 3, 1),
            valid_until=datetime.date(2024, 3, 1), source="manual", note="Paper register",
        )  # fmt: skip
        update_staff_member(actor=admin, staff_member=member, family_name=family)  # no change
        record_leaving(actor=admin, staff_member=member, leaving_date=left)
        return member

    due = leaver("Драгослав", "Милутиновић", "RS-900", datetime.date(2022, 5, 31))
    UserFactory.create(
        username="dragoslav.milutinovic", first_name="Драгослав", last_name="Милутиновић",
        email="d.m@example.org", role=Role.STAFF, beneficiary=rs.beneficiary,
        institution=rs.prison, staff_member=due,
    )  # fmt: skip
    recent = leaver("Branislava", "Stojanović", "RS-901", datetime.date(2024, 5, 31))
    return {"due": due, "recent": recent}


def figures(on: datetime.date) -> dict[str, list[tuple[object, ...]]]:
    refresh_all(on=on)
    return {
        model.__name__: sorted(
            model.objects.exclude(people=0).values_list(
                *[f.attname for f in model._meta.concrete_fields if f.name != "id"]
            ),
            key=repr,
        )
        for model in (CellCount, GroupCount)
    }


def events_naming(*words: str) -> list[AuditEvent]:
    """Audit events with any of `words` anywhere in their text or JSON."""
    return [
        event
        for event in AuditEvent.objects.all()
        if any(
            word in " ".join(
                [event.object_repr, event.user_name, event.message,
                 json.dumps(event.before, ensure_ascii=False),
                 json.dumps(event.after, ensure_ascii=False)]
            )
            for word in words
        )
    ]  # fmt: skip


def test_the_pseudonym_is_the_same_for_the_same_person_and_hides_the_id(people):
    due = people["due"]
    code = pseudonym_code(due.pk)
    assert code == pseudonym_code(due.pk) != pseudonym_code(due.pk + 1)
    assert len(code) == 12
    assert str(due.pk) != code


def test_retention_pseudonymises_only_people_due(people):
    call_command("retention", "--as-of", TODAY.isoformat(), stdout=io.StringIO(), verbosity=0)

    due, recent = (StaffMember.objects.get(pk=people[k].pk) for k in ("due", "recent"))
    code = pseudonym_code(due.pk)
    assert (due.given_name, due.family_name) == ("Pseudonym", code)
    assert due.full_name == f"Pseudonym {code}"
    assert due.employee_number == f"PSN-{code}"
    assert due.email == ""
    assert (recent.given_name, recent.family_name) == ("Branislava", "Stojanović")
    assert StaffMember.objects.filter(given_name="Pseudonym").count() == 1


def test_the_pseudonymised_person_keeps_evidence_and_dates(people):
    due = people["due"]
    before = (due.completions.count(), due.roles.count(), due.entry_date, due.leaving_date)

    pseudonymise_staff_member(actor=SYSTEM, staff_member=due, on=TODAY)

    due.refresh_from_db()
    assert (due.completions.count(), due.roles.count(), due.entry_date, due.leaving_date) == before


def test_search_no_longer_finds_the_old_name(people):
    pseudonymise_staff_member(actor=SYSTEM, staff_member=people["due"], on=TODAY)

    assert not search_staff(StaffMember.objects.all(), "milutinovic").exists()
    assert search_staff(StaffMember.objects.all(), pseudonym_code(people["due"].pk)).exists()


def test_aggregates_are_equal_before_and_after(people):
    # While they were in post (2021) and today: the same counts in every cell and group.
    dates = [datetime.date(2021, 12, 31), TODAY]
    before = {on: figures(on) for on in dates}
    assert any(before[dates[0]].values())

    call_command("retention", "--as-of", TODAY.isoformat(), stdout=io.StringIO(), verbosity=0)

    assert {on: figures(on) for on in dates} == before


def test_the_audit_trail_keeps_the_events_but_not_the_name(people):
    due = people["due"]
    trail = AuditEvent.objects.filter(
        Q(object_id=str(due.pk), object_type__model="staffmember")
        | Q(before__staff_member_id=due.pk) | Q(after__staff_member_id=due.pk)
    )  # fmt: skip
    count = trail.count()
    assert events_naming("Милутиновић", "RS-900", "dragoslav.milutinovic")

    pseudonymise_staff_member(actor=SYSTEM, staff_member=due, on=TODAY)

    assert not events_naming("Милутиновић", "Драгослав", "RS-900", "rs-900@", "d.m@example.org",
                             "dragoslav.milutinovic")  # fmt: skip
    assert trail.count() == count + 1
    last = trail.order_by("-pk").first()
    assert last is not None
    assert last.message == PSEUDONYMISED_MESSAGE
    assert last.object_repr == f"Pseudonym {pseudonym_code(due.pk)}"
    assert events_naming("Stojanović")  # the other leaver's trail is untouched


def test_the_account_is_unlinked_from_the_person(people):
    account = people["due"].user

    record_sign_in(action=AuditEvent.Action.LOGIN, user=account, username=account.username)
    AuditEvent.objects.filter(user=account).update(remote_addr="192.0.2.7")

    pseudonymise_staff_member(actor=SYSTEM, staff_member=people["due"], on=TODAY)

    assert not AuditEvent.objects.filter(remote_addr="192.0.2.7").exists()
    account.refresh_from_db()
    assert not account.is_active
    assert not account.has_usable_password()
    assert (account.first_name, account.last_name, account.email) == ("", "", "")
    assert account.username == f"pseudonym-{pseudonym_code(people['due'].pk).lower()}"


def test_a_person_not_yet_due_is_refused(people):
    with pytest.raises(ValidationError):
        pseudonymise_staff_member(actor=SYSTEM, staff_member=people["recent"], on=TODAY)


def test_the_administrations_retention_years_decide(world, people):
    update_administration(actor=world.superuser, beneficiary=world["RS"].beneficiary,
                          retention_years=1)  # fmt: skip
    people["recent"].refresh_from_db()

    pseudonymise_staff_member(actor=SYSTEM, staff_member=people["recent"], on=TODAY)

    assert people["recent"].given_name == "Pseudonym"


def test_only_a_staff_manager_of_the_administration_may_pseudonymise(world, people):
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    with pytest.raises(Http404):
        pseudonymise_staff_member(
            actor=world["ME"].users["national_admin"], staff_member=people["due"], on=TODAY
        )
    with pytest.raises(PermissionDenied):
        pseudonymise_staff_member(
            actor=world["RS"].users["institution_manager"], staff_member=people["due"], on=TODAY
        )


def test_a_second_run_finds_no_one_due(people):
    call_command("retention", "--as-of", TODAY.isoformat(), stdout=io.StringIO(), verbosity=0)
    out = io.StringIO()

    call_command("retention", "--as-of", TODAY.isoformat(), stdout=out, verbosity=0)

    assert "RS: retention 3 years, 0 due" in out.getvalue()


def test_dry_run_writes_nothing_and_reports_who_is_due(people):
    names = list(StaffMember.objects.values_list("pk", "given_name", "family_name", "email"))
    events = AuditEvent.objects.count()
    out = io.StringIO()

    call_command("retention", "--dry-run", "--as-of", TODAY.isoformat(), stdout=out, verbosity=0)

    assert (
        list(StaffMember.objects.values_list("pk", "given_name", "family_name", "email")) == names
    )
    assert AuditEvent.objects.count() == events
    report = out.getvalue()
    assert "RS: retention 3 years, 1 due, would pseudonymise 1" in report
    assert "ME: retention 10 years, 0 due" in report


def test_the_command_reports_per_administration(people):
    out = io.StringIO()

    call_command("retention", "--as-of", TODAY.isoformat(), stdout=out, verbosity=0)

    assert "RS: retention 3 years, 1 due, pseudonymised 1" in out.getvalue()
    assert "1 due in 2 administrations" in out.getvalue()


def test_the_notices_sent_to_a_pseudonymised_person_forget_where_they_went(world, people):
    from matrica.compliance.models import ExpiryNotice

    due = people["due"]
    notice = ExpiryNotice.objects.create(
        staff_member=due, area=CompetencyArea.objects.get(code="RAD"),
        valid_until=datetime.date(2022, 3, 1), recipients=["rs-900@example.org"],
    )  # fmt: skip
    pseudonymise_staff_member(actor=SYSTEM, staff_member=due, on=TODAY)
    notice.refresh_from_db()
    assert notice.recipients == []
