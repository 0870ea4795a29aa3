"""Open Badges 3.0: a certificate as a signed Verifiable Credential, and the public documents a
verifier needs to check it (docs/openbadges.md).

- `credential_for(certificate)`: the OpenBadgeCredential (VC Data Model 2.0, OB context 3.0.3),
  in the certificate's language; `sign(credential, key)`: its JSON Web Token proof (OB 3.0
  §8.2: a compact JWS, `alg` EdDSA, `kid` the key's URI, the credential as the payload with
  `iss`, `jti`, `sub`, `nbf` and `exp`).
- `issuer_profile`, `achievement_for`, `status_list_credential`: the documents at the stable
  URLs the credential names (the key set is `keys.key_set`).
- `read_credential(text)`: any credential, as JSON or as a compact JWT (ours, 1EdTech's, an old
  VC 1.1 one with its `vc` claim), read without trusting it; `verify(token, key_set)`: the
  signature and the JWT claims checked against the credential.

The same functions serve the downloads, the public URLs and the tests, so that what the tests
check is what people get.
"""

from __future__ import annotations

import datetime
import gzip
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import jwt
from django.conf import settings
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from matrica.credentials.keys import absolute_url, b64url, b64url_decode, kid, private_key_of
from matrica.credentials.models import Certificate, IssuerKey, status_list_length
from matrica.framework.models import Module
from matrica.tenancy.models import Beneficiary

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
VC_1_1_CONTEXT = "https://www.w3.org/2018/credentials/v1"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
# VC-JOSE-COSE §6.1.1: a credential secured as a JWT. The JOSE header's `typ` stays "JWT", as
# OB 3.0 §8.2.3 asks (and allows no other header than alg, kid, jwk and typ).
JWT_MEDIA_TYPE = "application/vc+jwt"
ALGORITHM = "EdDSA"
ACHIEVEMENT_TYPES = frozenset({"AchievementCredential", "OpenBadgeCredential"})
# Identifiers of credentials and subjects are name-based UUIDs of the certificate's secret
# code: stable for the same certificate, and saying nothing of the person or the code.
NAMESPACE = uuid.UUID("6f1c1d3e-8c2a-4f49-9d0b-3c5e2a7b9e41")


class CredentialError(ValueError):
    """Not a credential we can read, or one whose proof does not hold."""


def _timestamp(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _day_start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC)


def _day_end(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(23, 59, 59), tzinfo=datetime.UTC)


# The public documents' addresses ------------------------------------------------------------


def issuer_url(beneficiary: Beneficiary) -> str:
    return absolute_url("credentials:issuer", code=beneficiary.code)


def status_list_url(beneficiary: Beneficiary) -> str:
    return absolute_url("credentials:status_list", code=beneficiary.code)


def achievement_url(module: Module) -> str:
    return absolute_url("credentials:achievement", code=module.code)


def issuer_name(beneficiary: Beneficiary) -> str:
    return beneficiary.authority or beneficiary.name


def issuer_profile(beneficiary: Beneficiary) -> dict[str, Any]:
    """The issuer's Profile, published at its `id`."""
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": issuer_url(beneficiary),
        "type": ["Profile"],
        "name": issuer_name(beneficiary),
        "url": settings.MATRICA_BASE_URL.rstrip("/") + "/",
    }


def language_tag(language: str) -> str:
    """Django's language code as a BCP 47 tag, as OB 3.0's `inLanguage` wants: "sr-Latn"."""
    first, *rest = language.replace("_", "-").split("-")
    subtags = [first.lower()]
    for subtag in rest:
        if len(subtag) == 4:
            subtags.append(subtag.title())
        elif len(subtag) == 2:
            subtags.append(subtag.upper())
        else:
            subtags.append(subtag)
    return "-".join(subtags)


def achievement_for(module: Module, language: str) -> dict[str, Any]:
    """The module as an OB 3.0 Achievement, its texts in `language`."""
    with translation.override(language):
        title = module.localized("title", language)
        narrative = _(
            "Attend at least %(share)s%% of a training session of this module "
            "(%(hours)s hours) and, where the module has a knowledge test, pass its post-test."
        ) % {"share": module.attendance_threshold, "hours": module.hours}
        outcomes = module.localized("learning_outcomes", language)
        if outcomes:
            narrative += "\n\n" + _("Learning outcomes:") + "\n" + outcomes
    return {
        "id": achievement_url(module),
        "type": ["Achievement"],
        "achievementType": "CertificateOfCompletion",
        "humanCode": module.code,
        "name": title,
        "description": module.localized("summary", language) or title,
        "criteria": {"narrative": narrative},
        "inLanguage": language_tag(language),
    }


