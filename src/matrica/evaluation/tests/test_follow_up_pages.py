"""The follow-up pages: "My follow-ups", the questionnaire on a phone, the thank-you page, and the
results per module (national roles) and per administration and module (the coordinator, under
disclosure control), with their CSV and XLSX."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Sequence
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from matrica.delivery.models import Enrolment, TrainingSession
from matrica.evaluation.actions import invite_to_follow_up
from matrica.evaluation.follow_up_selectors import follow_up_results
from matrica.evaluation.models import FollowUpAnswer, FollowUpInvitation
from matrica.framework.models import Module
from matrica.testing.factories import StaffMemberFactory
from matrica.testing.sessions import closed_session
from matrica.testing.world import Administration

pytestmark = pytest.mark.django_db

Respondent = FollowUpInvitation.Respondent
ROLES = ["national_admin", "training_manager", "institution_manager", "trainer", "staff"]
NATIONAL = {"national_admin", "training_manager"}


@pytest.fixture
def serbia(world):
    return world["RS"]


@pytest.fixture
def session(serbia):
    """Basic awareness last week, attended by Ђорђе (the staff account) and Milica; followed
    up 90 days after."""
    session = closed_session(serbia)
    invite_to_follow_up(today=session.ends_on + datetime.timedelta(days=90))
    return session


def invitation_of(username: str, respondent: str) -> FollowUpInvitation:
    return FollowUpInvitation.objects.get(
        respondent=respondent, enrolment__staff_member__user__username=username
    )


def followed_up(
    template: TrainingSession,
    module_code: str,
    *,
    people: int,
    answered: tuple[int, int] = (0, 0),
    answers: Sequence[tuple[int, int, int]] = (),
    administration: Administration,
) -> TrainingSession:
    """A closed session of `module_code` like `template`, of `administration`, with `people`
    attended participants in its prison, each asked with their manager; the first `answered`
    (participants, managers) marked answered, and `answers` stored as given."""
    session = TrainingSession.objects.get(pk=template.pk)
    session.pk = None
    session.module = Module.objects.get(code=module_code)
    session.beneficiary = administration.beneficiary
    session.save()
    for index in range(people):
        member = StaffMemberFactory.create(institution=administration.prison)
        enrolment = Enrolment.objects.create(session=session, staff_member=member, state="attended")
        for respondent, first in zip(Respondent.values, answered, strict=True):
            FollowUpInvitation.objects.create(
                session=session, enrolment=enrolment, respondent=respondent, language="en",
                sent_on=session.ends_on + datetime.timedelta(days=90), answered=index < first,
            )  # fmt: skip
    for number, (used, changed, support) in enumerate(answers):
        FollowUpAnswer.objects.create(
            session=session, respondent=Respondent.values[number % 2], used=used,
            changed=changed, support=support,
        )  # fmt: skip
    return session


# Tenancy: every URL, every role ---------------------------------------------------------------


def urls() -> dict[str, tuple]:
    """name → (url builder, expected status per user key, status for everyone else)."""
    results = {f"{code} {role}": 200 for code in ("RS", "ME") for role in NATIONAL}
    results["coordinator"] = 200
    return {
        "my follow-ups": (lambda: reverse("evaluation:follow_up_list"), {}, 200),
        "own questionnaire": (
            lambda: reverse(
                "evaluation:follow_up_answer",
                args=[invitation_of("staff-rs", Respondent.PARTICIPANT).pk],
            ),
            {"RS staff": 200},
            404,
        ),
        "manager's questionnaire": (
            lambda: reverse(
                "evaluation:follow_up_answer",
                args=[invitation_of("staff-rs", Respondent.MANAGER).pk],
            ),
            {"RS institution_manager": 200},
            404,
        ),
        "missing questionnaire": (
            lambda: reverse("evaluation:follow_up_answer", args=[999_999]),
            {},
            404,
        ),
        "thanks": (lambda: reverse("evaluation:follow_up_thanks"), {}, 200),
        "results": (lambda: reverse("evaluation:follow_up_results"), results, 403),
        "csv": (lambda: reverse("evaluation:follow_up_results_export", args=["csv"]), results, 403),
        "xlsx": (
            lambda: reverse("evaluation:follow_up_results_export", args=["xlsx"]),
            results,
            403,
        ),
    }


@pytest.mark.parametrize("name", list(urls()))
def test_every_url_answers_each_role_as_its_scope_says(client, world, session, name):
    build, expected, otherwise = urls()[name]
    url = build()
    users = {f"{code} {role}": world[code].users[role] for code in ("RS", "ME") for role in ROLES}
    users["coordinator"] = world.coordinator
    got, wanted = {}, {}
    for key, user in users.items():
        client.force_login(user)
        got[key] = client.get(url).status_code
        wanted[key] = expected.get(key, otherwise)
    client.logout()
    got["anonymous"], wanted["anonymous"] = client.get(url).status_code, 302
    assert got == wanted


def test_the_questionnaire_cannot_be_posted_by_anyone_else(client, world, session):
    url = reverse(
        "evaluation:follow_up_answer", args=[invitation_of("staff-rs", Respondent.PARTICIPANT).pk]
    )
    data = {"used": "4", "changed": "4", "support": "4"}
    for user in (world["RS"].users["institution_manager"], world["ME"].users["staff"]):
        client.force_login(user)
        assert client.post(url, data).status_code == 404
    client.logout()
    assert client.post(url, data).status_code == 302
    assert not FollowUpAnswer.objects.exists()


# My follow-ups and answering ------------------------------------------------------------------


def test_my_follow_ups_lists_the_participants_own_and_the_managers_people(client, serbia, session):
    client.force_login(serbia.users["staff"])
    page = client.get(reverse("evaluation:follow_up_list")).content.decode()
    own = invitation_of("staff-rs", Respondent.PARTICIPANT)
    assert f"/evaluation/follow-up/{own.pk}/" in page
    about = invitation_of("staff-rs", Respondent.MANAGER)
    assert f"/evaluation/follow-up/{about.pk}/" not in page  # the manager's, about them
    client.force_login(serbia.users["institution_manager"])
    page = client.get(reverse("evaluation:follow_up_list")).content.decode()
    for invitation in FollowUpInvitation.objects.filter(respondent=Respondent.MANAGER):
        assert f"/evaluation/follow-up/{invitation.pk}/" in page
        assert invitation.enrolment.staff_member.full_name in page
    assert "Training of your staff" in page


def test_the_questionnaire_is_a_phone_form_of_three_radio_groups_and_a_comment(
    client, serbia, session
):
    own = invitation_of("staff-rs", Respondent.PARTICIPANT)
    client.force_login(serbia.users["staff"])
    page = client.get(reverse("evaluation:follow_up_answer", args=[own.pk])).content.decode()
    assert page.count("<fieldset") == 3
    assert page.count("<legend") == 3
    assert page.count('type="radio"') == 15
    assert "What was learnt is used at work" in page
    assert "<textarea" in page
    assert "csrfmiddlewaretoken" in page
    assert 'name="viewport" content="width=device-width' in page
    assert "Basic awareness" in page


def test_answering_thanks_and_takes_it_off_the_list(client, serbia, session):
    own = invitation_of("staff-rs", Respondent.PARTICIPANT)
    client.force_login(serbia.users["staff"])
    url = reverse("evaluation:follow_up_answer", args=[own.pk])
    response = client.post(url, {"used": "5", "changed": "4", "support": "3", "comment": "Yes"})
    assert response.status_code == 302
    assert response["Location"] == reverse("evaluation:follow_up_thanks")
    assert "Thank you" in client.get(response["Location"]).content.decode()
    answer = FollowUpAnswer.objects.get()
    assert (answer.used, answer.changed, answer.support, answer.comment) == (5, 4, 3, "Yes")
    listing = client.get(reverse("evaluation:follow_up_list")).content.decode()
    assert f"/evaluation/follow-up/{own.pk}/" not in listing
    again = client.post(url, {"used": "1", "changed": "1", "support": "1"})
    assert again.status_code == 200
    assert "already been answered" in again.content.decode()
    assert FollowUpAnswer.objects.count() == 1


def test_a_manager_answers_about_someone_of_their_institution(client, serbia, session):
    about = invitation_of("staff-rs", Respondent.MANAGER)
    client.force_login(serbia.users["institution_manager"])
    url = reverse("evaluation:follow_up_answer", args=[about.pk])
    assert about.enrolment.staff_member.full_name in client.get(url).content.decode()
    client.post(url, {"used": "2", "changed": "2", "support": "2"})
    assert FollowUpAnswer.objects.get().respondent == Respondent.MANAGER


def test_a_missing_rating_is_asked_for_again_and_nothing_is_kept(client, serbia, session):
    own = invitation_of("staff-rs", Respondent.PARTICIPANT)
    client.force_login(serbia.users["staff"])
    url = reverse("evaluation:follow_up_answer", args=[own.pk])
    response = client.post(url, {"used": "5", "changed": "9"})
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert not FollowUpAnswer.objects.exists()


@pytest.mark.parametrize("extra_people", [0, 12])
def test_my_follow_ups_costs_the_same_for_many(
    client, serbia, session, extra_people, django_assert_max_num_queries
):
    if extra_people:
        followed_up(session, "BA", people=extra_people, administration=serbia)
    client.force_login(serbia.users["institution_manager"])
    with django_assert_max_num_queries(6):
        response = client.get(reverse("evaluation:follow_up_list"))
    assert response.content.decode().count("/evaluation/follow-up/") >= 2 + extra_people


def test_the_questionnaire_costs_a_few_queries(
    client, serbia, session, django_assert_max_num_queries
):
    own = invitation_of("staff-rs", Respondent.PARTICIPANT)
    client.force_login(serbia.users["staff"])
    url = reverse("evaluation:follow_up_answer", args=[own.pk])
    with django_assert_max_num_queries(6):
        client.get(url)


# Results --------------------------------------------------------------------------------------


@pytest.fixture
def year(session) -> int:
    return session.ends_on.year


def test_results_count_who_was_asked_and_who_answered_per_module(serbia, session, year):
    followed_up(
        session, "HR", people=10, answered=(6, 4), administration=serbia,
        answers=[(5, 4, 3), (4, 4, 3), (3, 2, 1), (5, 5, 5), (4, 3, 2), (1, 1, 1)],
    )  # fmt: skip
    outcome = follow_up_results(serbia.users["training_manager"], year)
    ba, hr = outcome.rows
    assert (hr.module.code, hr.participants_sent, hr.participants_answered) == ("HR", 10, 6)
    assert (hr.managers_sent, hr.managers_answered) == (10, 4)
    assert (hr.participants_rate, hr.managers_rate) == (60, 40)
    assert hr.answers == 6
    assert hr.means == {
        "used": Decimal("3.67"), "changed": Decimal("3.17"), "support": Decimal("2.50")
    }  # fmt: skip
    assert not hr.means_hidden
    # Basic awareness: two participants asked, nobody answered yet: counts, but no mean.
    assert (ba.participants_sent, ba.answers, ba.means_hidden) == (2, 0, True)


def test_means_of_fewer_than_five_answers_are_not_shown(client, serbia, session, year):
    followed_up(
        session, "HR", people=6, answered=(4, 0), administration=serbia,
        answers=[(5, 5, 5), (1, 1, 1), (3, 3, 3), (2, 2, 2)],
    )  # fmt: skip
    (_ba, hr) = follow_up_results(serbia.users["national_admin"], year).rows
    assert hr.means_hidden
    client.force_login(serbia.users["national_admin"])
    page = client.get(reverse("evaluation:follow_up_results"), {"year": year}).content.decode()
    assert "&lt;5" in page
    assert "2.75" not in page
    rows = list(csv.reader(io.StringIO(client.get(
        reverse("evaluation:follow_up_results_export", args=["csv"]), {"year": year}
    ).content.decode("utf-8-sig"))))  # fmt: skip
    header, hr_row = rows[0], rows[2]
    assert header[:3] == ["Administration code", "Administration", "Module code"]
    assert hr_row[2] == "HR"
    assert hr_row[4:7] == ["6", "4", "67"]
    assert hr_row[-3:] == ["<5", "<5", "<5"]


def test_a_national_page_shows_its_own_administration_only(serbia, world, session, year):
    followed_up(session, "HR", people=6, administration=world["ME"])
    codes = {
        row.beneficiary.code for row in follow_up_results(serbia.users["national_admin"], year).rows
    }
    assert codes == {"RS"}


def test_the_coordinator_sees_each_administration_and_module_under_disclosure_control(
    world, serbia, session, year
):
    followed_up(
        session, "HR", people=7, answered=(5, 0), administration=world["ME"],
        answers=[(4, 4, 4)] * 5,
    )  # fmt: skip
    followed_up(session, "HR", people=3, answered=(3, 3), administration=serbia,
                answers=[(2, 2, 2)] * 6)  # fmt: skip
    rows = {
        (row.beneficiary.code, row.module.code): row
        for row in follow_up_results(world.coordinator, year).rows
    }
    assert set(rows) == {("ME", "HR"), ("RS", "BA"), ("RS", "HR")}
    me = rows[("ME", "HR")]
    assert (me.hidden, me.means_hidden, me.participants_sent) == (False, False, 7)
    assert me.means["used"] == Decimal("4.00")
    # Three and two people asked: figures about fewer than five people are not published.
    assert rows[("RS", "HR")].hidden
    assert rows[("RS", "HR")].means_hidden
    assert rows[("RS", "BA")].hidden


def test_the_coordinators_export_hides_what_the_page_hides(client, world, serbia, session, year):
    followed_up(session, "HR", people=5, answered=(5, 0), administration=world["ME"],
                answers=[(3, 3, 3)] * 5)  # fmt: skip
    client.force_login(world.coordinator)
    response = client.get(
        reverse("evaluation:follow_up_results_export", args=["xlsx"]), {"year": year}
    )
    assert "no-store" in response["Cache-Control"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = {(r[0], r[2]): r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows[("ME", "HR")][4] == 5
    assert rows[("ME", "HR")][-1] == 3
    assert set(rows[("RS", "BA")][4:]) == {"<5"}


def test_the_year_picker_offers_followed_up_years_and_refuses_nonsense(
    client, serbia, session, year
):
    client.force_login(serbia.users["training_manager"])
    page = client.get(reverse("evaluation:follow_up_results")).content.decode()
    assert f'<option value="{year}" selected>' in page
    page = client.get(reverse("evaluation:follow_up_results"), {"year": "1999"}).content.decode()
    assert "is not a year" in page
    empty = client.get(reverse("evaluation:follow_up_results"), {"year": year + 1})
    assert "No follow-up for sessions of this year." in empty.content.decode()


@pytest.mark.parametrize("modules", [["BA"], ["BA", "HR", "RE"]])
@pytest.mark.parametrize("who", ["RS training_manager", "coordinator"])
def test_results_cost_the_same_whatever_their_size(
    client, world, serbia, session, year, modules, who, django_assert_max_num_queries
):
    for code in modules:
        followed_up(session, code, people=6, answered=(5, 2), administration=serbia,
                    answers=[(4, 4, 4)] * 7)  # fmt: skip
        followed_up(session, code, people=5, administration=world["ME"])
    user = world.coordinator if who == "coordinator" else serbia.users["training_manager"]
    client.force_login(user)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("evaluation:follow_up_results"), {"year": year})
    assert response.status_code == 200
    with django_assert_max_num_queries(10):
        client.get(reverse("evaluation:follow_up_results_export", args=["csv"]), {"year": year})


def test_the_home_page_leads_participants_and_managers_to_their_follow_ups(client, world):
    link = reverse("evaluation:follow_up_list")
    for user, shown in [
        (world["RS"].users["staff"], True),
        (world["RS"].users["institution_manager"], True),
        (world["ME"].users["trainer"], True),  # a trainer takes training too
        (world.coordinator, False),
    ]:
        client.force_login(user)
        assert (link in client.get(reverse("home")).content.decode()) is shown
