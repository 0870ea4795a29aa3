"""The delivery report's pages: who may open them, what the page, the spreadsheets and the PDF
show, and a query budget that does not grow with the year's sessions."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from matrica import disclosure
from matrica.evaluation.models import FeedbackAnswer, TestResult
from matrica.testing.factories import StaffMemberFactory, category
from matrica.testing.sessions import closed_session, last_week

pytestmark = pytest.mark.django_db

PAGES = [
    ("evaluation:report", {}),
    ("evaluation:report_export", {"file_format": "csv"}),
    ("evaluation:report_export", {"file_format": "xlsx"}),
    ("evaluation:report_pdf", {}),
]
EXPECTED = {
    "national_admin": 200,
    "training_manager": 200,
    "institution_manager": 403,
    "trainer": 403,
    "staff": 403,
}


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "".join(page.extract_text() for page in reader.pages)


def officers(administration, count: int):
    return [
        StaffMemberFactory.create(
            institution=administration.prison, primary_category=category("FLO")
        )
        for _ in range(count)
    ]


def delivered(administration, count: int = 6, *, module_code: str = "BA"):
    """A closed session of `count` new prison officers, each gaining 10 points, with an
    answer of 4 from each."""
    team = officers(administration, count)
    session = closed_session(administration, module_code=module_code, people=team,
                             starts_on=last_week())  # fmt: skip
    for enrolment in session.enrolments.all():
        TestResult.objects.create(enrolment=enrolment, phase="pre", score=50, method="paper")
        TestResult.objects.create(enrolment=enrolment, phase="post", score=60, method="paper")
        FeedbackAnswer.objects.create(
            session=session, language="en", relevance=4, trainer=4, materials=4, confidence=4
        )
    return session


def url(name: str, kwargs: dict[str, str], year: int | None = None) -> str:
    address = reverse(name, kwargs=kwargs)
    return f"{address}?year={year}" if year else address


@pytest.mark.parametrize(("name", "kwargs"), PAGES)
@pytest.mark.parametrize("code", ["RS", "ME"])
@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_national_roles_open_the_report_and_other_roles_are_refused(
    client, world, name, kwargs, code, role
):
    client.force_login(world[code].users[role])
    assert client.get(url(name, kwargs)).status_code == EXPECTED[role]


@pytest.mark.parametrize(("name", "kwargs"), PAGES)
def test_the_coordinator_opens_the_regional_report(client, world, name, kwargs):
    client.force_login(world.coordinator)
    assert client.get(url(name, kwargs)).status_code == 200


@pytest.mark.parametrize(("name", "kwargs"), PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, name, kwargs):
    response = client.get(url(name, kwargs))
    assert response.status_code == 302
    assert "/login" in response["Location"] or "login" in response["Location"]


def test_an_unknown_file_format_is_not_found(client, world):
    client.force_login(world["RS"].users["national_admin"])
    assert client.get(url("evaluation:report_export", {"file_format": "ods"})).status_code == 404


def test_the_page_shows_the_figures_the_tables_and_accessible_charts(client, world):
    serbia = world["RS"]
    session = delivered(serbia)
    client.force_login(serbia.users["training_manager"])
    response = client.get(url("evaluation:report", {}, session.starts_on.year))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Basic awareness" in page
    assert serbia.users["trainer"].staff_member.full_name in page  # trainers by name
    assert serbia.prison.name in page
    assert 'role="img"' in page
    assert "Mean learning gain by module" in page
    assert "+10.0" in page  # the gain's bar label
    assert f'<option value="{session.starts_on.year}" selected>' in page


def test_an_unreadable_year_shows_this_year_with_a_message(client, world):
    client.force_login(world["RS"].users["national_admin"])
    response = client.get(reverse("evaluation:report") + "?year=²")
    assert response.status_code == 200
    assert "is not a year we report on" in response.content.decode()


def test_the_coordinator_sees_administrations_not_trainers(client, world):
    serbia, montenegro = world["RS"], world["ME"]
    session = delivered(serbia)
    delivered(montenegro, 3)
    client.force_login(world.coordinator)
    page = client.get(url("evaluation:report", {}, session.starts_on.year)).content.decode()
    assert "By administration" in page
    assert serbia.users["trainer"].staff_member.full_name not in page
    assert "By trainer" not in page
    assert disclosure.hidden_label().replace("<", "&lt;") in page


def test_the_csv_holds_every_breakdown_with_codes(client, world):
    serbia = world["RS"]
    session = delivered(serbia)
    client.force_login(serbia.users["national_admin"])
    response = client.get(
        url("evaluation:report_export", {"file_format": "csv"}, session.starts_on.year)
    )
    assert "no-store" in response["Cache-Control"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, lines = rows[0], rows[1:]
    assert header[:4] == ["Breakdown", "Code", "Name", "Sessions held"]
    by_key = {(line[0], line[1]): dict(zip(header, line, strict=True)) for line in lines}
    total = by_key[("total", "RS")]
    assert (total["Sessions held"], total["Participants (people)"]) == ("1", "6")
    assert total["Session hours"] == "8.0"
    module = by_key[("module", "BA")]
    assert module["Mean learning gain (points)"] == "10.0"
    assert module["Mean satisfaction (1–5)"] == "4.0"
    trainer = serbia.users["trainer"].staff_member
    assert by_key[("trainer", trainer.employee_number)]["Name"] == trainer.full_name
    assert by_key[("institution", str(serbia.prison.pk))]["Participations"] == "6"


def test_the_xlsx_holds_numbers_as_numbers_and_hidden_figures_as_the_label(client, world):
    serbia = world["RS"]
    session = delivered(serbia, 4)
    client.force_login(serbia.users["national_admin"])
    response = client.get(
        url("evaluation:report_export", {"file_format": "xlsx"}, session.starts_on.year)
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    module = dict(zip(header, next(r for r in rows if r[:2] == ("module", "BA")), strict=True))
    assert module["Participations"] == 4
    assert module["Mean learning gain (points)"] == disclosure.hidden_label()  # 4 people


def test_the_pdf_carries_the_figures_and_the_charts(client, world):
    serbia = world["RS"]
    session = delivered(serbia)
    client.force_login(serbia.users["national_admin"])
    response = client.get(url("evaluation:report_pdf", {}, session.starts_on.year))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src" in response["Content-Security-Policy"]
    text = pdf_text(response.content)
    assert f"Delivery report {session.starts_on.year}: Serbia" in text
    assert "Basic awareness" in text
    assert "Ђорђе" not in text  # nobody but the trainer and the institutions is named
    assert "Sessions held per month" in text  # a chart's caption
    assert "+10.0" in text  # and its numbers


@pytest.mark.parametrize("size", [1, 3])
def test_the_page_costs_the_same_queries_whatever_the_year_holds(
    client, world, django_assert_max_num_queries, size
):
    serbia = world["RS"]
    for index in range(size):
        delivered(serbia, 5, module_code=["BA", "HR", "IN"][index])
    client.force_login(serbia.users["training_manager"])
    with django_assert_max_num_queries(30):
        assert client.get(reverse("evaluation:report")).status_code == 200
    client.force_login(world.coordinator)
    with django_assert_max_num_queries(30):
        assert client.get(reverse("evaluation:report")).status_code == 200


@pytest.mark.parametrize(
    ("role", "linked"),
    [("training_manager", True), ("national_admin", True), ("institution_manager", False)],
)
def test_the_joint_sessions_page_links_to_the_report_for_those_who_may_open_it(
    client, world, role, linked
):
    client.force_login(world["RS"].users[role])
    page = client.get(reverse("delivery:joint")).content.decode()
    assert (reverse("evaluation:report") in page) is linked
