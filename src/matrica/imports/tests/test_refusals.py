"""Every refusal of an import (issue 19): the whole file, or the rows, are refused with a message
that says what is wrong and what to do, and nothing is written: the registry's people, evidence
and audit trail stay exactly as they were."""

from __future__ import annotations

import datetime
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.http import Http404
from django.utils import timezone

from matrica.audit.models import AuditEvent
from matrica.imports.kinds import KINDS
from matrica.imports.tests.files import (
    LATIN_HEADER,
    csv_bytes,
    repacked,
    write,
    xlsx_bytes,
    zip_bomb,
)
from matrica.staff.models import StaffMember
from matrica.tabular import Problem, Refused, RowsRefused, read_sheet
from matrica.tenancy.models import Beneficiary
from matrica.tenancy.scoping import SYSTEM
from matrica.testing.world import World
from matrica.training.models import Completion

pytestmark = pytest.mark.django_db

EVIDENCE_HEADER = [
    "Matični broj",
    "Modul",
    "Oblast",
    "Nivo",
    "Datum",
    "Važi do",
    "Izvor",
    "Napomena",
]


def counts() -> tuple[int, int, int]:
    return StaffMember.objects.count(), Completion.objects.count(), AuditEvent.objects.count()


def person(number: str, **values: Any) -> list[Any]:
    row: dict[str, Any] = {
        "given": "Ana", "family": "Petrović", "institution": "RS prison", "category": "FLO",
        "entry": "01.09.2021",
    } | values  # fmt: skip
    return [number, row["given"], row["family"], row["institution"], row["category"], row["entry"]]


def evidence(number: str = "RS-001", **values: str) -> list[str]:
    row = {
        "module": "BA", "area": "", "level": "", "date": "15.03.2022", "valid": "",
        "source": "session", "note": "",
    } | values  # fmt: skip
    return [
        number,
        *(row[k] for k in ("module", "area", "level", "date", "valid", "source", "note")),
    ]


def run(
    kind: str,
    data: bytes,
    name: str = "roster.csv",
    *,
    actor: Any = SYSTEM,
    beneficiary: str = "RS",
    encoding: str = "",
    **options: Any,
) -> Any:
    sheet = read_sheet(data, name, KINDS[kind].columns, encoding=encoding)
    return KINDS[kind].run(
        actor=actor, beneficiary=Beneficiary.objects.get(code=beneficiary), sheet=sheet, **options
    )


def refused_rows(kind: str, data: bytes, name: str = "roster.csv", **options: Any) -> list[Problem]:
    """The problems of a refused import, after checking that nothing was written."""
    before = counts()
    with pytest.raises(RowsRefused) as refused:
        run(kind, data, name, **options)
    assert counts() == before
    return refused.value.problems


def refused_file(data: bytes, name: str = "roster.csv", **options: Any) -> str:
    """The message of a file refused as a whole, after checking that nothing was written."""
    before = counts()
    with pytest.raises(Refused) as refused:
        run("staff", data, name, **options)
    assert counts() == before
    return refused.value.message


def roster_csv(*rows: list[str], header: list[str] = LATIN_HEADER) -> bytes:
    return csv_bytes(header, rows, encoding="utf-8")


def evidence_csv(*rows: list[str]) -> bytes:
    return csv_bytes(EVIDENCE_HEADER, rows, encoding="utf-8")


def workbook() -> bytes:
    return xlsx_bytes(LATIN_HEADER, [person("RS-100", entry=datetime.date(2021, 9, 1))])


# The file as a whole -------------------------------------------------------------------------


def test_a_windows_1250_file_read_as_utf8_is_refused(world: World) -> None:
    data = csv_bytes(
        LATIN_HEADER, [person("RS-100", given="Đurđa", family="Šćekić")], encoding="windows-1250"
    )

    message = refused_file(data, encoding="utf-8")

    assert "not valid UTF-8" in message
    assert "encoding" in message


def test_a_utf16_file_without_byte_order_mark_is_refused(world: World) -> None:
    data = ";".join(LATIN_HEADER).encode("utf-16-le")

    assert "does not read as text" in refused_file(data)


def test_a_truncated_utf16_file_is_refused(world: World) -> None:
    data = b"\xff\xfe" + ";".join(LATIN_HEADER).encode("utf-16-le") + b"\x00"

    assert "encoding" in refused_file(data)


def test_a_binary_file_is_refused(world: World) -> None:
    assert "encoding" in refused_file(bytes(range(256)) * 8, "roster.csv")


def test_an_unknown_encoding_override_is_refused(world: World) -> None:
    assert "Unknown encoding" in refused_file(roster_csv(person("RS-100")), encoding="latin-9")


