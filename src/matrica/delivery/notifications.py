"""Telling people about their place in a session, by email in their own language, with the
session's `.ics` attached. Mail leaves only once the action that decided it has committed."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from matrica.delivery.calendar import session_ics
from matrica.delivery.models import Enrolment


class Event(StrEnum):
    NOMINATED = "nominated"
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    WITHDRAWN = "withdrawn"
    CHANGED = "changed"
    CANCELLED = "cancelled"
    CLOSED = "closed"


# Messages that carry the session's calendar entry.
WITH_CALENDAR = frozenset({Event.NOMINATED, Event.CONFIRMED, Event.CHANGED, Event.CANCELLED})


def tell(event: Event, enrolment_ids: Iterable[int]) -> None:
    """Send `event` to the people of these enrolments once the current transaction commits."""
    ids = sorted(set(enrolment_ids))
    if ids:
        transaction.on_commit(lambda: send(event, ids))


def _subject_and_body(event: Event, enrolment: Enrolment) -> tuple[str, str]:
    session = enrolment.session
    days = ", ".join(str(day) for day in session.days.all())
    facts = {
        "name": enrolment.staff_member.full_name,
        "module": f"{session.module.code} {session.module.local_title}",
        "days": days,
        "place": session.venue or session.online_url,
    }
    subjects = {
        Event.NOMINATED: _("You are nominated for %(module)s"),
        Event.CONFIRMED: _("Your place in %(module)s is confirmed"),
        Event.WAITLISTED: _("You are on the waiting list for %(module)s"),
        Event.WITHDRAWN: _("You are withdrawn from %(module)s"),
        Event.CHANGED: _("%(module)s has changed"),
        Event.CANCELLED: _("%(module)s is cancelled"),
        Event.CLOSED: _("%(module)s is closed: your record is updated"),
    }
    body = _(
        "Dear %(name)s,\n\n%(what)s\n\nModule: %(module)s\nDays: %(days)s\nPlace: %(place)s\n"
    ) % {**facts, "what": subjects[event] % facts}
    return subjects[event] % facts, body


def send(event: Event, enrolment_ids: list[int]) -> int:
    """Build and send the messages; returns how many were sent (people without an email
    address are not written to)."""
    enrolments = (
        Enrolment.objects.filter(pk__in=enrolment_ids)
        .exclude(staff_member__email="")
        .select_related("staff_member", "session__module")
        .prefetch_related("session__days")
    )
    messages = []
    for enrolment in enrolments:
        with translation.override(enrolment.staff_member.preferred_language):
            subject, body = _subject_and_body(event, enrolment)
            message = EmailMessage(
                subject, body, settings.DEFAULT_FROM_EMAIL, [enrolment.staff_member.email]
            )
            if event in WITH_CALENDAR:
                message.attach("session.ics", session_ics(enrolment.session), "text/calendar")
        messages.append(message)
    if messages:
        get_connection().send_messages(messages)
    return len(messages)
