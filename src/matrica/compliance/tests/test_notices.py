import datetime

import pytest
from django.core import mail
from django.core.management import call_command

from matrica.compliance.models import ExpiryNotice
from matrica.compliance.notices import send_notices
from matrica.testing.factories import CompletionFactory

pytestmark = pytest.mark.django_db(transaction=True)  # mail is sent once the record commits
ON = datetime.date(2026, 6, 1)


@pytest.fixture
def lapsing(world):
    """Ђорђе Ђорђевић's awareness of radicalisation runs out within 90 days of ON."""
    member = world["RS"].people[0]
    member.email, member.preferred_language = "djordje@example.org", "sr-latn"
    member.save()
    manager = world["RS"].users["institution_manager"]
    manager.email = "manager@example.org"
    manager.save()
    CompletionFactory(
        staff_member=member, completed_on=datetime.date(2023, 7, 1),
        valid_until=datetime.date(2026, 7, 1),
    )  # fmt: skip
    return member


def test_the_person_and_their_institution_manager_are_told(lapsing):
    plan = send_notices(ON)
    assert [(m.full_name, a.code, until) for m, a, until in plan.lapses] == [
        ("Ђорђе Ђорђевић", "RAD", datetime.date(2026, 7, 1))
    ]
    recipients = sorted(r for message in mail.outbox for r in message.to)
    assert recipients == ["djordje@example.org", "manager@example.org"]
    to_manager = next(m for m in mail.outbox if m.to == ["manager@example.org"])
    assert "Ђорђе Ђорђевић" in to_manager.body
    assert "2026-07-01" in to_manager.body


def test_a_lapse_is_never_announced_twice(lapsing):
    send_notices(ON)
    mail.outbox.clear()
    send_notices(ON + datetime.timedelta(days=1))
    assert mail.outbox == []
    assert ExpiryNotice.objects.count() == 1


def test_a_new_lapse_after_a_refresher_is_announced_again(lapsing):
    send_notices(ON)
    CompletionFactory(
        staff_member=lapsing, completed_on=datetime.date(2026, 6, 20),
        valid_until=datetime.date(2029, 6, 20),
    )  # fmt: skip
    assert send_notices(datetime.date(2029, 4, 1)).lapses[0][2] == datetime.date(2029, 6, 20)


def test_the_person_reads_the_notice_in_their_language(lapsing, settings):
    send_notices(ON)
    own = next(m for m in mail.outbox if m.to == ["djordje@example.org"])
    assert own.subject  # translated or English, never empty
    assert "Ђорђе Ђорђевић" in own.body


def test_a_dry_run_sends_and_records_nothing(lapsing, capsys):
    call_command("notify", "--as-of", ON.isoformat(), "--dry-run")
    assert mail.outbox == []
    assert not ExpiryNotice.objects.exists()
    assert "would send 2 messages" in capsys.readouterr().out


def test_nothing_expiring_sends_nothing(world):
    assert send_notices(ON).lapses == []
    assert mail.outbox == []
