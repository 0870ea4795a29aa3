"""Sessions as iCalendar (RFC 5545): a `.ics` for one session, and feeds people subscribe to in
the calendar they already use. One event per day of a session, since hours are kept per day.

A feed is read by a calendar program that cannot sign in, so its URL carries a signed token
(user, kind of feed, and a fingerprint of the account): changing the password, deactivating the
account or changing its role or place changes the fingerprint, and every old URL stops working.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from email.utils import parseaddr
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db.models import Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

from matrica.delivery.models import Enrolment, TrainingSession, open_to_institution
from matrica.tenancy.roles import Role

PRODUCT = "-//Matrica//Training sessions//EN"
FEED_SALT = "matrica.delivery.feed"
# How far back a feed reaches: enough for last term's sessions, not the whole history.
FEED_PAST_DAYS = 90


def absolute_url(path: str) -> str:
    """`path` on the server people reach Matrica at (settings.MATRICA_BASE_URL)."""
    return settings.MATRICA_BASE_URL.rstrip("/") + path


def session_url(session: TrainingSession) -> str:
    """The session's page, as an absolute URL for mail and calendars."""
    try:
        path = reverse("delivery:session", args=[session.pk])
    except NoReverseMatch:  # the session pages are not mounted: the session's .ics instead
        path = reverse("delivery:session_ics", args=[session.pk])
    return absolute_url(path)


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    return calendar


