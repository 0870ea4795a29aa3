"""The module catalogue as CSV and XLSX: every module the page lists to the same user (the
common ones, then their administration's national ones), headers, titles and delivery modes in
the user's language, module and delivery mode codes beside them, whatever the language."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from matrica.audit.models import AuditEvent
from matrica.framework.actions import create_national_module
from matrica.framework.models import CompetencyArea, Level, Module
from matrica.testing.world import login_as

pytestmark = pytest.mark.django_db


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def read_xlsx(response) -> list[tuple]:
    assert response.status_code == 200
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


def get(client, file_format: str, language: str = "en"):
    return client.get(
        reverse("delivery:modules_export", args=[file_format]), HTTP_ACCEPT_LANGUAGE=language
    )


def national_module(administration, code: str = "RAD2", title: str = "Radikalizacija u praksi"):
    return create_national_module(
        actor=administration.users["training_manager"], beneficiary=administration.beneficiary,
        code=f"{administration.beneficiary.code}-{code}", title=title, translations={},
        summary="", learning_outcomes="", hours=8, validity_months=36,
        delivery_modes=["classroom", "online_live"], languages=["sr-latn", "en"],
        joint_delivery=True, attendance_threshold=80,
        prerequisites=[Module.objects.get(code="BA")],
        conferrals=[(CompetencyArea.objects.get(code="RAD"), Level.objects.get(code="P"))],
    )  # fmt: skip


def by_code(rows) -> dict[str, dict[str, object]]:
    header = rows[0]
    return {line[0]: dict(zip(header, line, strict=True)) for line in rows[1:]}


def test_the_catalogue_downloads_every_module_with_its_codes(client, world):
    national_module(world["RS"])
    login_as(client, world, "RS:staff")
    rows = read_csv(get(client, "csv"))
    modules = by_code(rows)
    common = list(Module.objects.common().order_by("code").values_list("code", flat=True))
    assert [line[0] for line in rows[1:]] == [*common, "RS-RAD2"]  # the common ones first
    line = modules["RS-RAD2"]
    assert (line["Module"], line["Administration code"]) == ("Radikalizacija u praksi", "RS")
    assert (line["Hours"], line["Validity (months)"], line["Confers"]) == ("8", "36", "RAD-P")
    assert line["Delivery modes"] == "Classroom, Online, live"
    assert line["Delivery mode codes"] == "classroom online_live"
    assert line["Language codes"] == "sr-latn en"
    assert line["Joint prison and probation delivery"] == "1"
    assert line["Attendance needed for completion"] == "80"
    assert line["Prerequisites (any one of)"] == "BA"
    assert modules["BA"]["Administration code"] == ""
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()  # no names


def test_the_catalogue_holds_the_modules_the_page_lists(client, world):
    national_module(world["RS"])
    national_module(world["ME"], code="SEC")
    login_as(client, world, "ME:training_manager")
    page = client.get(reverse("delivery:modules")).context["catalogue"]
    listed = [m.code for m in page.common] + [m.code for _, ms in page.national for m in ms]
    codes = [line[0] for line in read_xlsx(get(client, "xlsx"))[1:]]
    assert codes == listed
    assert "ME-SEC" in codes
    assert "RS-RAD2" not in codes
    login_as(client, world, "coordinator")  # reads every administration's modules
    assert {"ME-SEC", "RS-RAD2"} <= {line[0] for line in read_csv(get(client, "csv"))[1:]}


def test_the_catalogue_speaks_serbian_and_its_codes_do_not(client, world):
    national_module(world["RS"])
    login_as(client, world, "RS:training_manager")
    english = by_code(read_csv(get(client, "csv")))
    serbian_rows = read_csv(get(client, "csv", language="sr"))
    serbian = by_code(serbian_rows)
    assert serbian_rows[0][:2] == ["Шифра модула", "Модул"]
    assert serbian_rows[0][6] == "Начини извођења"
    assert list(serbian) == list(english)
    assert serbian["BA"]["Модул"] != english["BA"]["Module"]  # the title in Serbian
    assert serbian["RS-RAD2"]["Начини извођења"] == "У учионици, Онлајн, уживо"
    english_modes = english["RS-RAD2"]["Delivery mode codes"]
    assert list(serbian["RS-RAD2"].values())[7] == english_modes == "classroom online_live"


def test_a_title_written_as_a_formula_stays_text_and_other_formats_are_404(client, world):
    national_module(world["RS"], code="X", title="=HYPERLINK(1)")
    login_as(client, world, "RS:training_manager")
    for file_format, read in (("csv", read_csv), ("xlsx", read_xlsx)):
        rows = read(get(client, file_format))
        assert next(line for line in rows if line[0] == "RS-X")[1] == "'=HYPERLINK(1)"
    assert get(client, "pdf").status_code == 404
    client.logout()
    assert get(client, "csv").status_code == 302  # to the sign-in page


def test_the_page_offers_the_download(client, world):
    login_as(client, world, "RS:staff")
    page = client.get(reverse("delivery:modules")).content.decode()
    for file_format in ("csv", "xlsx"):
        assert reverse("delivery:modules_export", args=[file_format]) in page


def test_the_catalogue_costs_the_same_queries_for_many_modules(
    client, world, django_assert_max_num_queries
):
    for number in range(15):
        national_module(world["RS"], code=f"M{number}")
    login_as(client, world, "RS:training_manager")
    with django_assert_max_num_queries(8):
        rows = read_csv(get(client, "csv"))
    assert len(rows) == 1 + Module.objects.common().count() + 15