def test_a_file_over_the_size_limit_is_refused(world: World, settings: Any) -> None:
    settings.MATRICA_IMPORT_MAX_MB = 1
    rows = [person(f"RS-{n:06d}") for n in range(24_000)]
    data = roster_csv(*rows)
    assert 1.1 * 1024 * 1024 <= len(data) < 1.3 * 1024 * 1024

    message = refused_file(data)

    assert "larger than 1 MB" in message
    assert "MATRICA_IMPORT_MAX_MB" in message


def test_random_bytes_named_xlsx_are_refused(world: World) -> None:
    data = bytes(range(1, 256)) * 40

    assert "not an XLSX workbook" in refused_file(data, "roster.xlsx")


def test_an_old_excel_97_file_is_refused(world: World) -> None:
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4000)

    message = refused_file(data, "roster.xls")

    assert "not an XLSX workbook" in message
    assert "Excel Workbook (.xlsx)" in message


def test_an_old_excel_file_renamed_csv_is_refused(world: World) -> None:
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4000)

    assert "not an XLSX workbook" in refused_file(data, "roster.csv")


def test_a_zip_that_is_not_a_workbook_is_refused(world: World) -> None:
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as archive:
        archive.writestr("roster.csv", ";".join(LATIN_HEADER))

    assert "zip archive but not an XLSX workbook" in refused_file(stream.getvalue(), "r.xlsx")


def test_a_damaged_zip_is_refused(world: World) -> None:
    data = workbook()[: len(workbook()) // 2]

    assert "damaged" in refused_file(data, "roster.xlsx")


def test_a_workbook_whose_sheet_is_not_xml_is_refused(world: World) -> None:
    data = repacked(workbook(), {"xl/worksheets/sheet1.xml": b"<worksheet><sheetData><row"})

    assert "damaged" in refused_file(data, "roster.xlsx")


def test_a_workbook_with_a_number_cell_that_is_not_a_number_is_refused(world: World) -> None:
    sheet = (
        b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1"><v>twelve</v></c></row>'
        b"</sheetData></worksheet>"
    )
    data = repacked(workbook(), {"xl/worksheets/sheet1.xml": sheet})

    assert "damaged" in refused_file(data, "roster.xlsx")


def test_a_workbook_with_xml_entities_is_refused(world: World) -> None:
    # The "billion laughs": entities that expand to gigabytes when the XML is parsed.
    sheet = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row>'
        b"</sheetData></worksheet>"
    )
    data = repacked(workbook(), {"xl/worksheets/sheet1.xml": sheet})

    assert "damaged" in refused_file(data, "roster.xlsx")


def test_a_zip_bomb_is_refused_before_it_is_unpacked(world: World) -> None:
    data = zip_bomb(workbook(), megabytes=300)
    assert len(data) < 2 * 1024 * 1024

    message = refused_file(data, "roster.xlsx")

    assert "would unpack to far more than its size" in message


def test_a_workbook_with_a_macro_is_refused(world: World) -> None:
    data = repacked(workbook(), {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + bytes(512)})

    assert "contains macros" in refused_file(data, "roster.xlsm")


def test_a_workbook_with_an_external_link_is_refused(world: World) -> None:
    link = (
        b'<?xml version="1.0"?><externalLink xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main"><externalBook/></externalLink>'
    )
    data = repacked(workbook(), {"xl/externalLinks/externalLink1.xml": link})

    assert "links to other files" in refused_file(data, "roster.xlsx")


def test_the_command_says_why_a_file_is_refused_and_that_nothing_was_imported(
    world: World, tmp_path: Path
) -> None:
    path = write(tmp_path, "roster.xlsx", repacked(workbook(), {"xl/vbaProject.bin": b"x"}))
    before = counts()

    with pytest.raises(CommandError) as refused:
        call_command("import", "staff", str(path), "--beneficiary", "RS", verbosity=0)

    assert "contains macros" in str(refused.value)
    assert "Nothing was imported" in str(refused.value)
    assert counts() == before


# Rows of the roster ----------------------------------------------------------------------------


def test_a_missing_required_column_is_named(world: World) -> None:
    header = LATIN_HEADER[:5]
    data = csv_bytes(header, [person("RS-100")[:5]], encoding="utf-8")

    problems = refused_rows("staff", data)

    assert problems == [Problem(None, "Entry into post", "", "No column of the file holds this.")]


def test_duplicate_employee_numbers_name_both_rows(world: World) -> None:
    data = roster_csv(person("RS-100"), person("RS-101"), person("RS-100", given="Jelena"))

    problems = refused_rows("staff", data)

    assert problems == [
        Problem(4, "Matični broj", "RS-100", "The same employee number is in row 2.")
    ]


def test_a_future_entry_date_is_refused(world: World) -> None:
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).strftime("%d.%m.%Y")
    data = roster_csv(person("RS-100"), person("RS-101", entry=tomorrow))

    problems = refused_rows("staff", data)

    assert problems == [Problem(3, "Datum zaposlenja", tomorrow, "The date is in the future.")]


