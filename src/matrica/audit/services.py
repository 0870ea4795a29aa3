"""Writing the audit trail. Every service that changes a record calls these inside its own
transaction, so the change and its audit row commit or roll back together."""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction

from matrica.audit.context import current_request
from matrica.audit.models import AuditEvent

if TYPE_CHECKING:
    from matrica.accounts.models import User


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The concrete field values of `obj` as JSON-ready data (foreign keys as ids)."""
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if not field.editable and field.name not in {"id"}:
            continue
        value = getattr(obj, field.attname)
        if isinstance(value, datetime.date | datetime.datetime | datetime.time):
            value = value.isoformat()
        elif isinstance(value, decimal.Decimal | uuid.UUID):
            value = str(value)
        data[field.attname] = value
    return data


def _owner_id(obj: models.Model, path: str | None) -> int | None:
    """Follow a tenancy path such as 'staff_member__beneficiary' to the owning row's id."""
    if not path:
        return None
    if path == "pk":
        return obj.pk
    *hops, last = path.split("__")
    target: Any = obj
    for hop in hops:
        target = getattr(target, hop, None)
        if target is None:
            return None
    return getattr(target, f"{last}_id", None)


def record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    message: str = "",
) -> AuditEvent:
    paths = getattr(type(obj), "tenancy", None)
    context = current_request.get()
    return AuditEvent.objects.create(
        user=actor if actor is not None and actor.pk else None,
        user_name=actor.get_username() if actor is not None else "system",
        request_id=context.request_id if context else None,
        remote_addr=context.remote_addr if context else None,
        action=action,
        object_type=ContentType.objects.get_for_model(type(obj)),
        object_id=str(obj.pk or ""),
        object_repr=str(obj)[:200],
        beneficiary_id=_owner_id(obj, paths.beneficiary) if paths else None,
        institution_id=_owner_id(obj, paths.institution) if paths else None,
        before=before,
        after=after,
        message=message,
    )


def record_created(*, actor: User | None, objs: list[models.Model], message: str = "") -> None:
    """One audit row per created object, written in one statement (bulk writes are audited too)."""
    if not objs:
        return
    context = current_request.get()
    model = type(objs[0])
    paths = getattr(model, "tenancy", None)
    object_type = ContentType.objects.get_for_model(model)
    AuditEvent.objects.bulk_create(
        AuditEvent(
            user=actor if actor is not None and actor.pk else None,
            user_name=actor.get_username() if actor is not None else "system",
            request_id=context.request_id if context else None,
            remote_addr=context.remote_addr if context else None,
            action=AuditEvent.Action.CREATE,
            object_type=object_type,
            object_id=str(obj.pk or ""),
            object_repr=str(obj)[:200],
            beneficiary_id=_owner_id(obj, paths.beneficiary) if paths else None,
            institution_id=_owner_id(obj, paths.institution) if paths else None,
            after=snapshot(obj),
            message=message,
        )
        for obj in objs
    )


def save_audited(*, actor: User | None, obj: models.Model, message: str = "") -> models.Model:
    """Save `obj` and record what changed. A save that changes nothing records nothing."""
    with transaction.atomic():
        before = None
        if obj.pk is not None:
            stored = type(obj)._default_manager.filter(pk=obj.pk).first()
            before = snapshot(stored) if stored is not None else None
        obj.save()
        after = snapshot(obj)
        if before != after:
            action = AuditEvent.Action.UPDATE if before is not None else AuditEvent.Action.CREATE
            record(actor=actor, action=action, obj=obj, before=before, after=after, message=message)
    return obj


def delete_audited(*, actor: User | None, obj: models.Model, message: str = "") -> None:
    with transaction.atomic():
        record(
            actor=actor,
            action=AuditEvent.Action.DELETE,
            obj=obj,
            before=snapshot(obj),
            message=message,
        )
        obj.delete()
