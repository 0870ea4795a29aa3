import pytest
from django.urls import reverse

from matrica.audit.models import AuditEvent
from matrica.audit.services import delete_audited, save_audited
from matrica.tenancy.scoping import SYSTEM

pytestmark = pytest.mark.django_db


def test_a_change_to_a_person_records_who_what_when_and_before_after(world):
    admin = world["RS"].users["national_admin"]
    member = world["RS"].people[1]
    member.family_name = "Đorđević-Petrović"
    save_audited(actor=admin, obj=member)
    event = AuditEvent.objects.get(object_type__model="staffmember")
    assert event.user == admin
    assert event.user_name == "admin-rs"
    assert event.action == AuditEvent.Action.UPDATE
    assert event.beneficiary == world["RS"].beneficiary
    assert event.institution == member.institution
    assert ("family_name", "Đorđević", "Đorđević-Petrović") in event.changed_fields()


def test_saving_without_a_change_records_nothing(world):
    save_audited(actor=SYSTEM, obj=world["RS"].people[0])
    assert not AuditEvent.objects.filter(object_type__model="staffmember").exists()


def test_deleting_records_the_last_state(world):
    institution = world["ME"].probation
    for person in institution.staff.all():
        person.delete()
    delete_audited(actor=world.superuser, obj=institution)
    event = AuditEvent.objects.get(action=AuditEvent.Action.DELETE)
    assert (event.before or {}).get("name") == "ME probation office"
    assert event.after is None


def test_audit_events_cannot_be_changed_or_deleted(world):
    save_audited(actor=SYSTEM, obj=world["RS"].prison)
    world["RS"].prison.name = "Renamed"
    save_audited(actor=SYSTEM, obj=world["RS"].prison)
    event = AuditEvent.objects.filter(object_type__model="institution").first()
    assert event is not None
    event.message = "tampered"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()


def test_requests_group_their_changes_and_keep_the_address(client, world):
    client.force_login(world.superuser)
    prison = world["RS"].prison
    response = client.post(
        reverse("admin:tenancy_institution_change", args=[prison.pk]),
        {"service": prison.service_id, "beneficiary": prison.beneficiary_id,
         "name": "КПЗ Сремска Митровица", "kind": "prison", "city": "Сремска Митровица"},
    )  # fmt: skip
    assert response.status_code == 302
    event = AuditEvent.objects.get(object_type__model="institution")
    assert event.request_id is not None
    assert event.remote_addr == "127.0.0.1"
    assert (event.after or {}).get("name") == "КПЗ Сремска Митровица"


def test_each_administrator_sees_only_their_own_trail(client, world):
    for code in ("RS", "ME"):
        person = world[code].people[0]
        person.given_name = f"Changed in {code}"
        save_audited(actor=world[code].users["national_admin"], obj=person)
    client.force_login(world["ME"].users["national_admin"])
    page = client.get(reverse("audit:list")).content.decode()
    assert "Changed in ME" in page
    assert "Changed in RS" not in page


def test_coordinator_sees_framework_changes_but_no_national_record(client, world, framework):
    person = world["RS"].people[0]
    person.given_name = "Renamed"
    save_audited(actor=world["RS"].users["national_admin"], obj=person)
    client.force_login(world.coordinator)
    page = client.get(reverse("audit:list")).content.decode()
    assert "Loaded framework version" in page
    assert "Renamed" not in page


def test_admin_edit_that_moves_a_record_out_of_scope_is_rolled_back(client, world):
    client.force_login(world["RS"].users["national_admin"])
    prison = world["RS"].prison
    # Even a forged form cannot move the institution into another administration.
    client.post(
        reverse("admin:tenancy_institution_change", args=[prison.pk]),
        {"service": world["ME"].prison.service_id, "beneficiary": world["ME"].beneficiary.pk,
         "name": prison.name, "kind": "prison", "city": ""},
    )  # fmt: skip
    prison.refresh_from_db()
    assert prison.beneficiary == world["RS"].beneficiary
    assert not AuditEvent.objects.filter(object_type__model="institution").exists()
