"""The calendar's sessions, a session's roster and a module's trainer pool as CSV and XLSX: what
the page shows to the same user, every page of it, headers and labels in the user's language,
stable codes beside them, scoped like the page, neutralised, and audited when they name people."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from matrica.audit.models import AuditEvent
from matrica.delivery import actions
from matrica.testing.factories import StaffMemberFactory
from matrica.testing.world import login_as

from .conftest import plan

pytestmark = pytest.mark.django_db


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def read_xlsx(response) -> list[tuple]:
    assert response.status_code == 200
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


def get(client, name: str, *args, language: str = "en", **params):
    return client.get(reverse(f"delivery:{name}", args=args), params, HTTP_ACCEPT_LANGUAGE=language)


def exports_taken() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).order_by("pk"))


@pytest.fixture
def nominated(serbia, session):
    """The session open, RS-001 and RS-002 (prison) nominated, RS-002 given a place."""
    manager = serbia.users["training_manager"]
    actions.open_session(actor=manager, session=session)
    actions.nominate(actor=manager, session=session, staff_members=serbia.people[:2])
    return session


# The calendar


def test_the_month_downloads_its_sessions_with_their_state_code(client, world, session):
    login_as(client, world, "RS:training_manager")
    month = f"{session.starts_on:%Y-%m}"
    rows = read_csv(get(client, "calendar_export", "csv", view="month", month=month))
    header, lines = rows[0], rows[1:]
    line = dict(zip(header, lines[0], strict=True))
    assert len(lines) == 1
    assert (line["Session id"], line["Module code"], line["Administration code"]) == (
        str(session.pk), "BA", "RS",
    )  # fmt: skip
    assert (line["State"], line["State code"]) == ("Planned", "planned")
    assert line["First day"] == session.starts_on.isoformat()
    assert line["Venue"] == "Training centre, Niš"


def test_the_calendar_is_scoped_and_filtered_like_the_page(client, world, serbia, session):
    login_as(client, world, "ME:training_manager")
    month = f"{session.starts_on:%Y-%m}"
    assert read_csv(get(client, "calendar_export", "csv", month=month))[1:] == []
    login_as(client, world, "RS:training_manager")
    other_module = session.module.pk + 1000
    rows = read_csv(get(client, "calendar_export", "csv", month=month, module=other_module))
    page = get(client, "calendar", month=month, module=other_module)
    assert len(rows) - 1 == page.context["session_count"]
    later = session.starts_on + datetime.timedelta(days=90)
    assert read_csv(get(client, "calendar_export", "csv", month=f"{later:%Y-%m}"))[1:] == []


def test_the_list_view_downloads_every_session_of_its_months(
    client, world, serbia, trainer, basic_awareness
):
    today = timezone.localdate()
    for weeks in range(0, 30, 2):
        plan(serbia, basic_awareness, trainer, starts_on=today + datetime.timedelta(weeks=weeks))
    login_as(client, world, "RS:training_manager")
    rows = read_xlsx(get(client, "calendar_export", "xlsx", view="list"))
    assert len(rows) == 1 + 15
    assert isinstance(rows[1][4], datetime.datetime)  # the first day is a date cell
    day = (today + datetime.timedelta(weeks=4)).isoformat()
    assert len(read_csv(get(client, "calendar_export", "csv", view="list", day=day))) == 2


def test_the_calendar_speaks_serbian_and_its_codes_do_not(client, world, session):
    login_as(client, world, "RS:training_manager")
    month = f"{session.starts_on:%Y-%m}"
    english = read_csv(get(client, "calendar_export", "csv", month=month))
    serbian = read_csv(get(client, "calendar_export", "csv", language="sr", month=month))
    state, code = english[0].index("State"), english[0].index("State code")
    assert serbian[0][state] != "State"
    assert serbian[1][state] != "Planned"
    assert serbian[1][code] == english[1][code] == "planned"
    assert serbian[1][2] == english[1][2] == "BA"


def test_the_calendar_offers_the_download_with_its_filters(client, world, session):
    login_as(client, world, "RS:training_manager")
    page = get(client, "calendar", view="list").content.decode()
    assert f"{reverse('delivery:calendar_export', args=['csv'])}?view=list" in page
    assert f"{reverse('delivery:calendar_export', args=['xlsx'])}?view=list" in page


def test_the_calendar_costs_the_same_queries_for_many_sessions(
    client, world, serbia, trainer, basic_awareness, django_assert_max_num_queries
):
    start = timezone.localdate().replace(day=1) + datetime.timedelta(days=40)
    for day in range(25):
        plan(serbia, basic_awareness, trainer, starts_on=start + datetime.timedelta(days=day))
    login_as(client, world, "RS:training_manager")
    with django_assert_max_num_queries(10):
        rows = read_csv(get(client, "calendar_export", "csv", view="list"))
    assert len(rows) == 1 + 25


# A session's roster


def test_the_roster_downloads_its_people_with_their_state_and_is_audited(
    client, world, serbia, nominated
):
    actions.confirm(actor=serbia.users["training_manager"], session=nominated)
    login_as(client, world, "RS:training_manager")
    response = get(client, "roster_export", nominated.pk, "csv")
    rows = read_csv(response)
    header, lines = rows[0], rows[1:]
    people = {line[header.index("Staff number")]: line for line in lines}
    assert set(people) == {"RS-001", "RS-002"}
    assert people["RS-001"][header.index("Family name")] == "Ђорђевић"
    assert people["RS-002"][header.index("State code")] == "confirmed"
    assert people["RS-002"][header.index("Service code")] == "prison"
    assert "no-store" in response["Cache-Control"]
    (event,) = exports_taken()
    assert (event.object_id, event.message) == (str(nominated.pk), "Roster downloaded (CSV)")


def test_the_roster_speaks_serbian_and_its_codes_do_not(client, world, nominated):
    login_as(client, world, "RS:training_manager")
    english = read_xlsx(get(client, "roster_export", nominated.pk, "xlsx"))
    serbian = read_xlsx(get(client, "roster_export", nominated.pk, "xlsx", language="sr"))
    assert serbian[0][3] == "Број запосленог"
    state, code = english[0].index("State"), english[0].index("State code")
    assert [line[code] for line in english[1:]] == [line[code] for line in serbian[1:]]
    assert {line[code] for line in serbian[1:]} == {"nominated"}
    assert {line[state] for line in english[1:]} == {"Nominated"}
    assert {line[state] for line in serbian[1:]} != {"Nominated"}


def test_the_roster_is_scoped_like_the_page(client, world, serbia, nominated):
    login_as(client, world, "ME:training_manager")
    assert get(client, "roster_export", nominated.pk, "csv").status_code == 404
    # A probation officer nominated too: the prison's manager sees their own people only.
    officer = StaffMemberFactory.create(institution=serbia.probation, employee_number="RS-100")
    actions.nominate(
        actor=serbia.users["training_manager"], session=nominated, staff_members=[officer]
    )
    login_as(client, world, "RS:institution_manager")
    page = get(client, "session", nominated.pk)
    lines = read_csv(get(client, "roster_export", nominated.pk, "csv"))[1:]
    assert [line[3] for line in lines] == [
        row.staff_member.employee_number for row in page.context["rows"]
    ]
    assert {line[3] for line in lines} == {"RS-001", "RS-002"}
    login_as(client, world, "coordinator")  # sees sessions, never the people in them
    assert read_csv(get(client, "roster_export", nominated.pk, "csv"))[1:] == []
    login_as(client, world, "RS:training_manager")
    assert get(client, "roster_export", nominated.pk, "pdf").status_code == 404
    assert len(exports_taken()) == 1  # the institution manager's


def test_a_name_written_as_a_formula_stays_text(client, world, serbia, session):
    member = StaffMemberFactory.create(
        institution=serbia.prison, employee_number="RS-666",
        family_name="=1+2", given_name="-2+3",
    )  # fmt: skip
    manager = serbia.users["training_manager"]
    actions.open_session(actor=manager, session=session)
    actions.nominate(actor=manager, session=session, staff_members=[member])
    login_as(client, world, "RS:training_manager")
    for file_format, read in (("csv", read_csv), ("xlsx", read_xlsx)):
        response = get(client, "roster_export", session.pk, file_format)
        line = next(row for row in read(response) if row[3] == "RS-666")
        assert (line[4], line[5]) == ("'=1+2", "'-2+3")


def test_the_roster_costs_the_same_queries_for_many_people(
    client, world, serbia, session, django_assert_max_num_queries
):
    people = StaffMemberFactory.create_batch(40, institution=serbia.prison)
    manager = serbia.users["training_manager"]
    actions.open_session(actor=manager, session=session)
    actions.nominate(actor=manager, session=session, staff_members=people)
    login_as(client, world, "RS:training_manager")
    with django_assert_max_num_queries(12):
        rows = read_csv(get(client, "roster_export", session.pk, "csv"))
    assert len(rows) == 1 + 40


# A module's trainer pool


def test_the_pool_downloads_every_trainer_with_why_and_is_audited(
    client, world, serbia, trainer, basic_awareness
):
    actions.authorise_trainer(
        actor=serbia.users["training_manager"], staff_member=serbia.people[1],
        module=basic_awareness, granted_on=timezone.localdate() - datetime.timedelta(days=3),
        reason="@Delivered the pilot",
    )  # fmt: skip
    login_as(client, world, "RS:training_manager")
    rows = read_csv(get(client, "pool_export", basic_awareness.pk, "csv"))
    header, lines = rows[0], rows[1:]
    why = {line[1]: line[header.index("Why code")] for line in lines}
    assert why == {trainer.employee_number: "trained", "RS-002": "authorised"}
    authorised = next(line for line in lines if line[1] == "RS-002")
    assert authorised[header.index("Reason")] == "'@Delivered the pilot"
    (event,) = exports_taken()
    assert event.beneficiary_id == serbia.beneficiary.pk
    assert event.message == "Trainer pool of BA downloaded (CSV)"
    page = get(client, "pool", basic_awareness.pk).content.decode()
    assert reverse("delivery:pool_export", args=[basic_awareness.pk, "xlsx"]) in page


def test_the_pool_speaks_serbian_and_is_for_planners_in_scope(
    client, world, trainer, basic_awareness
):
    login_as(client, world, "RS:national_admin")
    serbian = read_csv(get(client, "pool_export", basic_awareness.pk, "csv", language="sr"))
    assert serbian[0][1] == "Број запосленог"
    assert serbian[1][7] == "trained"
    login_as(client, world, "ME:training_manager")
    assert read_csv(get(client, "pool_export", basic_awareness.pk, "csv"))[1:] == []
    login_as(client, world, "RS:staff")
    assert get(client, "pool_export", basic_awareness.pk, "csv").status_code == 403
