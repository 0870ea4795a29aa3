"""Writing the audit trail. Every service that changes a record calls these inside its own
transaction, so the change and its audit row commit or roll back together."""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import connection, models, transaction
from django.db.models import F, Func, Value
from django.db.models.functions import Cast, JSONObject, Substr
from django.utils import timezone

from matrica.audit.context import current_request
from matrica.audit.models import AuditEvent
from matrica.tenancy.scoping import ensure_visible
from matrica.text import clean_text

if TYPE_CHECKING:
    from matrica.tenancy.scoping import Actor


# Never written to the trail, whatever the model: the trail is append-only and widely read, so a
# secret in it could never be taken back. A model adds its own with `audit_secrets`.
SECRET_FIELDS = frozenset({"password", "token", "token_hash", "secret", "api_key"})


def audited_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    """The fields a snapshot holds: editable ones and the id, never a secret."""
    secrets = SECRET_FIELDS | frozenset(getattr(model, "audit_secrets", ()))
    return [
        field
        for field in model._meta.concrete_fields
        if (field.editable or field.name == "id") and field.name not in secrets
    ]


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The concrete field values of `obj` as JSON-ready data (foreign keys as ids)."""
    data: dict[str, Any] = {}
    for field in audited_fields(type(obj)):
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


def _event(
    *,
    actor: Actor | None,
    action: str,
    obj: models.Model,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    message: str,
) -> AuditEvent:
    """The audit row for one change of `obj`, not yet saved."""
    paths = getattr(type(obj), "tenancy", None)
    context = current_request.get()
    return AuditEvent(
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


def record(
    *,
    actor: Actor | None,
    action: str,
    obj: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    message: str = "",
) -> AuditEvent:
    event = _event(actor=actor, action=action, obj=obj, before=before, after=after, message=message)
    event.save()
    return event


def record_many(
    *,
    actor: Actor | None,
    action: str,
    changes: Sequence[tuple[models.Model, dict[str, Any] | None, dict[str, Any] | None]],
    message: str = "",
) -> int:
    """The rows `record` writes, one per (record, before, after), in one INSERT: a session's
    thirty enrolments moving together cost one statement, not thirty."""
    events = [
        _event(actor=actor, action=action, obj=obj, before=before, after=after, message=message)
        for obj, before, after in changes
    ]
    return len(AuditEvent.objects.bulk_create(events))


# Field types the database renders into JSON exactly as `snapshot` does in Python (booleans
# with help on SQLite, `_snapshot_value`). UUIDs (hex without dashes in SQLite) and the rest
# would not match.
_SQL_SNAPSHOT_TYPES = {
    "AutoField", "BooleanField", "BigAutoField", "BigIntegerField", "CharField", "DateField",
    "ForeignKey",
    "IntegerField", "PositiveIntegerField", "PositiveSmallIntegerField", "SmallIntegerField",
    "TextField",
}  # fmt: skip


def _snapshot_value(field: models.Field[Any, Any]) -> F | Func:
    if field.get_internal_type() == "BooleanField" and connection.vendor == "sqlite":
        # SQLite keeps a boolean as 0 or 1: spelt as JSON's true or false, as `snapshot` has it.
        return Func(
            F(field.attname),
            template="json(CASE WHEN %(expressions)s THEN 'true' ELSE 'false' END)",
        )
    return F(field.attname)


def _snapshot_expression(model: type[models.Model]) -> JSONObject:
    """`snapshot` computed by the database, for rows it writes itself."""
    fields = audited_fields(model)
    unsupported = [f.name for f in fields if f.get_internal_type() not in _SQL_SNAPSHOT_TYPES]
    if unsupported:
        raise TypeError(f"{model.__name__}: no SQL snapshot for {', '.join(unsupported)}")
    return JSONObject(**{field.attname: _snapshot_value(field) for field in fields})


def record_created(*, actor: Actor | None, created: models.QuerySet[Any], message: str = "") -> int:
    """One audit row per record of `created`, the same row `record` writes for one creation,
    computed and written by the database in one INSERT … SELECT: recording a session, or an
    import of thousands of completions, builds no Python object per row. The model supplies its
    `str()` as an expression (`str_expression`). Returns the number of rows written."""
    model = created.model
    after = _snapshot_expression(model)
    text = getattr(model, "str_expression", None)
    if text is None:
        raise TypeError(f"{model.__name__} has no str_expression for its audit rows")
    paths = getattr(model, "tenancy", None)
    context = current_request.get()

    def owner(path: str | None) -> F | Value:
        return F(path) if path else Value(None, output_field=models.BigIntegerField())

    def constant(value: Any, field: models.Field[Any, Any]) -> Value:
        return Value(value, output_field=field)

    event = AuditEvent._meta
    columns = {
        "timestamp": constant(timezone.now(), event.get_field("timestamp")),
        "user": constant(actor.pk if actor is not None else None, models.BigIntegerField()),
        "user_name": constant(
            actor.get_username() if actor is not None else "system", models.CharField()
        ),
        "request_id": constant(context.request_id if context else None, models.UUIDField()),
        "remote_addr": constant(
            context.remote_addr if context else None, models.GenericIPAddressField()
        ),
        "action": constant(AuditEvent.Action.CREATE.value, models.CharField()),
        "object_type": constant(ContentType.objects.get_for_model(model).pk, models.IntegerField()),
        "object_id": Cast("pk", models.CharField()),
        "object_repr": Substr(text(), 1, 200),
        "beneficiary": owner(paths.beneficiary if paths else None),
        "institution": owner(paths.institution if paths else None),
        "after": after,
        "message": constant(message, models.TextField()),
    }
    # Annotations named like the audit columns, selected in that order.
    rows = (
        created.order_by()
        .annotate(**{f"audit_{name}": expression for name, expression in columns.items()})
        .values_list(*(f"audit_{name}" for name in columns))
    )
    try:
        select, params = rows.query.sql_with_params()
    except EmptyResultSet:  # e.g. `filter(pk__in=[])`: nothing was created, nothing to record
        return 0
    targets = ", ".join(
        connection.ops.quote_name(cast("models.Field[Any, Any]", event.get_field(name)).column)
        for name in columns
    )
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {event.db_table} ({targets}) {select}", params)
        return cursor.rowcount


def save_audited(*, actor: Actor | None, obj: models.Model, message: str = "") -> models.Model:
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


def delete_audited(*, actor: Actor | None, obj: models.Model, message: str = "") -> None:
    with transaction.atomic():
        record(
            actor=actor,
            action=AuditEvent.Action.DELETE,
            obj=obj,
            before=snapshot(obj),
            message=message,
        )
        obj.delete()


def write(
    *, actor: Actor, obj: models.Model, message: str = "", exclude: list[str] | None = None
) -> models.Model:
    """The common tail of an action that saves one record: validate every field, model rule and
    constraint (`full_clean`), save, audit, and refuse (404, rolled back with the caller's
    transaction) a write that would move the record out of the actor's sight."""
    obj.full_clean(exclude=exclude)
    save_audited(actor=actor, obj=obj, message=message)
    if hasattr(type(obj), "tenancy"):
        ensure_visible(obj, actor)
    return obj


