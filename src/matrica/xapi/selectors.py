"""Reads of the xAPI app: the sources a user manages and their queues."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Max, QuerySet

from matrica.xapi.models import Source, Statement


def sources_visible_to(user: Any) -> QuerySet[Source]:
    return Source.objects.visible_to(user).select_related("beneficiary")


def waiting_counts(sources: QuerySet[Source]) -> dict[int, int]:
    """How many statements wait in each source's queue, in one query."""
    return dict(
        Statement.objects.filter(source__in=sources, status=Statement.Status.WAITING)
        .values("source")
        .annotate(n=Count("pk"))
        .values_list("source", "n")
    )


def waiting_actors(source: Source) -> list[dict[str, Any]]:
    """The actors the queue waits for, with the name the platform gave and how many statements
    wait for them."""
    return list(
        Statement.objects.filter(source=source, status=Statement.Status.WAITING, actor_unknown=True)
        .values("actor_key")
        .annotate(waiting=Count("pk"), name=Max("actor_name"))
        .order_by("actor_key")[:500]
    )


def waiting_activities(source: Source) -> list[dict[str, Any]]:
    """The activities the queue waits for, with their name and how many statements wait."""
    return list(
        Statement.objects.filter(
            source=source, status=Statement.Status.WAITING, activity_unknown=True
        )
        .values("activity_id")
        .annotate(waiting=Count("pk"), name=Max("activity_name"))
        .order_by("activity_id")[:500]
    )
