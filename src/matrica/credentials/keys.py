"""An administration's signing keys (Ed25519) and the public documents that carry them: the key
material of a new key, the private key of the current one, and the JSON Web Key Set a verifier
reads, with every key the administration ever signed with (retired ones included, so that the
credentials they signed still verify). Only `key_actions` writes keys."""

from __future__ import annotations

import base64
import secrets
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from matrica.credentials.models import IssuerKey
from matrica.tenancy.models import Beneficiary


def absolute_url(viewname: str, **kwargs: object) -> str:
    """A URL of Matrica as the world reaches it (settings.MATRICA_BASE_URL): the identifiers of
    issuers, keys, achievements and status lists must not depend on the request's host."""
    return settings.MATRICA_BASE_URL.rstrip("/") + reverse(viewname, kwargs=kwargs)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_key(beneficiary: Beneficiary) -> IssuerKey:
    """A fresh key for the administration, not yet saved: a key id that says whose and when,
    the private key as PKCS#8 PEM, the public key as base64url (32 bytes)."""
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    public = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    key_id = f"{beneficiary.code.lower()}-{timezone.now():%Y%m%d}-{secrets.token_hex(4)}"
    return IssuerKey(
        beneficiary=beneficiary, key_id=key_id, private_key=pem, public_key=b64url(public)
    )


def private_key_of(key: IssuerKey) -> Ed25519PrivateKey:
    loaded = serialization.load_pem_private_key(key.private_key.encode("ascii"), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise TypeError(f"{key.key_id} is not an Ed25519 key")
    return loaded


def keys_url(beneficiary: Beneficiary) -> str:
    return absolute_url("credentials:issuer_keys", code=beneficiary.code)


def kid(key: IssuerKey) -> str:
    """The key's identifier in a JWT header (`kid`): a URI that dereferences to the key, its
    entry in the administration's key set (as in OB 3.0's example, "…/keys#key-1")."""
    return f"{keys_url(key.beneficiary)}#{key.key_id}"


def public_jwk(key: IssuerKey) -> dict[str, Any]:
    """The public key as a JWK (RFC 8037: OKP, Ed25519). Never the private part (`d`)."""
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": key.public_key,
        "kid": kid(key),
        "alg": "EdDSA",
        "use": "sig",
    }


def key_set(beneficiary: Beneficiary) -> dict[str, Any]:
    """The administration's JSON Web Key Set: the current key first, then the retired ones."""
    keys = list(IssuerKey.objects.filter(beneficiary=beneficiary).order_by("-created_at"))
    for key in keys:
        key.beneficiary = beneficiary  # saves a query per key in `kid`
    ordered = sorted(keys, key=lambda key: key.retired_at is not None)
    return {"keys": [public_jwk(key) for key in ordered]}
