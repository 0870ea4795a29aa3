import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from matrica.compliance.notices import send_notices


class Command(BaseCommand):
    help = (
        "Email people and their institution managers about training expiring soon, once per lapse."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", type=datetime.date.fromisoformat, default=None)
        parser.add_argument(
            "--dry-run", action="store_true", help="Show what would be sent; send nothing."
        )

    def handle(
        self, *args: Any, as_of: datetime.date | None, dry_run: bool, **options: Any
    ) -> None:
        plan = send_notices(as_of or datetime.date.today(), dry_run=dry_run)
        verb = "would send" if dry_run else "sent"
        self.stdout.write(
            f"{len(plan.lapses)} lapses not yet announced; {verb} {len(plan.messages)} messages."
        )
        if dry_run:
            for subject, _body, _sender, recipients in plan.messages:
                self.stdout.write(f"  {', '.join(recipients)}: {subject}")
