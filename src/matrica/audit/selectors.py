from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from matrica.audit.models import AuditEvent


def audit_events_visible_to(user: Any) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.visible_to(user).select_related("object_type", "beneficiary")
