"""Importing a staff roster as administrations keep it (issue 19): the files HR offices save,
upserts by employee number, re-runs that change nothing, the whole-roster mode, the audit trail
and the compliance figures that follow."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command

from matrica.audit.models import AuditEvent
from matrica.audit.services import snapshot
from matrica.imports.tests.files import (
    CYRILLIC_HEADER,
    LATIN_HEADER,
    csv_bytes,
    write,
    xlsx_bytes,
)
from matrica.staff.actions import import_staff
from matrica.staff.imports import COLUMNS
from matrica.staff.models import StaffMember
from matrica.tabular import read_sheet
from matrica.testing.world import World

pytestmark = pytest.mark.django_db

LATIN_ROWS = [
    ["RS-100", "Đurđa", "Šćekić", "RS prison", "FLO", "01.09.2021"],
    ["RS-101", "Čedomir", "Žižić", "rs PRISON", "Front-line custodial officers", "1.2.2019."],
    ["RS-102", "Ljiljana", "Njegoš", "RS probation office", "pro", "2018-03-15"],
]


def staff_sheet(data: bytes, name: str = "roster.csv", **options: str):
    return read_sheet(data, name, COLUMNS, **options)


def run(world: World, data: bytes, name: str = "roster.csv", **options):
    return import_staff(
        actor=world["RS"].users["national_admin"], beneficiary=world["RS"].beneficiary,
        sheet=staff_sheet(data, name), source=name, **options,
    )  # fmt: skip


def test_a_semicolon_csv_in_windows_1250_with_local_dates_comes_in_whole(world: World) -> None:
    data = csv_bytes(LATIN_HEADER, LATIN_ROWS, encoding="cp1250")
    sheet = staff_sheet(data)
    assert sheet.encoding == "windows-1250"

    outcome = run(world, data)

    assert (outcome.created, outcome.updated, outcome.unchanged) == (3, 0, 0)
    durda = StaffMember.objects.get(employee_number="RS-100")
    assert (durda.given_name, durda.family_name) == ("Đurđa", "Šćekić")
    assert durda.entry_date == datetime.date(2021, 9, 1)
    assert durda.institution == world["RS"].prison
    cedomir = StaffMember.objects.get(employee_number="RS-101")
    assert cedomir.entry_date == datetime.date(2019, 2, 1)
    assert cedomir.primary_category.code == "FLO"
    ljiljana = StaffMember.objects.get(employee_number="RS-102")
    assert ljiljana.institution == world["RS"].probation
    assert ljiljana.primary_category.code == "PRO"
    # Each new person is on the trail as `record` would have written them.
    event = AuditEvent.objects.get(object_id=str(durda.pk), action=AuditEvent.Action.CREATE)
    assert event.after == snapshot(durda)
    assert event.object_repr == "Đurđa Šćekić"
    assert event.beneficiary_id == world["RS"].beneficiary.pk
    assert "roster.csv" in event.message
    # Found by search without diacritics, as people type.
    assert StaffMember.objects.filter(search_text__contains="scekic").count() == 1


def test_a_short_windows_1250_file_is_not_taken_for_turkish(world: World) -> None:
    # Two rows give a detector little to go on; the header settles it.
    data = csv_bytes(LATIN_HEADER, [LATIN_ROWS[0]], encoding="cp1250")
    assert staff_sheet(data).encoding == "windows-1250"
    run(world, data)
    assert StaffMember.objects.get(employee_number="RS-100").family_name == "Šćekić"


def test_a_cyrillic_csv_in_windows_1251_is_read_with_its_cyrillic_headers(world: World) -> None:
    rows = [
        ["RS-200", "Ђорђе", "Ђурић", "RS prison", "Припадници службе за обезбеђење", "05.05.2020"],
        [
            "RS-201",
            "Љубица",
            "Њежић",
            "RS probation office",
            "Повереници за пробацију",
            "6.6.2016.",
        ],
    ]
    data = csv_bytes(CYRILLIC_HEADER, rows, encoding="cp1251")
    assert staff_sheet(data).encoding == "windows-1251"

    outcome = run(world, data)

    assert outcome.created == 2
    djordje = StaffMember.objects.get(employee_number="RS-200")
    assert djordje.full_name == "Ђорђе Ђурић"
    assert djordje.primary_category.code == "FLO"
    assert StaffMember.objects.get(employee_number="RS-201").primary_category.code == "PRO"


def test_an_xlsx_with_a_merged_title_row_and_excel_date_serials(world: World) -> None:
    rows = [
        ["RS-300", "İlknur", "Işık", "RS prison", "FLO", datetime.date(2020, 1, 31)],
        ["RS-301", "Gëzim", "Çela", "RS prison", "TRS", datetime.date(2017, 12, 1)],
    ]
    data = xlsx_bytes(LATIN_HEADER, rows, title="Spisak zaposlenih, stanje na dan 30.11.2026")
    sheet = staff_sheet(data, "roster.xlsx")
    assert (sheet.file_format, sheet.header_row) == ("xlsx", 2)

    outcome = run(world, data, "roster.xlsx")

    assert outcome.created == 2
    ilknur = StaffMember.objects.get(employee_number="RS-300")
    assert ilknur.full_name == "İlknur Işık"
    assert ilknur.entry_date == datetime.date(2020, 1, 31)
    assert StaffMember.objects.get(employee_number="RS-301").entry_date == datetime.date(
        2017, 12, 1
    )


def test_date_cells_of_an_xlsx_are_read_as_dates(world: World) -> None:
    rows = [["RS-310", "Ana", "Anić", "RS prison", "FLO", datetime.date(2015, 2, 28)]]
    run(world, xlsx_bytes(LATIN_HEADER, rows, serial_dates=False), "roster.xlsx")
    assert StaffMember.objects.get(employee_number="RS-310").entry_date == datetime.date(
        2015, 2, 28
    )


def test_running_the_same_file_again_changes_nothing_and_says_so(world: World) -> None:
    data = csv_bytes(LATIN_HEADER, LATIN_ROWS, encoding="cp1250")
    run(world, data)
    people, events = StaffMember.objects.count(), AuditEvent.objects.count()

    again = run(world, data)

    assert not again.changes_anything
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert (StaffMember.objects.count(), AuditEvent.objects.count()) == (people, events)


def test_a_changed_row_updates_the_person_and_the_trail_says_what_changed(world: World) -> None:
    run(world, csv_bytes(LATIN_HEADER, LATIN_ROWS, encoding="cp1250"))
    changed = [list(row) for row in LATIN_ROWS]
    changed[0][2] = "Šćekić-Marić"
    changed[0][3] = "RS probation office"

    outcome = run(world, csv_bytes(LATIN_HEADER, changed, encoding="cp1250"), "roster-2.csv")

    assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 1, 2)
    durda = StaffMember.objects.get(employee_number="RS-100")
    assert (durda.family_name, durda.institution) == ("Šćekić-Marić", world["RS"].probation)
    event = AuditEvent.objects.filter(object_id=str(durda.pk)).latest("pk")
    assert event.action == AuditEvent.Action.UPDATE
    assert event.before["family_name"] == "Šćekić"
    assert event.after["family_name"] == "Šćekić-Marić"
    assert event.user == world["RS"].users["national_admin"]
    assert "roster-2.csv" in event.message


def test_people_already_in_the_registry_are_matched_by_employee_number(world: World) -> None:
    known = world["RS"].people[1]  # Milica Đorđević, RS-002
    row = [
        "RS-002",
        "Milica",
        "Đorđević",
        "RS prison",
        "TRS",
        known.entry_date.strftime("%d.%m.%Y"),
    ]

    outcome = run(world, csv_bytes(LATIN_HEADER, [row], encoding="utf-8"))

    assert (outcome.created, outcome.unchanged) == (0, 1)


def test_the_whole_roster_mode_records_who_is_missing_as_having_left_never_deleting(
    world: World,
) -> None:
    run(world, csv_bytes(LATIN_HEADER, LATIN_ROWS, encoding="cp1250"))
    everyone = StaffMember.objects.filter(beneficiary=world["RS"].beneficiary).count()
    shorter = LATIN_ROWS[1:]
    today = datetime.date.today()

    dry = run(world, csv_bytes(LATIN_HEADER, shorter, encoding="cp1250"), full=True, dry_run=True)
    assert dry.left == 4  # the three people of the test world and Đurđa
    assert StaffMember.objects.filter(active=False).count() == 0

    outcome = run(world, csv_bytes(LATIN_HEADER, shorter, encoding="cp1250"), full=True)

    assert outcome.left == 4
    assert StaffMember.objects.filter(beneficiary=world["RS"].beneficiary).count() == everyone
    durda = StaffMember.objects.get(employee_number="RS-100")
    assert (durda.active, durda.leaving_date) == (False, today)
    # Another administration's people are never touched.
    assert not StaffMember.objects.filter(beneficiary=world["ME"].beneficiary, active=False)

    back = run(world, csv_bytes(LATIN_HEADER, LATIN_ROWS, encoding="cp1250"))
    assert back.reinstated == 1
    durda.refresh_from_db()
    assert (durda.active, durda.leaving_date) == (True, None)


def test_without_the_whole_roster_mode_nobody_leaves(world: World) -> None:
    outcome = run(world, csv_bytes(LATIN_HEADER, LATIN_ROWS[:1], encoding="utf-8"))
    assert outcome.left == 0
    assert not StaffMember.objects.filter(active=False).exists()


def test_a_dry_run_writes_nothing(world: World) -> None:
    events = AuditEvent.objects.count()
    outcome = run(world, csv_bytes(LATIN_HEADER, LATIN_ROWS, encoding="utf-8"), dry_run=True)
    assert outcome.created == 3
    assert not StaffMember.objects.filter(employee_number__in=["RS-100", "RS-101"]).exists()
    assert AuditEvent.objects.count() == events


def test_a_header_in_another_language_is_read_through_the_mapping(world: World) -> None:
    header = ["Radnik br.", *LATIN_HEADER[1:]]
    data = csv_bytes(header, LATIN_ROWS, encoding="utf-8")
    outcome = run(world, data, mapping={"Radnik br.": "employee_number"})
    assert outcome.created == 3


def test_optional_email_and_language_columns(world: World) -> None:
    header = [*LATIN_HEADER, "E-pošta", "Jezik"]
    rows = [[*LATIN_ROWS[0], "Djurdja@Example.org", "sr-latn"]]
    run(world, csv_bytes(header, rows, encoding="utf-8"))
    durda = StaffMember.objects.get(employee_number="RS-100")
    assert (durda.email, durda.preferred_language) == ("djurdja@example.org", "sr-latn")


def test_the_command_imports_a_file_and_a_rerun_says_nothing_changes(
    world: World,
    tmp_path,
    capsys,
) -> None:
    path = write(tmp_path, "roster.csv", csv_bytes(LATIN_HEADER, LATIN_ROWS, encoding="cp1250"))

    call_command("import", "staff", str(path), beneficiary="rs", verbosity=0)
    first = capsys.readouterr().out
    call_command("import", "staff", str(path), beneficiary="RS", verbosity=0)
    second = capsys.readouterr().out

    assert "imported" in first
    assert "3 created" in first
    assert "windows-1250" in first
    assert "Nothing to change" in second
    assert StaffMember.objects.filter(employee_number__startswith="RS-10").count() == 3


def test_a_whole_roster_import_reaches_the_compliance_figures(world: World) -> None:
    from matrica.compliance.models import PersonStatus
    from matrica.compliance.services import refresh_all

    refresh_all()
    run(world, csv_bytes(LATIN_HEADER, LATIN_ROWS, encoding="utf-8"))
    newcomers = StaffMember.objects.filter(employee_number__in=["RS-100", "RS-101", "RS-102"])
    assert PersonStatus.objects.filter(staff_member__in=newcomers).count() == 3
