"""Sign-ins in the audit trail: Django's authentication signals are the hook it offers for them
(the log-in views belong to Django), so these receivers only record, never decide."""

from __future__ import annotations

from typing import Any

from matrica.audit.models import AuditEvent
from matrica.audit.services import record_sign_in


def logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record_sign_in(action=AuditEvent.Action.LOGIN, user=user, username=user.get_username())


def logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None:  # logging out without a session is no event
        return
    from django.contrib.auth import get_user_model

    # Django hands over the request's lazy user; the trail needs the account itself.
    account = get_user_model()._default_manager.get(pk=user.pk)
    record_sign_in(action=AuditEvent.Action.LOGOUT, user=account, username=account.get_username())


def login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kw: Any) -> None:
    from django.contrib.auth import get_user_model

    # `credentials` has the password already masked by Django; only the name is kept.
    username = str(credentials.get("username", ""))
    user = get_user_model()._default_manager.filter(username=username).first()
    record_sign_in(action=AuditEvent.Action.LOGIN_FAILED, user=user, username=username)


def locked_out(
    sender: Any, request: Any, username: str | None, ip_address: str | None, **kw: Any
) -> None:
    """django-axes locked the account or the address out: recorded once, at the failure that
    reached the limit (later attempts while locked are failed log-ins of their own). The name as
    typed and the address; never the password."""
    from axes.helpers import get_failure_limit
    from django.contrib.auth import get_user_model

    failures = getattr(request, "axes_failures_since_start", None)
    credentials = getattr(request, "axes_credentials", None)
    if failures is not None and failures != get_failure_limit(request, credentials):
        return
    name = str(username or "")
    user = get_user_model()._default_manager.filter(username=name).first() if name else None
    record_sign_in(action=AuditEvent.Action.LOCKOUT, user=user, username=name)


def connect() -> None:
    from axes.signals import user_locked_out
    from django.contrib.auth import signals

    user_locked_out.connect(locked_out, dispatch_uid="matrica_audit_locked_out")
    signals.user_logged_in.connect(logged_in, dispatch_uid="matrica_audit_login")
    signals.user_logged_out.connect(logged_out, dispatch_uid="matrica_audit_logout")
    signals.user_login_failed.connect(login_failed, dispatch_uid="matrica_audit_login_failed")
