"""Personal API tokens: created and revoked by their owner, every use audited. A token is 256
random bits; its SHA-256 is what is kept (a salted slow hash protects guessable passwords, not
random keys, and a token is looked up on every request)."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from matrica.api.models import ApiToken
from matrica.audit.models import AuditEvent
from matrica.audit.services import record, snapshot
from matrica.text import clean_text

if TYPE_CHECKING:
    from matrica.accounts.models import User

PREFIX = "mtr_"
EXPIRY_DAYS = (30, 90, 365)
# How often the "last used" time is written: every request would make each read a write.
LAST_USED_EVERY = datetime.timedelta(minutes=1)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def create_token(*, actor: User, name: str, days: int) -> tuple[ApiToken, str]:
    """A new token for the actor (never for someone else), and the token itself: shown once."""
    name = clean_text(name)
    if not name:
        raise ValidationError(
            {"name": _("Give the token a name, such as the system that uses it.")}
        )
    if days not in EXPIRY_DAYS:
        raise ValidationError({"days": _("Choose how long the token lasts.")})
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=actor, name=name[:100], prefix=secret[: len(PREFIX) + 6], token_hash=digest(secret),
        expires_at=timezone.now() + datetime.timedelta(days=days),
    )  # fmt: skip
    token.save()
    record(actor=actor, action=AuditEvent.Action.CREATE, obj=token, after=snapshot(token),
           message="API token created")  # fmt: skip
    return token, secret


@transaction.atomic
def revoke_token(*, actor: User, token: ApiToken) -> ApiToken:
    if token.user_id != actor.pk:
        raise ValidationError(_("Only its owner revokes a token."))
    if token.revoked_at is None:
        before = snapshot(token)
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record(actor=actor, action=AuditEvent.Action.UPDATE, obj=token, before=before,
               after=snapshot(token), message="API token revoked")  # fmt: skip
    return token


def record_use(token: ApiToken, request: HttpRequest) -> None:
    """Every request made with a token is on the trail: who, which token, what."""
    now = timezone.now()
    record(
        actor=token.user, action=AuditEvent.Action.API, obj=token,
        message=f"{request.method} {request.get_full_path()}"[:500],
    )  # fmt: skip
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
