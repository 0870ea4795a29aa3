"""A campaign's results: the heat map area × staff category (mean confidence, share wishing
training) with response counts and the response rate; a category with fewer than five answers
is suppressed, and so is the smallest other one where the total would give it back."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from matrica.framework.models import CompetencyArea
from matrica.surveys import selectors
from matrica.surveys.tests.factories import answer, campaign, respondent
from matrica.surveys.views import results_table

pytestmark = pytest.mark.django_db


def _column(results, code):
    return next(c for c in results.columns if c.category.code == code)


def _survey(world, *, officers: int, trainers: int, probation: int = 0, **campaign_options):
    """A campaign of the RS administration answered by `officers` new front-line officers,
    `trainers` new TRS and `probation` new probation officers."""
    rs = world["RS"]
    people = {
        "FLO": [respondent(rs, "FLO") for _ in range(officers)],
        "TRS": [respondent(rs, "TRS") for _ in range(trainers)],
        "PRO": [respondent(rs, "PRO", rs.probation) for _ in range(probation)],
    }
    opened = campaign(rs, categories=("FLO", "TRS", "PRO"), **campaign_options)
    return opened, people


def test_the_heat_map_gives_mean_confidence_and_share_wishing_training(world):
    opened, people = _survey(world, officers=6, trainers=0)
    for number, user in enumerate(people["FLO"]):
        answer(user, opened, confidence=2 + number % 2, wants_training=number < 4)
    results = selectors.campaign_results(opened)
    flo = _column(results, "FLO")
    assert (flo.invited, flo.answered, flo.hidden) == (8, 6, False)  # the world's two as well
    rad = CompetencyArea.objects.get(code="RAD")
    cell = results.cells[(rad.pk, flo.category.pk)]
    assert cell.answers == 6
    assert cell.mean_confidence == Decimal("2.5")
    assert cell.wish_share == Decimal("66.7")
    assert cell.frequencies["weekly"] == 6
    assert (results.answered, results.invited) == (6, 9)  # and the world's trainer (TRS)
    assert results.rate == Decimal("66.7")


def test_a_category_with_fewer_than_five_answers_is_suppressed(world):
    opened, people = _survey(world, officers=5, trainers=4)
    for user in people["FLO"] + people["TRS"]:
        answer(user, opened)
    results = selectors.campaign_results(opened)
    assert _column(results, "TRS").hidden
    # The total (9) minus the officers (5) would give the 4 back: the officers go as well.
    assert _column(results, "FLO").hidden
    assert not results.total_hidden
    assert results.cells == {}  # nothing is computed for a suppressed column


def test_the_smallest_other_category_protects_the_small_one(world):
    opened, people = _survey(world, officers=6, trainers=2, probation=5)
    for user in people["FLO"] + people["TRS"] + people["PRO"]:
        answer(user, opened)
    results = selectors.campaign_results(opened)
    hidden = {c.category.code for c in results.columns if c.hidden}
    assert hidden == {"TRS", "PRO"}  # PRO (5) is smaller than FLO (6)
    assert not _column(results, "FLO").hidden
    assert {category for _area, category in results.cells} == {_column(results, "FLO").category.pk}


def test_nobody_answered_yet_is_no_figure_to_hide(world):
    opened, _people = _survey(world, officers=0, trainers=0)
    results = selectors.campaign_results(opened)
    assert results.answered == 0
    assert not results.any_hidden


def test_the_export_has_stable_codes_and_hides_what_the_page_hides(world):
    opened, people = _survey(world, officers=5, trainers=1, probation=6)
    for user in people["FLO"] + people["TRS"] + people["PRO"]:
        answer(user, opened, frequency="daily")
    table = results_table(selectors.campaign_results(opened))
    rows = [dict(zip(table.header, row, strict=True)) for row in table.rows]
    areas = CompetencyArea.objects.count()
    assert len(rows) == areas * 3
    assert {r["Area code"] for r in rows} == set(
        CompetencyArea.objects.values_list("code", flat=True)
    )
    by_category = {r["Staff category code"]: r for r in rows if r["Area code"] == "RAD"}
    assert by_category["TRS"]["Answers"] == "<5"
    assert by_category["FLO"]["Answers"] == "<5"  # the smaller of the two others
    assert by_category["PRO"]["Answers"] == 6
    assert by_category["PRO"]["Frequency “daily”: Every day"] == 6
    assert by_category["PRO"]["Wishing training (%)"] == Decimal("100.0")


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_download_is_a_file_of_the_table(client, world, file_format):
    opened, people = _survey(world, officers=5, trainers=0)
    for user in people["FLO"]:
        answer(user, opened)
    client.force_login(world["RS"].users["national_admin"])
    response = client.get(f"/surveys/campaigns/{opened.pk}/results.{file_format}")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    if file_format == "csv":
        lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    else:
        sheet = load_workbook(io.BytesIO(response.content)).active
        lines = [
            [str(v) if v is not None else "" for v in row]
            for row in sheet.iter_rows(values_only=True)
        ]
    assert lines[0][:3] == ["Administration code", "Campaign", "Area code"]
    assert lines[1][:3] == ["RS", "Needs 2026", "RAD"]
