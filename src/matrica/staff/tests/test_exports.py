"""The staff list and a person's training record as CSV and XLSX: what the page shows, in the
user's language, with stable codes, scoped, neutralised and audited."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from matrica.audit.models import AuditEvent
from matrica.compliance.status import Status
from matrica.testing.factories import CompletionFactory, StaffMemberFactory, StaffRoleFactory
from matrica.testing.world import login_as
from matrica.training.models import Completion

pytestmark = pytest.mark.django_db


def read_csv(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff"), "a byte-order mark, so that Excel reads UTF-8"
    return list(csv.reader(io.StringIO(text[1:])))


def read_xlsx(response) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(response.content)).active
    return list(sheet.iter_rows(values_only=True))


def staff_export(client, file_format: str, **params):
    return client.get(reverse("staff:export", args=[file_format]), params)


def record_export(client, member, file_format: str, **params):
    return client.get(reverse("staff:record_export", args=[member.pk, file_format]), params)


# The staff list


def test_the_staff_list_downloads_every_visible_person_with_cyrillic_and_diacritics(client, world):
    login_as(client, world, "RS:national_admin")
    rows = read_csv(staff_export(client, "csv"))
    names = {(row[1], row[2]) for row in rows[1:]}
    assert names == {("Ђорђевић", "Ђорђе"), ("Đorđević", "Milica"), ("Јовановић", "Марко")}


def test_the_staff_list_xlsx_round_trips_names_and_dates(client, world):
    login_as(client, world, "RS:national_admin")
    rows = read_xlsx(staff_export(client, "xlsx"))
    header, lines = rows[0], rows[1:]
    assert header[:3] == ("Staff number", "Family name", "Given name")
    by_number = {line[0]: line for line in lines}
    assert by_number["RS-001"][1:3] == ("Ђорђевић", "Ђорђе")
    assert isinstance(by_number["RS-001"][9], datetime.datetime)  # a date cell, not text


def test_a_national_admin_never_gets_another_administrations_people(client, world):
    login_as(client, world, "RS:national_admin")
    for file_format, read in (("csv", read_csv), ("xlsx", read_xlsx)):
        numbers = {row[0] for row in read(staff_export(client, file_format))[1:]}
        assert numbers == {"RS-001", "RS-002", "RS-003"}


def test_an_institution_manager_gets_their_institution_only(client, world):
    login_as(client, world, "ME:institution_manager")
    numbers = {row[0] for row in read_csv(staff_export(client, "csv"))[1:]}
    assert numbers == {"ME-001", "ME-003"}  # ME-002 works in the probation office


def test_the_download_honours_the_pages_search_and_filters(client, world):
    login_as(client, world, "RS:national_admin")
    assert [r[0] for r in read_csv(staff_export(client, "csv", q="djordjevic"))[1:]] == [
        "RS-001", "RS-002",
    ]  # fmt: skip
    rows = read_csv(staff_export(client, "csv", category=world["RS"].people[1].primary_category_id))
    assert [row[0] for row in rows[1:]] == ["RS-002"]
    # Another administration's institution is no choice: the filter is ignored, as on the page.
    other = world["ME"].probation
    rows = read_csv(staff_export(client, "csv", institution=other.pk))
    assert {row[0] for row in rows[1:]} == {"RS-001", "RS-002", "RS-003"}
    login_as(client, world, "ME:national_admin")
    rows = read_csv(staff_export(client, "csv", service="probation"))
    assert [row[0] for row in rows[1:]] == ["ME-002"]


def test_the_page_offers_the_download_with_its_filters(client, world):
    login_as(client, world, "RS:national_admin")
    page = client.get(reverse("staff:list"), {"q": "marko"}).content.decode()
    assert f"{reverse('staff:export', args=['csv'])}?q=marko" in page
    assert f"{reverse('staff:export', args=['xlsx'])}?q=marko" in page


def test_headers_and_labels_speak_the_users_language_and_codes_do_not(client, world):
    member = world["RS"].people[1]
    member.active = False
    member.leaving_date = datetime.date(2024, 6, 30)
    member.save()
    login_as(client, world, "RS:national_admin")
    english = read_csv(staff_export(client, "csv"))
    serbian = read_csv(client.get(reverse("staff:export", args=["csv"]), HTTP_ACCEPT_LANGUAGE="sr"))
    assert serbian[0][:3] == ["Број запосленог", "Презиме", "Име"]
    assert english[0][:3] == ["Staff number", "Family name", "Given name"]
    status, code = english[0].index("Status"), english[0].index("Status code")
    assert serbian[0][status] == "Статус"
    codes = {row[0]: row[code] for row in english[1:]}
    assert codes == {row[0]: row[code] for row in serbian[1:]}
    assert codes == {"RS-001": "active", "RS-002": "left", "RS-003": "active"}
    labels = {row[0]: row[status] for row in serbian[1:]}
    assert labels["RS-001"] == "Активан"
    service_code = english[0].index("Service code")
    assert {row[service_code] for row in serbian[1:]} == {"prison"}


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_a_name_written_as_a_formula_stays_text(client, world, file_format):
    StaffMemberFactory.create(
        institution=world["RS"].prison, employee_number="RS-666",
        family_name='=HYPERLINK("http://evil.example","x")', given_name="+cmd",
    )  # fmt: skip
    login_as(client, world, "RS:national_admin")
    response = staff_export(client, file_format)
    rows = read_csv(response) if file_format == "csv" else read_xlsx(response)
    line = next(row for row in rows if row[0] == "RS-666")
    assert line[1] == '\'=HYPERLINK("http://evil.example","x")'
    assert line[2] == "'+cmd"
    if file_format == "xlsx":
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_the_download_is_never_cached_and_is_on_the_trail(client, world):
    login_as(client, world, "RS:national_admin")
    response = staff_export(client, "xlsx")
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith('attachment; filename="matrica-staff-')
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert (event.beneficiary_id, event.user_name) == (world["RS"].beneficiary.pk, "admin-rs")
    assert event.message == "Staff list downloaded (XLSX)"


def test_an_unknown_format_is_not_found_and_anonymous_users_sign_in_first(client, world):
    assert staff_export(client, "csv").status_code == 302
    login_as(client, world, "RS:national_admin")
    assert staff_export(client, "pdf").status_code == 404
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_the_staff_list_costs_the_same_queries_for_many_people(
    client, world, django_assert_max_num_queries
):
    StaffMemberFactory.create_batch(150, institution=world["RS"].prison)
    login_as(client, world, "RS:national_admin")
    with django_assert_max_num_queries(12):
        rows = read_xlsx(staff_export(client, "xlsx"))
    assert len(rows) == 1 + 153


# A person's training record


def test_the_record_holds_requirements_roles_and_evidence_with_stable_codes(client, world):
    member = world["RS"].people[0]
    StaffRoleFactory.create(staff_member=member, start_date=datetime.date(2021, 2, 1))
    CompletionFactory.create(
        staff_member=member, completed_on=datetime.date(2024, 1, 15),
        source=Completion.Source.PRIOR_LEARNING, note="Положен испит",
    )  # fmt: skip
    login_as(client, world, "RS:national_admin")
    rows = read_csv(record_export(client, member, "csv", on="2024-06-01"))
    header, lines = rows[0], rows[1:]
    column = {name: index for index, name in enumerate(header)}
    sections = {line[column["Section code"]] for line in lines}
    assert sections == {"requirement", "role", "evidence"}
    assert all(line[:2] == ["RS-001", "Ђорђе Ђорђевић"] for line in lines)
    statuses = {
        line[column["Status code"]]
        for line in lines
        if line[column["Section code"]] == "requirement"
    }
    assert statuses
    assert statuses <= set(Status.values)
    role = next(line for line in lines if line[column["Section code"]] == "role")
    assert (role[column["Category code"]], role[column["From"]]) == ("TRN", "2021-02-01")
    evidence = next(line for line in lines if line[column["Section code"]] == "evidence")
    assert evidence[column["Source code"]] == "prior_learning"
    assert evidence[column["Note"]] == "Положен испит"


def test_the_records_statuses_carry_the_same_codes_in_every_language(client, world):
    member = world["RS"].people[1]
    login_as(client, world, "RS:national_admin")
    url = reverse("staff:record_export", args=[member.pk, "xlsx"])
    english = read_xlsx(client.get(url, {"on": "2024-06-01"}))
    serbian = read_xlsx(client.get(url, {"on": "2024-06-01"}, HTTP_ACCEPT_LANGUAGE="sr"))
    assert serbian[0][0] == "Број запосленог"
    assert serbian[0][10] == "Статус"
    assert [line[11] for line in english[1:]] == [line[11] for line in serbian[1:]]
    assert [line[3] for line in english[1:]] == [line[3] for line in serbian[1:]]
    with translation.override("en"):
        labels = {str(label) for label in dict(Status.choices).values()}
    assert {line[10] for line in english[1:]} <= labels


def test_another_administrations_person_is_not_found(client, world):
    login_as(client, world, "RS:national_admin")
    assert record_export(client, world["ME"].people[0], "csv").status_code == 404
    login_as(client, world, "RS:staff")
    assert record_export(client, world["RS"].people[1], "xlsx").status_code == 404
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_a_person_downloads_their_own_record_and_the_trail_says_so(client, world):
    member = world["RS"].people[0]
    login_as(client, world, "RS:staff")
    response = record_export(client, member, "csv", on="2024-06-01")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert (event.object_id, event.user_name) == (str(member.pk), "staff-rs")
    assert event.message == "Training record downloaded (CSV, 2024-06-01)"


def test_the_record_page_offers_the_download_for_its_date(client, world):
    member = world["RS"].people[0]
    login_as(client, world, "RS:national_admin")
    page = client.get(reverse("staff:record", args=[member.pk]), {"on": "2024-06-01"}).content
    url = reverse("staff:record_export", args=[member.pk, "xlsx"])
    assert f"{url}?on=2024-06-01".encode() in page


def test_the_record_costs_the_same_queries_for_much_evidence(
    client, world, django_assert_max_num_queries
):
    member = world["RS"].people[0]
    CompletionFactory.create_batch(60, staff_member=member, completed_on=datetime.date(2023, 5, 1))
    for year in range(2015, 2020):
        StaffRoleFactory.create(staff_member=member, start_date=datetime.date(year, 1, 1))
    login_as(client, world, "RS:national_admin")
    with django_assert_max_num_queries(25):
        rows = read_csv(record_export(client, member, "csv", on="2024-06-01"))
    assert sum(1 for row in rows[1:] if row[3] == "evidence") == 60
