"""Tenancy for every page: a table of URLs owned by Serbia, requested by every role.

Each new URL is added to OWNED_URLS (or REGIONAL_URLS), and this test then checks it for every
role of both administrations. A record out of scope answers 404, like one that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.urls import reverse

from matrica.framework.models import StaffCategory
from matrica.testing.world import World

pytestmark = pytest.mark.django_db

ROLES = ["national_admin", "training_manager", "institution_manager", "trainer", "staff"]


def staff_record(world: World, index: int) -> str:
    return reverse("staff:record", args=[world["RS"].people[index].pk])


# URL builder, and the Serbian roles that may see it. Everyone else gets 404.
OWNED_URLS: dict[str, tuple[Callable[[World], str], set[str]]] = {
    "administration detail": (
        lambda w: reverse("tenancy:administration_detail", args=["RS"]),
        {"national_admin", "training_manager", "institution_manager", "trainer", "staff"},
    ),
    "record of the staff user": (
        lambda w: staff_record(w, 0),
        {"national_admin", "training_manager", "institution_manager", "staff"},
    ),
    "record of the trainer": (
        lambda w: staff_record(w, 2),
        {"national_admin", "training_manager", "institution_manager", "trainer"},
    ),
    "record of a colleague": (
        lambda w: staff_record(w, 1),
        {"national_admin", "training_manager", "institution_manager"},
    ),
}


@pytest.mark.parametrize("name", OWNED_URLS)
@pytest.mark.parametrize("administration", ["RS", "ME"])
@pytest.mark.parametrize("role", ROLES)
def test_owned_pages_answer_404_out_of_scope(client, world, name, administration, role):
    build, allowed = OWNED_URLS[name]
    client.force_login(world[administration].users[role])
    response = client.get(build(world))
    in_scope = administration == "RS" and role in allowed
    assert response.status_code == (200 if in_scope else 404)


@pytest.mark.parametrize("name", OWNED_URLS)
def test_coordinator_sees_no_personal_record(client, world, name):
    build, _allowed = OWNED_URLS[name]
    client.force_login(world.coordinator)
    expected = 200 if name == "administration detail" else 404
    assert client.get(build(world)).status_code == expected


@pytest.mark.parametrize("name", OWNED_URLS)
def test_anonymous_visitors_are_sent_to_log_in(client, world, name):
    build, _allowed = OWNED_URLS[name]
    response = client.get(build(world))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


LISTS = ["home", "staff:list", "tenancy:administration_list", "framework:matrix"]


@pytest.mark.parametrize("url_name", LISTS)
@pytest.mark.parametrize("role", ROLES)
def test_no_list_shows_a_person_of_another_administration(client, world, url_name, role):
    client.force_login(world["ME"].users[role])
    page = client.get(reverse(url_name)).content.decode()
    for person in world["RS"].people:
        assert person.family_name not in page
        assert person.employee_number not in page


def test_national_admin_lists_all_of_their_administration_and_nothing_else(client, world):
    client.force_login(world["RS"].users["national_admin"])
    page = client.get(reverse("staff:list")).content.decode()
    assert all(p.family_name in page for p in world["RS"].people)
    assert not any(p.family_name in page for p in world["ME"].people)


def test_institution_manager_lists_only_their_institution(client, world):
    client.force_login(world["ME"].users["institution_manager"])
    page = client.get(reverse("staff:list")).content.decode()
    prison_staff = [p for p in world["ME"].people if p.institution == world["ME"].prison]
    probation_staff = [p for p in world["ME"].people if p.institution == world["ME"].probation]
    assert prison_staff
    assert probation_staff
    assert all(p.family_name in page for p in prison_staff)
    assert not any(p.family_name in page for p in probation_staff)


def test_filtering_by_another_administrations_institution_shows_nobody(client, world):
    client.force_login(world["ME"].users["national_admin"])
    response = client.get(reverse("staff:list"), {"institution": world["RS"].prison.pk})
    assert not any(p.family_name in response.content.decode() for p in world["RS"].people)


def test_administration_list_shows_only_ones_own_to_national_roles(client, world):
    client.force_login(world["RS"].users["trainer"])
    page = client.get(reverse("tenancy:administration_list")).content.decode()
    assert "Serbia" in page
    assert "Montenegro" not in page
    client.force_login(world.coordinator)
    page = client.get(reverse("tenancy:administration_list")).content.decode()
    assert "Serbia" in page
    assert "Montenegro" in page


@pytest.mark.parametrize("role", ["institution_manager", "trainer", "staff", "training_manager"])
def test_audit_trail_is_for_administrators_only(client, world, role):
    client.force_login(world["RS"].users[role])
    assert client.get(reverse("audit:list")).status_code == 403


def test_admin_site_is_scoped_like_the_pages(client, world):
    client.force_login(world["ME"].users["national_admin"])
    changelist = client.get(reverse("admin:staff_staffmember_changelist")).content.decode()
    assert "Šćepanović" in changelist
    assert "Ђорђевић" not in changelist
    foreign = world["RS"].people[0]
    response = client.get(reverse("admin:staff_staffmember_change", args=[foreign.pk]))
    # The admin treats a row out of scope exactly like a missing one.
    assert response.status_code == 302
    assert (
        client.get(reverse("admin:staff_staffmember_changelist") + "?q=djordjevic")
        .content.decode()
        .count("Ђорђевић")
        == 0
    )


def test_admin_site_is_closed_to_narrow_roles(client, world):
    client.force_login(world["RS"].users["institution_manager"])
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302


def test_recording_a_leaving_in_the_admin_takes_them_out_of_the_counts(client, world):
    import datetime

    from django.db.models import Sum

    from matrica.compliance.models import CellCount, GroupCount
    from matrica.compliance.services import refresh_all

    refresh_all(on=datetime.date(2026, 1, 1))
    prison = world["RS"].prison
    before = GroupCount.objects.filter(institution=prison).aggregate(n=Sum("people"))["n"]
    client.force_login(world["RS"].users["national_admin"])
    leaving = world["RS"].people[1]
    response = client.post(
        reverse("admin:staff_staffmember_change", args=[leaving.pk]),
        {
            "institution": leaving.institution_id, "employee_number": leaving.employee_number,
            "given_name": leaving.given_name, "family_name": leaving.family_name,
            "primary_category": leaving.primary_category_id, "entry_date": "2015-03-01",
            "preferred_language": "en", "email": "", "leaving_date": "2025-12-31",
            "roles-TOTAL_FORMS": 0, "roles-INITIAL_FORMS": 0,
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[-2000:]
    leaving.refresh_from_db()
    assert (leaving.active, leaving.leaving_date) == (False, datetime.date(2025, 12, 31))
    after = GroupCount.objects.filter(institution=prison).aggregate(n=Sum("people"))["n"]
    assert after == before - 1
    rad_all = CellCount.objects.get(institution=prison, area__code="RAD", category__code="ALL")
    assert rad_all.people == before - 1


def test_national_administrators_manage_roles_in_the_admin(client, world):
    import datetime

    from matrica.staff.models import StaffRole

    person = world["RS"].people[0]
    client.force_login(world["RS"].users["national_admin"])
    url = reverse("admin:staff_staffmember_change", args=[person.pk])
    assert 'name="roles-TOTAL_FORMS"' in client.get(url).content.decode()
    trainer = StaffCategory.objects.get(code="TRN")
    response = client.post(
        url,
        {
            "institution": person.institution_id, "employee_number": person.employee_number,
            "given_name": person.given_name, "family_name": person.family_name,
            "primary_category": person.primary_category_id, "entry_date": "2015-03-01",
            "preferred_language": "en", "email": "", "leaving_date": "",
            "roles-TOTAL_FORMS": 1, "roles-INITIAL_FORMS": 0,
            "roles-0-category": trainer.pk, "roles-0-start_date": "2024-02-01",
            "roles-0-end_date": "",
        },
    )  # fmt: skip
    assert response.status_code == 302
    role = StaffRole.objects.get(staff_member=person)
    assert (role.category, role.start_date) == (trainer, datetime.date(2024, 2, 1))