def test_an_impossible_date_is_refused_not_moved_to_march(world: World) -> None:
    data = roster_csv(person("RS-100", entry="31.02.2021"))

    (problem,) = refused_rows("staff", data)

    assert (problem.row, problem.column, problem.value) == (2, "Datum zaposlenja", "31.02.2021")
    assert "There is no such day" in problem.reason


def test_a_text_that_is_not_a_date_is_refused(world: World) -> None:
    (problem,) = refused_rows("staff", roster_csv(person("RS-100", entry="September 2021")))

    assert "Write dates as dd.mm.yyyy" in problem.reason


def test_an_unknown_institution_is_refused(world: World) -> None:
    data = roster_csv(person("RS-100", institution="Central Prison of Atlantis"))

    problems = refused_rows("staff", data)

    assert problems == [
        Problem(
            2, "Ustanova", "Central Prison of Atlantis",
            "No institution of this administration has this name.",
        )
    ]  # fmt: skip


def test_another_administrations_institution_is_unknown(world: World) -> None:
    (problem,) = refused_rows("staff", roster_csv(person("RS-100", institution="ME prison")))

    assert problem.column == "Ustanova"
    assert problem.reason == "No institution of this administration has this name."


def test_an_unknown_category_is_refused(world: World) -> None:
    (problem,) = refused_rows("staff", roster_csv(person("RS-100", category="Astronaut")))

    assert (problem.column, problem.value) == ("Kategorija", "Astronaut")
    assert "Not a staff category" in problem.reason


def test_every_wrong_row_is_reported_and_none_is_written(world: World) -> None:
    data = roster_csv(
        person("RS-100"),
        person("RS-101", institution="Nowhere"),
        person("RS-102"),
        person("", entry="32.01.2020"),
    )

    problems = refused_rows("staff", data)

    assert [(p.row, p.column) for p in problems] == [
        (3, "Ustanova"), (5, "Datum zaposlenja"), (5, "Matični broj"),
    ]  # fmt: skip
    assert not StaffMember.objects.filter(employee_number__in=["RS-100", "RS-102"]).exists()


def test_problem_rows_are_numbered_as_the_spreadsheet_shows_them(world: World) -> None:
    # A merged title row above the header, and an empty row among the people.
    rows: list[list[Any]] = [
        person("RS-100", entry=datetime.date(2021, 9, 1)),
        [None] * 6,
        person("RS-101", institution="Nowhere", entry=datetime.date(2021, 9, 1)),
    ]
    data = xlsx_bytes(LATIN_HEADER, rows, title="Spisak zaposlenih 2024")

    problems = refused_rows("staff", data, "roster.xlsx")

    assert problems == [
        Problem(5, "Ustanova", "Nowhere", "No institution of this administration has this name.")
    ]


def test_the_command_names_the_rows_and_writes_the_problems_file(
    world: World, tmp_path: Path
) -> None:
    path = write(tmp_path, "roster.csv", roster_csv(person("RS-100", entry="31.02.2021")))
    report = tmp_path / "problems.csv"
    before = counts()

    with pytest.raises(CommandError) as refused:
        call_command(
            "import", "staff", str(path), "--beneficiary", "RS", "--problems", str(report),
            stderr=io.StringIO(), verbosity=0,
        )  # fmt: skip

    assert "1 problems in rows 2. Nothing was imported." in str(refused.value)
    lines = report.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "row,column,value,reason"
    assert lines[1].startswith("2,Datum zaposlenja,31.02.2021,There is no such day")
    assert counts() == before


# Rows of past evidence -------------------------------------------------------------------------


def test_evidence_for_an_unknown_employee_number_is_refused(world: World) -> None:
    (problem,) = refused_rows("completions", evidence_csv(evidence("RS-999")))

    assert problem == Problem(
        2, "Matični broj", "RS-999", "No one of this administration has this employee number."
    )


def test_evidence_for_another_administrations_person_is_refused(world: World) -> None:
    (problem,) = refused_rows("completions", evidence_csv(evidence("ME-001")))

    assert problem.reason == "No one of this administration has this employee number."


def test_evidence_for_an_unknown_module_is_refused(world: World) -> None:
    (problem,) = refused_rows("completions", evidence_csv(evidence(module="Underwater welding")))

    assert problem == Problem(
        2, "Modul", "Underwater welding", "No module of the matrix has this code or title."
    )


def test_evidence_without_module_nor_area_and_level_is_refused(world: World) -> None:
    (problem,) = refused_rows("completions", evidence_csv(evidence(module="")))

    assert (problem.row, problem.column) == (2, "Modul")
    assert problem.reason == "Give a module, or a competency area and a level."


