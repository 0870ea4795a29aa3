"""`matrica follow-up [--as-of YYYY-MM-DD] [--dry-run]`: the daily follow-up on use at work.
Asks those who attended sessions that ended MATRICA_FOLLOW_UP_DAYS ago (with
MATRICA_FOLLOW_UP_GRACE_DAYS of grace for days it did not run), and their institution managers,
and emails them once the invitations are committed. Idempotent: nobody is asked twice."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from matrica.evaluation import notifications
from matrica.evaluation.actions import follow_up_window, invite_to_follow_up
from matrica.evaluation.models import FollowUpInvitation


class Command(BaseCommand):
    help = (
        "Ask participants and their institution managers how training is used at work, "
        "some months after each session (run daily; idempotent)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", type=datetime.date.fromisoformat, default=None)
        parser.add_argument(
            "--dry-run", action="store_true", help="Show what would be sent; change nothing."
        )

    def handle(
        self, *args: Any, as_of: datetime.date | None, dry_run: bool, **options: Any
    ) -> None:
        today = as_of or timezone.localdate()
        first, last = follow_up_window(today)
        with transaction.atomic():
            created = invite_to_follow_up(today=today)
            ids = [invitation.pk for invitation in created]
            if dry_run:
                messages = notifications.follow_up_messages(ids)
                # The invitations were made to see exactly what a run would do; undone here.
                transaction.set_rollback(True)
            else:
                messages = notifications.announce(ids)
        participants = sum(
            1 for i in created if i.respondent == FollowUpInvitation.Respondent.PARTICIPANT
        )
        self.stdout.write(f"Sessions that ended {first.isoformat()} to {last.isoformat()}:")
        if not created:
            self.stdout.write("nobody new to ask; nothing sent.")
            return
        verb = "would send" if dry_run else "sent"
        self.stdout.write(
            f"{participants} participants to ask, and their managers "
            f"({len(created)} invitations); {verb} {len(messages)} messages."
        )
        if dry_run or options["verbosity"] > 1:
            for message in messages:
                self.stdout.write(f"  {', '.join(message.to)}: {message.subject}")
