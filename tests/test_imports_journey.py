"""A national administrator brings a roster from the HR office's spreadsheet, in the system
Chromium: upload it, say which column an unknown header is, see the rows to fix (nothing is
written), fix the file, import, and find the people in the staff list. Every page is checked
with axe-core, and the page that lists the problems on a phone-sized screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from matrica.imports.tests.files import LATIN_HEADER, csv_bytes
from matrica.staff.models import StaffMember
from tests.accessibility import assert_accessible, assert_no_horizontal_scroll
from tests.journeys import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}
HEADER = ["Radnik br.", *LATIN_HEADER[1:]]  # a header Matrica does not know
GOOD = [
    ["RS-500", "Đurđa", "Šćekić", "RS prison", "FLO", "01.09.2021"],
    ["RS-501", "Čedomir", "Žižić", "RS probation office", "PRO", "1.2.2019."],
]
BAD = [*GOOD, ["RS-502", "Ana", "Anić", "KPZ Nepoznato", "FLO", "31.02.2021"]]


def upload(page, live_server, tmp_path, rows) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "spisak.csv"
    path.write_bytes(csv_bytes(HEADER, rows, encoding="cp1250"))
    page.goto(f"{live_server.url}/imports/")
    page.get_by_label("Staff roster").check()
    page.locator("input[type=file]").set_input_files(str(path))
    page.get_by_role("button", name="Check the file").click()


def match_the_unknown_header(page) -> None:  # type: ignore[no-untyped-def]
    expect(page.get_by_role("alert")).to_contain_text("Employee number")
    assert_accessible(page)
    page.get_by_label("Radnik br.").select_option("employee_number")
    page.get_by_role("button", name="Check again with these columns").click()


def test_a_roster_with_an_unknown_header_and_a_bad_row_is_fixed_and_imported(
    page, live_server, world, tmp_path
):
    log_in(page, live_server, "admin-rs")
    page.goto(f"{live_server.url}/staff/")
    page.get_by_role("link", name="Import a roster or past training").click()
    expect(page.locator("h1")).to_have_text("Import a file")
    assert_accessible(page)

    upload(page, live_server, tmp_path, BAD)
    match_the_unknown_header(page)

    # The rows to fix, each with its row, column, value and reason; nothing written.
    problems = page.locator("#problems")
    expect(problems).to_contain_text("KPZ Nepoznato")
    expect(problems.locator("tr", has_text="31.02.2021")).to_contain_text("4")
    expect(page.get_by_role("alert")).to_contain_text("Nothing has been imported")
    assert_accessible(page)
    page.set_viewport_size(PHONE)
    assert_no_horizontal_scroll(page)
    assert_accessible(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    assert not StaffMember.objects.filter(employee_number__startswith="RS-50").exists()

    # The fixed file: checked, then imported.
    upload(page, live_server, tmp_path, GOOD)
    match_the_unknown_header(page)
    expect(page.locator("#import-counts")).to_contain_text("2 new people")
    assert_accessible(page)
    page.get_by_role("button", name="Import").click()
    expect(page.locator("#import-status")).to_have_text("Imported")
    assert_accessible(page)

    page.get_by_role("link", name="See the staff list").click()
    page.get_by_role("searchbox").fill("scekic")
    expect(page.locator("#staff-table")).to_contain_text("Šćekić, Đurđa")
    assert StaffMember.objects.get(employee_number="RS-501").family_name == "Žižić"
