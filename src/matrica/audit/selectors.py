from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from matrica.audit.models import AuditEvent
from matrica.pages import limited_search


def audit_events_visible_to(user: Any) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.visible_to(user).select_related("object_type", "beneficiary")


def filtered_events(
    events: QuerySet[AuditEvent], *, action: str, search: str
) -> QuerySet[AuditEvent]:
    """The trail's filters, shared by the page and its download: an action (an unknown one is
    ignored) and words of the record's name (limited as every search is)."""
    if action in AuditEvent.Action.values:
        events = events.filter(action=action)
    if search := limited_search(search)[0]:
        events = events.filter(object_repr__icontains=search)
    return events
