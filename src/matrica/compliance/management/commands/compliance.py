import datetime
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from matrica.compliance import exports, history
from matrica.compliance.scope import ComplianceScope
from matrica.compliance.services import refresh_all, refresh_trend
from matrica.tenancy.models import Beneficiary, Institution
from matrica.tenancy.scoping import SystemUser


class Command(BaseCommand):
    help = "Rebuild derived compliance figures, or export the per-person status table."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        refresh = sub.add_parser("refresh", help="Rebuild statuses, counts and the trend.")
        refresh.add_argument("--as-of", type=datetime.date.fromisoformat, default=None)
        refresh.add_argument("--no-trend", action="store_true", help="Skip the quarterly trend.")
        refresh.add_argument(
            "--history",
            action="store_true",
            help="Rebuild every administration's history from scratch (by default only those "
            "whose rules changed since, or never built, and only what differs).",
        )
        refresh.add_argument(
            "--offline",
            action="store_true",
            help="Nobody else is using the database (a demo, a maintenance window): large "
            "transactions, no pauses for users' writes.",
        )
        export = sub.add_parser("export", help="Write the per-person status table.")
        export.add_argument(
            "--scope", default="", help="Administration code (e.g. RS); all if empty."
        )
        export.add_argument("--institution", type=int, default=None, help="Institution id.")
        export.add_argument("--as-of", type=datetime.date.fromisoformat, default=None)
        export.add_argument("--format", choices=exports.FORMATS, default="csv")
        export.add_argument(
            "--output", type=Path, default=None, help="File; standard output if omitted."
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "refresh":
            self.refresh(options)
        else:
            self.export(options)

    def refresh(self, options: dict[str, Any]) -> None:
        quiet = options["verbosity"] == 0
        seconds = history.rebuild(
            only_stale=not options["history"],
            from_scratch=options["history"],
            offline=options["offline"],
            progress=_bar("Compliance history", quiet),
        )
        self.stdout.write(f"History rebuilt in {seconds:.2f} s.")
        seconds = refresh_all(
            on=options["as_of"],
            offline=options["offline"],
            progress=_bar("Compliance statuses", quiet),
        )
        self.stdout.write(f"Statuses refreshed in {seconds:.2f} s.")
        if not options["no_trend"]:
            refresh_trend(until=options["as_of"], progress=_bar("Quarterly trend", quiet))
            self.stdout.write("Trend refreshed.")

    def export(self, options: dict[str, Any]) -> None:
        on = options["as_of"] or datetime.date.today()
        beneficiary = institution = None
        if options["scope"]:
            beneficiary = Beneficiary.objects.filter(code=options["scope"].upper()).first()
            if beneficiary is None:
                known = ", ".join(Beneficiary.objects.values_list("code", flat=True))
                raise CommandError(
                    f"--scope: no administration {options['scope']!r} (known: {known})"
                )
        if options["institution"]:
            institution = Institution.objects.filter(pk=options["institution"]).first()
            if institution is None:
                raise CommandError(
                    f"--institution: no institution with id {options['institution']}"
                )
        scope = ComplianceScope(SystemUser(), on, beneficiary, institution)
        output: Path | None = options["output"]
        if options["format"] == "xlsx":
            if output is None:
                raise CommandError("--format xlsx needs --output FILE")
            with output.open("wb") as stream:
                written = exports.write_xlsx(scope, stream)
        elif output is None:
            written = exports.write_csv(scope, sys.stdout)
        else:
            with output.open("w", encoding="utf-8-sig", newline="") as stream:
                written = exports.write_csv(scope, stream)
        self.stderr.write(f"{written} rows written.")


def _bar(description: str, quiet: bool) -> Callable[[int, int], None]:
    """A progress bar fed with (done, total), closed when done reaches total."""
    bar = tqdm(desc=description, disable=quiet)

    def advance(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return advance