def credential_id(certificate: Certificate) -> str:
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, 'certificate:' + certificate.code)}"


def credential_for(certificate: Certificate) -> dict[str, Any]:
    """The certificate as an OpenBadgeCredential, unsigned. The person is named (an
    IdentityObject of type "name", in plain text: the credential is theirs to show), never by
    e-mail or employee number. `certificate` comes with its staff member, module, session and
    administration loaded."""
    language = certificate.language or settings.LANGUAGE_CODE
    beneficiary = certificate.beneficiary
    achievement = achievement_for(certificate.module, language)
    session = certificate.session
    status_url = status_list_url(beneficiary)
    credential: dict[str, Any] = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": credential_id(certificate),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {
            "id": issuer_url(beneficiary),
            "type": ["Profile"],
            "name": issuer_name(beneficiary),
        },
        "validFrom": _timestamp(_day_start(certificate.completed_on)),
        "awardedDate": _timestamp(certificate.issued_at),
        "name": achievement["name"],
        "credentialSubject": {
            "id": f"urn:uuid:{uuid.uuid5(NAMESPACE, 'subject:' + certificate.code)}",
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": certificate.staff_member.full_name,
                }
            ],
            "activityStartDate": _timestamp(_day_start(session.starts_on)),
            "activityEndDate": _timestamp(_day_end(session.ends_on)),
            "achievement": achievement,
        },
        "credentialStatus": {
            "id": f"{status_url}#{certificate.status_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(certificate.status_index),
            "statusListCredential": status_url,
        },
    }
    if certificate.valid_until is not None:
        credential["validUntil"] = _timestamp(_day_end(certificate.valid_until))
    return credential


# The revocation list (W3C Bitstring Status List v1.0) ----------------------------------------


