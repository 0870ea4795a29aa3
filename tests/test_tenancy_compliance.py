"""Tenancy for the compliance pages: every URL, every role, both administrations.

Rows the user may not see answer 404 (a scope asked for by URL is a record like any other);
pages not meant for a role answer 403."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.urls import reverse

from matrica.compliance.services import refresh_all
from matrica.testing.factories import CompletionFactory
from matrica.testing.world import World

pytestmark = pytest.mark.django_db
ROLES = ["national_admin", "training_manager", "institution_manager", "trainer", "staff"]
DASHBOARD_ROLES = {"national_admin", "training_manager", "institution_manager"}
ON = "2026-06-30"


@pytest.fixture(params=["on the fly", "from the snapshot"])
def figures(request, world):
    """Every test runs twice: computed on request, and read from the derived tables."""
    for person in world["RS"].people + world["ME"].people:
        CompletionFactory(staff_member=person, completed_on=datetime.date(2026, 1, 10))
    if request.param == "from the snapshot":
        refresh_all(on=datetime.date.fromisoformat(ON))
    return world


def rs(world: World, name: str) -> int:
    return getattr(world["RS"], name).pk


# URL builder, and the Serbian roles that see it (others of Serbia: 403 if the role has no
# dashboards, else 404; everyone of Montenegro: 403 or 404 likewise).
URLS: dict[str, tuple[Callable[[World], str], set[str]]] = {
    "dashboard of Serbia": (
        lambda w: reverse("compliance:dashboard") + f"?administration=RS&on={ON}",
        {"national_admin", "training_manager"},
    ),
    "dashboard of the Serbian prison": (
        lambda w: reverse("compliance:dashboard") + f"?institution={rs(w, 'prison')}&on={ON}",
        {"national_admin", "training_manager", "institution_manager"},
    ),
    "people behind a Serbian cell": (
        lambda w: reverse("compliance:cell", args=["RAD", "FLO"]) + f"?administration=RS&on={ON}",
        {"national_admin", "training_manager"},
    ),
    "grid of the Serbian prison": (
        lambda w: reverse("compliance:institution", args=[rs(w, "prison")]) + f"?on={ON}",
        {"national_admin", "training_manager", "institution_manager"},
    ),
    "grid of the Serbian probation office": (
        lambda w: reverse("compliance:institution", args=[rs(w, "probation")]) + f"?on={ON}",
        {"national_admin", "training_manager"},
    ),
    "expiring in Serbia": (
        lambda w: reverse("compliance:expiring") + f"?administration=RS&on={ON}",
        {"national_admin", "training_manager"},
    ),
    "overdue in Serbia": (
        lambda w: reverse("compliance:overdue") + f"?administration=RS&on={ON}",
        {"national_admin", "training_manager"},
    ),
    "Serbian export": (
        lambda w: reverse("compliance:export", args=["csv"]) + f"?administration=RS&on={ON}",
        {"national_admin", "training_manager"},
    ),
}


@pytest.mark.parametrize("name", URLS)
@pytest.mark.parametrize("administration", ["RS", "ME"])
@pytest.mark.parametrize("role", ROLES)
def test_compliance_pages_answer_only_within_scope(client, figures, name, administration, role):
    build, allowed = URLS[name]
    client.force_login(figures[administration].users[role])
    response = client.get(build(figures))
    if role not in DASHBOARD_ROLES:
        assert response.status_code == 403
    elif administration == "RS" and role in allowed:
        assert response.status_code == 200
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_person_panel_follows_the_staff_record_scope(client, figures, role):
    colleague = figures["RS"].people[1]
    for administration, expected in (("RS", role in DASHBOARD_ROLES), ("ME", False)):
        client.force_login(figures[administration].users[role])
        response = client.get(reverse("staff:record", args=[colleague.pk]) + f"?on={ON}")
        assert response.status_code == (200 if expected else 404)


def test_own_status_is_visible_to_the_person(client, figures):
    me = figures["RS"].users["staff"]
    client.force_login(me)
    response = client.get(reverse("staff:record", args=[me.staff_member_id]) + f"?on={ON}")
    assert response.status_code == 200
    assert "RAD" in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "compliance:dashboard",
        "compliance:expiring",
        "compliance:overdue",
    ],
)
def test_a_national_dashboard_never_names_another_administrations_staff(client, figures, url):
    client.force_login(figures["ME"].users["national_admin"])
    page = client.get(reverse(url) + f"?on={ON}").content.decode()
    for person in figures["RS"].people:
        assert person.family_name not in page


def test_coordinator_sees_administrations_side_by_side_without_names(client, figures):
    client.force_login(figures.coordinator)
    response = client.get(reverse("compliance:dashboard") + f"?on={ON}")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Serbia" in page
    assert "Montenegro" in page
    for person in figures["RS"].people + figures["ME"].people:
        assert person.family_name not in page
    # Three people per administration: every figure is a small cell.
    rows = {row.label: row for row in response.context["breakdown"]}
    assert rows["Serbia"].indicators.people.display == "<5"
    assert rows["Serbia"].indicators.compliant.display == "<5"


@pytest.mark.parametrize(
    "url_name",
    ["compliance:cell", "compliance:expiring", "compliance:overdue", "compliance:export"],
)
def test_coordinator_never_reaches_a_list_of_people(client, figures, url_name):
    client.force_login(figures.coordinator)
    args = {"compliance:cell": ["RAD", "FLO"], "compliance:export": ["csv"]}.get(url_name, [])
    assert client.get(reverse(url_name, args=args) + f"?on={ON}").status_code == 404


def test_the_export_holds_only_the_scope_and_keeps_every_script(client, figures):
    client.force_login(figures["RS"].users["national_admin"])
    response = client.get(reverse("compliance:export", args=["csv"]) + f"?on={ON}")
    text = response.content.decode("utf-8-sig")
    assert "Ђорђе Ђорђевић" in text
    assert "Milica Đorđević" in text
    assert "Šćepanović" not in text
    assert response["Content-Disposition"].endswith('.csv"')


def test_the_xlsx_export_round_trips_names(client, figures):
    from io import BytesIO

    from openpyxl import load_workbook

    client.force_login(figures["ME"].users["national_admin"])
    response = client.get(reverse("compliance:export", args=["xlsx"]) + f"?on={ON}")
    sheet = load_workbook(BytesIO(response.content)).active
    names = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert names == {"Jovana Šćepanović", "Nikola Vučinić", "Ana Čolaković"}


def test_dashboard_queries_do_not_grow_with_people(client, figures, django_assert_max_num_queries):
    client.force_login(figures["RS"].users["national_admin"])
    with django_assert_max_num_queries(40):
        assert client.get(reverse("compliance:dashboard") + f"?on={ON}").status_code == 200


def test_grid_queries_do_not_grow_with_people(client, figures, django_assert_max_num_queries):
    client.force_login(figures["RS"].users["national_admin"])
    url = reverse("compliance:institution", args=[figures["RS"].prison.pk]) + f"?on={ON}"
    with django_assert_max_num_queries(25):
        assert client.get(url).status_code == 200
