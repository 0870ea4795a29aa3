"""The administrations list as CSV and XLSX: the administrations the page lists to the user."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def export(client, file_format: str, language: str = "en"):
    url = reverse("tenancy:administration_list_export", args=[file_format])
    return client.get(url, HTTP_ACCEPT_LANGUAGE=language)


def test_a_national_user_gets_their_own_administration(client, world):
    client.force_login(world["RS"].users["staff"])
    rows = read_csv(export(client, "csv"))
    assert rows[0][:4] == ["Code", "Administration", "Authority", "Institutions"]
    assert [line[:2] for line in rows[1:]] == [["RS", "Serbia"]]
    assert rows[1][3] == "2"


def test_the_coordinator_gets_every_administration_with_serbian_headers(
    client, world, django_assert_max_num_queries
):
    client.force_login(world.coordinator)
    with django_assert_max_num_queries(6):
        serbian = read_csv(export(client, "csv", language="sr"))
    assert serbian[0][0] != "Code"
    assert sorted(line[0] for line in serbian[1:]) == ["ME", "RS"]
    page = client.get(reverse("tenancy:administration_list")).content.decode()
    assert reverse("tenancy:administration_list_export", args=["xlsx"]) in page
    assert export(client, "pdf").status_code == 404
