"""The expiring and overdue lists and the people behind a cell of the matrix as CSV and XLSX:
every line the page lists for the same scope and date, headers and labels in the user's
language, stable status codes beside them, only for those who may see the people, audited."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from matrica.audit.models import AuditEvent
from matrica.compliance.status import Status
from matrica.testing.factories import CompletionFactory, StaffMemberFactory
from matrica.testing.world import login_as

pytestmark = pytest.mark.django_db

ON = "2024-06-30"
LISTS = (("expiring_export", ()), ("overdue_export", ()), ("cell_export", ("RAD", "FLO")))


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def read_xlsx(response) -> list[tuple]:
    assert response.status_code == 200
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


def download(client, name: str, file_format: str, *args: str, language: str = "en", **params):
    return client.get(
        reverse(f"compliance:{name}", args=[*args, file_format]),
        {"on": ON, **params},
        HTTP_ACCEPT_LANGUAGE=language,
    )


@pytest.fixture
def expiring(world):
    """RS-001's awareness of radicalisation lapses on 2024-08-01, within 90 days of ON."""
    CompletionFactory.create(
        staff_member=world["RS"].people[0], completed_on=datetime.date(2021, 8, 1)
    )
    CompletionFactory.create(
        staff_member=world["ME"].people[0], completed_on=datetime.date(2021, 8, 1)
    )
    return world


def test_the_expiring_list_downloads_its_lines_with_the_date_they_lapse(client, expiring):
    login_as(client, expiring, "RS:national_admin")
    rows = read_csv(download(client, "expiring_export", "csv"))
    header, lines = rows[0], rows[1:]
    line = dict(zip(header, lines[0], strict=True))
    assert len(lines) == 1
    assert (line["Staff number"], line["Family name"], line["Given name"]) == (
        "RS-001", "Ђорђевић", "Ђорђе",
    )  # fmt: skip
    assert (line["Area code"], line["Category code"]) == ("RAD", "ALL")
    assert (line["Status"], line["Status code"]) == ("Expiring", "expiring")
    assert line["Valid until"] == "2024-08-01"


def test_the_overdue_list_downloads_every_page_of_it_in_the_pages_order(client, world):
    login_as(client, world, "RS:national_admin")
    page = client.get(reverse("compliance:overdue"), {"on": ON})
    rows = read_xlsx(download(client, "overdue_export", "xlsx"))
    header, lines = rows[0], rows[1:]
    assert len(lines) == page.context["page"].paginator.count > 0
    assert {line[header.index("Status code")] for line in lines} == {"overdue"}
    first = page.context["entries"][0]
    assert lines[0][0] == first["member"].employee_number
    deadline = lines[0][header.index("Deadline")]
    assert isinstance(deadline, datetime.datetime)  # a date cell, not text
    assert deadline.date().isoformat() == str(first["deadline"])


def test_headers_and_labels_are_serbian_and_codes_are_the_same_in_every_language(client, world):
    login_as(client, world, "RS:national_admin")
    english = read_csv(download(client, "overdue_export", "csv"))
    serbian = read_csv(download(client, "overdue_export", "csv", language="sr"))
    assert serbian[0][:3] == ["Број запосленог", "Презиме", "Име"]
    status, code = english[0].index("Status"), english[0].index("Status code")
    assert serbian[0][status] == "Статус"
    assert {line[status] for line in english[1:]} == {"Overdue"}
    assert {line[status] for line in serbian[1:]} != {"Overdue"}
    assert [line[code] for line in english[1:]] == [line[code] for line in serbian[1:]]
    area = english[0].index("Area code")
    assert [line[area] for line in english[1:]] == [line[area] for line in serbian[1:]]


def test_the_lists_answer_for_the_pages_date(client, expiring):
    login_as(client, expiring, "RS:national_admin")
    assert len(read_csv(download(client, "expiring_export", "csv"))) == 2
    later = read_csv(download(client, "expiring_export", "csv", on="2024-09-01"))
    assert len(later) == 1  # lapsed by then: expired, no longer expiring


def test_a_national_admin_never_gets_another_administrations_people(client, expiring):
    login_as(client, expiring, "RS:national_admin")
    for name, args in LISTS:
        rows = read_csv(download(client, name, "csv", *args))
        assert rows[1:], name
        assert {line[3] for line in rows[1:]} == {"RS"}, name
        assert download(client, name, "csv", *args, administration="ME").status_code == 404


def test_an_institution_manager_gets_their_institution_only(client, world):
    StaffMemberFactory.create(
        institution=world["ME"].probation, employee_number="ME-004",
        primary_category=world["ME"].people[0].primary_category,
    )  # fmt: skip
    login_as(client, world, "ME:institution_manager")
    rows = read_csv(download(client, "overdue_export", "csv"))
    assert {line[0] for line in rows[1:]} == {"ME-001", "ME-003"}
    other = world["ME"].probation.pk
    assert download(client, "overdue_export", "csv", institution=other).status_code == 404


