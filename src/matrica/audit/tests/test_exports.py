"""The audit trail as CSV and XLSX: the events the page lists, with its filters, in the user's
language with the action's stable code, scoped, without a secret, and itself on the trail."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from matrica.accounts.actions import set_password
from matrica.audit.models import AuditEvent
from matrica.audit.services import save_audited
from matrica.testing.world import login_as

pytestmark = pytest.mark.django_db


def read_csv(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def read_xlsx(response) -> list[tuple]:
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


def export(client, file_format: str, *, language: str = "en", **params):
    return client.get(
        reverse("audit:export", args=[file_format]), params, HTTP_ACCEPT_LANGUAGE=language
    )


@pytest.fixture
def renamed(world):
    """Two people renamed, one in each administration, by their own administrators."""
    for code, name in (("RS", "Ђорђевић-Петровић"), ("ME", "Šćepanović-Vuković")):
        member = world[code].people[0]
        member.family_name = name
        save_audited(actor=world[code].users["national_admin"], obj=member)
    return world


def test_the_trail_downloads_the_administrations_own_events_only(client, renamed):
    login_as(client, renamed, "RS:national_admin")
    rows = read_csv(export(client, "csv"))
    header, lines = rows[0], rows[1:]
    record = header.index("Record")
    assert any("Ђорђевић-Петровић" in line[record] for line in lines)
    assert not any("Šćepanović" in cell for line in lines for cell in line)


def test_changes_are_written_field_by_field(client, renamed):
    login_as(client, renamed, "RS:national_admin")
    rows = read_xlsx(export(client, "xlsx", action="update"))
    header, lines = rows[0], rows[1:]
    assert len(lines) == 1
    line = dict(zip(header, lines[0], strict=True))
    assert line["Action code"] == "update"
    assert "family_name: Ђорђевић → Ђорђевић-Петровић" in line["Changes"]
    assert line["Administration code"] == "RS"


def test_the_download_honours_the_pages_filters(client, renamed):
    login_as(client, renamed, "RS:national_admin")
    assert len(read_csv(export(client, "csv", action="delete"))) == 1  # the header alone
    lines = read_csv(export(client, "csv", q="Петровић"))[1:]
    assert len(lines) == 1


def test_the_action_label_is_translated_and_its_code_is_not(client, renamed):
    login_as(client, renamed, "RS:national_admin")
    english = read_csv(export(client, "csv", action="update"))
    serbian = read_csv(export(client, "csv", language="sr", action="update"))
    assert serbian[0][:3] == ["Време", "Корисник", "Радња"]
    assert (english[1][2], english[1][3]) == ("Changed", "update")
    assert (serbian[1][2], serbian[1][3]) == ("Измењено", "update")


def test_a_password_change_leaves_no_secret_in_the_file(client, world):
    admin = world["RS"].users["national_admin"]
    set_password(actor=admin, user=admin, password="Tajna-lozinka-2024!")
    login_as(client, world, "RS:national_admin")
    content = export(client, "csv").content.decode()
    assert "Tajna-lozinka" not in content
    assert "pbkdf2" not in content
    assert "md5$" not in content


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_a_record_named_like_a_formula_stays_text(client, world, file_format):
    member = world["RS"].people[0]
    member.given_name = '=HYPERLINK("http://evil.example","x")'
    save_audited(actor=world["RS"].users["national_admin"], obj=member)
    login_as(client, world, "RS:national_admin")
    response = export(client, file_format, action="update")
    rows = read_csv(response) if file_format == "csv" else read_xlsx(response)
    assert rows[1][6].startswith("'=HYPERLINK")


def test_only_those_who_read_the_trail_download_it_and_the_taking_is_recorded(client, world):
    login_as(client, world, "RS:institution_manager")
    assert export(client, "csv").status_code == 403
    login_as(client, world, "RS:national_admin")
    assert export(client, "json").status_code == 404
    response = export(client, "xlsx")
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert (event.user_name, event.message) == ("admin-rs", "Audit trail downloaded (XLSX)")
    assert event.beneficiary_id == world["RS"].beneficiary.pk


def test_the_page_offers_the_download_with_its_filters(client, world):
    login_as(client, world, "RS:national_admin")
    page = client.get(reverse("audit:list"), {"action": "update"}).content.decode()
    assert f"{reverse('audit:export', args=['csv'])}?action=update" in page


def test_the_trail_costs_the_same_queries_for_many_events(
    client, world, django_assert_max_num_queries
):
    admin = world["RS"].users["national_admin"]
    for index, member in enumerate(world["RS"].people * 40):
        member.family_name = f"Promena {index}"
        save_audited(actor=admin, obj=member)
    login_as(client, world, "RS:national_admin")
    with django_assert_max_num_queries(12):
        rows = read_xlsx(export(client, "xlsx", action="update"))
    assert len(rows) == 1 + 120
