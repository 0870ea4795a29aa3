"""The import parsers fuzzed (issue 19): whatever a file holds, reading it gives rows or a clear
refusal, never a crash; and an import either applies every row or writes nothing."""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from typing import Any

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from matrica.audit.models import AuditEvent
from matrica.imports.tests.files import LATIN_HEADER, repacked, xlsx_bytes
from matrica.staff import actions as staff_actions
from matrica.staff import imports as staff_imports
from matrica.staff.models import StaffMember
from matrica.tabular import Refused, RowsRefused, Sheet, parse_date, read_sheet
from matrica.tenancy.scoping import SYSTEM
from matrica.testing.world import World
from matrica.training import actions as training_actions
from matrica.training import imports as evidence_imports

DB_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Text as a cell can hold it: any letter of any script, marks, symbols, spaces (XML and the
# CSV reader never hand over control characters or lone surrogates).
cell_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30)
# What people actually type into a roster, mixed with the odd hostile value.
typed = st.one_of(
    cell_text,
    st.sampled_from([
        "", " ", "RS prison", "rs PRISON", "RS probation office", "ME prison", "FLO", "flo",
        "Front-line officer", "TRS", "ALL", "31.02.2021", "01.09.2021", "1.9.2021.", "2021-09-01",
        "44440", "0", "-1", "9999999", "29.02.2024", "29.02.2023", "=cmd|' /C calc'!A0",
        "@SUM(1+1)", "+1", "-", "Ђорђе", "Đorđević", "Şükrü", "İlknur", "Ëndrit", "x" * 120,
        "a@b.rs", "not an email", "sr-latn", "Српски",
    ]),
)  # fmt: skip
dates = st.one_of(
    st.dates(min_value=datetime.date(1900, 1, 1)).map(lambda d: d.strftime("%d.%m.%Y")),
    st.from_regex(r"\A\d{1,2}\.\d{1,2}\.\d{4}\.?\Z"),
    st.from_regex(r"\A\d{4}-\d{1,2}-\d{1,2}\Z"),
    st.integers(-10, 3_000_000).map(str),
    cell_text,
)


# Dates -----------------------------------------------------------------------------------------


def _date_or_value_error(value: Any) -> None:
    try:
        result: datetime.date | ValueError = parse_date(value)
    except ValueError as error:
        result = error
    assert isinstance(result, datetime.date) or str(result)


@given(st.one_of(st.text(), dates))
@example("31.02.2021")
@example("1" * 5000)
@example("٣١.١٢.٢٠٢١")  # Arabic-Indic digits
def test_parse_date_reads_any_text_as_a_date_or_refuses_it(value: str) -> None:
    _date_or_value_error(value)


@given(st.one_of(st.integers(), st.floats(), st.booleans(), st.none(), st.decimals()))
@example(10**400)
@example(float("inf"))
@example(float("-inf"))
@example(float("nan"))
@example(1e300)
def test_parse_date_reads_any_number_as_a_date_or_refuses_it(value: Any) -> None:
    _date_or_value_error(value)


@given(st.dates())
def test_parse_date_reads_every_written_form_of_a_date_alike(day: datetime.date) -> None:
    assert parse_date(f"{day.day:02d}.{day.month:02d}.{day.year:04d}") == day
    assert parse_date(f"{day.day}.{day.month}.{day.year:04d}.") == day
    assert parse_date(day.isoformat()) == day
    serial = (day - datetime.date(1899, 12, 30)).days
    if serial >= 1:
        assert parse_date(serial) == day
        assert parse_date(float(serial) + 0.75) == day


# Reading files ---------------------------------------------------------------------------------


def _sheet_or_refused(data: bytes, name: str, encoding: str = "") -> None:
    try:
        sheet: Sheet | Refused = read_sheet(data, name, staff_imports.COLUMNS, encoding=encoding)
    except Refused as refused:
        sheet = refused
    if isinstance(sheet, Refused):
        assert sheet.message
    else:
        assert all(number > sheet.header_row for number, _cells in sheet.rows)


