"""The files a session gives out: its `.ics`, its attendance register, and calendar feeds."""

from __future__ import annotations

import datetime
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from icalendar import Calendar
from tests.test_subject_export import pdf_text

from matrica.audit.models import AuditEvent
from matrica.delivery import actions
from matrica.delivery.calendar import Feed, feed_token
from matrica.testing.factories import StaffMemberFactory

from .conftest import plan

pytestmark = pytest.mark.django_db


def events(content: bytes) -> list:
    return list(Calendar.from_ical(content).walk("VEVENT"))


def get(client: Client, user, url: str, **params):
    if user is not None:
        client.force_login(user)
    return client.get(url, params)


def user_of(world, who: str):
    if who == "anonymous":
        return None
    if who == "coordinator":
        return world.coordinator
    code, role = who.split(":")
    return world[code].users[role]


def take_part(serbia, session, people):
    """Open the session, nominate these people and confirm them."""
    manager = serbia.users["training_manager"]
    actions.open_session(actor=manager, session=session)
    actions.nominate(actor=manager, session=session, staff_members=people)
    confirmed, _ = actions.confirm(actor=manager, session=session)
    assert len(confirmed) == len(people)


@pytest.fixture
def turkish(serbia):
    return StaffMemberFactory.create(
        institution=serbia.probation, given_name="İsmail", family_name="Yıldırım"
    )


# The session's .ics ---------------------------------------------------------------------------


def test_the_ics_has_one_event_per_day_in_the_local_time_zone(client, serbia, session):
    response = get(client, serbia.users["national_admin"],
                   reverse("delivery:session_ics", args=[session.pk]))  # fmt: skip

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert "no-store" in response["Cache-Control"]
    day_events = events(response.content)
    days = list(session.days.all())
    assert len(day_events) == len(days) == 2
    zone = ZoneInfo(settings.TIME_ZONE)
    for event, day in zip(day_events, days, strict=True):
        start, end = event.decoded("dtstart"), event.decoded("dtend")
        assert start == datetime.datetime.combine(day.date, datetime.time(9), tzinfo=zone)
        assert end == datetime.datetime.combine(day.date, datetime.time(13), tzinfo=zone)
        assert start.utcoffset() == zone.utcoffset(start.replace(tzinfo=None))
        assert str(event["summary"]).startswith("BA Basic awareness")
        assert str(event["location"]) == "Training centre, Niš"
        assert str(event["status"]) == "CONFIRMED"
        assert str(event["organizer"]).startswith("mailto:")
        assert event["organizer"].params["CN"] == "Serbia"
        assert int(event["sequence"]) >= 0
    assert len({str(e["uid"]) for e in day_events}) == 2
    # The time zone travels with the file, so every calendar places the hours right.
    assert [str(tz["tzid"]) for tz in Calendar.from_ical(response.content).walk("VTIMEZONE")] == [
        settings.TIME_ZONE
    ]


def test_a_cancelled_session_is_cancelled_in_the_ics(client, serbia, session):
    actions.cancel_session(
        actor=serbia.users["training_manager"], session=session, reason="Trainer ill"
    )
    response = get(client, serbia.users["national_admin"],
                   reverse("delivery:session_ics", args=[session.pk]))  # fmt: skip

    assert {str(e["status"]) for e in events(response.content)} == {"CANCELLED"}
    assert all("Cancelled" in str(e["summary"]) for e in events(response.content))


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("RS:national_admin", 200), ("RS:training_manager", 200),
        ("RS:institution_manager", 200), ("RS:trainer", 200), ("RS:staff", 404),
        ("ME:national_admin", 404), ("ME:trainer", 404), ("coordinator", 200),
        ("anonymous", 302),
    ],
)  # fmt: skip
def test_who_gets_the_ics(client, world, session, who, status):
    response = get(client, user_of(world, who), reverse("delivery:session_ics", args=[session.pk]))
    assert response.status_code == status


def test_a_person_enrolled_gets_the_ics(client, serbia, session):
    take_part(serbia, session, [serbia.people[0]])
    response = get(client, serbia.users["staff"],
                   reverse("delivery:session_ics", args=[session.pk]))  # fmt: skip
    assert response.status_code == 200


# The attendance register ----------------------------------------------------------------------


def test_the_register_names_everyone_taking_part_in_their_own_script(
    client, serbia, session, turkish
):
    take_part(serbia, session, [serbia.people[0], serbia.people[1], turkish])
    response = get(client, serbia.users["training_manager"],
                   reverse("delivery:register_pdf", args=[session.pk]))  # fmt: skip

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    for name in ("Ђорђе Ђорђевић", "Milica Đorđević", "İsmail Yıldırım"):
        assert name in text
    assert "Јовановић" in text  # the trainer, in the header
    assert "Training centre, Niš" in text
    assert "09:00–13:00" in text
    for day in session.days.all():
        assert day.date.isoformat() in text
    assert "Signature" in text
    # Sorted as the registry sorts: Đorđević, Ђорђевић, Yıldırım (folded to the Latin script).
    assert text.index("Milica Đorđević") < text.index("İsmail Yıldırım")
    assert text.count("Attendance register") == 2  # one page per day


