"""Open Badges 3.0: a certificate as a signed credential that any OB 3.0 verifier can check. The
credential passes 1EdTech's JSON Schema, its signature verifies with a JOSE library other than
the one that signed it (joserfc, not PyJWT), the revocation list says which are revoked, and
1EdTech's own test credentials read with the same code.

The schema and 1EdTech's files are read in place from ../shared/data (never copied here)."""

from __future__ import annotations

import base64
import datetime
import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.http import Http404
from django.test import Client
from joserfc import jwt as jose_jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from jsonschema import Draft201909Validator

from matrica.audit.models import AuditEvent
from matrica.credentials import openbadges
from matrica.credentials.actions import revoke_certificate
from matrica.credentials.key_actions import ensure_issuer_key, rotate_issuer_key
from matrica.credentials.models import Certificate, IssuerKey
from matrica.delivery import actions as delivery
from matrica.framework.models import Module
from matrica.staff.models import StaffMember
from matrica.testing.sessions import closed_session

pytestmark = [
    pytest.mark.django_db,
    # RFC 9864 names the algorithm "Ed25519"; OB 3.0 verifiers know it as "EdDSA" (docs).
    pytest.mark.filterwarnings("ignore:EdDSA is deprecated"),
]

REPOSITORY = Path(__file__).resolve().parents[4]
SHARED = REPOSITORY.parent / "shared" / "data"
SCHEMA = SHARED / "openbadges-3.0" / "achievementcredential.schema.json"
ONE_EDTECH = (
    SHARED / "third-party/openbadges/digital-credentials-public-validator/inspector-vc/src"
    "/test/resources/ob30"
)


def schema_validator() -> Draft201909Validator:
    if not SCHEMA.exists():
        pytest.skip(f"the OB 3.0 schema is not at {SCHEMA}")
    schema = json.loads(SCHEMA.read_text())
    # The schema declares draft 2019-09.
    assert schema["$schema"].startswith("https://json-schema.org/draft/2019-09/")
    return Draft201909Validator(schema, format_checker=Draft201909Validator.FORMAT_CHECKER)


def one_edtech(name: str) -> str:
    file = ONE_EDTECH / name
    if not file.exists():
        pytest.skip(f"1EdTech's test credential {name} is not at {file}")
    return file.read_text()


def certificate_of(person: StaffMember) -> Certificate:
    return Certificate.objects.select_related(
        "staff_member", "module", "session", "beneficiary"
    ).get(staff_member=person, revoked_at__isnull=True)


def published_keys(code: str = "RS") -> Any:
    response = Client().get(f"/credentials/issuers/{code}/keys/")
    assert response.status_code == 200
    return json.loads(response.content)


def status_bits(code: str = "RS") -> tuple[bytes, dict]:
    """The published revocation list, its signature checked with joserfc and its bitstring
    decoded here, without Matrica's code."""
    response = Client().get(f"/credentials/issuers/{code}/status/")
    assert response.status_code == 200
    token = jose_jwt.decode(
        response.content, KeySet.import_key_set(published_keys(code)), algorithms=["EdDSA"]
    )
    subject = token.claims["credentialSubject"]
    assert subject["statusPurpose"] == "revocation"
    encoded = subject["encodedList"]
    assert encoded.startswith("u")  # multibase base64url
    compressed = base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4))
    return gzip.decompress(compressed), token.claims