def test_who_may_not_see_the_people_gets_no_file(client, world):
    """The coordinator sees the region's figures through disclosure control, never names."""
    login_as(client, world, "coordinator")
    assert client.get(reverse("compliance:overdue"), {"on": ON}).status_code == 404
    for name, args in LISTS:
        assert download(client, name, "csv", *args).status_code == 404
    login_as(client, world, "RS:trainer")
    assert download(client, "overdue_export", "xlsx").status_code == 403  # like the page
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_the_cell_downloads_everyone_behind_it_worst_first(client, expiring):
    login_as(client, expiring, "RS:national_admin")
    page = client.get(reverse("compliance:cell", args=["RAD", "FLO"]), {"on": ON})
    rows = read_csv(download(client, "cell_export", "csv", "RAD", "FLO"))
    header, lines = rows[0], rows[1:]
    assert [line[0] for line in lines] == [
        line.member.employee_number for line in page.context["lines"]
    ]
    assert {(line[5], line[6]) for line in lines} == {("RAD", "FLO")}
    assert {line[header.index("Status code")] for line in lines} <= set(Status.values)
    assert download(client, "cell_export", "csv", "NOPE", "FLO").status_code == 404


def test_an_unknown_format_is_not_found(client, world):
    login_as(client, world, "RS:national_admin")
    assert download(client, "overdue_export", "pdf").status_code == 404
    assert download(client, "cell_export", "json", "RAD", "FLO").status_code == 404
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_a_name_written_as_a_formula_stays_text(client, world, file_format):
    StaffMemberFactory.create(
        institution=world["RS"].prison, employee_number="RS-666",
        family_name='=HYPERLINK("http://evil.example","x")', given_name="@SUM(A1)",
        primary_category=world["RS"].people[0].primary_category,
    )  # fmt: skip
    login_as(client, world, "RS:national_admin")
    response = download(client, "overdue_export", file_format)
    rows = read_csv(response) if file_format == "csv" else read_xlsx(response)
    line = next(row for row in rows if row[0] == "RS-666")
    assert line[1:3] in (
        ['\'=HYPERLINK("http://evil.example","x")', "'@SUM(A1)"],
        ('\'=HYPERLINK("http://evil.example","x")', "'@SUM(A1)"),
    )
    if file_format == "xlsx":
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_the_download_is_never_cached_and_is_on_the_trail(client, world):
    login_as(client, world, "RS:national_admin")
    response = download(client, "overdue_export", "xlsx")
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"] == (
        f'attachment; filename="matrica-compliance-overdue-rs-{ON}.xlsx"'
    )
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert (event.beneficiary_id, event.user_name) == (world["RS"].beneficiary.pk, "admin-rs")
    assert event.message == f"Overdue list downloaded (XLSX, {ON})"
    download(client, "cell_export", "csv", "RAD", "FLO")
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.EXPORT, message=f"People behind RAD × FLO downloaded (CSV, {ON})"
    ).exists()


def test_the_pages_offer_the_downloads_with_their_scope_and_date(client, world):
    login_as(client, world, "RS:national_admin")
    prison = world["RS"].prison.pk
    for page, export, args in (
        ("expiring", "expiring_export", []), ("overdue", "overdue_export", []),
        ("cell", "cell_export", ["RAD", "FLO"]),
    ):  # fmt: skip
        html = client.get(reverse(f"compliance:{page}", args=args), {"on": ON}).content.decode()
        for file_format in ("csv", "xlsx"):
            assert f"{reverse(f'compliance:{export}', args=[*args, file_format])}?on={ON}" in html
    grid = client.get(reverse("compliance:institution", args=[prison]), {"on": ON}).content
    xlsx = f"{reverse('compliance:export', args=['xlsx'])}?institution={prison}&on={ON}"
    assert xlsx.encode() in grid


def test_the_downloads_cost_the_same_queries_for_many_people(
    client, world, django_assert_max_num_queries
):
    StaffMemberFactory.create_batch(
        60, institution=world["RS"].prison, primary_category=world["RS"].people[0].primary_category
    )
    login_as(client, world, "RS:national_admin")
    # The engine computes the date's statuses once (as for the page); the rest is a fixed few.
    with django_assert_max_num_queries(30):
        overdue = read_csv(download(client, "overdue_export", "csv"))
    with django_assert_max_num_queries(30):
        cell = read_xlsx(download(client, "cell_export", "xlsx", "RAD", "FLO"))
    assert len(overdue) > 60 * 2
    assert len(cell) == 1 + 62