def test_the_register_of_one_day(client, serbia, session):
    take_part(serbia, session, [serbia.people[0]])
    first, second = session.days.all()
    url = reverse("delivery:register_pdf", args=[session.pk])
    response = get(client, serbia.users["trainer"], url, day=second.date.isoformat())

    text = pdf_text(response.content)
    assert response.status_code == 200
    assert second.date.isoformat() in text
    assert first.date.isoformat() not in text
    assert text.count("Attendance register") == 1


def test_the_register_is_one_a4_page_per_day(serbia, session):
    from matrica.delivery.register import register_document

    take_part(serbia, session, serbia.people[:2])
    document = register_document(
        user=serbia.users["national_admin"], session=session, days=list(session.days.all()),
        language="en",
    )  # fmt: skip
    assert len(document.pages) == 2
    # A4 in CSS pixels (96 per inch): 210 mm × 297 mm.
    assert [(round(p.width), round(p.height)) for p in document.pages] == [(794, 1123)] * 2


@pytest.mark.parametrize("day", ["2001-01-01", "tomorrow", "2026-02-30"])
def test_a_day_not_of_the_session_is_not_found(client, serbia, session, day):
    url = reverse("delivery:register_pdf", args=[session.pk])
    assert get(client, serbia.users["national_admin"], url, day=day).status_code == 404


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("RS:national_admin", 200), ("RS:training_manager", 200), ("RS:trainer", 200),
        # The register carries names: not for those who do not keep it.
        ("RS:institution_manager", 403), ("coordinator", 403), ("RS:staff", 404),
        ("ME:national_admin", 404), ("ME:trainer", 404), ("anonymous", 302),
    ],
)  # fmt: skip
def test_who_gets_the_register(client, world, session, who, status):
    url = reverse("delivery:register_pdf", args=[session.pk])
    assert get(client, user_of(world, who), url).status_code == status


def test_a_trainer_of_another_session_does_not_get_the_register(
    client, serbia, session, basic_awareness
):
    other = StaffMemberFactory.create(institution=serbia.prison)
    from .conftest import make_pool_trainer

    make_pool_trainer(other, basic_awareness)
    later = plan(
        serbia, basic_awareness, other, starts_on=session.starts_on + datetime.timedelta(7)
    )
    url = reverse("delivery:register_pdf", args=[later.pk])
    assert get(client, serbia.users["trainer"], url).status_code == 404


def test_the_register_download_is_on_the_trail(client, serbia, session):
    get(client, serbia.users["national_admin"],
        reverse("delivery:register_pdf", args=[session.pk]))  # fmt: skip
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.EXPORT, user=serbia.users["national_admin"],
        object_id=str(session.pk),
    ).exists()  # fmt: skip


# The session page's links ---------------------------------------------------------------------


def test_the_session_links_offer_the_register_only_to_those_who_keep_it(serbia, session):
    def links(user) -> str:
        return render_to_string(
            "delivery/files/_session_links.html", {"session": session, "user": user}
        )

    ics = reverse("delivery:session_ics", args=[session.pk])
    pdf = reverse("delivery:register_pdf", args=[session.pk])
    admin = links(serbia.users["national_admin"])
    assert ics in admin
    assert pdf in admin
    for day in session.days.all():
        assert f"{pdf}?day={day.date:%Y-%m-%d}" in admin
    manager = links(serbia.users["institution_manager"])
    assert ics in manager
    assert pdf not in manager


# Calendar feeds -------------------------------------------------------------------------------


def feed_url(user, feed: Feed) -> str:
    return reverse("delivery:feed", args=[feed_token(user, feed)])


def uids(response) -> set[str]:
    return {str(event["uid"]) for event in events(response.content)}


@pytest.mark.parametrize(
    ("who", "feeds"),
    [
        ("RS:national_admin", ["My administration's sessions"]),
        ("RS:training_manager", ["My administration's sessions"]),
        ("RS:institution_manager", ["Sessions open to my institution"]),
        ("RS:trainer", ["My sessions", "Sessions I deliver"]),
        ("RS:staff", ["My sessions"]),
        ("coordinator", []),
        ("ME:national_admin", ["My administration's sessions"]),
    ],
)
def test_the_feeds_page_lists_the_users_feeds(client, world, session, who, feeds):
    response = get(client, user_of(world, who), reverse("delivery:feeds"))
    page = response.content.decode()
    assert response.status_code == 200
    for label in ["My administration's sessions", "Sessions open to my institution",
                  "My sessions", "Sessions I deliver"]:  # fmt: skip
        assert (f">{label}<" in page.replace("&#x27;", "'")) == (label in feeds), label
    assert (settings.MATRICA_BASE_URL + "/delivery/feed/" in page) == bool(feeds)


