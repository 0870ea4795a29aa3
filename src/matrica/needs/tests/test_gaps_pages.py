"""The gap analysis pages: who sees which administration, the matrix and the findings in words,
the figures behind the cells, the PDF report and the downloads."""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from matrica import disclosure
from matrica.curricula.actions import Cell, create_course
from matrica.framework.models import CompetencyArea, Level
from matrica.testing.factories import StaffMemberFactory, category
from matrica.testing.world import login_as

ON = "2025-06-01"
TOP_GAP = (
    "All staff lack the required Awareness level in Understanding radicalisation and violent "
    "extremism: no course covers it."
)


def cell(area: str, cat: str, level: str, hours: int) -> Cell:
    return Cell(
        CompetencyArea.objects.get(code=area), category(cat), Level.objects.get(code=level), hours
    )


@pytest.fixture
def curriculum(world):
    """Serbia runs one probation course: strength in RAD, hours short in IDN, level short in
    REP, and (two untrained front-line officers) a delivery lag in RAD × FLO. Nothing teaches
    structured risk assessment (RSK): probation officers lack it."""
    serbia = world["RS"]
    create_course(
        actor=serbia.users["national_admin"], beneficiary=serbia.beneficiary, code="PRO-1",
        title="Probation basics", kind="initial", hours=40,
        target_categories=[category("PRO"), category("FLO")],
        cells=[
            cell("RAD", "PRO", "P", 16), cell("IDN", "PRO", "P", 8), cell("REP", "PRO", "A", 8),
            cell("RAD", "FLO", "P", 16),
        ],
    )  # fmt: skip
    return world


def gaps_url(name: str = "needs:gaps", **query: str) -> str:
    kwargs = {"file_format": query.pop("file_format")} if "file_format" in query else {}
    params = "&".join(f"{k}={v}" for k, v in {"on": ON, **query}.items())
    return f"{reverse(name, kwargs=kwargs)}?{params}"


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join("".join(page.extract_text() for page in reader.pages).split())


