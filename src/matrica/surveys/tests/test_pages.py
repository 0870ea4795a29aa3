"""The survey pages: every URL for every role (404 out of scope, 403 without the verb), the
phone form, launching, opening and closing by hand, the heat map under disclosure control,
and what they cost in queries."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from matrica.framework.models import CompetencyArea
from matrica.surveys.models import Campaign, Response
from matrica.surveys.tests.factories import answer, campaign, respondent
from matrica.testing.factories import category

pytestmark = pytest.mark.django_db

ROLES = ["national_admin", "training_manager", "institution_manager", "trainer", "staff"]
NATIONAL = {"national_admin", "training_manager"}
TODAY = timezone.localdate()


@pytest.fixture
def opened(world) -> Campaign:
    return campaign(world["RS"], categories=("FLO",))


def urls(opened: Campaign) -> dict[str, tuple]:
    """name → (method, url, expected status per user key, status for everyone else)."""
    own = {f"RS {role}": 200 for role in NATIONAL} | {"coordinator": 200}
    runs = {f"{code} {role}": 200 for code in ("RS", "ME") for role in NATIONAL}
    pk = opened.pk
    return {
        "my surveys": ("get", reverse("surveys:mine"), {}, 200),
        # The RS staff member and the RS trainer are front-line officers: both were asked.
        "answer": ("get", reverse("surveys:answer", args=[pk]),
                   {"RS staff": 200, "RS trainer": 200}, 404),
        "campaigns": ("get", reverse("surveys:campaigns"), runs | {"coordinator": 200}, 403),
        "launch": ("get", reverse("surveys:launch"), runs, 403),
        "campaign": ("get", reverse("surveys:campaign", args=[pk]),
                     own | {"ME national_admin": 404, "ME training_manager": 404}, 403),
        "csv": ("get", reverse("surveys:export", args=[pk, "csv"]),
                own | {"ME national_admin": 404, "ME training_manager": 404}, 403),
        "xlsx": ("get", reverse("surveys:export", args=[pk, "xlsx"]),
                 own | {"ME national_admin": 404, "ME training_manager": 404}, 403),
        "pdf is no format": ("get", reverse("surveys:export", args=[pk, "pdf"]),
                             {"RS national_admin": 404, "RS training_manager": 404,
                              "coordinator": 404, "ME national_admin": 404,
                              "ME training_manager": 404}, 403),
        # The campaign is open already: RS's roles are refused in place (a message, back to the
        # campaign's page), so it stays open for every row of the table.
        "open": ("post", reverse("surveys:open", args=[pk]),
                 {"RS national_admin": 302, "RS training_manager": 302,
                  "ME national_admin": 404, "ME training_manager": 404}, 403),
        "missing campaign": ("get", reverse("surveys:campaign", args=[999_999]),
                             {"coordinator": 404} | {f"{c} {r}": 404 for c in ("RS", "ME")
                                                     for r in NATIONAL}, 403),
    }  # fmt: skip


NAMES = ["my surveys", "answer", "campaigns", "launch", "campaign", "csv", "xlsx",
         "pdf is no format", "open", "missing campaign"]  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
def test_every_url_answers_each_role_as_its_scope_says(client, world, opened, name):
    method, url, expected, otherwise = urls(opened)[name]
    users = {f"{code} {role}": world[code].users[role] for code in ("RS", "ME") for role in ROLES}
    users["coordinator"] = world.coordinator
    got, wanted = {}, {}
    for key, user in users.items():
        client.force_login(user)
        got[key] = getattr(client, method)(url).status_code
        wanted[key] = expected.get(key, otherwise)
    client.logout()
    got["anonymous"], wanted["anonymous"] = getattr(client, method)(url).status_code, 302
    assert got == wanted


def test_closing_is_refused_to_everyone_out_of_reach_and_done_by_the_administration(
    client, world, opened
):
    url = reverse("surveys:close", args=[opened.pk])
    for user, status in [(world["ME"].users["national_admin"], 404),
                         (world["RS"].users["staff"], 403), (world.coordinator, 403)]:  # fmt: skip
        client.force_login(user)
        assert client.post(url).status_code == status
    opened.refresh_from_db()
    assert opened.state == Campaign.State.OPEN
    client.force_login(world["RS"].users["training_manager"])
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    opened.refresh_from_db()
    assert opened.state == Campaign.State.CLOSED


def test_the_answer_form_is_a_phone_form_of_three_questions_per_area(client, world, opened):
    client.force_login(world["RS"].users["staff"])
    page = client.get(reverse("surveys:answer", args=[opened.pk])).content.decode()
    areas = CompetencyArea.objects.count()
    assert page.count("<fieldset") == 3 * areas
    assert page.count('type="radio"') == (5 + 5 + 2) * areas
    assert 'name="viewport" content="width=device-width' in page
    assert "How often does it arise in your work?" in page
    assert "anonymous" in page


def _all_areas(value: dict[str, str]) -> dict[str, str]:
    data = {}
    for pk in CompetencyArea.objects.values_list("pk", flat=True):
        data.update({f"area_{pk}_{name}": v for name, v in value.items()})
    return data


def test_answering_thanks_and_takes_the_survey_off_my_list(client, world, opened):
    client.force_login(world["RS"].users["staff"])
    url = reverse("surveys:answer", args=[opened.pk])
    assert url in client.get(reverse("surveys:mine")).content.decode()
    data = _all_areas({"confidence": "4", "frequency": "daily", "training": "no"})
    response = client.post(url, data, follow=True)
    assert "without your name" in response.content.decode()
    assert url not in response.content.decode()
    assert Response.objects.get().areas.filter(confidence=4, frequency="daily").count() == (
        CompetencyArea.objects.count()
    )
    again = client.post(url, data)
    assert "already answered" in again.content.decode()
    assert Response.objects.count() == 1


def test_a_missing_answer_is_asked_for_again_and_nothing_is_kept(client, world, opened):
    client.force_login(world["RS"].users["staff"])
    data = _all_areas({"confidence": "4", "frequency": "daily"})
    response = client.post(reverse("surveys:answer", args=[opened.pk]), data)
    assert response.status_code == 200
    assert "Answer yes or no." in response.content.decode()
    assert not Response.objects.exists()
    assert not opened.invitations.filter(answered=True).exists()


def test_launching_saves_a_draft_of_the_administration(client, world):
    rs = world["RS"]
    client.force_login(rs.users["national_admin"])
    page = client.get(reverse("surveys:launch")).content.decode()
    assert "RS prison" in page
    assert "ME prison" not in page
    response = client.post(reverse("surveys:launch"), {
        "title": "Needs of the prisons", "target_categories": [category("FLO").pk],
        "target_institutions": [rs.prison.pk], "opens_on": TODAY.isoformat(),
        "closes_on": (TODAY + datetime.timedelta(days=10)).isoformat(), "anonymous": "on",
    })  # fmt: skip
    made = Campaign.objects.get()
    assert response["Location"] == reverse("surveys:campaign", args=[made.pk])
    assert (made.beneficiary, made.state, made.anonymous) == (rs.beneficiary, "draft", True)
    assert list(made.target_institutions.all()) == [rs.prison]
    # A foreign institution in the form matches nothing.
    response = client.post(reverse("surveys:launch"), {
        "title": "Foreign", "target_categories": [category("FLO").pk],
        "target_institutions": [world["ME"].prison.pk], "opens_on": TODAY.isoformat(),
        "closes_on": TODAY.isoformat(),
    })  # fmt: skip
    assert response.status_code == 200
    assert Campaign.objects.count() == 1


def test_opening_by_hand_asks_the_people(client, world):
    draft = campaign(world["RS"], categories=("FLO",), opened=False)
    client.force_login(world["RS"].users["national_admin"])
    response = client.post(reverse("surveys:open", args=[draft.pk]), follow=True)
    assert "2 people asked" in response.content.decode()
    assert draft.invitations.count() == 2


def test_the_heat_map_shows_counts_and_hides_small_categories(client, world):
    rs = world["RS"]
    officers = [respondent(rs, "FLO") for _ in range(5)]
    trainer = respondent(rs, "TRS")
    opened = campaign(rs, categories=("FLO", "TRS"))
    for user in officers:
        answer(user, opened, confidence=4)
    answer(trainer, opened)
    for user in (rs.users["national_admin"], world.coordinator):
        client.force_login(user)
        page = client.get(reverse("surveys:campaign", args=[opened.pk])).content.decode()
        assert "Needs by area and staff category" in page
        assert "&lt;5" in page  # the trainer's column, and the officers' that the total gives
        assert "6 answers of 9 people asked" in page
        assert "4.0" not in page


def test_the_heat_map_shows_a_category_of_five(client, world):
    rs = world["RS"]
    officers = [respondent(rs, "FLO") for _ in range(5)]
    opened = campaign(rs, categories=("FLO",))
    for user in officers:
        answer(user, opened, confidence=4)
    client.force_login(world.coordinator)
    page = client.get(reverse("surveys:campaign", args=[opened.pk])).content.decode()
    assert "5 / 7" in page
    assert "4.0" in page
    assert "100.0 % wish training" in page


@pytest.mark.parametrize("extra", [0, 12])
def test_pages_cost_the_same_whatever_their_size(
    client, world, extra, django_assert_max_num_queries
):
    rs = world["RS"]
    people = [respondent(rs, "FLO") for _ in range(extra)]
    opened = campaign(rs, categories=("FLO",))
    for user in people:
        answer(user, opened)
    for _ in range(extra // 4):
        campaign(rs, categories=("TRS",))
    client.force_login(rs.users["national_admin"])
    for url in (reverse("surveys:campaigns"), reverse("surveys:campaign", args=[opened.pk]),
                reverse("surveys:export", args=[opened.pk, "csv"])):  # fmt: skip
        with django_assert_max_num_queries(12):
            assert client.get(url).status_code == 200
    client.force_login(rs.users["staff"])
    for url in (reverse("surveys:mine"), reverse("surveys:answer", args=[opened.pk])):
        with django_assert_max_num_queries(8):
            assert client.get(url).status_code == 200