def bit(bits: bytes, index: int) -> int:
    return (bits[index // 8] >> (7 - index % 8)) & 1


# The credential ------------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "index"), [("sr", 0), ("sr-latn", 1)])
def test_a_credential_in_cyrillic_or_latin_passes_the_ob3_schema(world, language, index):
    serbia = world["RS"]
    Module.objects.filter(code="BA").update(
        translations={
            "sr": {"title": "Основна обука", "summary": "Увод у рад у заводу."},
            "sr-latn": {"title": "Osnovna obuka — đak, čaša, šešir", "summary": "Uvod u rad."},
        }
    )
    closed_session(serbia)
    person = serbia.people[index]
    Certificate.objects.filter(staff_member=person).update(language=language)
    credential = openbadges.credential_for(certificate_of(person))
    errors = [error.message for error in schema_validator().iter_errors(credential)]
    assert errors == []
    expected = {"sr": "Основна обука", "sr-latn": "Osnovna obuka — đak, čaša, šešir"}[language]
    assert credential["name"] == expected
    assert credential["credentialSubject"]["achievement"]["name"] == expected
    assert credential["credentialSubject"]["identifier"][0]["identityHash"] == person.full_name
    tag = credential["credentialSubject"]["achievement"]["inLanguage"]
    assert tag == {"sr": "sr", "sr-latn": "sr-Latn"}[language]


def test_the_credential_names_the_person_the_module_and_the_issuer_and_nothing_else(world):
    serbia = world["RS"]
    session = closed_session(serbia)
    person = serbia.people[0]
    StaffMember.objects.filter(pk=person.pk).update(email="djordje@example.org")
    certificate = certificate_of(person)
    credential = openbadges.credential_for(certificate)
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["@context"] == [openbadges.VC_CONTEXT, openbadges.OB_CONTEXT]
    assert credential["issuer"]["id"].endswith("/credentials/issuers/RS/")
    assert credential["issuer"]["type"] == ["Profile"]
    achievement = credential["credentialSubject"]["achievement"]
    assert achievement["id"].endswith("/credentials/achievements/BA/")
    assert achievement["criteria"]["narrative"]
    assert credential["validFrom"] == f"{session.ends_on:%Y-%m-%d}T00:00:00Z"
    assert credential["validUntil"] == f"{certificate.valid_until:%Y-%m-%d}T23:59:59Z"
    text = json.dumps(credential, ensure_ascii=False)
    assert "Ђорђе Ђорђевић" in text
    for private in ("djordje@example.org", person.employee_number, certificate.code):
        assert private not in text


def test_the_credential_points_at_its_bit_in_the_revocation_list(world):
    closed_session(world["RS"])
    certificate = certificate_of(world["RS"].people[0])
    status = openbadges.credential_for(certificate)["credentialStatus"]
    assert status["type"] == "BitstringStatusListEntry"
    assert status["statusPurpose"] == "revocation"
    assert status["statusListIndex"] == str(certificate.status_index)
    assert status["statusListCredential"].endswith("/credentials/issuers/RS/status/")


# The signature -------------------------------------------------------------------------------


def test_the_signed_credential_verifies_with_another_library_against_the_published_keys(world):
    closed_session(world["RS"])
    certificate = certificate_of(world["RS"].people[0])
    credential = openbadges.credential_for(certificate)
    token = openbadges.sign(credential, ensure_issuer_key(beneficiary=certificate.beneficiary))

    keys = published_keys()
    assert all("d" not in key for key in keys["keys"])
    decoded = jose_jwt.decode(token, KeySet.import_key_set(keys), algorithms=["EdDSA"])
    # OB 3.0 §8.2: only alg, kid (a URI of the key) and typ "JWT" in the header.
    assert set(decoded.header) == {"alg", "kid", "typ"}
    assert decoded.header["alg"] == "EdDSA"
    assert decoded.header["typ"] == "JWT"
    assert decoded.header["kid"] in {key["kid"] for key in keys["keys"]}
    claims = decoded.claims
    assert claims["iss"] == credential["issuer"]["id"]
    assert claims["jti"] == credential["id"]
    assert claims["sub"] == credential["credentialSubject"]["id"]
    valid_from = datetime.datetime.fromisoformat(credential["validFrom"])
    valid_until = datetime.datetime.fromisoformat(credential["validUntil"])
    assert claims["nbf"] == valid_from.timestamp()
    assert claims["exp"] == valid_until.timestamp()
    assert {k: v for k, v in claims.items() if k not in {"iss", "jti", "sub", "nbf", "exp"}} == (
        credential
    )


def test_a_changed_credential_no_longer_verifies(world):
    closed_session(world["RS"])
    certificate = certificate_of(world["RS"].people[0])
    token = openbadges.sign(
        openbadges.credential_for(certificate),
        ensure_issuer_key(beneficiary=certificate.beneficiary),
    )
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["credentialSubject"]["identifier"][0]["identityHash"] = "Someone Else"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    forged_token = f"{header}.{forged}.{signature}"
    keys = published_keys()
    with pytest.raises(JoseError):
        jose_jwt.decode(forged_token, KeySet.import_key_set(keys), algorithms=["EdDSA"])
    with pytest.raises(openbadges.CredentialError):
        openbadges.verify(forged_token, keys)
    assert openbadges.verify(token, keys)["id"] == claims["id"]


def test_another_administrations_key_does_not_verify_a_credential(world):
    closed_session(world["RS"])
    certificate = certificate_of(world["RS"].people[0])
    montenegro = ensure_issuer_key(beneficiary=world["ME"].beneficiary)
    token = openbadges.sign(openbadges.credential_for(certificate), montenegro)
    with pytest.raises(openbadges.CredentialError):
        openbadges.verify(token, published_keys("RS"))


def test_the_first_credential_makes_one_key_and_the_trail_never_holds_it(world):
    beneficiary = world["RS"].beneficiary
    first = ensure_issuer_key(beneficiary=beneficiary)
    assert ensure_issuer_key(beneficiary=beneficiary).pk == first.pk
    assert IssuerKey.objects.filter(beneficiary=beneficiary).count() == 1
    events = AuditEvent.objects.filter(object_type__model="issuerkey")
    assert events.count() == 1
    assert "private_key" not in events.get().after
    assert "PRIVATE KEY" not in json.dumps(list(events.values_list("after", flat=True)))


def test_after_rotating_keys_old_credentials_still_verify_and_new_ones_use_the_new_key(world):
    closed_session(world["RS"])
    certificate = certificate_of(world["RS"].people[0])
    credential = openbadges.credential_for(certificate)
    old_key = ensure_issuer_key(beneficiary=certificate.beneficiary)
    old_token = openbadges.sign(credential, old_key)

    call_command("rotate-keys", beneficiary="RS", stdout=open("/dev/null", "w"))  # noqa: SIM115

    new_key = ensure_issuer_key(beneficiary=certificate.beneficiary)
    assert new_key.pk != old_key.pk
    old_key.refresh_from_db()
    assert old_key.retired_at is not None
    keys = published_keys()
    assert len(keys["keys"]) == 2
    assert keys["keys"][0]["kid"].endswith("#" + new_key.key_id)  # the current key first
    key_set = KeySet.import_key_set(keys)
    new_token = openbadges.sign(credential, new_key)
    old, new = (jose_jwt.decode(t, key_set, algorithms=["EdDSA"]) for t in (old_token, new_token))
    assert old.claims["jti"] == new.claims["jti"] == credential["id"]
    assert old.header["kid"].endswith("#" + old_key.key_id)
    assert new.header["kid"].endswith("#" + new_key.key_id)
    assert "PRIVATE KEY" not in json.dumps(list(AuditEvent.objects.values_list("before", "after")))


def test_only_those_who_keep_the_administrations_organisation_rotate_its_key(world):
    serbia = world["RS"].beneficiary
    with pytest.raises(PermissionDenied):
        rotate_issuer_key(actor=world["RS"].users["training_manager"], beneficiary=serbia)
    with pytest.raises(Http404):
        rotate_issuer_key(actor=world["ME"].users["national_admin"], beneficiary=serbia)
    assert not IssuerKey.objects.exists()
    key = rotate_issuer_key(actor=world["RS"].users["national_admin"], beneficiary=serbia)
    event = AuditEvent.objects.get(object_type__model="issuerkey")
    assert event.user == world["RS"].users["national_admin"]
    assert event.object_id == str(key.pk)


# Revocation ----------------------------------------------------------------------------------


def test_revoking_a_certificate_sets_its_bit_and_no_other(world):
    serbia = world["RS"]
    closed_session(serbia)
    revoked, kept = certificate_of(serbia.people[0]), certificate_of(serbia.people[1])
    bits, _ = status_bits()
    assert bit(bits, revoked.status_index) == bit(bits, kept.status_index) == 0

    revoke_certificate(
        actor=serbia.users["national_admin"], certificate=revoked, reason="Issued in error"
    )
    bits, claims = status_bits()
    assert len(bits) * 8 >= 131_072  # the minimum size, for herd privacy
    assert bit(bits, revoked.status_index) == 1
    assert bit(bits, kept.status_index) == 0
    assert sum(bin(byte).count("1") for byte in bits) == 1
    assert claims["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert claims["iss"] == claims["issuer"]


def test_reopening_the_session_revokes_every_credential_it_gave(world):
    serbia = world["RS"]
    session = closed_session(serbia)
    indexes = [certificate_of(person).status_index for person in serbia.people[:2]]
    delivery.reopen_session(
        actor=serbia.users["national_admin"], session=session, reason="Register corrected"
    )
    bits, _ = status_bits()
    assert [bit(bits, index) for index in indexes] == [1, 1]
    # Montenegro has issued nothing: it has no key yet, so no list either.
    assert Client().get("/credentials/issuers/ME/status/").status_code == 404


# Reading credentials, Matrica's and 1EdTech's --------------------------------------------------


def test_matricas_own_jwt_reads_back_as_the_credential(world):
    closed_session(world["RS"])
    certificate = certificate_of(world["RS"].people[0])
    credential = openbadges.credential_for(certificate)
    token = openbadges.sign(credential, ensure_issuer_key(beneficiary=certificate.beneficiary))
    read = openbadges.read_credential(token)
    assert read.format == "jwt"
    assert read.header is not None
    assert read.header["alg"] == "EdDSA"
    assert read.claims == openbadges.jwt_claims(credential)
    assert read.is_achievement_credential
    assert not read.expired()
    assert read.issuer_id == credential["issuer"]["id"]


@pytest.mark.parametrize("name", ["simple.json", "complete.json"])
def test_one_edtechs_valid_credentials_read_and_pass_the_schema(name):
    read = openbadges.read_credential(one_edtech(name))
    assert read.format == "json"
    assert read.is_achievement_credential
    assert read.data_model == "2.0"
    assert not read.expired()
    assert list(schema_validator().iter_errors(read.credential)) == []


def test_one_edtechs_credential_without_proof_in_the_old_model_fails_the_schema():
    read = openbadges.read_credential(one_edtech("simple-noproof.json"))
    assert read.data_model == "1.1"
    assert not schema_validator().is_valid(read.credential)


def test_one_edtechs_expired_credential_is_reported_expired():
    read = openbadges.read_credential(one_edtech("simple-err-expired.json"))
    assert read.is_achievement_credential
    assert read.expired()
    assert schema_validator().is_valid(read.credential)


def test_an_endorsement_is_not_taken_for_an_achievement():
    read = openbadges.read_credential(one_edtech("endorsement-valid.json"))
    assert "EndorsementCredential" in read.types
    assert not read.is_achievement_credential
    assert not schema_validator().is_valid(read.credential)


def test_one_edtechs_jwt_decodes_to_its_credential_without_being_trusted():
    read = openbadges.read_credential(one_edtech("simple.jwt").encode())
    assert read.format == "jwt"
    assert read.header == {"alg": "RS256", "typ": "JWT"}
    assert read.claims is not None
    assert {"iss", "jti", "nbf", "sub", "vc"} <= set(read.claims)
    assert read.data_model == "1.1"
    assert read.is_achievement_credential
    assert read.issuer_id == read.claims["iss"]
    assert read.credential["id"] == read.claims["jti"]
    assert read.valid_from is not None


@pytest.mark.parametrize("text", ["", "not a credential", "a.b.c", "[1, 2]"])
def test_garbage_is_refused_plainly(text):
    with pytest.raises(openbadges.CredentialError):
        openbadges.read_credential(text)
