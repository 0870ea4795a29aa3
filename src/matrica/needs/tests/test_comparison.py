"""The regional comparison: its figures, what disclosure control hides from the coordinator,
who may see it, and its downloads."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from matrica import disclosure
from matrica.compliance.models import TrendPoint
from matrica.curricula.actions import Cell, create_course
from matrica.framework.models import CompetencyArea, Level
from matrica.framework.selectors import rules_in_force
from matrica.needs.comparison import REGION, regional_comparison
from matrica.needs.coverage import Coverage
from matrica.testing.factories import StaffMemberFactory, category
from matrica.testing.sessions import closed_session, last_week
from matrica.testing.world import login_as

pytestmark = pytest.mark.django_db

HIDDEN = "<5"
URL = reverse("needs:comparison")


def officers(administration: Any, count: int) -> list[Any]:
    return [
        StaffMemberFactory.create(
            institution=administration.prison, primary_category=category("FLO")
        )
        for _ in range(count)
    ]


def row(comparison: Any, code: str) -> Any:
    return next(each for each in comparison.all_rows if each.code == code)


def today() -> datetime.date:
    return timezone.localdate()


@pytest.fixture
def delivered(world: Any) -> dict[str, Any]:
    """This year: Serbia trained 6 officers in one session, Montenegro 2 in another."""
    serbia = closed_session(world["RS"], people=officers(world["RS"], 6), starts_on=last_week())
    montenegro = closed_session(world["ME"], people=officers(world["ME"], 2), starts_on=last_week())
    return {"RS": serbia, "ME": montenegro, "year": serbia.starts_on.year}


def on_year(delivered: dict[str, Any]) -> datetime.date:
    return datetime.date(delivered["year"], 12, 31)


# Figures and their suppression ---------------------------------------------------------------


def test_superuser_sees_each_administrations_delivery_exactly(world, delivered):
    comparison = regional_comparison(world.superuser, on_year(delivered))
    serbia, montenegro = row(comparison, "RS").delivery, row(comparison, "ME").delivery
    assert (serbia.sessions, serbia.participants, serbia.suppressed) == (1, 6, False)
    assert (montenegro.sessions, montenegro.participants) == (1, 2)
    assert serbia.hours == montenegro.hours  # both two days of the same module


def test_coordinator_sees_no_delivery_of_fewer_than_5_people_nor_can_derive_it(world, delivered):
    comparison = regional_comparison(world.coordinator, on_year(delivered))
    montenegro = row(comparison, "ME").delivery
    assert montenegro.suppressed
    assert set(montenegro.cells().values()) == {disclosure.hidden_label()}
    # The region's 8 is published: Serbia's 6 would give Montenegro's 2 back, so it goes too.
    assert comparison.region.delivery.participants == 8
    assert not comparison.region.delivery.suppressed
    assert row(comparison, "RS").delivery.suppressed


def test_an_administration_of_5_or_more_is_shown_when_nothing_can_be_derived(world, delivered):
    closed_session(world["ME"], people=officers(world["ME"], 5), starts_on=last_week())
    comparison = regional_comparison(world.coordinator, on_year(delivered))
    assert row(comparison, "ME").delivery.participants == 7
    assert row(comparison, "RS").delivery.participants == 6
    assert not any(each.delivery.suppressed for each in comparison.all_rows)
    assert row(comparison, "ME").delivery.joint_percent == 0


def test_compliance_of_an_administration_of_3_people_is_hidden_from_the_coordinator(world):
    comparison = regional_comparison(world.coordinator, today())
    serbia = row(comparison, "RS").compliance
    assert serbia is not None
    assert serbia.people.display == HIDDEN
    assert serbia.compliant.display == HIDDEN
    exact = row(regional_comparison(world.superuser, today()), "RS").compliance
    assert exact is not None
    assert exact.people.value == 3


def test_trend_takes_each_years_last_quarter_and_suppresses_small_administrations(world):
    year = today().year - 1
    for code, people, compliant in (("RS", 40, 30), ("ME", 3, 1)):
        administration = world[code]
        for end, share in ((datetime.date(year, 9, 30), 0), (datetime.date(year, 12, 31), 1)):
            TrendPoint.objects.create(
                quarter_end=end, beneficiary=administration.beneficiary,
                institution=administration.prison, primary_category=category("FLO"),
                people=people, compliant=compliant * share,
            )  # fmt: skip
    superuser = regional_comparison(world.superuser, today())
    serbia = next(line for line in superuser.trend if line.code == "RS")
    point = next(p for p in serbia.points if p.year == year)
    assert point.quarter_end == datetime.date(year, 12, 31)
    assert point.compliant is not None
    assert point.compliant.percent == 75.0

    coordinator = regional_comparison(world.coordinator, today())
    lines = {line.code: line for line in coordinator.trend}
    assert len(lines["RS"].points) == 5
    montenegro = next(p for p in lines["ME"].points if p.year == year)
    assert montenegro.compliant is not None
    assert montenegro.compliant.display == HIDDEN
    # The region (43) is published (or hidden with it): Serbia cannot stay beside it alone.
    serbia_point = next(p for p in lines["RS"].points if p.year == year)
    region_point = next(p for p in lines[REGION].points if p.year == year)
    assert serbia_point.compliant is not None
    assert region_point.compliant is not None
    assert serbia_point.compliant.suppressed or region_point.compliant.suppressed


def test_coverage_counts_every_required_cell_once(world):
    area = CompetencyArea.objects.get(code="RAD")
    create_course(
        actor=world["RS"].users["national_admin"], beneficiary=world["RS"].beneficiary,
        code="BASIC", title="Basic course", kind="initial", hours=200,
        target_categories=[category("FLO")],
        cells=[Cell(area=area, category=category("FLO"), level=Level.objects.get(code="S"),
                    hours=100)],
    )  # fmt: skip
    comparison = regional_comparison(world.coordinator, today())
    _version, _adaptation, rules = rules_in_force(
        beneficiary_id=world["RS"].beneficiary.pk, on=today()
    )
    serbia, montenegro = row(comparison, "RS").coverage, row(comparison, "ME").coverage
    assert serbia.cells == len(rules)
    assert montenegro.of(Coverage.GAP) == montenegro.cells
    assert serbia.of(Coverage.GAP) == serbia.cells - 1
    assert comparison.region.coverage.cells == serbia.cells + montenegro.cells


# Access --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who", ["RS:national_admin", "RS:training_manager", "RS:institution_manager", "RS:staff"]
)
@pytest.mark.parametrize(
    "url",
    [
        URL,
        reverse("needs:comparison_export", args=["csv"]),
        reverse("needs:comparison_pdf"),
    ],
)
def test_only_the_coordinator_sees_the_comparison(client, world, who, url):
    login_as(client, world, who)
    assert client.get(url).status_code == 403


def test_anonymous_is_sent_to_sign_in(client, world):
    response = client.get(URL)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_page_compares_both_administrations_within_a_query_budget(
    client, world, delivered, django_assert_max_num_queries
):
    """The compliance dashboard's few queries, three for delivery and the trend, and the gap
    analysis of each administration (`coverage_matrix`, a fixed number each): bounded by the
    number of administrations, never by people or sessions."""
    login_as(client, world, "coordinator")
    with django_assert_max_num_queries(40 + 55 * len(world.administrations)):
        response = client.get(URL, {"on": on_year(delivered).isoformat()})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Serbia" in page
    assert "Montenegro" in page
    assert "Survey needs" in page
    assert "No survey yet." in page
    assert "Create a draft" in page


def test_the_query_count_does_not_grow_with_sessions(
    client, world, delivered, django_assert_max_num_queries
):
    """Set-based: more sessions and people add no query."""
    login_as(client, world, "coordinator")
    on = on_year(delivered).isoformat()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        client.get(URL, {"on": on})
    for _ in range(2):
        closed_session(world["ME"], people=officers(world["ME"], 5), starts_on=last_week())
    with CaptureQueriesContext(connection) as after:
        client.get(URL, {"on": on})
    assert len(after) <= len(before)


# Downloads -----------------------------------------------------------------------------------


def test_csv_carries_codes_and_the_hidden_label(client, world, delivered):
    login_as(client, world, "coordinator")
    response = client.get(
        reverse("needs:comparison_export", args=["csv"]), {"on": on_year(delivered).isoformat()}
    )
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header = rows[0]
    assert header[:4] == ["Part", "Year", "Administration code", "Administration"]
    comparison = {r[2]: r for r in rows[1:] if r[0] == "comparison"}
    assert set(comparison) == {"RS", "ME", "region"}
    sessions = header.index("Sessions held")
    assert comparison["ME"][sessions] == HIDDEN
    assert comparison["region"][header.index("Participants (people)")] == "8"
    trend = [r for r in rows[1:] if r[0] == "trend"]
    assert len(trend) == 3 * 5
    assert "private" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


def test_xlsx_has_the_same_rows(client, world, delivered):
    login_as(client, world, "coordinator")
    response = client.get(
        reverse("needs:comparison_export", args=["xlsx"]), {"on": on_year(delivered).isoformat()}
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert values[0][2] == "Administration code"
    assert len(values) == 1 + 3 + 15


def test_an_unknown_format_is_404(client, world):
    login_as(client, world, "coordinator")
    assert client.get(reverse("needs:comparison_export", args=["ods"])).status_code == 404


def test_the_pdf_is_a_pdf(client, world, delivered):
    login_as(client, world, "coordinator")
    response = client.get(reverse("needs:comparison_pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


# Survey needs --------------------------------------------------------------------------------


def surveyed(administration: Any, answering: int, wants_training: bool = True) -> None:
    """A campaign of the administration's front-line officers, `answering` of them answered."""
    from matrica.surveys import actions as survey_actions
    from matrica.surveys.models import Invitation
    from matrica.surveys.tests.factories import campaign, ratings, respondent

    people = [respondent(administration) for _ in range(answering)]
    made = campaign(administration, categories=("FLO",))
    for user in people:
        invitation = Invitation.objects.get(campaign=made, staff_member=user.staff_member)
        survey_actions.answer_survey(
            actor=user, invitation=invitation, ratings=ratings(wants_training=wants_training)
        )


def test_survey_needs_show_answers_and_the_areas_most_asked_for(world):
    surveyed(world["RS"], 6)
    comparison = regional_comparison(world.coordinator, today())
    needs = row(comparison, "RS").survey_needs
    assert needs is not None
    assert needs.answered == 6
    assert [share for _area, share in needs.top_areas] == [100, 100, 100]
    assert row(comparison, "ME").survey_needs is None  # no survey there


def test_survey_needs_of_fewer_than_5_answers_are_hidden(client, world):
    surveyed(world["ME"], 3)
    comparison = regional_comparison(world.coordinator, today())
    needs = row(comparison, "ME").survey_needs
    assert needs is not None
    assert needs.suppressed
    assert needs.top_areas == ()
    login_as(client, world, "coordinator")
    response = client.get(reverse("needs:comparison_export", args=["csv"]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    column = rows[0].index("Survey needs")
    montenegro = next(r for r in rows[1:] if r[0] == "comparison" and r[2] == "ME")
    assert montenegro[column].endswith(HIDDEN)
