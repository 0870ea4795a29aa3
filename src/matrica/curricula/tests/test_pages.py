"""The inventory's pages: who opens them, what each shows, the forms and their refusals."""

from __future__ import annotations

import pytest
from django.urls import reverse

from matrica.curricula.models import Course
from matrica.framework.models import CompetencyArea, Level, StaffCategory
from matrica.testing.world import login_as

from .conftest import add_course, cell

pytestmark = pytest.mark.django_db

MANAGERS = ("national_admin", "training_manager")
NARROW = ("institution_manager", "trainer", "staff")


@pytest.fixture
def courses(world) -> dict[str, Course]:
    return {
        "RS": add_course(world, "RS", code="RS-POC", title="Početna obuka"),
        "ME": add_course(world, "ME", code="ME-OSN", title="Osnovni kurs"),
    }


def urls(course: Course) -> list[str]:
    return [
        reverse("curricula:detail", args=[course.pk]),
        reverse("curricula:change", args=[course.pk]),
        reverse("curricula:withdraw", args=[course.pk]),
    ]


@pytest.mark.parametrize("role", MANAGERS)
def test_national_roles_see_and_keep_their_own_inventory_only(client, world, courses, role):
    login_as(client, world, f"RS:{role}")
    listing = client.get(reverse("curricula:list"))
    assert listing.status_code == 200
    assert [c.code for c in listing.context["page"].object_list] == ["RS-POC"]
    for url in urls(courses["RS"]):
        assert client.get(url).status_code == 200, url
    for url in urls(courses["ME"]):
        assert client.get(url).status_code == 404, url


def test_the_coordinator_reads_every_inventory_and_changes_none(client, world, courses):
    login_as(client, world, "coordinator")
    listing = client.get(reverse("curricula:list"))
    assert {c.code for c in listing.context["page"].object_list} == {"RS-POC", "ME-OSN"}
    assert b"Add a course" not in listing.content
    detail = client.get(reverse("curricula:detail", args=[courses["ME"].pk]))
    assert detail.status_code == 200
    assert reverse("curricula:change", args=[courses["ME"].pk]).encode() not in detail.content
    assert client.get(reverse("curricula:add")).status_code == 403
    for url in urls(courses["RS"])[1:]:
        assert client.get(url).status_code == 403, url
    filtered = client.get(reverse("curricula:list"), {"administration": "ME"})
    assert [c.code for c in filtered.context["page"].object_list] == ["ME-OSN"]


@pytest.mark.parametrize("who", [f"RS:{role}" for role in NARROW])
def test_institution_roles_do_not_use_the_inventory(client, world, courses, who):
    login_as(client, world, who)
    assert client.get(reverse("curricula:list")).status_code == 403
    assert client.get(reverse("curricula:add")).status_code == 403
    for url in urls(courses["RS"]) + urls(courses["ME"]):
        assert client.get(url).status_code == 403, url


