"""The import page (issue 19): upload, match an unknown header, see the row problems, download
them, import; scoped like every page (404 out of scope, 403 for a role without the right)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from matrica.audit.models import AuditEvent
from matrica.imports.models import ImportRun
from matrica.imports.tests.files import LATIN_HEADER, csv_bytes
from matrica.staff.models import StaffMember
from matrica.testing.world import World, login_as

pytestmark = pytest.mark.django_db

ROWS = [
    ["RS-100", "Đurđa", "Šćekić", "RS prison", "FLO", "01.09.2021"],
    ["RS-101", "Čedomir", "Žižić", "RS prison", "FLO", "1.2.2019."],
]


def upload(client, data: bytes, name: str = "roster.csv", **fields):
    return client.post(
        reverse("imports:upload"),
        {"kind": "staff", "file": SimpleUploadedFile(name, data), "encoding": "", **fields},
    )


def test_upload_check_and_import(client, world: World) -> None:
    login_as(client, world, "RS:national_admin")

    response = upload(client, csv_bytes(LATIN_HEADER, ROWS, encoding="cp1250"))

    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("imports:run", args=[run.pk])
    assert run.status == ImportRun.Status.READY
    assert run.read_as == "windows-1250"
    page = client.get(response["Location"]).content.decode()
    assert "2 new people" in page
    assert "Import" in page
    assert not StaffMember.objects.filter(employee_number="RS-100").exists()

    client.post(reverse("imports:apply", args=[run.pk]))

    run.refresh_from_db()
    assert run.status == ImportRun.Status.IMPORTED
    assert run.content == b""
    assert StaffMember.objects.get(employee_number="RS-100").family_name == "Šćekić"
    assert "Imported on" in client.get(reverse("imports:run", args=[run.pk])).content.decode()
    # The trail names the run, never the file's content.
    event = AuditEvent.objects.filter(message="Imported").get()
    assert "content" not in (event.after or {})
    assert "problems" not in (event.after or {})


def test_an_unrecognised_header_is_matched_on_the_page(client, world: World) -> None:
    login_as(client, world, "RS:national_admin")
    header = ["Radnik br.", *LATIN_HEADER[1:]]
    upload(client, csv_bytes(header, ROWS, encoding="utf-8"))
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.NEEDS_COLUMNS
    page = client.get(reverse("imports:run", args=[run.pk])).content.decode()
    assert "Radnik br." in page
    assert "Employee number" in page

    fields = {f"column_{i}": "" for i in range(len(header))}
    keys = ["employee_number", "given_name", "family_name", "institution", "category", "entry_date"]
    fields |= {f"column_{i}": key for i, key in enumerate(keys)}
    client.post(reverse("imports:columns", args=[run.pk]), fields)

    run.refresh_from_db()
    assert run.status == ImportRun.Status.READY
    assert run.mapping["Radnik br."] == "employee_number"


def test_row_problems_are_listed_and_downloadable_and_nothing_is_written(
    client, world: World
) -> None:
    login_as(client, world, "RS:national_admin")
    rows = [*ROWS, ["RS-102", "Ana", "Anić", "Nepoznata ustanova", "FLO", "31.02.2021"]]
    upload(client, csv_bytes(LATIN_HEADER, rows, encoding="utf-8"))
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.REFUSED

    page = client.get(reverse("imports:run", args=[run.pk])).content.decode()
    assert "Nepoznata ustanova" in page
    assert "31.02.2021" in page
    assert "Nothing has been imported" in page
    download = client.get(reverse("imports:problems", args=[run.pk, "csv"]))
    text = download.content.decode("utf-8-sig")
    assert "\r\n4,Ustanova,Nepoznata ustanova,No institution" in text
    assert client.post(reverse("imports:apply", args=[run.pk])).status_code == 302
    assert not StaffMember.objects.filter(employee_number__startswith="RS-10").exists()


def test_a_file_that_cannot_be_read_is_refused_on_the_form(client, world: World) -> None:
    login_as(client, world, "RS:national_admin")
    response = upload(client, b"\xd0\xcf\x11\xe0" + bytes(600), "roster.xls")
    assert response.status_code == 200
    assert "not an XLSX workbook" in response.content.decode()
    assert not ImportRun.objects.exists()


@pytest.mark.parametrize("who", ["RS:trainer", "RS:institution_manager", "RS:staff", "coordinator"])
def test_roles_without_the_right_get_403(client, world: World, who: str) -> None:
    login_as(client, world, who)
    assert client.get(reverse("imports:upload")).status_code == 403


def test_another_administrations_run_answers_404(client, world: World) -> None:
    login_as(client, world, "RS:national_admin")
    upload(client, csv_bytes(LATIN_HEADER, ROWS, encoding="utf-8"))
    run = ImportRun.objects.get()
    client.logout()
    login_as(client, world, "ME:national_admin")
    for url in (
        reverse("imports:run", args=[run.pk]),
        reverse("imports:problems", args=[run.pk, "csv"]),
    ):
        assert client.get(url).status_code == 404
    assert client.post(reverse("imports:apply", args=[run.pk])).status_code == 404
    assert client.post(reverse("imports:columns", args=[run.pk]), {}).status_code == 404
    assert "roster.csv" not in client.get(reverse("imports:upload")).content.decode()


def test_an_administration_cannot_upload_into_another(client, world: World) -> None:
    login_as(client, world, "RS:national_admin")
    response = upload(
        client, csv_bytes(LATIN_HEADER, ROWS, encoding="utf-8"),
        beneficiary=world["ME"].beneficiary.pk,
    )  # fmt: skip
    # Nothing to choose: the file goes to the user's own administration, whatever is posted.
    assert response.status_code == 302
    assert ImportRun.objects.get().beneficiary == world["RS"].beneficiary


def test_the_upload_page_lists_runs_in_bounded_queries(
    client,
    world: World,
    django_assert_max_num_queries,
) -> None:
    login_as(client, world, "RS:national_admin")
    for index in range(8):
        upload(client, csv_bytes(LATIN_HEADER, ROWS, encoding="utf-8"), f"roster-{index}.csv")
    with django_assert_max_num_queries(12):
        page = client.get(reverse("imports:upload")).content.decode()
    assert "roster-7.csv" in page


def test_an_empty_template_is_offered_in_the_users_language(client, world: World) -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    login_as(client, world, "RS:national_admin")
    client.post(reverse("set_language"), {"language": "sr-latn"})
    response = client.get(reverse("imports:template", args=["staff", "xlsx"]))
    header = [cell.value for cell in next(load_workbook(BytesIO(response.content)).active.rows)]
    assert header[0] != "Employee number"
    assert len(header) == 8
    # The template's own headers are recognised when it comes back filled in.
    from matrica.staff.imports import COLUMNS
    from matrica.tabular import Sheet, layout

    assert layout(Sheet([str(h) for h in header], 1, []), COLUMNS).missing == []


def test_roles_without_the_right_get_no_template(client, world: World) -> None:
    login_as(client, world, "RS:trainer")
    assert client.get(reverse("imports:template", args=["staff", "csv"])).status_code == 403


def test_a_file_never_imported_is_not_kept_beyond_a_week(client, world: World) -> None:
    import datetime

    from django.utils import timezone

    login_as(client, world, "RS:national_admin")
    upload(client, csv_bytes(LATIN_HEADER, ROWS, encoding="utf-8"), "old.csv")
    ImportRun.objects.update(uploaded_at=timezone.now() - datetime.timedelta(days=8))
    upload(client, csv_bytes(LATIN_HEADER, ROWS, encoding="utf-8"), "new.csv")

    old = ImportRun.objects.get(file_name="old.csv")
    assert old.content == b""
    assert ImportRun.objects.get(file_name="new.csv").content != b""
    client.post(reverse("imports:apply", args=[old.pk]))
    assert not StaffMember.objects.filter(employee_number="RS-100").exists()
