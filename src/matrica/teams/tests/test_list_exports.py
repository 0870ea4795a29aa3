"""The teams' list, the national overview and the coordinator's regional counts as CSV and XLSX:
gated and scoped like their pages, readiness as a stable code beside its translated label, the
regional member counts through disclosure control, and the overview that names people audited."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from matrica.audit.models import AuditEvent
from matrica.teams import actions
from matrica.testing.factories import StaffMemberFactory

from .conftest import LONG_AGO, join, train_all

pytestmark = pytest.mark.django_db


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def read_xlsx(response) -> list[tuple]:
    assert response.status_code == 200
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


def get(client, name: str, file_format: str, language: str = "en"):
    return client.get(reverse(f"teams:{name}", args=[file_format]), HTTP_ACCEPT_LANGUAGE=language)


def exports_taken() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT))


@pytest.fixture
def montenegro_team(world, serbia):
    montenegro = world["ME"]
    return actions.create_team(
        actor=montenegro.users["national_admin"], beneficiary=montenegro.beneficiary,
        institution=montenegro.probation, name="=MDT Podgorica", formed_on=LONG_AGO,
    )  # fmt: skip


def test_the_list_downloads_each_team_with_its_readiness_code(client, world, staffed):
    train_all(staffed)
    client.force_login(world["RS"].users["national_admin"])
    rows = read_csv(get(client, "export", "csv"))
    header, lines = rows[0], rows[1:]
    line = dict(zip(header, lines[0], strict=True))
    assert len(lines) == 1
    assert (line["Team"], line["Administration code"], line["Institution"]) == (
        "МДТ Ниш", "RS", "RS prison",
    )  # fmt: skip
    assert (line["Kind code"], line["Meets code"]) == ("prison", "monthly")
    assert (line["Readiness"], line["Readiness code"], line["Gaps"]) == ("Ready", "ready", "0")
    assert not exports_taken()  # no names in it


def test_the_list_speaks_serbian_and_its_codes_do_not(client, world, staffed):
    client.force_login(world["RS"].users["national_admin"])
    english = read_xlsx(get(client, "export", "xlsx"))
    serbian = read_xlsx(get(client, "export", "xlsx", language="sr"))
    code = english[0].index("Readiness code")
    assert serbian[0][0] != "Team"
    assert english[1][code] == serbian[1][code] == "training"  # filled, nobody trained
    assert english[1][code - 1] == "Not ready: training"
    assert serbian[1][code - 1] != english[1][code - 1]


def test_the_list_is_scoped_like_the_page(client, world, prison_team, montenegro_team):
    client.force_login(world["RS"].users["national_admin"])
    assert [line[0] for line in read_csv(get(client, "export", "csv"))[1:]] == ["МДТ Ниш"]
    client.force_login(world["ME"].users["institution_manager"])  # the prison's manager
    assert read_csv(get(client, "export", "csv"))[1:] == []
    client.force_login(world["ME"].users["national_admin"])
    rows = read_csv(get(client, "export", "csv"))
    assert [line[0] for line in rows[1:]] == ["'=MDT Podgorica"]  # neutralised
    for who in (world.coordinator, world["RS"].users["staff"]):
        client.force_login(who)
        assert get(client, "export", "csv").status_code == 403


def test_the_national_overview_lists_what_is_missing_and_is_audited(client, world, serbia, staffed):
    client.force_login(serbia.users["national_admin"])
    rows = read_csv(get(client, "national_export", "csv"))
    header, lines = rows[0], rows[1:]
    sections = {line[1] for line in lines}
    assert sections == {"without_team", "not_ready"}
    without = {line[3] for line in lines if line[1] == "without_team"}
    assert without == {"RS probation office"}
    (team,) = [line for line in lines if line[1] == "not_ready"]
    assert team[header.index("Readiness code")] == "training"
    assert "Đorđević" in team[header.index("Why")]  # whose training is missing
    (event,) = exports_taken()
    assert event.beneficiary_id == serbia.beneficiary.pk
    assert event.message == "Teams' national overview downloaded (CSV)"
    client.force_login(serbia.users["institution_manager"])
    assert get(client, "national_export", "csv").status_code == 403


def test_the_regional_counts_hide_small_member_counts_like_the_page(
    client, world, staffed, montenegro_team
):
    join(montenegro_team, world["ME"].people[1], "PSY", actor=world["ME"].users["national_admin"])
    client.force_login(world.coordinator)
    rows = read_csv(get(client, "regional_export", "csv"))
    header, lines = rows[0], rows[1:]
    by_code = {line[0]: line for line in lines}
    assert set(by_code) == {"ME", "RS", ""}  # "": all administrations
    assert by_code["ME"][header.index("Teams")] == "1"
    assert by_code["ME"][header.index("Members")] == "<5"
    assert by_code["RS"][header.index("Members")] == "<5"  # else the total gives ME's back
    text = "\n".join(",".join(line) for line in rows)
    assert "Đorđević" not in text
    assert "Podgorica" not in text
    assert not exports_taken()
    serbian = read_csv(get(client, "regional_export", "csv", language="sr"))
    assert [line[0] for line in serbian[1:]] == [line[0] for line in lines]
    client.force_login(world["RS"].users["national_admin"])
    assert get(client, "regional_export", "csv").status_code == 403


def test_the_pages_offer_their_downloads(client, world, staffed):
    client.force_login(world["RS"].users["national_admin"])
    for page, export in (("list", "export"), ("national", "national_export")):
        html = client.get(reverse(f"teams:{page}")).content.decode()
        for file_format in ("csv", "xlsx"):
            assert reverse(f"teams:{export}", args=[file_format]) in html
    client.force_login(world.coordinator)
    html = client.get(reverse("teams:regional")).content.decode()
    assert reverse("teams:regional_export", args=["xlsx"]) in html
    assert get(client, "export", "pdf").status_code == 403  # the list's gate comes first


def test_the_list_costs_the_same_queries_for_many_teams(
    client, world, serbia, staffed, django_assert_max_num_queries
):
    for index in range(20):
        team = actions.create_team(
            actor=serbia.users["national_admin"], beneficiary=serbia.beneficiary,
            institution=serbia.prison, name=f"Тим {index}", formed_on=LONG_AGO,
        )  # fmt: skip
        join(team, StaffMemberFactory.create(institution=serbia.prison), "PSY")
    client.force_login(serbia.users["national_admin"])
    # Readiness asks the compliance engine once for every member (19 queries for 1 team or 21).
    with django_assert_max_num_queries(20):
        rows = read_csv(get(client, "export", "csv"))
    assert len(rows) == 1 + 21
