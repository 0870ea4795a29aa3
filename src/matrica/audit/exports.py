"""The audit trail as CSV or XLSX: the events the page lists, with its filters, through the one
export helper. The trail never holds a secret (`services.SECRET_FIELDS`), so neither does the
file. Taking a copy of the trail is itself on the trail."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from matrica import exports
from matrica.audit.models import AuditEvent
from matrica.audit.selectors import audit_events_visible_to, filtered_events
from matrica.audit.services import record
from matrica.http import AuthenticatedHttpRequest
from matrica.pages import allowed_if
from matrica.tenancy.permissions import may_read_audit


def header() -> list[str]:
    return [
        _("Time"), _("User"), _("Action"), _("Action code"), _("Record type"), _("Record id"),
        _("Record"), _("Administration code"), _("Message"), _("Changes"),
    ]  # fmt: skip


def _value(value: Any) -> str:
    return "–" if value is None else json.dumps(value, ensure_ascii=False, default=str).strip('"')


def changes(event: AuditEvent) -> str:
    """What an update changed, one `field: old → new` a line, as the page shows it."""
    if event.action != AuditEvent.Action.UPDATE:
        return ""
    return "\n".join(
        f"{field}: {_value(old)} → {_value(new)}" for field, old, new in event.changed_fields()
    )


def rows(events: QuerySet[AuditEvent]) -> Iterator[list[Any]]:
    """One line per event, newest first; the record type and administration joined in the same
    query (`audit_events_visible_to`), so the number of queries does not grow with the rows."""
    labels = dict(AuditEvent.Action.choices)
    for event in events.iterator(chunk_size=2000):
        yield [
            timezone.localtime(event.timestamp).strftime("%Y-%m-%d %H:%M:%S"),
            event.user_name,
            str(labels.get(event.action, event.action)),
            event.action,
            str(event.object_type.name),
            event.object_id,
            event.object_repr,
            event.beneficiary.code if event.beneficiary else "",
            event.message,
            changes(event),
        ]


def table(events: QuerySet[AuditEvent]) -> exports.Table:
    return exports.Table(header=header(), rows=rows(events), title=_("Audit trail"))


@require_GET
@allowed_if(may_read_audit)
def audit_export(request: AuthenticatedHttpRequest, file_format: str) -> HttpResponse:
    if file_format not in exports.FORMATS:
        raise Http404
    events = filtered_events(
        audit_events_visible_to(request.user),
        action=request.GET.get("action", ""),
        search=request.GET.get("q", ""),
    )
    response = exports.download(table(events), file_format, ["audit", timezone.localdate()])
    # Recorded after the file is written, so the copy does not list its own taking; against the
    # account that took it (the request's user is a lazy wrapper, not a model instance).
    account = get_user_model().objects.get(pk=request.user.pk)
    record(
        actor=request.user, action=AuditEvent.Action.EXPORT, obj=account,
        message=f"Audit trail downloaded ({file_format.upper()})",
    )  # fmt: skip
    return response
