"""Daily work on the staff registry without the admin: adding and editing people, their roles
and their leaving, through pages that call the same actions as every other screen."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from matrica.audit.models import AuditEvent
from matrica.staff.models import StaffMember, StaffRole
from matrica.testing.factories import StaffRoleFactory, category

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def new_person(world, **changes):
    data = {
        "given_name": "Ana",
        "family_name": "Petrović",
        "employee_number": "RS-900",
        "institution": world["RS"].prison.pk,
        "primary_category": category("FLO").pk,
        "entry_date": "2023-09-01",
        "preferred_language": "sr-latn",
        "email": "",
    }
    return data | changes


def record_url(member: StaffMember) -> str:
    return reverse("staff:record", args=[member.pk])


@pytest.fixture
def manager(client, world):
    client.force_login(world["RS"].users["training_manager"])
    return client


# Adding and editing a person


@pytest.mark.parametrize(
    ("given", "family"),
    [("Ђорђе", "Ђорђевић"), ("Šćepan", "Čolaković-Đurić"), ("İbrahim", "Yıldız Işık")],
)
def test_names_in_any_script_round_trip_from_form_to_record(manager, world, given, family):
    response = manager.post(
        reverse("staff:add"), new_person(world, given_name=given, family_name=family)
    )
    member = StaffMember.objects.get(employee_number="RS-900")
    assert response.status_code == 302
    assert response["Location"] == record_url(member)
    assert (member.given_name, member.family_name) == (given, family)
    page = manager.get(record_url(member)).content.decode()
    assert f"{given} {family}" in page
    edit_form = manager.get(reverse("staff:edit", args=[member.pk])).content.decode()
    assert f'value="{family}"' in edit_form


def test_a_new_person_belongs_to_the_administration_of_their_institution(manager, world):
    manager.post(reverse("staff:add"), new_person(world, institution=world["RS"].probation.pk))
    member = StaffMember.objects.get(employee_number="RS-900")
    assert member.beneficiary == world["RS"].beneficiary
    assert member.active
    event = AuditEvent.objects.get(object_type__model="staffmember", object_id=str(member.pk))
    assert event.user == world["RS"].users["training_manager"]


def test_the_add_form_offers_only_institutions_of_the_users_administration(manager, world):
    page = manager.get(reverse("staff:add")).content.decode()
    assert "RS prison" in page
    assert "ME prison" not in page
    response = manager.post(
        reverse("staff:add"), new_person(world, institution=world["ME"].prison.pk)
    )
    assert "institution" in response.context["form"].errors
    assert not StaffMember.objects.filter(employee_number="RS-900").exists()


def test_an_employee_number_taken_in_the_administration_is_refused_next_to_the_field(
    manager, world
):
    taken = world["RS"].people[1].employee_number
    before = StaffMember.objects.count()
    response = manager.post(reverse("staff:add"), new_person(world, employee_number=taken))
    assert response.status_code == 200
    assert response.context["form"].errors["employee_number"]
    assert StaffMember.objects.count() == before


def test_editing_changes_the_primary_category_and_keeps_the_rest(manager, world):
    member = world["RS"].people[0]
    data = new_person(
        world, given_name=member.given_name, family_name=member.family_name,
        employee_number=member.employee_number, primary_category=category("TRS").pk,
        entry_date="2015-03-01",
    )  # fmt: skip
    response = manager.post(reverse("staff:edit", args=[member.pk]), data)
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.primary_category.code == "TRS"
    assert member.given_name == "Ђорђе"


def test_an_edit_refused_by_the_action_shows_the_reason_and_changes_nothing(manager, world):
    member = world["RS"].people[0]
    data = new_person(world, employee_number=world["RS"].people[1].employee_number)
    response = manager.post(reverse("staff:edit", args=[member.pk]), data)
    assert response.context["form"].errors["employee_number"]
    member.refresh_from_db()
    assert member.family_name == "Ђорђевић"
    assert 'aria-invalid="true"' in response.content.decode()


def test_with_htmx_a_form_is_a_fragment_and_success_loads_the_record_in_place(manager, world):
    htmx = {"HX-Request": "true"}
    fragment = manager.get(reverse("staff:add"), headers=htmx).content.decode()
    assert "<html" not in fragment
    assert 'hx-post="/staff/new/"' in fragment
    refused = manager.post(reverse("staff:add"), new_person(world, entry_date=""), headers=htmx)
    assert refused.status_code == 200
    assert "<html" not in refused.content.decode()
    assert refused.context["form"].errors["entry_date"]
    accepted = manager.post(reverse("staff:add"), new_person(world), headers=htmx)
    member = StaffMember.objects.get(employee_number="RS-900")
    assert accepted.status_code == 200
    assert f'"path": "{record_url(member)}"' in accepted["HX-Location"]


# Leaving


def test_recording_leaving_and_undoing_it(manager, world):
    member = world["RS"].people[0]
    last_day = TODAY - datetime.timedelta(days=10)
    manager.post(reverse("staff:leaving", args=[member.pk]), {"leaving_date": last_day})
    member.refresh_from_db()
    assert (member.active, member.leaving_date) == (False, last_day)
    page = manager.get(record_url(member)).content.decode()
    assert f"last day in post {last_day.isoformat()}" in page
    assert reverse("staff:reinstate", args=[member.pk]) in page

    manager.post(reverse("staff:reinstate", args=[member.pk]))
    member.refresh_from_db()
    assert (member.active, member.leaving_date) == (True, None)


@pytest.mark.parametrize(
    ("leaving_date", "message"),
    [
        (TODAY + datetime.timedelta(days=1), "cannot be in the future"),
        (datetime.date(2015, 2, 28), "cannot leave before their entry into post"),
    ],
)
def test_an_impossible_leaving_date_is_refused_next_to_the_field(
    manager, world, leaving_date, message
):
    member = world["RS"].people[0]
    response = manager.post(
        reverse("staff:leaving", args=[member.pk]), {"leaving_date": leaving_date}
    )
    assert message in str(response.context["form"].errors["leaving_date"])
    member.refresh_from_db()
    assert member.active


# Roles


def test_giving_a_role_with_dates_then_ending_it(manager, world):
    member = world["RS"].people[0]
    manager.post(
        reverse("staff:add_role", args=[member.pk]),
        {"category": category("MDT").pk, "start_date": "2024-05-01", "end_date": ""},
    )
    role = StaffRole.objects.get(staff_member=member)
    assert (role.category.code, role.start_date, role.end_date) == (
        "MDT", datetime.date(2024, 5, 1), None,
    )  # fmt: skip
    manager.post(reverse("staff:end_role", args=[member.pk, role.pk]), {"end_date": "2025-04-30"})
    role.refresh_from_db()
    assert role.end_date == datetime.date(2025, 4, 30)


def test_changing_a_roles_dates(manager, world):
    role = StaffRoleFactory.create(
        staff_member=world["RS"].people[0], start_date=datetime.date(2024, 1, 1)
    )
    url = reverse("staff:change_role", args=[role.staff_member_id, role.pk])
    assert 'value="2024-01-01"' in manager.get(url).content.decode()
    manager.post(url, {"start_date": "2023-06-01", "end_date": "2024-12-31"})
    role.refresh_from_db()
    assert (role.start_date, role.end_date) == (
        datetime.date(2023, 6, 1),
        datetime.date(2024, 12, 31),
    )


def test_a_role_held_twice_in_one_period_is_refused_next_to_its_start(manager, world):
    member = world["RS"].people[0]
    StaffRoleFactory.create(
        staff_member=member, category=category("TRN"), start_date=datetime.date(2024, 1, 1)
    )
    response = manager.post(
        reverse("staff:add_role", args=[member.pk]),
        {"category": category("TRN").pk, "start_date": "2024-06-01", "end_date": ""},
    )
    assert "already holds this role" in str(response.context["form"].errors["start_date"])
    assert StaffRole.objects.filter(staff_member=member).count() == 1


def test_a_role_ending_before_it_starts_is_refused_next_to_its_end(manager, world):
    role = StaffRoleFactory.create(
        staff_member=world["RS"].people[0], start_date=datetime.date(2024, 1, 1)
    )
    response = manager.post(
        reverse("staff:change_role", args=[role.staff_member_id, role.pk]),
        {"start_date": "2024-01-01", "end_date": "2023-12-31"},
    )
    assert "cannot end before it starts" in str(response.context["form"].errors["end_date"])
    role.refresh_from_db()
    assert role.end_date is None


def test_withdrawing_a_role_needs_a_reason_which_the_trail_keeps(manager, world):
    role = StaffRoleFactory.create(staff_member=world["RS"].people[0])
    url = reverse("staff:withdraw_role", args=[role.staff_member_id, role.pk])
    refused = manager.post(url, {"reason": "  "})
    assert refused.context["form"].errors["reason"]
    assert StaffRole.objects.filter(pk=role.pk).exists()
    manager.post(url, {"reason": "Recorded for the wrong person"})
    assert not StaffRole.objects.filter(pk=role.pk).exists()
    event = AuditEvent.objects.get(object_type__model="staffrole", action=AuditEvent.Action.DELETE)
    assert event.message == "Recorded for the wrong person"


# Who may do it


def edit_urls(world) -> list[str]:
    member = world["RS"].people[0]
    role = StaffRoleFactory.create(staff_member=member)
    return [
        reverse("staff:edit", args=[member.pk]),
        reverse("staff:leaving", args=[member.pk]),
        reverse("staff:reinstate", args=[member.pk]),
        reverse("staff:add_role", args=[member.pk]),
        reverse("staff:change_role", args=[member.pk, role.pk]),
        reverse("staff:end_role", args=[member.pk, role.pk]),
        reverse("staff:withdraw_role", args=[member.pk, role.pk]),
    ]


@pytest.mark.parametrize(
    ("administration", "role", "status"),
    [
        ("RS", "national_admin", 200),
        ("RS", "training_manager", 200),
        ("RS", "institution_manager", 403),  # sees the person, may not change them
        ("RS", "staff", 403),  # their own record
        ("ME", "national_admin", 404),  # another administration's person looks absent
        ("ME", "training_manager", 404),
    ],
)
def test_the_forms_answer_like_their_actions(client, world, administration, role, status):
    urls = edit_urls(world)
    client.force_login(world[administration].users[role])
    for url in urls:
        assert client.get(url).status_code == status, url
        if status != 200:
            assert client.post(url, {}).status_code == status, url


def test_the_coordinator_may_add_nobody(client, world):
    client.force_login(world.coordinator)
    assert client.get(reverse("staff:add")).status_code == 403


def test_a_refused_post_writes_nothing(client, world):
    member = world["RS"].people[0]
    client.force_login(world["ME"].users["training_manager"])
    client.post(reverse("staff:leaving", args=[member.pk]), {"leaving_date": TODAY})
    member.refresh_from_db()
    assert member.active
    assert not AuditEvent.objects.filter(object_type__model="staffmember").exists()


@pytest.mark.parametrize(
    ("role", "shown"),
    [("training_manager", True), ("national_admin", True), ("institution_manager", False)],
)
def test_change_buttons_are_shown_only_to_those_who_may_use_them(client, world, role, shown):
    member = world["RS"].people[0]
    StaffRoleFactory.create(staff_member=member)
    client.force_login(world["RS"].users[role])
    record = client.get(record_url(member)).content.decode()
    staff_list = client.get(reverse("staff:list")).content.decode()
    assert (reverse("staff:edit", args=[member.pk]) in record) is shown
    assert (reverse("staff:add_role", args=[member.pk]) in record) is shown
    assert ("/withdraw/" in record) is shown
    assert (reverse("staff:add") in staff_list) is shown
