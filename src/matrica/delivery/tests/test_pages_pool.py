"""The module catalogue, national module pages and the trainer pool, as each role sees them."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from matrica.delivery import actions
from matrica.delivery.models import TrainerAuthorisation
from matrica.delivery.pool_selectors import TrainerYear
from matrica.framework.actions import create_national_module
from matrica.framework.models import CompetencyArea, Level, Module
from matrica.testing.factories import CompletionFactory, StaffMemberFactory, category

from .conftest import make_pool_trainer, plan

pytestmark = pytest.mark.django_db

ROLES = ["national_admin", "training_manager", "institution_manager", "trainer", "staff"]
PLANNERS = {"national_admin", "training_manager"}


def national_module(administration: Any, code: str = "RAD2") -> Module:
    return create_national_module(
        actor=administration.users["training_manager"], beneficiary=administration.beneficiary,
        code=f"{administration.beneficiary.code}-{code}", title="Radikalizacija u praksi",
        translations={"sr-latn": {"title": "Radikalizacija u praksi"}},
        summary="Prepoznavanje znakova.", learning_outcomes="Zna da prepozna znakove.",
        hours=8, validity_months=36, delivery_modes=["classroom", "online_live"],
        languages=["sr-latn"], joint_delivery=False, attendance_threshold=80,
        prerequisites=[Module.objects.get(code="BA")],
        conferrals=[(CompetencyArea.objects.get(code="RAD"), Level.objects.get(code="P"))],
    )  # fmt: skip


@pytest.fixture
def rs_module(serbia):
    return national_module(serbia)


@pytest.fixture
def authorisation(serbia, rs_module):
    return actions.authorise_trainer(
        actor=serbia.users["training_manager"], staff_member=serbia.people[1], module=rs_module,
        granted_on=timezone.localdate() - datetime.timedelta(days=10),
        reason="Delivered the pilot of the module",
    )  # fmt: skip


# --- tenancy: every URL of these pages × every role ------------------------------------------

Build = Callable[[Any, Module, TrainerAuthorisation], str]


def _module_url(name: str) -> Build:
    return lambda world, module, authorisation: reverse(name, args=[module.pk])


# URL builder → the Serbian roles answered 200, and what other Serbian roles get.
URLS: dict[str, tuple[Build, set[str], int]] = {
    "catalogue": (lambda w, m, a: reverse("delivery:modules"), set(ROLES), 200),
    "module page": (_module_url("delivery:module"), set(ROLES), 200),
    "module edit": (_module_url("delivery:module_edit"), PLANNERS, 403),
    "new module": (lambda w, m, a: reverse("delivery:module_new"), PLANNERS, 403),
    "pool": (_module_url("delivery:pool"), PLANNERS, 403),
    "authorise": (_module_url("delivery:authorise"), PLANNERS, 403),
    "end authorisation": (
        lambda w, m, a: reverse("delivery:end_authorisation", args=[a.pk]),
        PLANNERS,
        404,
    ),
    "trainer page": (
        lambda w, m, a: reverse("delivery:trainer", args=[w["RS"].people[2].pk]),
        {"national_admin", "training_manager", "institution_manager", "trainer"},
        404,
    ),
}
# Pages about Serbian records: Montenegro's roles get 404. The catalogue and the new-module
# form belong to every administration alike.
SHARED = {"catalogue", "new module"}
# What the coordinator gets: the catalogue and module pages read-only, no form, no name.
COORDINATOR = {
    "catalogue": 200, "module page": 200, "module edit": 403, "new module": 403, "pool": 403,
    "authorise": 403, "end authorisation": 404, "trainer page": 404,
}  # fmt: skip


@pytest.mark.parametrize("name", URLS)
@pytest.mark.parametrize("administration", ["RS", "ME"])
@pytest.mark.parametrize("role", ROLES)
def test_pool_pages_answer_each_role(
    client, world, rs_module, authorisation, name, administration, role
):
    build, allowed, otherwise = URLS[name]
    client.force_login(world[administration].users[role])
    response = client.get(build(world, rs_module, authorisation))
    if administration == "RS" or name in SHARED:
        expected = 200 if role in allowed else otherwise
        if name == "end authorisation" and role == "institution_manager":
            expected = 403  # the person is at their institution: seen, not theirs to change
    else:
        expected = 404
    assert response.status_code == expected


@pytest.mark.parametrize("name", URLS)
def test_the_coordinator_reads_modules_and_sees_no_name(
    client, world, rs_module, authorisation, name
):
    build, _allowed, _otherwise = URLS[name]
    client.force_login(world.coordinator)
    assert client.get(build(world, rs_module, authorisation)).status_code == COORDINATOR[name]


@pytest.mark.parametrize("name", URLS)
def test_anonymous_visitors_are_sent_to_log_in(client, world, rs_module, authorisation, name):
    build, _allowed, _otherwise = URLS[name]
    response = client.get(build(world, rs_module, authorisation))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# --- the catalogue and a module's page ------------------------------------------------------


def test_the_catalogue_shows_common_and_own_national_modules(client, world, rs_module):
    me_module = national_module(world["ME"])
    client.force_login(world["RS"].users["staff"])
    catalogue = client.get(reverse("delivery:modules")).context["catalogue"]
    assert "BA" in {module.code for module in catalogue.common}
    assert [(b.code, [m.code for m in ms]) for b, ms in catalogue.national] == [
        ("RS", [rs_module.code])
    ]
    assert me_module.code not in client.get(reverse("delivery:modules")).content.decode()


def test_the_coordinator_sees_every_administrations_modules_grouped(client, world, rs_module):
    national_module(world["ME"])
    client.force_login(world.coordinator)
    response = client.get(reverse("delivery:modules"))
    grouped = [(b.code, [m.code for m in ms]) for b, ms in response.context["catalogue"].national]
    assert grouped == [("ME", ["ME-RAD2"]), ("RS", ["RS-RAD2"])]
    assert reverse("delivery:module_new") not in response.content.decode()


def test_a_module_page_shows_what_it_is_and_what_it_confers(client, world, rs_module):
    client.force_login(world["RS"].users["trainer"])
    page = client.get(reverse("delivery:module", args=[rs_module.pk])).content.decode()
    for text in ("Prepoznavanje znakova.", "Zna da prepozna znakove.", "Online, live",
                 "80 %", "36 months", "BA", "Practitioner"):  # fmt: skip
        assert text in page
    assert reverse("delivery:module_edit", args=[rs_module.pk]) not in page


def test_a_national_module_is_read_only_to_the_coordinator(client, world, rs_module):
    client.force_login(world.coordinator)
    page = client.get(reverse("delivery:module", args=[rs_module.pk])).content.decode()
    assert "Radikalizacija u praksi" in page
    assert reverse("delivery:module_edit", args=[rs_module.pk]) not in page
    assert reverse("delivery:pool", args=[rs_module.pk]) not in page


def test_a_common_module_cannot_be_edited_by_a_planner(client, world):
    client.force_login(world["RS"].users["national_admin"])
    common = Module.objects.get(code="BA")
    assert client.get(reverse("delivery:module_edit", args=[common.pk])).status_code == 403
    page = client.get(reverse("delivery:module", args=[common.pk])).content.decode()
    assert reverse("delivery:module_edit", args=[common.pk]) not in page


# --- the forms ------------------------------------------------------------------------------


def module_form_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "code": "RS-MAC2", "title_sr": "Управљање случајем",
        "title_sr-latn": "Upravljanje slučajem",
        "summary": "", "learning_outcomes": "", "hours": "6", "validity_months": "24",
        "attendance_threshold": "100", "delivery_modes": ["classroom"], "languages": ["sr"],
        "confers_MAC": str(Level.objects.get(code="A").pk),
    }  # fmt: skip
    data.update(overrides)
    return data


@pytest.fixture
def serbian_languages(serbia):
    serbia.beneficiary.languages = ["sr", "sr-latn"]
    serbia.beneficiary.save()


def test_a_planner_adds_a_national_module_through_the_form(client, world, serbian_languages):
    client.force_login(world["RS"].users["training_manager"])
    form = client.get(reverse("delivery:module_new")).content.decode()
    assert 'name="title_sr"' in form
    assert 'name="title_sr-latn"' in form
    assert "<legend>" in form
    response = client.post(reverse("delivery:module_new"), module_form_data())
    module = Module.objects.get(code="RS-MAC2")
    assert response.status_code == 302
    assert response.url == reverse("delivery:module", args=[module.pk])
    assert module.title == "Управљање случајем"
    assert module.translations == {
        "sr": {"title": "Управљање случајем"},
        "sr-latn": {"title": "Upravljanje slučajem"},
    }
    assert list(module.conferrals.values_list("area__code", "level__code")) == [("MAC", "A")]


def test_the_form_shows_the_actions_refusals(client, world, serbian_languages):
    client.force_login(world["RS"].users["training_manager"])
    data = module_form_data(code="MAC2")
    del data["confers_MAC"]
    response = client.post(reverse("delivery:module_new"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "starts with the administration" in page
    assert "at least one area" in page
    assert not Module.objects.filter(code="MAC2").exists()


def test_a_planner_edits_a_national_module(client, world, rs_module, serbian_languages):
    client.force_login(world["RS"].users["national_admin"])
    url = reverse("delivery:module_edit", args=[rs_module.pk])
    form = client.get(url).context["form"]
    assert form.initial["confers_RAD"] == str(Level.objects.get(code="P").pk)
    assert form.initial["title_sr-latn"] == "Radikalizacija u praksi"
    assert form.initial["title_sr"] == "Radikalizacija u praksi"  # the stored title
    data = module_form_data(code=rs_module.code, hours="10", title_sr="Радикализација")
    response = client.post(url, data)
    assert response.status_code == 302
    rs_module.refresh_from_db()
    assert rs_module.hours == 10
    assert list(rs_module.conferrals.values_list("area__code", flat=True)) == ["MAC"]


# --- the matrix -----------------------------------------------------------------------------


def matrix_codes(client, **params: str) -> set[str]:
    response = client.get(reverse("framework:matrix"), params)
    shown = {module.code for module in response.context["modules"]}
    in_cells = {
        module.code
        for _area, cells in response.context["matrix"].rows
        for cell in cells
        for module in cell.modules
    }
    return shown | in_cells


def test_a_national_module_is_on_the_matrix_of_its_administration_only(client, world, rs_module):
    client.force_login(world["RS"].users["staff"])
    assert rs_module.code in matrix_codes(client)
    client.force_login(world["ME"].users["national_admin"])
    assert rs_module.code not in matrix_codes(client)
    assert rs_module.code not in matrix_codes(client, administration="RS")
    client.force_login(world.coordinator)
    assert rs_module.code not in matrix_codes(client)
    assert rs_module.code in matrix_codes(client, administration="RS")
    assert rs_module.code not in matrix_codes(client, administration="ME")


def test_the_matrix_cell_lists_a_national_module_that_satisfies_it(client, world, rs_module):
    client.force_login(world["RS"].users["staff"])
    response = client.get(reverse("framework:matrix"))
    rows = {area.code: cells for area, cells in response.context["matrix"].rows}
    columns = [c.code for c in response.context["matrix"].categories]
    assert rs_module in rows["RAD"][columns.index("FLO")].modules


# --- the trainer pool -----------------------------------------------------------------------


def test_the_pool_lists_trained_trainers_and_authorised_people_only(
    client, world, serbia, rs_module, authorisation
):
    today = timezone.localdate()
    trained, authorised, no_module = serbia.people[2], serbia.people[1], serbia.people[0]
    make_pool_trainer(trained, rs_module)
    CompletionFactory.create(  # training-of-trainers evidence, but never took the module
        staff_member=no_module, area=CompetencyArea.objects.get(code="TOT"),
        level=Level.objects.get(code="S"), completed_on=today - datetime.timedelta(days=10),
        valid_until=today + datetime.timedelta(days=300),
    )  # fmt: skip
    client.force_login(serbia.users["training_manager"])
    response = client.get(reverse("delivery:pool", args=[rs_module.pk]))
    entries = {entry.person: entry for entry in response.context["trainers"]}
    assert set(entries) == {trained, authorised}
    assert entries[trained].trained_until == today + datetime.timedelta(days=900)
    assert entries[authorised].authorisations == [authorisation]
    pool_table = response.content.decode().split("Authorise a trainer")[0]
    assert "Delivered the pilot of the module" in pool_table
    assert no_module.full_name not in pool_table


def test_a_planner_authorises_a_trainer_and_ends_it(client, world, serbia, rs_module):
    client.force_login(serbia.users["national_admin"])
    person = serbia.people[0]
    url = reverse("delivery:authorise", args=[rs_module.pk])
    search = client.get(url, {"q": "djordjevic"}).content.decode()
    assert person.full_name in search
    response = client.post(
        url,
        {"staff_member": person.pk, "granted_on": timezone.localdate().isoformat(),
         "reason": "Subject expert"},
    )  # fmt: skip
    assert response.status_code == 302
    granted = TrainerAuthorisation.objects.get(staff_member=person, module=rs_module)
    assert granted.reason == "Subject expert"
    end = reverse("delivery:end_authorisation", args=[granted.pk])
    ends_on = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(end, {"ends_on": ends_on.isoformat(), "reason": "Left the team"})
    assert response.status_code == 302
    granted.refresh_from_db()
    assert granted.valid_until == ends_on


def test_a_person_of_another_administration_cannot_be_authorised(client, world, serbia):
    client.force_login(serbia.users["national_admin"])
    common = Module.objects.get(code="BA")
    outsider = world["ME"].people[0]
    response = client.post(
        reverse("delivery:authorise", args=[common.pk]),
        {"staff_member": outsider.pk, "granted_on": timezone.localdate().isoformat(),
         "reason": "x"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "staff_member" in response.context["form"].errors
    assert not TrainerAuthorisation.objects.exists()


@pytest.mark.parametrize("size", [3, 20, 55])
def test_the_pool_page_takes_a_bounded_number_of_queries(
    client, world, serbia, rs_module, size, django_assert_max_num_queries
):
    for index in range(size):
        member = StaffMemberFactory.create(
            institution=serbia.prison, primary_category=category("FLO"),
            employee_number=f"POOL-{index}",
        )  # fmt: skip
        make_pool_trainer(member, rs_module)
        if index % 2:
            actions.authorise_trainer(
                actor=serbia.users["training_manager"], staff_member=member, module=rs_module,
                granted_on=timezone.localdate(), reason="Backup",
            )  # fmt: skip
    client.force_login(serbia.users["training_manager"])
    with django_assert_max_num_queries(13):
        response = client.get(reverse("delivery:pool", args=[rs_module.pk]))
    # A page at a time: a large administration's pool runs to thousands.
    assert len(response.context["trainers"]) == min(size, settings.MATRICA_PAGE_SIZE)
    assert response.context["page"].paginator.count == size


def test_the_trainer_page_shows_sessions_hours_and_participants_by_year(
    client, world, serbia, trainer, session
):
    manager = serbia.users["training_manager"]
    actions.open_session(actor=manager, session=session)
    client.force_login(serbia.users["trainer"])
    response = client.get(reverse("delivery:trainer", args=[trainer.pk]))
    assert response.status_code == 200
    assert list(response.context["sessions"]) == [session]
    assert response.context["years"] == []  # not held yet


def test_a_trainers_year_counts_held_sessions_hours_and_attendees(
    client, world, serbia, basic_awareness, trainer, django_assert_max_num_queries
):
    manager = serbia.users["training_manager"]
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday() + 7)
    session = plan(serbia, basic_awareness, trainer, starts_on=monday, days=2)
    actions.open_session(actor=manager, session=session)
    actions.nominate(actor=manager, session=session, staff_members=serbia.people[:2])
    actions.confirm(actor=manager, session=session)
    for day in session.days.all():
        actions.record_attendance(
            actor=serbia.users["trainer"], day=day, present=[serbia.people[0].pk]
        )
    actions.mark_held(actor=manager, session=session)
    actions.close_session(actor=manager, session=session)
    client.force_login(manager)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("delivery:trainer", args=[trainer.pk]))
    assert response.context["years"] == [
        TrainerYear(year=monday.year, sessions=1, hours=8, participants=1)
    ]
