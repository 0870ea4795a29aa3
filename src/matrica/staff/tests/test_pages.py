import datetime

import pytest
from django.urls import reverse

from matrica.testing.factories import (
    CompletionFactory,
    StaffMemberFactory,
    StaffRoleFactory,
    category,
)

pytestmark = pytest.mark.django_db


def test_training_record_shows_categories_requirements_and_evidence(client, world):
    member = world["RS"].people[0]
    StaffRoleFactory(
        staff_member=member, category=category("MDT"), start_date=datetime.date(2024, 5, 1)
    )
    CompletionFactory(staff_member=member, completed_on=datetime.date(2024, 2, 10))
    client.force_login(world["RS"].users["institution_manager"])
    response = client.get(reverse("staff:record", args=[member.pk]), {"on": "2025-01-01"})
    requirements = response.context["entries"]
    assert {r["category"].code for r in requirements} == {"ALL", "FLO", "MDT"}
    mdt_mac = next(
        r for r in requirements if (r["area"].code, r["category"].code) == ("MAC", "MDT")
    )
    # A role's deadline runs from the day it was taken up (S: 24 months).
    assert mdt_mac["deadline"] == datetime.date(2026, 5, 1)
    page = response.content.decode()
    assert "2024-02-10" in page
    assert "2027-02-10" in page


def test_the_record_as_of_a_date_before_a_role_leaves_the_role_out(client, world):
    member = world["RS"].people[0]
    StaffRoleFactory(
        staff_member=member, category=category("MDT"), start_date=datetime.date(2024, 5, 1)
    )
    client.force_login(world["RS"].users["national_admin"])
    response = client.get(reverse("staff:record", args=[member.pk]), {"on": "2024-04-30"})
    assert {r["category"].code for r in response.context["entries"]} == {"ALL", "FLO"}


def test_staff_list_filters_by_category_and_service(client, world):
    client.force_login(world["ME"].users["national_admin"])
    response = client.get(reverse("staff:list"), {"service": "probation"})
    assert [m.family_name for m in response.context["page"]] == ["Vučinić"]
    response = client.get(reverse("staff:list"), {"category": category("FLO").pk})
    assert sorted(m.family_name for m in response.context["page"]) == ["Čolaković", "Šćepanović"]


def test_htmx_requests_get_only_the_table(client, world):
    client.force_login(world["ME"].users["national_admin"])
    response = client.get(reverse("staff:list"), {"q": "colakovic"}, headers={"HX-Request": "true"})
    page = response.content.decode()
    assert "Čolaković" in page
    assert "Šćepanović" not in page
    assert "<html" not in page


def test_staff_list_is_paginated_with_bounded_queries(client, world, django_assert_max_num_queries):
    prison = world["RS"].prison
    for number in range(120):
        StaffMemberFactory(institution=prison, family_name=f"Петровић {number:03d}")
    client.force_login(world["RS"].users["national_admin"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("staff:list"), {"page": 2})
    assert response.context["page"].number == 2
    assert len(response.context["page"]) == 50


def test_record_page_queries_do_not_grow_with_evidence(
    client, world, django_assert_max_num_queries
):
    member = world["RS"].people[0]
    for year in range(2015, 2025):
        CompletionFactory(staff_member=member, completed_on=datetime.date(year, 3, 1))
    client.force_login(world["RS"].users["national_admin"])
    # The engine's run for one person reads the rules in force (a constant number of queries).
    # The first request of a session stamps its start and last activity (time-outs).
    client.get(reverse("home"))
    # Plus one query each for the person's sessions and the library resources for their gaps.
    with django_assert_max_num_queries(24):
        client.get(reverse("staff:record", args=[member.pk]))


def test_pages_follow_the_chosen_language(client, world):
    client.force_login(world["RS"].users["national_admin"])
    client.post(reverse("set_language"), {"language": "sr-latn", "next": "/"})
    page = client.get(reverse("framework:matrix")).content.decode()
    assert 'lang="sr-latn"' in page