def test_anonymous_visitors_are_sent_to_log_in(client, courses):
    response = client.get(reverse("curricula:list"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_list_shows_kind_groups_hours_and_cells_in_few_queries(
    client, world, django_assert_max_num_queries
):
    for n in range(12):
        add_course(
            world, code=f"C-{n}", cells=[cell("RAD", "FLO", "A", 4), cell("COM", "FLO", "P", 6)]
        )
    login_as(client, world, "RS:national_admin")
    with django_assert_max_num_queries(12):
        response = client.get(reverse("curricula:list"))
    text = response.content.decode()
    assert "Initial training" in text
    assert "RAD × FLO" in text
    assert ">FLO</abbr>" in text


def test_a_course_no_longer_run_is_listed_on_request(client, world):
    add_course(world, code="OLD", title="Stari kurs", active=False)
    login_as(client, world, "RS:national_admin")
    assert b"Stari kurs" not in client.get(reverse("curricula:list")).content
    assert b"Stari kurs" in client.get(reverse("curricula:list"), {"all": "1"}).content


def form_data(**overrides: object) -> dict[str, object]:
    flo = StaffCategory.objects.get(code="FLO")
    data: dict[str, object] = {
        "code": "VE-B", "title": "Basic course on violent extremism", "kind": "initial",
        "hours": "16", "target_categories": [flo.pk], "topics": "Radicalisation", "active": "on",
        "cells-TOTAL_FORMS": "2", "cells-INITIAL_FORMS": "0", "cells-MIN_NUM_FORMS": "0",
        "cells-MAX_NUM_FORMS": "1000",
        "cells-0-area": CompetencyArea.objects.get(code="RAD").pk, "cells-0-category": flo.pk,
        "cells-0-level": Level.objects.get(code="A").pk, "cells-0-hours": "6",
        "cells-1-area": "", "cells-1-category": "", "cells-1-level": "", "cells-1-hours": "",
    }  # fmt: skip
    data.update(overrides)
    return data


def test_adding_a_course_with_a_cell(client, world):
    login_as(client, world, "ME:training_manager")
    assert client.get(reverse("curricula:add")).status_code == 200
    response = client.post(reverse("curricula:add"), form_data())
    course = Course.objects.get(code="VE-B")
    assert response.status_code == 302
    assert response["Location"] == reverse("curricula:detail", args=[course.pk])
    assert course.beneficiary == world["ME"].beneficiary
    assert [
        (c.area.code, c.category.code, c.level.code, c.hours) for c in course.coverage.all()
    ] == [("RAD", "FLO", "A", 6)]


def test_save_and_add_more_cells_comes_back_to_the_form(client, world):
    login_as(client, world, "ME:national_admin")
    response = client.post(reverse("curricula:add"), form_data(more_cells="1"))
    course = Course.objects.get(code="VE-B")
    assert response["Location"] == reverse("curricula:change", args=[course.pk])


def test_a_cell_over_the_courses_hours_is_shown_above_the_cells(client, world):
    login_as(client, world, "ME:national_admin")
    response = client.post(reverse("curricula:add"), form_data(**{"cells-0-hours": "20"}))
    assert response.status_code == 400
    assert "between 1 and the course&#x27;s 16" in response.content.decode()
    assert not Course.objects.exists()


def test_a_half_filled_cell_row_is_refused(client, world):
    login_as(client, world, "ME:national_admin")
    response = client.post(reverse("curricula:add"), form_data(**{"cells-1-hours": "3"}))
    assert response.status_code == 400
    assert b"or none of them" in response.content
    assert not Course.objects.exists()


def test_changing_a_course_and_removing_a_cell(client, world):
    course = add_course(world, "RS", cells=[cell("RAD", "FLO", "A", 8), cell("COM", "FLO", "A", 4)])
    login_as(client, world, "RS:national_admin")
    page = client.get(reverse("curricula:change", args=[course.pk]))
    assert page.context["cells"].initial_form_count() == 2
    data = form_data(code="OBK-1", title="Osnovna obuka (izmenjena)", hours="40")
    rad, com = list(course.coverage.all().order_by("area__order"))
    data.update({
        "cells-TOTAL_FORMS": "2", "cells-INITIAL_FORMS": "2",
        "cells-0-area": rad.area_id, "cells-0-category": rad.category_id,
        "cells-0-level": Level.objects.get(code="P").pk, "cells-0-hours": "10",
        "cells-1-area": com.area_id, "cells-1-category": com.category_id,
        "cells-1-level": com.level_id, "cells-1-hours": "4", "cells-1-DELETE": "on",
    })  # fmt: skip
    response = client.post(reverse("curricula:change", args=[course.pk]), data)
    assert response.status_code == 302
    course.refresh_from_db()
    assert course.title == "Osnovna obuka (izmenjena)"
    assert [(c.area.code, c.level.code, c.hours) for c in course.coverage.all()] == [
        ("RAD", "P", 10)
    ]


def test_withdrawing_asks_why(client, world):
    course = add_course(world, "RS")
    login_as(client, world, "RS:training_manager")
    url = reverse("curricula:withdraw", args=[course.pk])
    assert client.post(url, {"reason": ""}).status_code == 200
    assert Course.objects.exists()
    response = client.post(url, {"reason": "Entered twice"})
    assert response["Location"] == reverse("curricula:list")
    assert not Course.objects.exists()


def test_the_form_page_reads_the_matrix_once(client, world, django_assert_max_num_queries):
    course = add_course(world, "RS", cells=[cell("RAD", "FLO", "A", 8), cell("COM", "FLO", "A", 4)])
    login_as(client, world, "RS:national_admin")
    with django_assert_max_num_queries(14):
        assert client.get(reverse("curricula:change", args=[course.pk])).status_code == 200


@pytest.mark.parametrize("value", ["\x00", "XX", "' OR 1=1 --", "9" * 30])
def test_a_filter_value_no_menu_offers_shows_everything(client, world, courses, value):
    login_as(client, world, "coordinator")
    response = client.get(reverse("curricula:list"), {"administration": value, "kind": value})
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 2
