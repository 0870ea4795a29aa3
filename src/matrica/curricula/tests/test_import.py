"""Importing an inventory (`matrica import curriculum`, the import page): a workbook as a
training centre keeps it, all rows or none, every problem with its row, and a re-run that
changes nothing."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from matrica.audit.models import AuditEvent
from matrica.curricula import imports
from matrica.curricula.models import Course
from matrica.imports.models import ImportRun
from matrica.tabular import RowsRefused, Sheet, _known, layout, read_sheet
from matrica.testing.world import login_as

from .conftest import add_course, cell

pytestmark = pytest.mark.django_db

CYRILLIC = ["Шифра курса", "Назив курса", "Врста обуке", "Циљне групе", "Укупно часова",
            "Теме", "Област", "Категорија", "Ниво", "Часова у области"]  # fmt: skip
TITLE = "Програм обуке Управе за извршење кривичних санкција, 2026."
ROWS: list[list[Any]] = [
    ["POC-1", "Почетна обука за припаднике службе за обезбеђење", "почетна обука", "FLO", 120,
     "Радикализација; динамичка безбедност", "RAD", "FLO", "A", 8],
    [None, None, None, None, None, None, "DYN", "FLO", "P", 24],
    [None, None, None, None, None, None, "COM", "FLO", "P", 16],
    ["TRT-2", "Рад са осуђеним лицима за насилни екстремизам", "Specijalistička obuka",
     "TRS, PRO", 40, "", "RSK", "TRS", "S", 24],
    ["TRT-2", None, None, None, None, None, "INT", "PRO", "P", 16],
]  # fmt: skip


def workbook(rows: Sequence[Sequence[Any]], header: Sequence[str] = CYRILLIC) -> bytes:
    """The inventory as a training centre keeps it: a title merged over the columns, the
    course's own columns merged down its rows."""
    book = Workbook()
    sheet = book.active
    sheet.append([TITLE])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    sheet.merge_cells("A3:A5")
    sheet.merge_cells("B3:B5")
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def run(world, data: bytes, *, dry_run: bool = False, who: str = "national_admin"):
    sheet = read_sheet(data, "program.xlsx", imports.COLUMNS)
    return imports.import_courses(
        actor=world["RS"].users[who], beneficiary=world["RS"].beneficiary, sheet=sheet,
        dry_run=dry_run, source="program.xlsx",
    )  # fmt: skip


def problems(world, rows: Sequence[Sequence[Any]]) -> list[tuple[int | None, str, str]]:
    with pytest.raises(RowsRefused) as refusal:
        run(world, workbook(rows))
    assert not Course.objects.exists()
    return [(p.row, p.column, p.reason) for p in refusal.value.problems]


def test_every_known_header_names_one_column():
    seen: dict[str, str] = {}
    for column in imports.COLUMNS:
        for key, target in _known([column]).items():
            assert seen.setdefault(key, target) == target, key


def test_a_workbook_with_cyrillic_headers_and_merged_cells_is_imported(world):
    outcome = run(world, workbook(ROWS))
    assert outcome.counts() == {"rows": 5, "created": 2, "changed": 0, "unchanged": 0}
    initial = Course.objects.get(code="POC-1")
    assert initial.beneficiary == world["RS"].beneficiary
    assert initial.kind == Course.Kind.INITIAL
    assert initial.hours == 120
    assert initial.topics == "Радикализација; динамичка безбедност"
    assert [(c.area.code, c.level.code, c.hours) for c in initial.coverage.all()] == [
        ("RAD", "A", 8), ("DYN", "P", 24), ("COM", "P", 16),
    ]  # fmt: skip
    specialised = Course.objects.get(code="TRT-2")
    assert specialised.kind == Course.Kind.SPECIALISED
    assert sorted(c.code for c in specialised.target_categories.all()) == ["PRO", "TRS"]
    assert AuditEvent.objects.filter(message="Imported (program.xlsx)").count() == 7


def test_a_dry_run_says_what_it_would_do_and_writes_nothing(world):
    outcome = run(world, workbook(ROWS), dry_run=True)
    assert outcome.counts()["created"] == 2
    assert not Course.objects.exists()


def test_the_same_file_again_changes_nothing(world):
    run(world, workbook(ROWS))
    events = AuditEvent.objects.count()
    outcome = run(world, workbook(ROWS))
    assert outcome.counts() == {"rows": 5, "created": 0, "changed": 0, "unchanged": 2}
    assert not outcome.changes_anything
    assert AuditEvent.objects.count() == events


