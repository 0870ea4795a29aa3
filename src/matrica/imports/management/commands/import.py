import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from matrica.imports.kinds import KINDS
from matrica.tabular import ENCODINGS, Refused, RowsRefused, read_sheet
from matrica.tenancy.models import Beneficiary
from matrica.tenancy.scoping import SYSTEM

MAX_LISTED = 50


class Command(BaseCommand):
    help = (
        "Import a staff roster or past evidence from a CSV or XLSX file (docs/imports.md): "
        "every row, or none; rejected rows are listed with their row, column, value and reason."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(KINDS))
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--beneficiary", required=True, help="The administration's code, e.g. RS."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and report; write nothing."
        )
        parser.add_argument(
            "--full", action="store_true",
            help="Staff only: the file is the whole roster; people in post missing from it "
            "have left.",
        )  # fmt: skip
        parser.add_argument(
            "--encoding",
            choices=sorted(ENCODINGS),
            default="",
            help="Override the detected encoding (CSV).",
        )
        parser.add_argument(
            "--map", action="append", default=[], metavar="HEADER=COLUMN",
            help="Read the file's column HEADER as COLUMN (e.g. 'Radnik br.=employee_number'); "
            "COLUMN empty leaves it out. Repeatable.",
        )  # fmt: skip
        parser.add_argument(
            "--problems", type=Path, help="Also write the rejected rows to this CSV file."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        kind = KINDS[options["kind"]]
        path: Path = options["file"]
        if options["full"] and not kind.has_full_mode:
            raise CommandError("--full applies to the staff roster only.")
        beneficiary = Beneficiary.objects.filter(code=options["beneficiary"].upper()).first()
        if beneficiary is None:
            raise CommandError(f"No administration has the code {options['beneficiary']!r}.")
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}") from error
        mapping = dict(item.partition("=")[::2] for item in options["map"])
        quiet = options["verbosity"] == 0
        try:
            sheet = read_sheet(data, path.name, kind.columns, encoding=options["encoding"])
            bar = tqdm(desc=f"Importing {path.name}", unit=" rows", disable=quiet, file=sys.stderr)

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.n = done
                bar.refresh()

            extra = {"full": options["full"]} if kind.has_full_mode else {}
            outcome = kind.run(
                actor=SYSTEM, beneficiary=beneficiary, sheet=sheet, mapping=mapping,
                dry_run=options["dry_run"], source=path.name, progress=progress, **extra,
            )  # fmt: skip
            bar.close()
        except Refused as error:
            raise CommandError(f"{path}: {error.message} Nothing was imported.") from error
        except RowsRefused as error:
            self._refuse(path, error, options["problems"])
        self._report(path, sheet.encoding, outcome)

    def _refuse(self, path: Path, error: RowsRefused, problems_file: Path | None) -> None:
        from matrica.exports import Table, write_csv

        for problem in error.problems[:MAX_LISTED]:
            where = f"row {problem.row}" if problem.row else "file"
            self.stderr.write(
                f"{path}: {where}, column {problem.column!r}, value {problem.value!r}: "
                f"{problem.reason}"
            )
        if len(error.problems) > MAX_LISTED:
            self.stderr.write(f"… and {len(error.problems) - MAX_LISTED} more.")
        if problems_file:
            with problems_file.open("w", encoding="utf-8-sig", newline="") as stream:
                write_csv(
                    Table(["row", "column", "value", "reason"],
                          [[p.row, p.column, p.value, p.reason] for p in error.problems]),
                    stream,
                )  # fmt: skip
        rows = sorted({p.row for p in error.problems if p.row})
        listed = ", ".join(map(str, rows[:20])) + (" …" if len(rows) > 20 else "")
        raise CommandError(
            f"{path}: {len(error.problems)} problems"
            + (f" in rows {listed}" if rows else "")
            + ". Nothing was imported."
        )

    def _report(self, path: Path, encoding: str, outcome: Any) -> None:
        counts = outcome.counts()
        read_as = f" (read as {encoding})" if encoding else ""
        summary = ", ".join(f"{value} {name}" for name, value in counts.items())
        if not outcome.changes_anything:
            self.stdout.write(
                f"{path}{read_as}: {summary}. "
                "Nothing to change: the registry already matches the file."
            )
        elif outcome.dry_run:
            self.stdout.write(
                f"{path}{read_as}: dry run, nothing written. Would import: {summary}."
            )
        else:
            self.stdout.write(f"{path}{read_as}: imported. {summary}.")
