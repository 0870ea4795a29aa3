"""Sessions as iCalendar (RFC 5545): a `.ics` for one session, and feeds people subscribe to in
the calendar they already use. One event per day of a session, since hours are kept per day."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from matrica.delivery.models import TrainingSession

PRODUCT = "-//Matrica//Training sessions//EN"


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    return calendar


def _events(session: TrainingSession) -> Iterable[Event]:
    zone = ZoneInfo(settings.TIME_ZONE)
    stamp = timezone.now()
    place = session.venue or session.online_url
    for day in session.days.all():
        event = Event()
        event.add("uid", f"session-{session.pk}-{day.date:%Y%m%d}@matrica")
        event.add("dtstamp", stamp)
        event.add("dtstart", datetime.datetime.combine(day.date, day.starts_at, tzinfo=zone))
        event.add("dtend", datetime.datetime.combine(day.date, day.ends_at, tzinfo=zone))
        event.add("summary", f"{session.module.code} {session.module.local_title}")
        if place:
            event.add("location", place)
        if session.online_url:
            event.add("url", session.online_url)
        if session.notes:
            event.add("description", session.notes)
        cancelled = session.state == TrainingSession.State.CANCELLED
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        yield event


def calendar_of(sessions: Iterable[TrainingSession], name: str) -> bytes:
    """The sessions as one iCalendar document (their days and modules prefetched by the
    caller, so that a feed costs a bounded number of queries)."""
    calendar = _calendar(name)
    for session in sessions:
        for event in _events(session):
            calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def session_ics(session: TrainingSession) -> bytes:
    return calendar_of([session], str(session))
