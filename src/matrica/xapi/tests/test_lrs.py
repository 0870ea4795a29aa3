"""The learning record store as xAPI clients see it: Moodle's logstore plugin (its own expected
statements, sent as it sends them) and the ADL conformance suite's rules and templates."""

from __future__ import annotations

import base64
import copy
import json
import uuid

import pytest

from matrica.xapi.models import Statement
from matrica.xapi.tests.conftest import ADL, MOODLE_CASES, make_platform, moodle, third_party

pytestmark = pytest.mark.django_db


def adl_statement() -> dict:
    return third_party(ADL / "statements" / "default.json")


@pytest.mark.parametrize("case", MOODLE_CASES)
def test_moodle_statements_are_accepted_as_moodle_sends_them(platform, case):
    batch = moodle(case)
    response = platform.post(batch)
    assert response.status_code == 200, response.content
    assert response["X-Experience-API-Version"] == "1.0.3"
    ids = response.json()
    assert len(ids) == len(batch)
    assert all(uuid.UUID(i) for i in ids)
    stored = Statement.objects.get(statement_id=ids[0])
    assert stored.raw["context"]["platform"] == "Moodle"
    assert stored.raw["id"] == ids[0]


def test_a_moodle_resend_of_the_same_batch_stores_nothing_twice(platform):
    batch = [s for case in MOODLE_CASES for s in moodle(case)]
    first = platform.post(batch)
    again = platform.post(batch)  # Moodle did not see the first 200 (a timeout) and resends
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    # Two of the plugin's events send the very same statement: one event, kept once.
    distinct = {json.dumps(statement, sort_keys=True) for statement in batch}
    assert Statement.objects.count() == len(distinct) == len(set(first.json()))


def test_a_batch_refused_then_resent_is_stored_once(platform):
    batch = moodle(MOODLE_CASES[4])
    broken = copy.deepcopy(batch)
    broken[1]["verb"]["id"] = "answered"  # not an IRI: the whole batch is refused
    assert platform.post(broken).status_code == 400
    assert Statement.objects.count() == 0
    assert platform.post(batch).status_code == 200  # the plugin queues it again and resends
    assert platform.post(batch).status_code == 200
    assert Statement.objects.count() == 2


def test_a_single_adl_statement_answers_200_with_an_array_of_ids(platform):
    statement = {**adl_statement(), "id": str(uuid.uuid4())}
    response = platform.post(statement)
    assert response.status_code == 200
    assert response.json() == [statement["id"]]
    fetched = platform.get(statement["id"])
    assert fetched.status_code == 200
    assert fetched.json()["actor"] == statement["actor"]
    assert fetched["X-Experience-API-Version"] == "1.0.3"


def test_the_adl_result_and_account_agent_templates_are_accepted(platform):
    statement = {
        **adl_statement(), "actor": third_party(ADL / "agents" / "account.json"),
        "result": third_party(ADL / "results" / "default.json"),
    }  # fmt: skip
    response = platform.post(statement)
    assert response.status_code == 200, response.content
    stored = Statement.objects.get()
    assert stored.actor_key == "account:http://www.example.com|xAPI account name"
    assert stored.raw["result"]["duration"] == "PT1H0M0S"


def test_a_batch_with_one_invalid_statement_stores_nothing(platform):
    correct = {**adl_statement(), "id": str(uuid.uuid4())}
    incorrect = {**adl_statement(), "id": str(uuid.uuid4()), "verb": {"id": "should fail"}}
    response = platform.post([correct, incorrect])
    assert response.status_code == 400
    assert response.json()["statement"] == 1
    assert response["X-Experience-API-Version"] == "1.0.3"
    assert platform.get(correct["id"]).status_code == 404


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"actor": {"name": "no identifier"}}, "actor"),
        ({"actor": {"mbox": "xapi@adlnet.gov"}}, "actor.mbox"),
        ({"actor": {"mbox": "mailto:a@b.org", "account": {"homePage": "http://x", "name": "1"}}},
         "actor"),
        ({"verb": {"id": "attended"}}, "verb.id"),
        ({"object": {"objectType": "Activity"}}, "object.id"),
        ({"id": "not-a-uuid"}, "id"),
        ({"timestamp": "yesterday"}, "timestamp"),
        ({"result": {"score": {"scaled": 1.5}}}, "result.score.scaled"),
        ({"result": {"score": {"raw": 120, "min": 0, "max": 100}}}, "result.score.raw"),
        ({"result": {"score": {"min": 10, "max": 5}}}, "result.score.min"),
        ({"result": {"success": "yes"}}, "result.success"),
        ({"result": {"duration": "an hour"}}, "result.duration"),
        ({"colour": "blue"}, "colour"),
    ],
)  # fmt: skip
def test_invalid_statements_are_refused_with_the_property_named(platform, change, path):
    response = platform.post([{**adl_statement(), **change}])
    assert response.status_code == 400
    assert response.json()["property"] == path
    assert Statement.objects.count() == 0