@pytest.mark.parametrize("who", ["RS:national_admin", "RS:training_manager"])
def test_national_roles_see_their_administration(client, curriculum, who):
    login_as(client, curriculum, who)
    response = client.get(gaps_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Serbia" in html
    # Each cell names its status in words, its stable code beside it; the legend explains.
    assert 'data-coverage="gap"' in html
    assert 'data-coverage="strength"' in html
    assert "no active course covers the cell" in html
    # The top gaps in words, the cells of the most people first.
    assert TOP_GAP in html
    assert "Probation officers are taught Understanding radicalisation" in html
    # The figures behind a cell: required level, recommended and course hours, compliance.
    response_cells = response.context["analysis"].cells
    lag = next(c for c in response_cells if (c.area.code, c.category.code) == ("RAD", "FLO"))
    assert lag.status == "delivery_lag"
    assert 'id="cell-RAD-FLO"' in html
    assert re.search(r"(?<!\d)0%", html)


@pytest.mark.parametrize("who", ["RS:national_admin", "RS:training_manager"])
def test_another_administration_is_out_of_reach(client, curriculum, who):
    login_as(client, curriculum, who)
    assert client.get(gaps_url(administration="ME")).status_code == 404
    assert client.get(gaps_url(administration="XX")).status_code == 404
    assert client.get(gaps_url(administration="RS")).status_code == 200
    assert client.get(gaps_url("needs:gaps_pdf", administration="ME")).status_code == 404
    export = gaps_url("needs:gaps_export", administration="ME", file_format="csv")
    assert client.get(export).status_code == 404


@pytest.mark.parametrize("who", ["RS:institution_manager", "RS:trainer", "RS:staff"])
def test_other_roles_are_refused(client, curriculum, who):
    login_as(client, curriculum, who)
    assert client.get(gaps_url()).status_code == 403
    assert client.get(gaps_url("needs:gaps_pdf")).status_code == 403
    assert client.get(gaps_url("needs:gaps_export", file_format="csv")).status_code == 403


def test_anonymous_is_sent_to_log_in(client, curriculum):
    response = client.get(gaps_url())
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_the_coordinator_picks_any_administration_under_disclosure_control(client, curriculum):
    login_as(client, curriculum, "coordinator")
    response = client.get(gaps_url(administration="RS"))
    assert response.status_code == 200
    analysis = response.context["analysis"]
    assert analysis.regional
    lag = next(c for c in analysis.cells if (c.area.code, c.category.code) == ("RAD", "FLO"))
    # Two front-line officers: their share is suppressed, and no lag gives it away.
    assert lag.compliance.suppressed
    assert lag.status == "strength"
    html = response.content.decode()
    assert disclosure.hidden_label().replace("<", "&lt;") in html
    assert not re.search(r"(?<!\d)0%", html)
    montenegro = client.get(gaps_url(administration="ME"))
    assert montenegro.context["analysis"].beneficiary.code == "ME"
    assert client.get(gaps_url(administration="XX")).status_code == 404
    # Without a choice: the first administration.
    assert client.get(gaps_url()).context["analysis"].beneficiary.code == "ME"


def test_a_date_before_any_framework(client, curriculum):
    login_as(client, curriculum, "RS:national_admin")
    response = client.get(gaps_url(on="2019-01-01"))
    assert response.status_code == 200
    assert "No framework version was in force on 2019-01-01" in response.content.decode()
    response = client.get(gaps_url(on="not-a-date"))
    assert response.status_code == 200


@pytest.mark.parametrize("extra_people", [0, 12])
def test_the_page_costs_the_same_queries_whatever_the_size(
    client, curriculum, django_assert_max_num_queries, extra_people
):
    serbia = curriculum["RS"]
    for index in range(extra_people):
        StaffMemberFactory.create(
            institution=serbia.probation, primary_category=category("PRO"),
            employee_number=f"RS-5{index:02d}",
        )  # fmt: skip
    login_as(client, curriculum, "RS:national_admin")
    with django_assert_max_num_queries(30):
        assert client.get(gaps_url()).status_code == 200
    login_as(client, curriculum, "coordinator")
    # The compliance engine checks the region too (an administration hidden there stays
    # hidden), and each scope asks once whether the history answers: a fixed cost.
    with django_assert_max_num_queries(62):
        assert client.get(gaps_url(administration="RS")).status_code == 200


def test_the_pdf_names_the_top_gaps(client, curriculum):
    login_as(client, curriculum, "RS:national_admin")
    response = client.get(gaps_url("needs:gaps_pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "no-store" in response["Cache-Control"]
    assert "matrica-gaps-rs-2025-06-01.pdf" in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert "Gap analysis: Serbia" in text
    assert "Top gaps" in text
    assert TOP_GAP in text
    assert "Top strengths" in text
    assert "Probation officers are taught Understanding radicalisation" in text
    assert "The figures behind each cell" in text
    assert "RAD × FLO" in text


def test_the_coordinators_pdf_hides_small_cells(client, curriculum):
    login_as(client, curriculum, "coordinator")
    response = client.get(gaps_url("needs:gaps_pdf", administration="RS"))
    text = pdf_text(response.content)
    assert disclosure.hidden_label() in text
    assert not re.search(r"(?<!\d)0%", text)


def test_csv_has_codes_beside_labels(client, curriculum):
    login_as(client, curriculum, "RS:training_manager")
    response = client.get(gaps_url("needs:gaps_export", file_format="csv"))
    assert response.status_code == 200
    assert "matrica-gaps-rs-2025-06-01.csv" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 81
    by_cell = {(row["Area code"], row["Category code"]): row for row in rows}
    assert by_cell[("RAD", "PRO")]["Coverage code"] == "strength"
    assert by_cell[("RAD", "PRO")]["Coverage"] == "Strength"
    assert by_cell[("IDN", "PRO")]["Coverage code"] == "partial_hours"
    assert by_cell[("IDN", "PRO")]["Recommended hours"] == "16"
    assert by_cell[("IDN", "PRO")]["Course hours"] == "8"
    assert by_cell[("REP", "PRO")]["Coverage code"] == "partial_level"
    assert by_cell[("REP", "PRO")]["Best course level code"] == "A"
    assert by_cell[("RSK", "PRO")]["Coverage code"] == "gap"
    lag = by_cell[("RAD", "FLO")]
    assert (lag["Coverage code"], lag["Holding the required level (%)"], lag["People"]) == (
        "delivery_lag", "0.0", "2",
    )  # fmt: skip


def test_xlsx_for_the_coordinator_is_suppressed(client, curriculum):
    login_as(client, curriculum, "coordinator")
    response = client.get(gaps_url("needs:gaps_export", administration="RS", file_format="xlsx"))
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    header = rows[0]
    lines = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    lag = next(r for r in lines if (r["Area code"], r["Category code"]) == ("RAD", "FLO"))
    assert lag["Holding the required level (%)"] == disclosure.hidden_label()
    assert lag["People"] == disclosure.hidden_label()
    assert lag["Coverage code"] == "strength"


def test_an_unknown_format_is_404(client, curriculum):
    login_as(client, curriculum, "RS:national_admin")
    assert client.get(gaps_url("needs:gaps_export", file_format="pdf2")).status_code == 404


def test_the_date_moves_the_figures(client, curriculum):
    """Before the people entered service, nobody is in the front-line cell: no lag then."""
    login_as(client, curriculum, "RS:national_admin")
    response = client.get(gaps_url(on="2015-01-01"))
    # The framework came into force in 2021: nothing was required in 2015.
    assert response.context["analysis"].cells == []
    later = client.get(gaps_url(on=datetime.date(2021, 2, 1).isoformat()))
    assert later.context["analysis"].cells


@pytest.mark.parametrize(
    "params",
    [
        {"on": "9999-12-31"},
        {"on": "²"},
        {"administration": "²"},
        {"administration": "R" * 500},
        {"administration": "rs"},
        {"on": "0001-01-01", "administration": "RS"},
    ],
)
@pytest.mark.parametrize("who", ["coordinator", "RS:national_admin"])
def test_odd_parameters_never_answer_500(client, curriculum, params, who):
    login_as(client, curriculum, who)
    for name in ("needs:gaps", "needs:gaps_pdf"):
        assert client.get(reverse(name), params).status_code in (200, 404)