def test_the_feeds_page_asks_to_sign_in(client):
    assert client.get(reverse("delivery:feeds")).status_code == 302


def test_a_feed_works_without_signing_in(client, serbia, session):
    response = client.get(feed_url(serbia.users["trainer"], Feed.DELIVERING))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= cache_control
    assert uids(response) == {
        f"session-{session.pk}-{d.date:%Y%m%d}@matrica" for d in session.days.all()
    }


@pytest.mark.parametrize(
    ("who", "feed"),
    [
        ("RS:national_admin", Feed.ADMINISTRATION),
        ("RS:institution_manager", Feed.INSTITUTION),
        ("RS:trainer", Feed.DELIVERING),
    ],
)
def test_each_feed_holds_its_sessions(client, world, session, who, feed):
    assert len(uids(client.get(feed_url(user_of(world, who), feed)))) == 2


def test_my_sessions_are_those_i_am_enrolled_in(client, serbia, session):
    staff = serbia.users["staff"]
    assert uids(client.get(feed_url(staff, Feed.MINE))) == set()
    take_part(serbia, session, [serbia.people[0]])
    assert len(uids(client.get(feed_url(staff, Feed.MINE)))) == 2


def test_a_cancelled_session_stays_in_my_feed_marked_cancelled(client, serbia, session):
    take_part(serbia, session, [serbia.people[0]])
    actions.cancel_session(actor=serbia.users["training_manager"], session=session, reason="No")
    response = client.get(feed_url(serbia.users["staff"], Feed.MINE))
    assert {str(e["status"]) for e in events(response.content)} == {"CANCELLED"}


def test_another_administrations_sessions_never_appear(client, world, session):
    montenegro = world["ME"]
    for role, feed in [("national_admin", Feed.ADMINISTRATION), ("training_manager",
                       Feed.ADMINISTRATION), ("institution_manager", Feed.INSTITUTION),
                       ("staff", Feed.MINE), ("trainer", Feed.MINE)]:  # fmt: skip
        response = client.get(feed_url(montenegro.users[role], feed))
        assert response.status_code == 200, role
        assert uids(response) == set(), role


def test_sessions_long_past_leave_the_feed(client, serbia, basic_awareness, trainer, session):
    # Ended 94 days ago: beyond the feed's 90 days.
    old = plan(serbia, basic_awareness, trainer, starts_on=date.today() - timedelta(95))
    found = uids(client.get(feed_url(serbia.users["national_admin"], Feed.ADMINISTRATION)))
    assert not any(uid.startswith(f"session-{old.pk}-") for uid in found)
    assert len(found) == 2


def test_a_tampered_token_is_not_found(client, serbia, session):
    token = feed_token(serbia.users["trainer"], Feed.DELIVERING)
    value, signature = token.rsplit(":", 1)
    admin_token = feed_token(serbia.users["national_admin"], Feed.ADMINISTRATION)
    forged = [
        value + ":" + signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB"),
        admin_token.rsplit(":", 1)[0] + ":" + signature,
        "x",
        token + "x",
    ]
    for bad in forged:
        assert client.get(reverse("delivery:feed", args=[bad])).status_code == 404, bad


def test_a_feed_stops_after_a_password_change(client, serbia, session):
    user = serbia.users["trainer"]
    url = feed_url(user, Feed.DELIVERING)
    assert client.get(url).status_code == 200
    user.set_password("a new and long password")
    user.save()
    assert client.get(url).status_code == 404
    assert client.get(feed_url(user, Feed.DELIVERING)).status_code == 200


def test_a_feed_stops_when_the_account_is_deactivated(client, serbia, session):
    user = serbia.users["trainer"]
    url = feed_url(user, Feed.DELIVERING)
    user.is_active = False
    user.save()
    assert client.get(url).status_code == 404


def test_a_feed_stops_after_a_role_change(client, serbia, session):
    user = serbia.users["national_admin"]
    url = feed_url(user, Feed.ADMINISTRATION)
    user.role = "training_manager"
    user.save()
    assert client.get(url).status_code == 404


def test_a_feed_not_offered_to_the_account_is_not_found(client, serbia, session):
    # A staff member's account cannot forge its way to the administration's feed.
    assert client.get(feed_url(serbia.users["staff"], Feed.ADMINISTRATION)).status_code == 404


def test_a_feed_costs_the_same_queries_for_2_or_20_sessions(
    client, serbia, basic_awareness, trainer, django_assert_max_num_queries
):
    start = datetime.date.today() + datetime.timedelta(days=14)
    url = feed_url(serbia.users["national_admin"], Feed.ADMINISTRATION)
    for index in range(2):
        plan(serbia, basic_awareness, trainer, starts_on=start + datetime.timedelta(7 * index))
    with django_assert_max_num_queries(8) as few:
        assert len(uids(client.get(url))) == 4
    for index in range(2, 20):
        plan(serbia, basic_awareness, trainer, starts_on=start + datetime.timedelta(7 * index))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(uids(client.get(url))) == 40
