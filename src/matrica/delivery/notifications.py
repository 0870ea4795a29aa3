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

from matrica.delivery.calendar import session_ics, session_url
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


def _subject(event: Event) -> str:
    return {
        Event.NOMINATED: _("You are nominated for %(module)s"),
        Event.CONFIRMED: _("Your place in %(module)s is confirmed"),
        Event.WAITLISTED: _("You are on the waiting list for %(module)s"),
        Event.WITHDRAWN: _("You are withdrawn from %(module)s"),
        Event.CHANGED: _("%(module)s has changed"),
        Event.CANCELLED: _("%(module)s is cancelled"),
        Event.CLOSED: _("%(module)s is closed: your training record is updated"),
    }[event]


def _what(event: Event) -> str:
    """What the message means for the person, and what (if anything) they should do."""
    return {
        Event.NOMINATED: _(
            "You have been put forward for this training session. Your place is confirmed "
            "separately; the calendar entry attached keeps the days free meanwhile."
        ),
        Event.CONFIRMED: _(
            "Your place is confirmed. Please come on every day below; the attached calendar "
            "entry adds them to your calendar."
        ),
        Event.WAITLISTED: _(
            "The session is full, so you are on its waiting list. You will be told if a place "
            "becomes free."
        ),
        Event.WITHDRAWN: _(
            "You no longer hold a place in this session. If you think this is a mistake, ask "
            "your manager."
        ),
        Event.CHANGED: _(
            "The session's days, hours or place have changed: see below. The attached calendar "
            "entry updates the one in your calendar."
        ),
        Event.CANCELLED: _(
            "The session will not take place. The attached calendar entry removes it from your "
            "calendar."
        ),
        Event.CLOSED: _(
            "The session is over and its attendance is recorded: your training record now shows it."
        ),
    }[event]


def _subject_and_body(event: Event, enrolment: Enrolment) -> tuple[str, str]:
    session = enrolment.session
    days = "\n".join(
        f"  {day.date:%Y-%m-%d} {day.starts_at:%H:%M}–{day.ends_at:%H:%M}"
        for day in session.days.all()
    )
    module = f"{session.module.code} {session.module.local_title}"
    subject = _subject(event) % {"module": module}
    facts = {
        "name": enrolment.staff_member.full_name,
        "what": _what(event),
        "module": module,
        "administration": session.beneficiary.name,
        "days": days,
        "place": session.venue or session.online_url,
        "link": session_url(session),
    }
    body = (
        _(
            "Dear %(name)s,\n\n%(what)s\n\n"
            "Module: %(module)s\nAdministration: %(administration)s\n"
            "Days:\n%(days)s\nPlace: %(place)s\n\n"
            "The session in Matrica: %(link)s\n"
        )
        % facts
    )
    if session.online_url and session.venue:
        body += _("Online link: %(url)s\n") % {"url": session.online_url}
    body += "\n" + _("This message was sent by Matrica; please do not reply to it.") + "\n"
    return subject, body


def send(event: Event, enrolment_ids: list[int]) -> int:
    """Build and send the messages; returns how many were sent (people without an email
    address are not written to)."""
    enrolments = (
        Enrolment.objects.filter(pk__in=enrolment_ids)
        .exclude(staff_member__email="")
        .select_related("staff_member", "session__module", "session__beneficiary")
        .prefetch_related("session__days")
        .order_by("pk")
    )
    messages = []
    for enrolment in enrolments:
        with translation.override(enrolment.staff_member.preferred_language or None):
            subject, body = _subject_and_body(event, enrolment)
            message = EmailMessage(
                subject, body, settings.DEFAULT_FROM_EMAIL, [enrolment.staff_member.email]
            )
            if event in WITH_CALENDAR:
                name = f"{enrolment.session.module.code}-{enrolment.session.starts_on:%Y-%m-%d}.ics"
                message.attach(name, session_ics(enrolment.session), "text/calendar")
        messages.append(message)
    if messages:
        get_connection().send_messages(messages)
    return len(messages)
