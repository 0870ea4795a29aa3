"""Writing signing keys: the administration's first key, made the first time something is to be
signed, and the rotation that retires it for a new one. Keys are never deleted: a retired key
stays in the published key set so that the credentials it signed still verify. The private key
never reaches the audit trail (`IssuerKey.audit_secrets`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from matrica.audit.services import save_audited
from matrica.credentials.keys import new_key
from matrica.credentials.models import IssuerKey
from matrica.tenancy.models import Beneficiary
from matrica.tenancy.permissions import Verb, require

if TYPE_CHECKING:
    from matrica.tenancy.scoping import Actor


def _lock(beneficiary: Beneficiary) -> None:
    # Two first requests at once (a download and a verifier reading the key set) must not both
    # make a "current" key: the second waits here, then finds the first one's.
    Beneficiary.objects.select_for_update().filter(pk=beneficiary.pk).first()


@transaction.atomic
def ensure_issuer_key(*, beneficiary: Beneficiary) -> IssuerKey:
    """The administration's current key, made (by the system, audited) if it has none yet."""
    _lock(beneficiary)
    current = IssuerKey.objects.filter(beneficiary=beneficiary, retired_at__isnull=True).first()
    if current is not None:
        current.beneficiary = beneficiary
        return current
    key = new_key(beneficiary)
    save_audited(actor=None, obj=key, message="Signing key made for the first credential")
    return key


@transaction.atomic
def rotate_issuer_key(*, actor: Actor, beneficiary: Beneficiary) -> IssuerKey:
    """Retire the administration's current key and make a new one, which signs from now on.
    Those who keep the administration's organisation (and the system) may."""
    require(actor, Verb.MANAGE_ORGANISATION, beneficiary_id=beneficiary.pk)
    _lock(beneficiary)
    audit_actor = actor if getattr(actor, "pk", None) else None
    for old in IssuerKey.objects.filter(beneficiary=beneficiary, retired_at__isnull=True):
        old.retired_at = timezone.now()
        save_audited(actor=audit_actor, obj=old, message="Signing key retired")
    key = new_key(beneficiary)
    save_audited(actor=audit_actor, obj=key, message="Signing key made on rotation")
    return key
