import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from matrica.staff.actions import apply_retention
from matrica.tenancy.scoping import SYSTEM


class Command(BaseCommand):
    help = (
        "Pseudonymise the people who left more than their administration's retention_years ago "
        "(docs/privacy.md). Their figures and evidence stay."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", type=datetime.date.fromisoformat, default=None)
        parser.add_argument(
            "--dry-run", action="store_true", help="Report who is due; change nothing."
        )

    def handle(
        self, *args: Any, as_of: datetime.date | None, dry_run: bool, **options: Any
    ) -> None:
        bar = tqdm(desc="Retention", unit=" people", disable=options["verbosity"] == 0)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        reports = apply_retention(actor=SYSTEM, on=as_of, dry_run=dry_run, progress=progress)
        bar.close()
        done_label = "would pseudonymise" if dry_run else "pseudonymised"
        for report in reports:
            self.stdout.write(
                f"{report.code}: retention {report.retention_years} years, {report.due} due, "
                f"{done_label} {report.due if dry_run else report.done}"
            )
        due = sum(report.due for report in reports)
        self.stdout.write(f"{due} due in {len(reports)} administrations; {done_label} {due}.")
