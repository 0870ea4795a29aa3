"""The REST API (issue 20): personal tokens (shown once, kept hashed, expiring, revocable, every
use audited), the pages' own scoping (404 out of scope), writes through the actions, cursor
pagination and `updated_since`, ETags, stable status codes, disclosure control for figures,
rate limits and RFC 9457 problem details."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from matrica.api import actions
from matrica.api.models import ApiToken
from matrica.audit.models import AuditEvent
from matrica.compliance.status import Status
from matrica.staff.models import StaffMember
from matrica.testing.factories import StaffMemberFactory, category
from matrica.testing.world import World, login_as
from matrica.training.actions import void_evidence
from matrica.training.models import Completion

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def token_for(user: Any, days: int = 30) -> str:
    return actions.create_token(actor=user, name="HR system", days=days)[1]


def get(client, path: str, token: str | None, **headers: str):
    if token:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client.get(f"/api{path}", **headers)


def send(client, method: str, path: str, token: str, body: dict[str, Any]):
    return getattr(client, method)(
        f"/api{path}", body, content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )  # fmt: skip


# Tokens ----------------------------------------------------------------------------------------


def test_a_token_is_shown_once_and_kept_only_as_a_hash(client, world: World) -> None:
    login_as(client, world, "RS:national_admin")
    response = client.post(reverse("api_tokens"), {"name": "HR system", "days": "90"})
    page = response.content.decode()
    token = ApiToken.objects.get()
    secret = page.split('<code class="token">')[1].split("</code>")[0]
    assert secret.startswith("mtr_")
    assert token.token_hash == actions.digest(secret) != secret
    assert secret not in client.get(reverse("api_tokens")).content.decode()
    assert token.expires_at.date() == (timezone.now() + datetime.timedelta(days=90)).date()
    event = AuditEvent.objects.get(message="API token created")
    assert "token_hash" not in (event.after or {})
    assert secret not in str(event.after)


def test_requests_without_a_valid_token_get_401_problem_details(client, world: World) -> None:
    admin = world["RS"].users["national_admin"]
    revoked = token_for(admin)
    actions.revoke_token(actor=admin, token=ApiToken.objects.get())
    expired = token_for(admin)
    ApiToken.objects.filter(revoked_at__isnull=True).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    for token in (None, "mtr_nonsense", revoked, expired):
        response = get(client, "/staff", token)
        assert response.status_code == 401
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["status"] == 401
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_only_its_owner_revokes_a_token_on_the_page(client, world: World) -> None:
    token_for(world["RS"].users["national_admin"])
    mine = ApiToken.objects.get()
    login_as(client, world, "ME:national_admin")
    assert client.post(reverse("api_token_revoke", args=[mine.pk])).status_code == 404
    mine.refresh_from_db()
    assert mine.revoked_at is None


def test_every_use_of_a_token_is_audited(client, world: World) -> None:
    token = token_for(world["RS"].users["national_admin"])
    get(client, "/staff?limit=2", token)
    get(client, "/administrations", token)
    uses = AuditEvent.objects.filter(action=AuditEvent.Action.API).order_by("pk")
    assert [event.message for event in uses] == [
        "GET /api/staff?limit=2",
        "GET /api/administrations",
    ]
    assert {event.user for event in uses} == {world["RS"].users["national_admin"]}
    assert uses[0].beneficiary_id == world["RS"].beneficiary.pk


def test_a_token_over_its_rate_gets_429_with_retry_after(
    client, world: World, settings, monkeypatch
) -> None:
    settings.MATRICA_API_RATE = "3/1m"
    # Windows are fixed: four requests straddling a minute's end would start a new one.
    monkeypatch.setattr("matrica.ratelimit.time.time", lambda: 1_800_000_030.0)
    token = token_for(world["RS"].users["national_admin"])
    codes = [get(client, "/administrations", token).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = get(client, "/administrations", token)
    assert int(refused["Retry-After"]) > 0
    assert refused.json()["title"] == "Too Many Requests"


# Scoping ---------------------------------------------------------------------------------------


def test_staff_are_scoped_like_the_pages_and_out_of_scope_is_404(client, world: World) -> None:
    token = token_for(world["RS"].users["national_admin"])
    items = get(client, "/staff", token).json()["items"]
    assert {item["administration"] for item in items} == {"RS"}
    assert {item["family_name"] for item in items} >= {"Ђорђевић", "Đorđević"}
    montenegrin = world["ME"].people[0]
    response = get(client, f"/staff/{montenegrin.pk}", token)
    assert response.status_code == 404
    assert response.json()["detail"].startswith("There is no such record")
    assert get(client, "/staff/999999", token).json() == {
        **response.json(),
        "instance": "/api/staff/999999",
    }


def test_institutions_and_administrations_in_scope(client, world: World) -> None:
    token = token_for(world["RS"].users["national_admin"])
    rows = get(client, "/institutions", token).json()
    assert {(row["administration"], row["name"], row["service"]) for row in rows} == {
        ("RS", "RS prison", "prison"), ("RS", "RS probation office", "probation"),
    }  # fmt: skip
    assert get(client, "/administrations", token).json() == [{"code": "RS", "name": "Serbia"}]


def test_a_staff_members_token_sees_only_their_own_record(client, world: World) -> None:
    token = token_for(world["RS"].users["staff"])
    items = get(client, "/staff", token).json()["items"]
    assert [item["id"] for item in items] == [world["RS"].people[0].pk]


# Pagination, synchronisation, ETags ------------------------------------------------------------


def test_the_cursor_walks_every_person_once(client, world: World) -> None:
    for index in range(7):
        StaffMemberFactory.create(
            institution=world["RS"].prison, primary_category=category("FLO"),
            employee_number=f"RS-P{index}",
        )  # fmt: skip
    token = token_for(world["RS"].users["national_admin"])
    seen, cursor, pages = [], None, 0
    while True:
        path = "/staff?limit=3" + (f"&cursor={cursor}" if cursor else "")
        body = get(client, path, token).json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if not cursor:
            break
    everyone = StaffMember.objects.filter(beneficiary=world["RS"].beneficiary)
    assert sorted(seen) == sorted(everyone.values_list("pk", flat=True))
    assert pages == 4  # 10 people, 3 a page


def test_updated_since_gives_only_what_changed(client, world: World) -> None:
    token = token_for(world["RS"].users["national_admin"])
    mark = timezone.now()
    StaffMember.objects.filter(beneficiary=world["RS"].beneficiary).update(
        updated_at=mark - datetime.timedelta(days=1)
    )
    changed = world["RS"].people[1]
    body = {"family_name": "Đorđević-Petrović"}
    assert send(client, "patch", f"/staff/{changed.pk}", token, body).status_code == 200
    since = (mark - datetime.timedelta(seconds=1)).isoformat().replace("+00:00", "Z")
    items = get(client, f"/staff?updated_since={since}", token).json()["items"]
    assert [item["family_name"] for item in items] == ["Đorđević-Petrović"]


def test_an_unchanged_list_answers_304_to_its_etag(client, world: World) -> None:
    token = token_for(world["RS"].users["national_admin"])
    first = get(client, "/staff", token)
    again = get(client, "/staff", token, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    StaffMemberFactory.create(institution=world["RS"].prison, primary_category=category("FLO"))
    assert get(client, "/staff", token, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_the_staff_list_costs_the_same_queries_for_three_or_sixty_people(
    client, world: World, django_assert_max_num_queries
) -> None:
    for _ in range(57):
        StaffMemberFactory.create(institution=world["RS"].prison, primary_category=category("FLO"))
    token = token_for(world["RS"].users["national_admin"])
    with django_assert_max_num_queries(8):
        body = get(client, "/staff?limit=100", token).json()
    assert len(body["items"]) == 60


# Writes ----------------------------------------------------------------------------------------


def test_a_person_added_through_the_api_goes_through_the_action(client, world: World) -> None:
    token = token_for(world["RS"].users["training_manager"])
    body = {
        "institution_id": world["RS"].prison.pk, "employee_number": "RS-API-1",
        "given_name": "Љубица", "family_name": "Ђурђевић", "primary_category": "FLO",
        "entry_date": "2024-03-01",
    }  # fmt: skip
    response = send(client, "post", "/staff", token, body)
    assert response.status_code == 201
    created = StaffMember.objects.get(employee_number="RS-API-1")
    assert response.json()["id"] == created.pk
    assert created.full_name == "Љубица Ђурђевић"
    event = AuditEvent.objects.get(object_id=str(created.pk), action=AuditEvent.Action.CREATE)
    assert event.user == world["RS"].users["training_manager"]

    again = send(client, "post", "/staff", token, body)  # the same employee number
    assert again.status_code == 400
    assert again["Content-Type"] == "application/problem+json"
    assert again.json()["errors"]


def test_writes_out_of_scope_or_without_the_right_are_refused(client, world: World) -> None:
    body = {
        "institution_id": world["ME"].prison.pk, "employee_number": "X-1", "given_name": "A",
        "family_name": "B", "primary_category": "FLO", "entry_date": "2024-03-01",
    }  # fmt: skip
    admin = token_for(world["RS"].users["national_admin"])
    assert send(client, "post", "/staff", admin, body).status_code == 404
    trainer = token_for(world["RS"].users["trainer"])
    body["institution_id"] = world["RS"].prison.pk
    response = send(client, "post", "/staff", trainer, body)
    assert response.status_code == 403
    assert response.json()["title"] == "Forbidden"
    assert send(client, "post", "/staff", admin, {"given_name": "A"}).status_code == 422


def test_evidence_is_recorded_listed_and_its_voiding_is_seen(client, world: World) -> None:
    token = token_for(world["RS"].users["national_admin"])
    person = world["RS"].people[0]
    body = {
        "staff_member_id": person.pk, "area": "RAD", "level": "A", "completed_on": "2025-05-01",
        "valid_until": "2028-05-01", "source": "prior_learning",
    }  # fmt: skip
    refused = send(client, "post", "/evidence", token, body)
    assert refused.status_code == 400  # prior learning must say why
    body["note"] = "OSCE course, certificate checked"
    created = send(client, "post", "/evidence", token, body)
    assert created.status_code == 201
    assert created.json()["area"] == "RAD"
    listed = get(client, f"/evidence?staff_member_id={person.pk}", token).json()["items"]
    assert [item["id"] for item in listed] == [created.json()["id"]]

    since = timezone.now().isoformat().replace("+00:00", "Z")
    completion = Completion.objects.get(pk=created.json()["id"])
    void_evidence(actor=world["RS"].users["national_admin"], completion=completion, reason="Typo")
    voided = get(client, f"/evidence/voided?since={since}", token).json()
    assert [item["id"] for item in voided] == [created.json()["id"]]
    other = token_for(world["ME"].users["national_admin"])
    assert get(client, f"/evidence/voided?since={since}", other).json() == []


# Compliance ------------------------------------------------------------------------------------


def test_statuses_use_the_stable_codes(client, world: World) -> None:
    token = token_for(world["RS"].users["national_admin"])
    person = world["RS"].people[0]
    rows = get(client, f"/staff/{person.pk}/statuses", token).json()
    assert rows
    assert {row["status"] for row in rows} <= set(Status.values)
    overdue = get(client, "/compliance/statuses?status=overdue&limit=2", token).json()
    assert all(row["status"] == "overdue" for row in overdue["items"])


def test_the_coordinator_gets_figures_under_disclosure_control_never_people(
    client, world: World
) -> None:
    token = token_for(world.coordinator)
    assert get(client, "/compliance/statuses?status=overdue", token).status_code == 403
    figures = get(client, "/compliance/indicators?administration=RS", token).json()
    # Three people: fewer than five, so no figure is given.
    assert figures["people"] == {"value": None, "suppressed": True}
    assert figures["compliant"]["percent"] is None


def test_an_administration_code_no_administration_can_hold_is_not_found(
    client, world: World
) -> None:
    """Found by schemathesis on PostgreSQL, which refuses a NUL byte in a comparison (500)."""
    token = token_for(world.coordinator)
    assert get(client, "/compliance/indicators?administration=R%00S", token).status_code == 404


# The schema and its documentation --------------------------------------------------------------


def test_the_openapi_schema_and_the_docs_are_served_by_the_app(client, world: World) -> None:
    schema = client.get("/api/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert "/api/staff" in schema["paths"]
    assert schema["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"
    docs = client.get("/api/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in docs
    assert "cdn" not in docs.lower()


def test_sessions_are_listed_in_scope(client, world: World) -> None:
    from matrica.testing.sessions import held_session

    session = held_session(world["RS"])
    token = token_for(world["RS"].users["national_admin"])
    items = get(client, "/sessions", token).json()["items"]
    assert [item["id"] for item in items] == [session.pk]
    assert (
        get(client, "/sessions", token_for(world["ME"].users["national_admin"])).json()["items"]
        == []
    )


@pytest.mark.parametrize(
    "since", ["0103-12-25T15:34:19-20:50", "2026-01-01T00:00:00", "0001-01-01T00:00:00+10:00"]
)
def test_odd_times_are_read_or_refused_never_a_server_error(client, world: World, since) -> None:
    token = token_for(world["RS"].users["national_admin"])
    for path in (f"/evidence/voided?since={since}", f"/staff?updated_since={since}"):
        response = get(client, path.replace("+", "%2B"), token)
        assert response.status_code in (200, 400), response.content
