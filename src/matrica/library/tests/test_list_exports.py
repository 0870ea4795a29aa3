"""The resource library as CSV and XLSX: the resources the page finds for the same search and
facets, every page of it, scoped like the page, the type as a stable code beside its label."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from matrica.library.models import Resource

from .conftest import add, area, level

pytestmark = pytest.mark.django_db


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def export(client, file_format: str, language: str = "en", **params):
    return client.get(
        reverse("library:export", args=[file_format]), params, HTTP_ACCEPT_LANGUAGE=language
    )


@pytest.fixture
def shelf(world):
    rs_admin = world["RS"].users["national_admin"]
    return {
        "common": add(
            world.coordinator, title="Common handbook", publisher="RAN", year=2021,
            languages=["en", "sr"], areas=[area("RAD"), area("IDN")], levels=[level("A")],
            translations={"sr": {"title": "Заједнички приручник"}},
        ),
        "RS": add(rs_admin, world["RS"].beneficiary, title="=Serbian toolkit",
                  kind=Resource.Kind.TOOLKIT),
        "ME": add(world["ME"].users["national_admin"], world["ME"].beneficiary,
                  title="Montenegrin toolkit", kind=Resource.Kind.TOOLKIT),
    }  # fmt: skip


def test_the_library_downloads_what_the_user_may_read(client, world, shelf):
    client.force_login(world["RS"].users["staff"])
    rows = read_csv(export(client, "csv"))
    header, lines = rows[0], rows[1:]
    by_title = {line[header.index("Title")]: line for line in lines}
    assert set(by_title) == {"Common handbook", "'=Serbian toolkit"}  # neutralised
    common = dict(zip(header, by_title["Common handbook"], strict=True))
    assert (common["Type"], common["Type code"]) == ("Handbook", "handbook")
    assert (common["Area codes"], common["Level codes"]) == ("IDN RAD", "A")
    assert (common["Language codes"], common["Administration code"]) == ("en sr", "")
    assert by_title["'=Serbian toolkit"][header.index("Administration code")] == "RS"


def test_the_download_takes_the_pages_search_and_facets(client, world, shelf):
    client.force_login(world["RS"].users["staff"])
    assert [line[2] for line in read_csv(export(client, "csv", q="handbook"))[1:]] == [
        "Common handbook"
    ]
    assert [line[4] for line in read_csv(export(client, "csv", kind="toolkit"))[1:]] == ["toolkit"]
    page = client.get(reverse("library:list"), {"kind": "toolkit"}).content.decode()
    assert f"{reverse('library:export', args=['xlsx'])}?kind=toolkit" in page


def test_titles_and_labels_speak_serbian_and_codes_do_not(client, world, shelf):
    client.force_login(world["RS"].users["staff"])
    english = read_csv(export(client, "csv", q="handbook"))
    serbian = read_csv(export(client, "csv", language="sr", q="handbook"))
    assert serbian[1][2] == "Заједнички приручник"
    assert serbian[0][3] != "Type"
    assert serbian[1][3] != "Handbook"
    assert serbian[1][4] == english[1][4] == "handbook"


def test_an_unknown_format_is_not_found_and_a_visitor_signs_in(client, world, shelf):
    assert export(client, "csv").status_code == 302
    client.force_login(world["RS"].users["staff"])
    assert export(client, "ods").status_code == 404


def test_the_library_costs_the_same_queries_for_many_resources(
    client, world, shelf, django_assert_max_num_queries
):
    for index in range(40):
        add(world.coordinator, title=f"Guide {index}", areas=[area("RAD")], levels=[level("P")])
    client.force_login(world["RS"].users["staff"])
    with django_assert_max_num_queries(10):
        response = export(client, "xlsx")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 1 + 42