@given(st.binary(max_size=2000), st.sampled_from(["roster.csv", "roster.xlsx", "roster"]))
@settings(max_examples=300)
@example(b"\xff\xfe\x41", "roster.csv")  # UTF-16 cut in the middle of a character
@example(b"\xfe\xff\x00", "roster.csv")
@example(b"\x00\x00\x00", "roster.csv")
@example(b'"unclosed\n' * 3, "roster.csv")
@example(b"PK\x03\x04" + bytes(100), "roster.xlsx")
@example(b"\xd0\xcf\x11\xe0" + bytes(100), "roster.csv")
def test_read_sheet_reads_any_bytes_or_refuses_them(data: bytes, name: str) -> None:
    _sheet_or_refused(data, name)


@given(
    st.text(max_size=500),
    st.sampled_from(["utf-8", "utf-8-sig", "windows-1250", "windows-1251", "utf-16"]),
    st.sampled_from(["", "utf-8", "windows-1250", "windows-1251", "windows-1254"]),
)
@settings(max_examples=200)
@example("Matični broj;Ime\r\nRS-1;Đorđe\r\n", "windows-1250", "")
@example("Матични број;Име\r\nRS-1;Ђорђе\r\n", "windows-1251", "windows-1250")
def test_read_sheet_reads_any_text_in_any_encoding_or_refuses_it(
    text: str, codec: str, override: str
) -> None:
    data = text.encode(codec, errors="replace")
    _sheet_or_refused(data, "roster.csv", override)


@given(st.lists(st.lists(cell_text, min_size=1, max_size=8), min_size=1, max_size=6))
@settings(max_examples=60, deadline=None)
def test_read_sheet_reads_any_semicolon_csv(rows: list[list[str]]) -> None:
    data = "\r\n".join(";".join(row) for row in rows).encode("utf-8")
    _sheet_or_refused(data, "roster.csv")


@given(
    st.lists(st.lists(st.one_of(cell_text, st.integers(), st.floats(allow_nan=False),
                                st.dates(), st.none()), min_size=1, max_size=6), max_size=5)
)  # fmt: skip
@settings(max_examples=40, deadline=None)
def test_read_sheet_reads_any_workbook(rows: list[list[Any]]) -> None:
    _sheet_or_refused(xlsx_bytes(LATIN_HEADER, rows, serial_dates=False), "roster.xlsx")


def _sheet_part(cells: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats'
        f'.org/spreadsheetml/2006/main"><sheetData><row r="1">{cells}</row></sheetData>'
        "</worksheet>"
    ).encode()


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["", ' t="n"', ' t="s"', ' t="b"', ' t="e"', ' t="d"', ' t="str"']),
            st.sampled_from(["", ' s="0"', ' s="1"', ' s="99"']),
            st.one_of(
                st.from_regex(r"\A[0-9eE.+-]{1,12}\Z"),
                st.sampled_from(["1E999", "-1E999", "1" * 5000, "NaN", "INF", "twelve", "999"]),
                st.text(st.characters(codec="ascii", categories=("L", "N")), max_size=10),
            ),
        ),
        min_size=1,
        max_size=4,
    )
)
@settings(max_examples=60, deadline=None)
def test_read_sheet_reads_any_cell_a_workbook_may_claim(cells: list[tuple[str, str, str]]) -> None:
    # A hand-made or damaged workbook: cells of any type holding any value.
    xml = "".join(
        f'<c r="{"ABCD"[n]}1"{kind}{style}><v>{value}</v></c>'
        for n, (kind, style, value) in enumerate(cells)
    )
    data = repacked(xlsx_bytes(LATIN_HEADER, []), {"xl/worksheets/sheet1.xml": _sheet_part(xml)})
    _sheet_or_refused(data, "roster.xlsx")


@given(st.binary(min_size=1, max_size=400))
@settings(max_examples=60, deadline=None)
def test_read_sheet_reads_a_workbook_with_any_sheet_part(part: bytes) -> None:
    data = repacked(xlsx_bytes(LATIN_HEADER, []), {"xl/worksheets/sheet1.xml": part})
    _sheet_or_refused(data, "roster.xlsx")


def test_read_sheet_refuses_a_zip_with_a_workbook_part_only() -> None:
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(Refused):
        read_sheet(stream.getvalue(), "roster.xlsx", staff_imports.COLUMNS)


# Importing -------------------------------------------------------------------------------------


def _counts() -> tuple[int, int]:
    return StaffMember.objects.count(), AuditEvent.objects.count()


