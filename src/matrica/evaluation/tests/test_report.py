"""The year's delivery report: its arithmetic on a small hand-checked world, and what
disclosure control hides from whom."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from matrica import disclosure
from matrica.evaluation.models import FeedbackAnswer, TestResult
from matrica.evaluation.report import delivery_report
from matrica.staff.models import StaffMember
from matrica.testing.factories import StaffMemberFactory, category
from matrica.testing.sessions import closed_session, last_week

pytestmark = pytest.mark.django_db


def people(administration, count: int, *, probation: bool = False) -> list[StaffMember]:
    place = administration.probation if probation else administration.prison
    return [
        StaffMemberFactory.create(
            institution=place, primary_category=category("PRO" if probation else "FLO")
        )
        for _ in range(count)
    ]


def scores(session, gains: dict[StaffMember, tuple[int | None, int | None]]) -> None:
    for member, (pre, post) in gains.items():
        enrolment = session.enrolments.get(staff_member=member)
        for phase, score in (("pre", pre), ("post", post)):
            if score is not None:
                TestResult.objects.create(
                    enrolment=enrolment, phase=phase, score=score, method="paper"
                )


def feedback(session, *ratings: int) -> None:
    for rating in ratings:
        FeedbackAnswer.objects.create(
            session=session, language="en", relevance=rating, trainer=rating,
            materials=rating, confidence=rating,
        )  # fmt: skip


def another_trainer(session, administration) -> StaffMember:
    """The session delivered by a trainer of its own (the report only reads who delivered)."""
    member = people(administration, 1)[0]
    session.trainers.set([member])
    return member


@pytest.fixture
def serbia_year(world):
    """Serbia's year: a basic-awareness session of 6 prison officers over two 4-hour days, and
    a joint human-rights session of 3 of them and 2 probation officers over one day."""
    serbia = world["RS"]
    prison = people(serbia, 6)
    officers = people(serbia, 2, probation=True)
    first = closed_session(serbia, module_code="BA", people=prison, starts_on=last_week(), days=2)
    second = closed_session(
        serbia, module_code="HR", people=prison[:3] + officers,
        starts_on=last_week() + datetime.timedelta(days=3), days=1,
    )  # fmt: skip
    scores(first, {
        prison[0]: (40, 50), prison[1]: (40, 60), prison[2]: (50, 80), prison[3]: (70, 70),
        prison[4]: (80, 70), prison[5]: (None, 90),
    })  # fmt: skip
    feedback(first, 4, 5, 3, 4, 4)
    feedback(second, 5, 5, 5, 5, 5)
    return {"admin": serbia, "first": first, "second": second, "prison": prison,
            "officers": officers, "year": first.starts_on.year}  # fmt: skip


def row(rows, key):
    return next(each for each in rows if each.key == key)


def test_the_year_counts_sessions_people_and_hours(serbia_year):
    if serbia_year["second"].starts_on.year != serbia_year["year"]:
        pytest.skip("the two sessions straddle New Year")
    report = delivery_report(serbia_year["admin"].users["training_manager"], serbia_year["year"])
    total = report.total
    assert (total.sessions, total.joint, total.joint_percent) == (2, 1, Decimal("50.0"))
    assert (total.participants, total.participations) == (8, 11)
    assert total.session_hours == Decimal("12.0")  # 2 × 4 h + 1 × 4 h
    assert total.participant_hours == Decimal("68.0")  # 6 × 8 h + 5 × 4 h


def test_learning_gain_is_the_mean_of_post_minus_pre_over_people_with_both(serbia_year):
    report = delivery_report(serbia_year["admin"].users["national_admin"], serbia_year["year"])
    awareness = row(report.breakdowns["module"], "BA")
    # +10, +20, +30, 0, -10; the sixth person took no pre-test.
    assert (awareness.gain, awareness.gain_people) == (Decimal("10.0"), 5)
    assert awareness.cells()["gain"] == Decimal("10.0")


def test_satisfaction_is_the_mean_of_the_four_ratings_over_answers(serbia_year):
    report = delivery_report(serbia_year["admin"].users["national_admin"], serbia_year["year"])
    awareness = row(report.breakdowns["module"], "BA")
    assert (awareness.satisfaction, awareness.answers) == (Decimal("4.0"), 5)
    assert awareness.satisfaction_shown
    assert (report.total.satisfaction, report.total.answers) == (Decimal("4.5"), 10)


def one_answer_less(session) -> None:
    FeedbackAnswer.objects.filter(pk=FeedbackAnswer.objects.filter(session=session)[0].pk).delete()


def test_a_module_with_4_answers_shows_no_satisfaction_even_to_national_roles(serbia_year):
    one_answer_less(serbia_year["second"])
    report = delivery_report(serbia_year["admin"].users["national_admin"], serbia_year["year"])
    rights = row(report.breakdowns["module"], "HR")
    assert rights.answers == 4
    assert rights.cells()["satisfaction"] == disclosure.hidden_label()
    # The total (9 answers) minus the other module would give it back: that one goes too.
    assert row(report.breakdowns["module"], "BA").satisfaction_suppressed


def test_a_trainer_with_4_answers_gets_no_mean(serbia_year):
    serbia = serbia_year["admin"]
    lone = another_trainer(serbia_year["second"], serbia)
    one_answer_less(serbia_year["second"])
    report = delivery_report(serbia.users["training_manager"], serbia_year["year"])
    trainer = row(report.breakdowns["trainer"], lone.employee_number)
    assert trainer.label == lone.full_name
    assert trainer.answers == 4
    assert trainer.cells()["satisfaction"] == disclosure.hidden_label()
    assert trainer.cells()["answers"] == disclosure.hidden_label()


def test_institutions_count_the_sessions_their_people_took_part_in(serbia_year):
    serbia = serbia_year["admin"]
    report = delivery_report(serbia.users["national_admin"], serbia_year["year"])
    prison = row(report.breakdowns["institution"], str(serbia.prison.pk))
    probation = row(report.breakdowns["institution"], str(serbia.probation.pk))
    assert (prison.sessions, prison.joint, prison.participants, prison.participations) == (
        2, 1, 6, 9,
    )  # fmt: skip
    assert (probation.sessions, probation.joint, probation.participants) == (1, 1, 2)
    # Fewer than 5 people with both scores in the probation office: no gain there.
    assert probation.cells()["satisfaction"] is None  # answers belong to no institution


def test_only_sessions_held_or_closed_in_the_year_count(serbia_year):
    serbia = serbia_year["admin"]
    other_year = delivery_report(serbia.users["national_admin"], serbia_year["year"] - 1)
    assert other_year.total.sessions == 0
    assert other_year.total.gain is None
    assert other_year.breakdowns["module"] == []


def test_an_administration_sees_only_its_own_sessions(serbia_year, world):
    montenegro = delivery_report(world["ME"].users["national_admin"], serbia_year["year"])
    assert montenegro.total.sessions == 0
    assert montenegro.beneficiary == world["ME"].beneficiary


@pytest.mark.parametrize("role", ["institution_manager", "trainer", "staff"])
def test_other_roles_get_no_report(world, role):
    with pytest.raises(PermissionDenied):
        delivery_report(world["RS"].users[role], 2025)


# The region ---------------------------------------------------------------------------------


def test_the_region_has_one_row_per_administration_and_no_names(serbia_year, world):
    montenegro = world["ME"]
    closed_session(
        montenegro, module_code="BA", people=people(montenegro, 5), starts_on=last_week()
    )
    report = delivery_report(world.coordinator, serbia_year["year"])
    assert report.regional
    assert set(report.breakdowns) == {"administration", "module"}
    serbia = row(report.breakdowns["administration"], "RS")
    assert serbia.label == "Serbia"
    assert not serbia.suppressed
    assert row(report.breakdowns["administration"], "ME").participants == 5


def test_the_region_hides_an_administration_under_5_people_and_the_next_smallest(
    serbia_year, world
):
    montenegro = world["ME"]
    closed_session(
        montenegro, module_code="BA", people=people(montenegro, 3), starts_on=last_week()
    )
    report = delivery_report(world.coordinator, serbia_year["year"])
    by_administration = report.breakdowns["administration"]
    small = row(by_administration, "ME")
    assert small.suppressed
    assert set(small.cells().values()) == {disclosure.hidden_label()}
    # The region's total is published, so Serbia's figures would give Montenegro's back.
    assert row(by_administration, "RS").suppressed
    assert not report.total.suppressed
    assert report.any_suppressed


def test_the_region_hides_a_learning_gain_over_fewer_than_5_people(world):
    montenegro = world["ME"]
    team = people(montenegro, 6)
    session = closed_session(montenegro, module_code="BA", people=team, starts_on=last_week())
    scores(session, dict.fromkeys(team[:4], (50, 60)))
    report = delivery_report(world.coordinator, session.starts_on.year)
    me = row(report.breakdowns["administration"], "ME")
    assert not me.suppressed
    assert me.gain_people == 4
    assert me.cells()["gain"] == disclosure.hidden_label()
    assert report.total.cells()["gain"] == disclosure.hidden_label()