def _organiser(session: TrainingSession) -> vCalAddress:
    """The administration holding the session, reached at Matrica's sending address."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or settings.DEFAULT_FROM_EMAIL
    organiser = vCalAddress(f"mailto:{address}")
    organiser.params["cn"] = vText(session.beneficiary.name)
    return organiser


def _sequence(session: TrainingSession, now: datetime.datetime) -> int:
    """SEQUENCE: seconds since the session was planned, at the time of writing. The model keeps
    no revision counter, and a calendar only needs a later copy to carry a larger number to take
    it over an earlier one (a change, a cancellation); this never goes back."""
    return max(0, int((now - session.created_at).total_seconds()))


def _events(session: TrainingSession, now: datetime.datetime) -> Iterable[Event]:
    zone = ZoneInfo(settings.TIME_ZONE)
    place = session.venue or session.online_url
    cancelled = session.state == TrainingSession.State.CANCELLED
    title = f"{session.module.code} {session.module.local_title}"
    if cancelled:
        title = _("Cancelled: %(session)s") % {"session": title}
    link = session_url(session)
    description = "\n\n".join(text for text in (session.notes.strip(), link) if text)
    days = list(session.days.all())
    for number, day in enumerate(days, start=1):
        event = Event()
        event.add("uid", f"session-{session.pk}-{day.date:%Y%m%d}@matrica")
        event.add("dtstamp", now)
        event.add("sequence", _sequence(session, now))
        event.add("dtstart", datetime.datetime.combine(day.date, day.starts_at, tzinfo=zone))
        event.add("dtend", datetime.datetime.combine(day.date, day.ends_at, tzinfo=zone))
        summary = title
        if len(days) > 1:
            summary = _("%(session)s (day %(number)s of %(count)s)") % {
                "session": title, "number": number, "count": len(days),
            }  # fmt: skip
        event.add("summary", summary)
        if place:
            event.add("location", place)
        event.add("url", session.online_url or link)
        event.add("description", description)
        event.add("organizer", _organiser(session))
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
        yield event


def calendar_of(sessions: Iterable[TrainingSession], name: str) -> bytes:
    """The sessions as one iCalendar document (their days, modules and administrations fetched
    by the caller, see `with_calendar_facts`, so that a feed costs a bounded number of
    queries)."""
    calendar = _calendar(name)
    now = timezone.now()
    for session in sessions:
        for event in _events(session, now):
            calendar.add_component(event)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())


def session_ics(session: TrainingSession) -> bytes:
    return calendar_of([session], str(session))


def with_calendar_facts(sessions: QuerySet[TrainingSession]) -> QuerySet[TrainingSession]:
    """What an event shows, fetched in three queries whatever the number of sessions."""
    return sessions.select_related("module", "beneficiary").prefetch_related("days")


# Feeds ----------------------------------------------------------------------------------------


class Feed(StrEnum):
    DELIVERING = "delivering"  # the sessions I deliver as a trainer
    INSTITUTION = "institution"  # the sessions open to my institution
    MINE = "mine"  # the sessions I am enrolled in
    ADMINISTRATION = "administration"  # my administration's sessions

    @property
    def label(self) -> str:
        return {
            Feed.DELIVERING: _("Sessions I deliver"),
            Feed.INSTITUTION: _("Sessions open to my institution"),
            Feed.MINE: _("My sessions"),
            Feed.ADMINISTRATION: _("My administration's sessions"),
        }[self]


NATIONAL_ROLES = frozenset({Role.NATIONAL_ADMIN, Role.TRAINING_MANAGER})


def feeds_for(user: Any) -> list[Feed]:
    """The feeds this account may subscribe to, in the order the feeds page lists them."""
    if not user.is_active:
        return []
    feeds = []
    if user.staff_member_id:
        feeds.append(Feed.MINE)
    delivers = (
        user.staff_member_id
        and TrainingSession.trainers.through.objects.filter(
            staffmember_id=user.staff_member_id
        ).exists()
    )
    if user.role == Role.TRAINER or delivers:
        feeds.append(Feed.DELIVERING)
    if user.role == Role.INSTITUTION_MANAGER and user.institution_id:
        feeds.append(Feed.INSTITUTION)
    if user.role in NATIONAL_ROLES and user.beneficiary_id:
        feeds.append(Feed.ADMINISTRATION)
    return feeds


def feed_sessions(user: Any, feed: Feed) -> QuerySet[TrainingSession]:
    """The sessions of one feed: of those `user` may see, the feed's kind, from 90 days ago on."""
    since = timezone.localdate() - datetime.timedelta(days=FEED_PAST_DAYS)
    sessions = TrainingSession.objects.visible_to(user).filter(ends_on__gte=since)
    member = user.staff_member_id or 0
    if feed == Feed.MINE:
        # A withdrawn place leaves the calendar, except when the session itself was cancelled
        # (everyone is withdrawn then): the entry stays, marked cancelled.
        enrolled = Enrolment.objects.filter(staff_member_id=member).filter(
            ~Q(state=Enrolment.State.WITHDRAWN) | Q(session__state=TrainingSession.State.CANCELLED)
        )
        sessions = sessions.filter(pk__in=enrolled.values("session_id"))
    elif feed == Feed.DELIVERING:
        sessions = sessions.filter(
            pk__in=TrainingSession.trainers.through.objects.filter(staffmember_id=member).values(
                "trainingsession_id"
            )
        )
    elif feed == Feed.INSTITUTION:
        sessions = sessions.filter(pk__in=open_to_institution(user.institution_id or 0))
    else:
        sessions = sessions.filter(beneficiary_id=user.beneficiary_id or 0)
    return with_calendar_facts(sessions.order_by("starts_on", "pk"))


def _fingerprint(user: Any) -> str:
    """Changes with the password, the account's state and its role and place."""
    account = "|".join(
        str(value)
        for value in (
            user.password, user.is_active, user.role, user.beneficiary_id,
            user.institution_id, user.staff_member_id,
        )
    )  # fmt: skip
    return salted_hmac(FEED_SALT, account).hexdigest()[:16]


def feed_token(user: Any, feed: Feed) -> str:
    return signing.Signer(salt=FEED_SALT).sign_object(
        {"u": user.pk, "k": str(feed), "f": _fingerprint(user)}
    )


def feed_of_token(token: str) -> tuple[Any, Feed] | None:
    """The account and feed of a token, or None if the token is forged, revoked (password,
    role or place changed, account deactivated) or the feed no longer offered to the account."""
    try:
        payload = signing.Signer(salt=FEED_SALT).unsign_object(token)
        user_id, kind, fingerprint = int(payload["u"]), Feed(payload["k"]), str(payload["f"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    user = get_user_model()._default_manager.filter(pk=user_id, is_active=True).first()
    if user is None or not constant_time_compare(fingerprint, _fingerprint(user)):
        return None
    if kind not in feeds_for(user):
        return None
    return user, kind