# A roster that is right but for a few cells: both outcomes are exercised.
roster_rows = st.lists(
    st.tuples(
        st.one_of(st.from_regex(r"\ARS-0[0-9]{2}\Z"), st.just("ME-001")),
        typed,
        typed,
        st.sampled_from(["RS prison", "rs probation office", "RS PRISON"]),
        st.sampled_from(["FLO", "PRO", "Front-line officer", "trs"]),
        st.one_of(
            st.dates(datetime.date(1970, 1, 1), datetime.date(2024, 12, 31)).map(
                lambda d: d.strftime("%d.%m.%Y")
            ),
            st.integers(25569, 45000),
        ),
    ),
    min_size=1,
    max_size=6,
)
wrong_cells = st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5), typed), max_size=2)


@pytest.mark.django_db
@given(roster_rows, wrong_cells, st.booleans())
@DB_SETTINGS
def test_a_roster_of_any_cells_is_imported_whole_or_not_at_all(
    world: World,
    rows: list[tuple[Any, ...]],
    wrong: list[tuple[int, int, str]],
    full: bool,
) -> None:
    cells = [list(row) for row in rows]
    for row, column, value in wrong:
        cells[row % len(cells)][column] = value
    sheet = Sheet(list(LATIN_HEADER), 1, [(n, row) for n, row in enumerate(cells, start=2)])
    before = _counts()
    try:
        outcome = staff_actions.import_staff(
            actor=SYSTEM, beneficiary=world["RS"].beneficiary, sheet=sheet, full=full
        )
    except RowsRefused as refused:
        event("refused")
        problems = refused.problems
        assert problems
        assert all(problem.reason for problem in problems)
        assert _counts() == before
    else:
        event("imported")
        assert outcome.created == StaffMember.objects.count() - before[0]


@pytest.mark.django_db
@given(
    st.lists(
        st.tuples(
            st.one_of(st.sampled_from(["RS-001", "RS-002", "ME-001", ""]), typed),
            st.one_of(st.sampled_from(["BA", "", "ba"]), typed),
            st.one_of(st.sampled_from(["RAD", "", "IDN"]), typed),
            st.one_of(st.sampled_from(["A", "", "B", "C"]), typed),
            dates,
            st.one_of(st.just(""), dates),
            st.one_of(
                st.sampled_from(["session", "manual", "prior learning", "E-learning"]), typed
            ),
            typed,
        ),
        min_size=1,
        max_size=5,
    )
)
@DB_SETTINGS
def test_evidence_of_any_cells_is_imported_whole_or_not_at_all(
    world: World, rows: list[tuple[str, ...]]
) -> None:
    header = ["Matični broj", "Modul", "Oblast", "Nivo", "Datum", "Važi do", "Izvor", "Napomena"]
    sheet = Sheet(header, 1, [(n, list(row)) for n, row in enumerate(rows, start=2)])
    before = evidence_imports.Completion.objects.count(), AuditEvent.objects.count()
    try:
        training_actions.import_completions(
            actor=SYSTEM, beneficiary=world["RS"].beneficiary, sheet=sheet
        )
        event("imported")
    except RowsRefused as refused:
        event("refused")
        problems = refused.problems
        assert all(problem.reason for problem in problems)
        assert (evidence_imports.Completion.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.django_db
@given(st.lists(st.tuples(typed, typed, typed), min_size=1, max_size=4))
@DB_SETTINGS
def test_a_roster_csv_of_any_cells_is_read_and_imported_or_refused(
    world: World, rows: list[tuple[str, str, str]]
) -> None:
    # Through the reader: given names, family names and categories as typed, quoted as needed.
    people = [
        [f"RS-{n}", given, family, "RS prison", category, "01.09.2021"]
        for n, (given, family, category) in enumerate(rows)
    ]
    stream = io.StringIO()
    csv.writer(stream, delimiter=";").writerows([LATIN_HEADER, *people])
    data = stream.getvalue().encode("utf-8")
    before = _counts()
    try:
        sheet = read_sheet(data, "roster.csv", staff_imports.COLUMNS)
        staff_actions.import_staff(actor=SYSTEM, beneficiary=world["RS"].beneficiary, sheet=sheet)
    except (Refused, RowsRefused):
        event("refused")
        assert _counts() == before
    else:
        event("imported")
        assert StaffMember.objects.filter(employee_number="RS-0").exists()
