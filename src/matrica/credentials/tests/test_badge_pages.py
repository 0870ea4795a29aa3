"""The Open Badges URLs: a certificate's badge, downloaded by those who may see the certificate,
and the public documents a verifier reads without signing in (issuer, keys, revocation list,
achievements)."""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from matrica.audit.models import AuditEvent
from matrica.credentials import openbadges
from matrica.credentials.actions import revoke_certificate
from matrica.credentials.models import Certificate
from matrica.framework.models import Module
from matrica.testing.sessions import closed_session, last_week
from matrica.testing.world import login_as

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:EdDSA is deprecated"),
]

ROLES = ["national_admin", "training_manager", "institution_manager", "trainer", "staff"]
WHO = [f"{code}:{role}" for code in ("RS", "ME") for role in ROLES] + ["coordinator", "anonymous"]
# Who sees the certificate of Serbia's staff member (in the prison, holder of the staff account):
# their administration's managers, their institution's manager and the person themselves; not
# the trainer who ran the session, nor the coordinator (who never sees a name).
SEES_CERTIFICATE = {"RS:national_admin", "RS:training_manager", "RS:institution_manager",
                    "RS:staff"}  # fmt: skip


@pytest.fixture
def certificate(world) -> Certificate:
    closed_session(world["RS"])
    return Certificate.objects.get(staff_member=world["RS"].people[0])


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("name", ["badge_jwt", "badge_json"])
def test_who_downloads_a_badge(client, world, certificate, name, who):
    login_as(client, world, who)
    response = client.get(reverse(f"credentials:{name}", args=[certificate.pk]))
    expected = 200 if who in SEES_CERTIFICATE else 404
    if who == "anonymous":
        expected = 302  # to the sign-in page
    assert response.status_code == expected


@pytest.mark.parametrize("who", WHO)
def test_the_public_documents_need_no_sign_in(client, world, certificate, who):
    login_as(client, world, who)
    for name in ("issuer", "issuer_keys", "status_list"):
        assert client.get(reverse(f"credentials:{name}", args=["RS"])).status_code == 200
        assert client.get(reverse(f"credentials:{name}", args=["XX"])).status_code == 404
    assert client.get(reverse("credentials:achievement", args=["BA"])).status_code == 200
    assert client.get(reverse("credentials:achievement", args=["NOPE"])).status_code == 404


def test_the_badge_is_a_signed_jwt_file_named_after_the_module(client, world, certificate):
    client.force_login(world["RS"].users["staff"])
    response = client.get(reverse("credentials:badge_jwt", args=[certificate.pk]))
    assert response["Content-Type"] == "application/vc+jwt"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"matrica-open-badge-ba-{certificate.completed_on:%Y-%m-%d}.jwt" in disposition
    assert "no-store" in response["Cache-Control"]
    token = response.content.decode()
    keys = json.loads(client.get(reverse("credentials:issuer_keys", args=["RS"])).content)
    credential = openbadges.verify(token, keys)
    assert credential["credentialSubject"]["identifier"][0]["identityHash"] == (
        world["RS"].people[0].full_name
    )


def test_the_badge_json_is_the_same_credential_readable(client, world, certificate):
    client.force_login(world["RS"].users["staff"])
    signed = client.get(reverse("credentials:badge_jwt", args=[certificate.pk])).content
    response = client.get(reverse("credentials:badge_json", args=[certificate.pk]))
    assert response["Content-Disposition"].endswith('.json"')
    text = response.content.decode("utf-8")
    assert "Ђорђе Ђорђевић" in text  # readable, not escaped
    keys = json.loads(client.get(reverse("credentials:issuer_keys", args=["RS"])).content)
    assert json.loads(text) == openbadges.verify(signed.decode(), keys)


def test_each_download_is_on_the_audit_trail(client, world, certificate):
    client.force_login(world["RS"].users["national_admin"])
    client.get(reverse("credentials:badge_jwt", args=[certificate.pk]))
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert event.object_id == str(certificate.pk)
    assert event.user == world["RS"].users["national_admin"]


def test_a_revoked_certificate_has_no_badge(client, world, certificate):
    revoke_certificate(
        actor=world["RS"].users["national_admin"], certificate=certificate, reason="Error"
    )
    client.force_login(world["RS"].users["staff"])
    assert client.get(reverse("credentials:badge_jwt", args=[certificate.pk])).status_code == 404


def test_the_issuer_profile_and_keys_are_what_the_credential_names(client, world, certificate):
    client.force_login(world["RS"].users["staff"])
    token = client.get(reverse("credentials:badge_jwt", args=[certificate.pk])).content.decode()
    read = openbadges.read_credential(token)
    client.logout()
    profile = client.get(read.issuer_id)  # the test server answers the absolute URL's path
    assert profile.status_code == 200
    document = json.loads(profile.content)
    assert document["id"] == read.issuer_id
    assert document["type"] == ["Profile"]
    assert profile["Access-Control-Allow-Origin"] == "*"
    assert read.header is not None
    keys = client.get(read.header["kid"].split("#")[0])
    assert keys["Content-Type"] == "application/jwk-set+json"
    assert read.header["kid"] in {key["kid"] for key in json.loads(keys.content)["keys"]}
    achievement_id = read.credential["credentialSubject"]["achievement"]["id"]
    assert json.loads(client.get(achievement_id).content)["id"] == achievement_id


def test_an_administrations_own_module_is_public_only_once_a_credential_names_it(client, world):
    Module.objects.create(
        beneficiary=world["RS"].beneficiary, code="RS-OWN", title="Own", hours=4,
        validity_months=12,
    )  # fmt: skip
    assert client.get(reverse("credentials:achievement", args=["RS-OWN"])).status_code == 404


def test_the_achievement_speaks_the_visitors_language(client, world):
    Module.objects.filter(code="BA").update(translations={"sr": {"title": "Основна обука"}})
    response = client.get(
        reverse("credentials:achievement", args=["BA"]), HTTP_ACCEPT_LANGUAGE="sr"
    )
    document = json.loads(response.content)
    assert document["name"] == "Основна обука"
    assert document["inLanguage"] == "sr"


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_queries_do_not_grow_with_certificates(client, world, django_assert_max_num_queries):
    serbia = world["RS"]
    closed_session(serbia, people=serbia.people[:1])
    first = Certificate.objects.get()
    client.force_login(serbia.users["national_admin"])
    urls = [
        reverse("credentials:badge_jwt", args=[first.pk]),
        reverse("credentials:badge_json", args=[first.pk]),
        reverse("credentials:status_list", args=["RS"]),
        reverse("credentials:issuer_keys", args=["RS"]),
    ]
    few = {url: _queries(client, url) for url in urls}
    closed_session(
        serbia, people=serbia.people[:2], starts_on=last_week() - datetime.timedelta(days=14)
    )
    for certificate in Certificate.objects.exclude(pk=first.pk):
        revoke_certificate(
            actor=serbia.users["national_admin"], certificate=certificate, reason="Test"
        )
    for url in urls:
        with django_assert_max_num_queries(few[url]):
            assert client.get(url).status_code == 200