def record_sign_in(*, action: str, user: models.Model | None, username: str) -> AuditEvent:
    """A log-in, failed log-in, log-out or password change: who, when, from where; never the
    password. A failed attempt for an unknown name is kept under the name that was typed."""
    if user is not None:
        return record(actor=cast("Actor", user), action=action, obj=user)
    from django.contrib.auth import get_user_model

    context = current_request.get()
    return AuditEvent.objects.create(
        user=None,
        user_name=username[:150],
        request_id=context.request_id if context else None,
        remote_addr=context.remote_addr if context else None,
        action=action,
        object_type=ContentType.objects.get_for_model(get_user_model()),
        object_repr=username[:200],
    )


def apply_changes(obj: models.Model, changes: dict[str, Any], allowed: frozenset[str]) -> None:
    """Set the fields an update action may change (text in one Unicode form, trimmed); any other
    name is a programming error, not a user's."""
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"{type(obj).__name__}: cannot change {', '.join(sorted(unknown))}")
    for name, value in changes.items():
        setattr(obj, name, clean_text(value) if isinstance(value, str) else value)


def write_changes(
    *,
    actor: Actor,
    obj: models.Model,
    changes: dict[str, Any],
    allowed: frozenset[str],
    message: str = "",
    exclude: list[str] | None = None,
) -> models.Model:
    """`apply_changes` then `write`; a refused change leaves `obj` as the caller gave it, so a
    form can show the error next to the values that were stored."""
    previous = {name: getattr(obj, name) for name in changes if name in allowed}
    apply_changes(obj, changes, allowed)
    try:
        return write(actor=actor, obj=obj, message=message, exclude=exclude)
    except BaseException:
        for name, value in previous.items():
            setattr(obj, name, value)
        raise


def required_reason(reason: str, missing: str) -> str:
    """The reason an action that takes something back must be given, trimmed; refused when
    blank with `missing` as the message for the reason field."""
    reason = clean_text(reason)
    if not reason:
        raise ValidationError({"reason": missing})
    return reason