def test_evidence_with_an_area_but_an_unknown_level_is_refused(world: World) -> None:
    (problem,) = refused_rows(
        "completions",
        evidence_csv(evidence(module="", area="RAD", level="Z", source="manual", note="HR file")),
    )

    assert (problem.column, problem.value) == ("Nivo", "Z")
    assert problem.reason == "No level has this code or title."


def test_manual_evidence_without_a_note_is_refused(world: World) -> None:
    (problem,) = refused_rows(
        "completions", evidence_csv(evidence(module="", area="RAD", level="A", source="manual"))
    )

    assert (problem.row, problem.column, problem.value) == (2, "Napomena", "")
    assert "must say why it is accepted" in problem.reason


def test_session_evidence_without_its_module_is_refused(world: World) -> None:
    row = evidence(module="", area="RAD", level="A", source="session")

    (problem,) = refused_rows("completions", evidence_csv(row))

    assert (problem.row, problem.column) == (2, "Modul")
    assert "which module" in problem.reason


def test_evidence_valid_until_before_its_completion_is_refused(world: World) -> None:
    row = evidence(
        module="", area="RAD", level="A", date="15.03.2022", valid="01.03.2022",
        source="manual", note="Paper register",
    )  # fmt: skip

    (problem,) = refused_rows("completions", evidence_csv(row))

    assert problem == Problem(
        2, "Važi do", "01.03.2022", "Evidence must be valid after the day it was completed."
    )


def test_module_evidence_valid_until_before_its_completion_is_refused(world: World) -> None:
    row = evidence(module="BA", date="15.03.2022", valid="15.03.2022")

    problems = refused_rows("completions", evidence_csv(row))

    assert set(problems) == {
        Problem(
            2, "Važi do", "15.03.2022", "Evidence must be valid after the day it was completed."
        )
    }


def test_evidence_dated_in_the_future_is_refused(world: World) -> None:
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).strftime("%d.%m.%Y")

    (problem,) = refused_rows("completions", evidence_csv(evidence(date=tomorrow)))

    assert (problem.column, problem.reason) == ("Datum", "Evidence cannot be dated in the future.")


def test_one_wrong_evidence_row_keeps_the_good_ones_out(world: World) -> None:
    data = evidence_csv(evidence("RS-001"), evidence("RS-002", date="31.02.2021"))

    problems = refused_rows("completions", data)

    assert [(p.row, p.column) for p in problems] == [(3, "Datum")]
    assert not Completion.objects.exists()


# Who may import --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["staff", "completions"])
@pytest.mark.parametrize("role", ["trainer", "staff", "institution_manager"])
def test_roles_without_the_verb_cannot_import(world: World, kind: str, role: str) -> None:
    data = roster_csv(person("RS-100")) if kind == "staff" else evidence_csv(evidence())
    before = counts()

    with pytest.raises(PermissionDenied):
        run(kind, data, actor=world["RS"].users[role])

    assert counts() == before


@pytest.mark.parametrize("kind", ["staff", "completions"])
def test_the_coordinator_cannot_import_into_an_administration(world: World, kind: str) -> None:
    # The coordinator keeps the common matrix: people and evidence are the administrations'.
    data = roster_csv(person("RS-100")) if kind == "staff" else evidence_csv(evidence())
    before = counts()

    with pytest.raises(PermissionDenied):
        run(kind, data, actor=world.coordinator)

    assert counts() == before


@pytest.mark.parametrize("kind", ["staff", "completions"])
@pytest.mark.parametrize("role", ["national_admin", "training_manager"])
def test_an_administration_cannot_import_into_another(world: World, kind: str, role: str) -> None:
    data = (
        roster_csv(person("ME-100", institution="ME prison"))
        if kind == "staff"
        else evidence_csv(evidence("ME-001"))
    )
    before = counts()

    with pytest.raises(Http404):
        run(kind, data, actor=world["RS"].users[role], beneficiary="ME")

    assert counts() == before


@pytest.mark.parametrize("role", ["national_admin", "training_manager"])
def test_national_roles_import_into_their_own_administration(world: World, role: str) -> None:
    outcome = run("staff", roster_csv(person("RS-100")), actor=world["RS"].users[role])

    assert outcome.created == 1
    assert StaffMember.objects.get(employee_number="RS-100").institution == world["RS"].prison


def test_an_email_longer_than_the_registry_keeps_is_refused(world: World) -> None:
    # Valid by the address rules (up to 320 characters), too long for the email field (254).
    email = "a" * 64 + "@" + ".".join(["b" * 63, "c" * 63, "d" * 63]) + ".rs"
    header = [*LATIN_HEADER, "E-mail"]

    (problem,) = refused_rows(
        "staff", csv_bytes(header, [[*person("RS-100"), email]], encoding="utf-8")
    )

    assert (problem.row, problem.column) == (2, "E-mail")