def encode_status_list(indexes: Iterable[int], length: int) -> str:
    """The bitstring with the bits of `indexes` set (index 0 the left-most bit of the first
    byte), GZIP-compressed, base64url without padding, with the multibase prefix "u"."""
    bits = bytearray(length // 8)
    for index in indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    return "u" + b64url(gzip.compress(bytes(bits), mtime=0))


def decode_status_list(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise CredentialError("encodedList is not multibase base64url")
    return gzip.decompress(b64url_decode(encoded[1:]))


def status_list_credential(beneficiary: Beneficiary) -> dict[str, Any]:
    """The administration's revocation list, made now from its certificates: the bit at a
    certificate's `status_index` is 1 when it is revoked."""
    url = status_list_url(beneficiary)
    certificates = Certificate.objects.filter(beneficiary=beneficiary)
    # Long enough for every index given out, revoked or not, in whole 16 KB blocks.
    highest = certificates.aggregate(highest=Max("status_index"))["highest"]
    revoked = certificates.filter(revoked_at__isnull=False).values_list("status_index", flat=True)
    return {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_url(beneficiary),
        "validFrom": _timestamp(timezone.now()),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode_status_list(revoked, status_list_length(highest)),
        },
    }


# Signing and verifying -----------------------------------------------------------------------


def _issuer_id(credential: dict[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    return issuer.get("id") if isinstance(issuer, dict) else issuer


def _subject_id(credential: dict[str, Any]) -> str | None:
    subject = credential.get("credentialSubject")
    return subject.get("id") if isinstance(subject, dict) else None


def _parse_time(value: Any) -> datetime.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def jwt_claims(credential: dict[str, Any]) -> dict[str, Any]:
    """The JWT payload of OB 3.0 §8.2.4: the credential, plus `iss` (issuer.id), `jti` (id),
    `sub` (credentialSubject.id), `nbf` (validFrom) and `exp` (validUntil, when it has one)."""
    claims = dict(credential)
    claims["iss"] = _issuer_id(credential)
    claims["jti"] = credential["id"]
    claims["sub"] = _subject_id(credential)
    valid_from = _parse_time(credential.get("validFrom"))
    valid_until = _parse_time(credential.get("validUntil"))
    if valid_from is None:
        raise CredentialError("a credential needs validFrom")
    claims["nbf"] = int(valid_from.timestamp())
    if valid_until is not None:
        claims["exp"] = int(valid_until.timestamp())
    return claims


def sign(credential: dict[str, Any], key: IssuerKey) -> str:
    """The credential as a compact JWS signed with the administration's key (PyJWT)."""
    return jwt.encode(
        jwt_claims(credential),
        private_key_of(key),
        algorithm=ALGORITHM,
        headers={"kid": kid(key), "typ": "JWT"},
    )


def verify(token: str, key_set: dict[str, Any]) -> dict[str, Any]:
    """The credential of a JWT whose signature holds under the key of `key_set` its `kid`
    names, and whose claims agree with the credential (OB 3.0 §8.2.6). Raises
    CredentialError otherwise. Expiry is not refused here: `read_credential` reports it, so
    that a lapsed certificate still reads as genuine."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as error:
        raise CredentialError(str(error)) from error
    if header.get("alg") != ALGORITHM:
        raise CredentialError(f"unexpected algorithm {header.get('alg')!r}")
    found = [k for k in key_set.get("keys", []) if k.get("kid") == header.get("kid")]
    if not found:
        raise CredentialError(f"no key {header.get('kid')!r} in the issuer's key set")
    try:
        claims = jwt.decode(
            token,
            jwt.PyJWK(found[0]).key,
            algorithms=[ALGORITHM],
            options={"verify_exp": False, "require": ["iss", "jti", "nbf"]},
        )
    except jwt.PyJWTError as error:
        raise CredentialError(str(error)) from error
    credential = {k: v for k, v in claims.items() if k not in {"iss", "jti", "sub", "nbf", "exp"}}
    expected = jwt_claims(credential)
    for claim in ("iss", "jti", "sub", "nbf", "exp"):
        if claims.get(claim) != expected.get(claim):
            raise CredentialError(f"the {claim} claim does not match the credential")
    return credential


# Reading any credential ----------------------------------------------------------------------


@dataclass(frozen=True)
class ReadCredential:
    """What a credential says about itself, before (or without) checking its proof."""

    credential: dict[str, Any]
    format: str  # "json" or "jwt"
    header: dict[str, Any] | None = None
    claims: dict[str, Any] | None = field(default=None)

    @property
    def types(self) -> list[str]:
        kinds = self.credential.get("type", [])
        return [kinds] if isinstance(kinds, str) else list(kinds)

    @property
    def is_achievement_credential(self) -> bool:
        return bool(ACHIEVEMENT_TYPES & set(self.types))

    @property
    def issuer_id(self) -> str | None:
        return _issuer_id(self.credential)

    @property
    def data_model(self) -> str:
        """The data model, "2.0" or "1.1", from the first context."""
        contexts = self.credential.get("@context") or [None]
        return "1.1" if contexts[0] == VC_1_1_CONTEXT else "2.0"

    @property
    def valid_from(self) -> datetime.datetime | None:
        return _parse_time(self.credential.get("validFrom") or self.credential.get("issuanceDate"))

    @property
    def valid_until(self) -> datetime.datetime | None:
        return _parse_time(
            self.credential.get("validUntil") or self.credential.get("expirationDate")
        )

    def expired(self, at: datetime.datetime | None = None) -> bool:
        until = self.valid_until
        return until is not None and until <= (at or timezone.now())

    def not_yet_valid(self, at: datetime.datetime | None = None) -> bool:
        since = self.valid_from
        return since is not None and since > (at or timezone.now())


def _json_part(text: str) -> dict[str, Any]:
    try:
        value = json.loads(b64url_decode(text))
    except (ValueError, UnicodeDecodeError) as error:
        raise CredentialError("not a JWT") from error
    if not isinstance(value, dict):
        raise CredentialError("not a JWT")
    return value


def read_credential(data: str | bytes) -> ReadCredential:
    """A credential given as JSON or as a compact JWT (its payload decoded, not trusted: the
    claims of a VC 1.1 JWT carry the credential in `vc`)."""
    text = (data.decode("utf-8") if isinstance(data, bytes) else data).strip()
    if text.startswith("{"):
        try:
            credential = json.loads(text)
        except ValueError as error:
            raise CredentialError("not valid JSON") from error
        return ReadCredential(credential=credential, format="json")
    parts = text.split(".")
    if len(parts) != 3:
        raise CredentialError("neither JSON nor a compact JWT")
    header, claims = _json_part(parts[0]), _json_part(parts[1])
    inner = claims.get("vc")
    credential = dict(inner) if isinstance(inner, dict) else dict(claims)
    return ReadCredential(credential=credential, format="jwt", header=header, claims=claims)
