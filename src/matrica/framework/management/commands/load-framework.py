from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from matrica.framework.actions import DEFAULT_MATRIX, FrameworkDataError, load_framework


class Command(BaseCommand):
    help = "Load the default common framework matrix (levels, categories, areas, modules, version)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", type=Path, default=DEFAULT_MATRIX)

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        try:
            report = load_framework(path=file)
        except FrameworkDataError as error:
            raise CommandError(f"Nothing was loaded. Problems in {file}:\n{error}") from error
        counts = ", ".join(f"{value} {key}" for key, value in report.counts.items())
        state = "loaded" if report.version_created else "already present, requirements unchanged"
        self.stdout.write(
            self.style.SUCCESS(f"Framework version {report.version.code} {state}: {counts}.")
        )
