"""The pages of e-learning sources: who may use them, the secret shown once, the queue with its
counts, and resolving it from the page."""

from __future__ import annotations

import pytest

from matrica.testing.world import login_as
from matrica.training.models import Completion
from matrica.xapi import actions
from matrica.xapi.models import Source
from matrica.xapi.tests.conftest import BOOK, MODULE_COMPLETION, MOODLE_LEARNER, moodle

pytestmark = pytest.mark.django_db

MANAGERS = ["RS:national_admin", "RS:training_manager"]
OTHERS = ["RS:institution_manager", "RS:trainer", "RS:staff", "coordinator"]


@pytest.mark.parametrize("who", MANAGERS)
def test_managers_create_a_source_and_see_its_secret_once(client, world, who):
    login_as(client, world, who)
    response = client.post(
        "/xapi/sources/", {"name": "HELP Moodle", "beneficiary": world["RS"].beneficiary.pk}
    )
    assert response.status_code == 200
    source = Source.objects.get()
    secret = response.context["secret"]
    assert secret
    assert secret in response.content.decode()
    assert actions.authenticate(source.key, secret) == source
    again = client.get(f"/xapi/sources/{source.pk}/").content.decode()
    assert source.key in again
    assert secret not in again
    assert secret not in client.get("/xapi/sources/").content.decode()


def test_a_second_source_with_the_same_name_is_refused(client, world):
    login_as(client, world, "RS:national_admin")
    data = {"name": "HELP Moodle", "beneficiary": world["RS"].beneficiary.pk}
    client.post("/xapi/sources/", data)
    assert client.post("/xapi/sources/", data).status_code == 400
    assert Source.objects.count() == 1


@pytest.mark.parametrize("who", OTHERS)
def test_other_roles_may_not_manage_sources(client, world, who):
    login_as(client, world, who)
    assert client.get("/xapi/sources/").status_code == 403


def test_a_source_can_not_be_created_for_another_administration(client, world):
    login_as(client, world, "RS:national_admin")
    response = client.post(
        "/xapi/sources/", {"name": "Moodle", "beneficiary": world["ME"].beneficiary.pk}
    )
    assert response.status_code == 400
    assert not Source.objects.exists()


def test_the_staff_list_leads_managers_to_the_sources(client, world):
    login_as(client, world, "RS:training_manager")
    assert "/xapi/sources/" in client.get("/staff/").content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    assert client.get("/xapi/sources/").status_code == 302


def test_another_administrations_source_is_absent(client, world, platform):
    login_as(client, world, "ME:national_admin")
    pk = platform.source.pk
    assert client.get(f"/xapi/sources/{pk}/").status_code == 404
    assert client.post(f"/xapi/sources/{pk}/revoke/").status_code == 404
    assert (
        client.post(
            f"/xapi/sources/{pk}/actors/", {"actor_key": MOODLE_LEARNER, "employee_number": ""}
        ).status_code
        == 404
    )
    assert platform.source.key not in client.get("/xapi/sources/").content.decode()
    platform.source.refresh_from_db()
    assert platform.source.revoked_at is None


def test_revoking_from_the_page_stops_the_platform(client, world, platform):
    login_as(client, world, "RS:national_admin")
    client.post(f"/xapi/sources/{platform.source.pk}/revoke/")
    assert platform.post(moodle(MODULE_COMPLETION)).status_code == 401


def test_the_queue_lists_waiting_learners_and_activities_with_their_counts(client, world, platform):
    platform.post(moodle(MODULE_COMPLETION))
    second = moodle(MODULE_COMPLETION)
    second[0]["timestamp"] = "2015-06-12T10:00:00.000Z"
    platform.post(second)
    login_as(client, world, "RS:training_manager")
    response = client.get(f"/xapi/sources/{platform.source.pk}/")
    assert [(row["actor_key"], row["waiting"]) for row, _f in response.context["actors"]] == [
        (MOODLE_LEARNER, 2)
    ]
    assert [(row["activity_id"], row["name"]) for row, _f in response.context["activities"]] == [
        (BOOK, "test_book_name")
    ]
    listing = client.get("/xapi/sources/")
    assert listing.context["sources"][0][1] == 2


def test_resolving_from_the_page_records_the_waiting_evidence(client, world, platform, module):
    person = world["RS"].people[2]
    platform.post(moodle(MODULE_COMPLETION))
    login_as(client, world, "RS:national_admin")
    url = f"/xapi/sources/{platform.source.pk}/"
    client.post(url + "activities/", {"prefix": "m0", "m0-activity_id": BOOK,
                                      "m0-module": module.pk})  # fmt: skip
    response = client.post(
        url + "actors/",
        {
            "prefix": "a0",
            "a0-actor_key": MOODLE_LEARNER,
            "a0-employee_number": person.employee_number,
        },
        follow=True,
    )
    assert "1 waiting statement became evidence" in response.content.decode()
    assert Completion.objects.filter(staff_member=person, module=module).exists()
    assert response.context["actors"] == []
    assert response.context["activities"] == []


def test_a_person_of_another_administration_can_not_be_chosen(client, world, platform):
    platform.post(moodle(MODULE_COMPLETION))
    login_as(client, world, "RS:national_admin")
    foreigner = world["ME"].people[0]
    response = client.post(
        f"/xapi/sources/{platform.source.pk}/actors/",
        {
            "prefix": "a0",
            "a0-actor_key": MOODLE_LEARNER,
            "a0-employee_number": foreigner.employee_number,
        },
        follow=True,
    )
    assert "No one in this administration" in response.content.decode()
    assert len(response.context["actors"]) == 1


def test_the_rules_switched_on_from_the_page(client, world, platform):
    login_as(client, world, "RS:national_admin")
    client.post(f"/xapi/sources/{platform.source.pk}/rules/", {"account_is_employee_number": "on"})
    platform.source.refresh_from_db()
    assert platform.source.account_is_employee_number
    assert not platform.source.mbox_is_email


def test_the_queue_page_costs_the_same_few_queries_however_long_the_queue(
    client, world, platform, django_assert_max_num_queries
):
    batch = []
    for number in range(40):
        statement = moodle(MODULE_COMPLETION)[0]
        statement["actor"]["account"]["name"] = f"moodle-{number}"
        statement["object"]["id"] = f"{BOOK}{number}"
        batch.append(statement)
    assert platform.post(batch).status_code == 200
    login_as(client, world, "RS:national_admin")
    with django_assert_max_num_queries(12):
        response = client.get(f"/xapi/sources/{platform.source.pk}/")
    assert len(response.context["actors"]) == 40
