import datetime
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from matrica.demo.sample_files import write_sample_files
from matrica.demo.services import SCALES, DemoRefused, build_demo, demo_password


class Command(BaseCommand):
    help = (
        "Build (or rebuild) the demo region: seven administrations, staff, five years of training."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=SCALES, default="small")
        parser.add_argument("--seed", type=int, default=2020)
        parser.add_argument(
            "--today",
            type=datetime.date.fromisoformat,
            default=None,
            help="Reference date of the history (YYYY-MM-DD); default today.",
        )

    def handle(
        self, *args: Any, scale: str, seed: int, today: datetime.date | None, **options: Any
    ) -> None:
        bar = tqdm(
            total=None,
            unit=" staff",
            desc="Building demo region",
            disable=options["verbosity"] == 0,
        )

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        try:
            summary = build_demo(scale=scale, seed=seed, today=today, progress=progress)
        except DemoRefused as error:
            raise CommandError(str(error)) from error
        finally:
            bar.close()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo region ready: {summary.administrations} administrations, "
                f"{summary.institutions} institutions, {summary.staff} staff, "
                f"{summary.completions} completions, {summary.sessions} training sessions."
            )
        )
        # The figures the pages show are derived from the evidence just written.
        # Nobody uses the demo's database while it is built: no pauses for users' writes.
        call_command(
            "compliance", "refresh", as_of=today, offline=True, verbosity=options["verbosity"]
        )
        files = write_sample_files(settings.DATA_DIR / "demo-files", today or timezone.localdate())
        if files:
            self.stdout.write("Files to try the import page with (log in as admin-me):")
            for path in files:
                self.stdout.write(f"  {path}")
        self.stdout.write(f"Demo log-ins (password: {demo_password()!r}):")
        for username, description in summary.users:
            self.stdout.write(f"  {username:<14} {description}")