def test_the_same_id_sent_again_is_accepted_and_not_duplicated(platform):
    statement = {**adl_statement(), "id": str(uuid.uuid4())}
    assert platform.post(statement).status_code == 200
    assert platform.post([statement]).json() == [statement["id"]]
    assert Statement.objects.count() == 1


def test_the_same_id_with_a_different_statement_is_a_conflict(platform):
    statement = {**adl_statement(), "id": str(uuid.uuid4())}
    platform.post(statement)
    other = {**statement, "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"}}
    response = platform.post([other])
    assert response.status_code == 409
    assert platform.get(statement["id"]).json()["verb"]["id"].endswith("/attended")


def test_an_id_is_assigned_when_absent_and_the_statement_can_be_fetched_by_it(platform):
    [statement_id] = platform.post(adl_statement()).json()
    fetched = platform.get(statement_id).json()
    assert fetched["id"] == statement_id
    assert "stored" in fetched
    assert "timestamp" in fetched


def test_put_stores_a_statement_under_the_given_id(platform):
    statement_id = str(uuid.uuid4())
    response = platform.client.put(
        f"/xapi/statements?statementId={statement_id}", data=json.dumps(adl_statement()),
        content_type="application/json", **platform.headers(),
    )  # fmt: skip
    assert response.status_code == 204
    assert platform.get(statement_id).status_code == 200


@pytest.mark.parametrize("method", ["get", "post", "put"])
def test_statements_without_the_version_header_are_refused(platform, method):
    response = getattr(platform.client, method)(
        "/xapi/statements", **platform.headers(version=None)
    )
    assert response.status_code == 400
    assert response["X-Experience-API-Version"] == "1.0.3"


@pytest.mark.parametrize("version", ["1.0.0", "1.0.1", "1.0.3", "1.0"])
def test_any_1_0_version_is_accepted(platform, version):
    assert platform.post(adl_statement(), version=version).status_code == 200


@pytest.mark.parametrize("version", ["0.95", "2.0.0", "one"])
def test_other_versions_are_refused(platform, version):
    assert platform.post(adl_statement(), version=version).status_code == 400


def test_about_works_without_the_header_and_lists_1_0_3(client, db):
    response = client.get("/xapi/about")
    assert response.status_code == 200
    assert response.json()["version"] == ["1.0.3"]
    assert response["X-Experience-API-Version"] == "1.0.3"


def test_statements_without_credentials_or_with_a_wrong_secret_are_refused(platform):
    anonymous = platform.client.post(
        "/xapi/statements", data="[]", content_type="application/json",
        HTTP_X_EXPERIENCE_API_VERSION="1.0.3",
    )  # fmt: skip
    assert anonymous.status_code == 401
    assert anonymous["X-Experience-API-Version"] == "1.0.3"
    platform.secret = "guess"
    assert platform.post(adl_statement()).status_code == 401


def test_revoked_credentials_stop_working(platform, world):
    from matrica.xapi.actions import revoke_source

    revoke_source(actor=world["RS"].users["national_admin"], source=platform.source)
    assert platform.post(adl_statement()).status_code == 401


def test_the_secret_is_stored_hashed_and_never_in_the_audit_trail(platform):
    from matrica.audit.models import AuditEvent

    assert platform.secret not in platform.source.secret_hash
    assert not AuditEvent.objects.filter(after__has_key="secret_hash").exists()
    trail = json.dumps(list(AuditEvent.objects.values("before", "after", "message")))
    assert platform.secret not in trail
    assert platform.source.secret_hash not in trail


def test_another_administrations_source_neither_sees_nor_changes_these_statements(
    client, world, platform
):
    statement = {**adl_statement(), "id": str(uuid.uuid4())}
    platform.post(statement)
    other = make_platform(client, world, "ME", "ME Moodle")
    assert other.get(statement["id"]).status_code == 404
    changed = {**statement, "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"}}
    assert other.post(changed).status_code == 200  # its own statement, in its own store
    assert platform.get(statement["id"]).json()["verb"]["id"].endswith("/attended")
    assert (
        other.client.get("/xapi/statements", **other.headers())
        .json()["statements"][0]["verb"]["id"]
        .endswith("/experienced")
    )


def test_basic_auth_garbage_is_refused(platform):
    response = platform.client.post(
        "/xapi/statements", data="[]", content_type="application/json",
        HTTP_AUTHORIZATION="Basic " + base64.b64encode(b"no-colon").decode(),
        HTTP_X_EXPERIENCE_API_VERSION="1.0.3",
    )  # fmt: skip
    assert response.status_code == 401
