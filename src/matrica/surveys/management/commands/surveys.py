"""`matrica surveys [--as-of YYYY-MM-DD] [--dry-run]`: the daily step of the training-needs
surveys. Opens the draft campaigns whose open date has come (asking the people they target)
and closes the open ones whose close date has passed. Idempotent."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from matrica.surveys.actions import advance_campaigns


class Command(BaseCommand):
    help = "Open and close training-needs survey campaigns on their dates (run daily)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", type=datetime.date.fromisoformat, default=None)
        parser.add_argument("--dry-run", action="store_true", help="Show; change nothing.")

    def handle(
        self, *args: Any, as_of: datetime.date | None, dry_run: bool, **options: Any
    ) -> None:
        today = as_of or timezone.localdate()
        with transaction.atomic():
            done = advance_campaigns(today=today)
            if dry_run:
                transaction.set_rollback(True)
        verb = "would open" if dry_run else "opened"
        self.stdout.write(
            f"{today.isoformat()}: {verb} {done.opened} campaigns ({done.invited} people asked), "
            f"{'would close' if dry_run else 'closed'} {done.closed}."
        )