def test_a_known_course_is_changed_to_what_the_file_says(world):
    add_course(world, "RS", code="POC-1", title="Stari naziv", hours=100,
               cells=[cell("REP", "FLO", "A", 4)])  # fmt: skip
    other = add_course(world, "RS", code="OTHER")
    outcome = run(world, workbook(ROWS))
    assert outcome.counts() == {"rows": 5, "created": 1, "changed": 1, "unchanged": 0}
    course = Course.objects.get(code="POC-1")
    assert course.hours == 120
    assert {c.area.code for c in course.coverage.all()} == {"RAD", "DYN", "COM"}
    assert Course.objects.filter(pk=other.pk).exists()  # not in the file: left as it was


def test_row_problems_are_listed_and_nothing_is_written(world):
    rows = [list(row) for row in ROWS]
    rows[0][2] = "obuka za pse"  # no such kind
    rows[1][9] = 200  # more than the course's 120 hours
    rows[2][6] = "DYN"  # DYN × FLO twice
    rows[3][3] = "TRS, XYZ"  # an unknown target group
    rows[4][8] = "Q"  # no such level
    found = problems(world, rows)
    assert (3, "Врста обуке", "Not a kind of training (initial, in-service, specialised).") in found
    assert (4, "Часова у области", "More hours than the whole course (120).") in found
    assert (5, "Област", "This course's cell DYN × FLO is in row 4 already.") in found
    assert (6, "Циљне групе", "No staff category has the code or title “XYZ”.") in found
    assert (7, "Ниво", "No level has this code or title.") in found


def test_a_course_given_two_ways_is_refused(world):
    rows = [list(row) for row in ROWS]
    rows[4][4] = 60  # TRT-2's hours: 40 in row 6
    found = problems(world, rows)
    assert (7, "Укупно часова", "Row 6 gives this course “40” here.") in found


def test_a_half_given_cell_and_a_course_without_hours(world):
    rows = [["X-1", "Kurs", "initial", "FLO", None, "", "RAD", "", "A", 4]]
    found = problems(world, rows)
    assert (3, "Категорија", "Give the cell's area, staff category, level and hours.") in found
    assert any(p[1] == "Укупно часова" and "on one of its rows" in p[2] for p in found)


def test_a_missing_column_is_named(world):
    header = [h for h in CYRILLIC if h != "Ниво"]
    with pytest.raises(RowsRefused) as refusal:
        run(world, workbook([row[:8] + row[9:] for row in ROWS], header))
    assert [(p.row, p.column) for p in refusal.value.problems] == [(None, "Level")]


def test_only_those_who_keep_the_inventory_may_import(world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        run(world, workbook(ROWS), who="institution_manager")


def test_the_command_imports_and_a_rerun_says_nothing_to_change(world, tmp_path, capsys):
    path = tmp_path / "program.xlsx"
    path.write_bytes(workbook(ROWS))
    call_command("import", "curriculum", str(path), beneficiary="rs", verbosity=0)
    first = capsys.readouterr().out
    call_command("import", "curriculum", str(path), beneficiary="RS", verbosity=0)
    second = capsys.readouterr().out
    assert "imported" in first
    assert "2 created" in first
    assert "Nothing to change" in second
    rows = [list(row) for row in ROWS]
    rows[0][4] = "sto"
    path.write_bytes(workbook(rows))
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import", "curriculum", str(path), beneficiary="RS", verbosity=0)


def test_the_upload_page_checks_and_imports_an_inventory(client, world):
    login_as(client, world, "RS:training_manager")
    response = client.post(reverse("imports:upload"), {
        "kind": "curriculum", "encoding": "",
        "file": SimpleUploadedFile("program.xlsx", workbook(ROWS)),
    })  # fmt: skip
    import_run = ImportRun.objects.get()
    assert response["Location"] == reverse("imports:run", args=[import_run.pk])
    page = client.get(response["Location"]).content.decode()
    assert "2 new courses" in page
    client.post(reverse("imports:apply", args=[import_run.pk]))
    assert Course.objects.count() == 2
    assert "See the curriculum inventory" in client.get(response["Location"]).content.decode()


def test_the_empty_template_comes_back_recognised(client, world):
    login_as(client, world, "RS:national_admin")
    client.post(reverse("set_language"), {"language": "sr-latn"})
    response = client.get(reverse("imports:template", args=["curriculum", "xlsx"]))
    assert response.status_code == 200
    header = [c.value for c in next(load_workbook(io.BytesIO(response.content)).active.rows)]
    assert len(header) == len(imports.COLUMNS)
    assert layout(Sheet([str(h) for h in header], 1, []), imports.COLUMNS).missing == []
    assert client.get(reverse("imports:template", args=["curriculum", "csv"])).status_code == 200


def test_the_template_is_not_offered_to_roles_without_the_right(client, world):
    login_as(client, world, "RS:institution_manager")
    assert client.get(reverse("imports:template", args=["curriculum", "csv"])).status_code in (
        403, 404,
    )  # fmt: skip
