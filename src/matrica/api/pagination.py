"""Cursor pagination for synchronisation: rows in the order they last changed (`updated_at`,
then id), so a client that keeps the last cursor gets exactly what changed since, however many
rows change meanwhile; `updated_since` starts from a time instead of a cursor."""

from __future__ import annotations

import base64
import datetime
import json
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from ninja.errors import HttpError

DEFAULT_LIMIT = 100
MAX_LIMIT = 500


def moment(value: datetime.datetime) -> datetime.datetime:
    """A time from a request, in UTC: PostgreSQL refuses offsets beyond ±16 hours that Python
    accepts, and a time without an offset is read in the server's time zone."""
    try:
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value.astimezone(datetime.UTC)
    except (OverflowError, ValueError) as error:
        raise HttpError(400, "The time is out of range.") from error


def encode(updated_at: datetime.datetime, pk: int) -> str:
    raw = json.dumps([updated_at.isoformat(), pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str) -> tuple[datetime.datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        when, pk = json.loads(raw)
        return moment(datetime.datetime.fromisoformat(when)), int(pk)
    except (ValueError, TypeError) as error:
        raise HttpError(400, "The cursor is not one this API gave.") from error


def page(
    queryset: QuerySet[Any],
    *,
    cursor: str | None,
    updated_since: datetime.datetime | None,
    limit: int,
) -> tuple[list[Any], str | None]:
    """One page of `queryset` (which has `updated_at`) and the cursor of the next, if any."""
    if not 1 <= limit <= MAX_LIMIT:
        raise HttpError(400, f"limit must be between 1 and {MAX_LIMIT}.")
    queryset = queryset.order_by("updated_at", "pk")
    if cursor:
        when, pk = decode(cursor)
        queryset = queryset.filter(Q(updated_at__gt=when) | Q(updated_at=when, pk__gt=pk))
    elif updated_since is not None:
        queryset = queryset.filter(updated_at__gte=moment(updated_since))
    rows = list(queryset[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows else None
    next_cursor = None
    if more and last is not None:
        updated_at = last["updated_at"] if isinstance(last, dict) else last.updated_at
        next_cursor = encode(updated_at, last["id"] if isinstance(last, dict) else last.pk)
    return rows, next_cursor


def offset_page(rows: Any, *, cursor: str | None, limit: int) -> tuple[list[Any], str | None]:
    """For lists in a fixed order that are not synchronised (a status list): the cursor is the
    position, opaque to clients all the same."""
    if not 1 <= limit <= MAX_LIMIT:
        raise HttpError(400, f"limit must be between 1 and {MAX_LIMIT}.")
    start = 0
    if cursor:
        try:
            start = int(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
        except ValueError as error:
            raise HttpError(400, "The cursor is not one this API gave.") from error
    found = list(rows[start : start + limit + 1])
    more = len(found) > limit
    following = base64.urlsafe_b64encode(str(start + limit).encode()).decode().rstrip("=")
    return found[:limit], following if more else None
