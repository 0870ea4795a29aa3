"""`matrica backup [FILE]`: a consistent copy of the embedded SQLite database while users write
(SQLite's online backup API, src/matrica/backups.py; docs/backups.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Never

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from tqdm import tqdm

from matrica import backups


class Command(BaseCommand):
    help = (
        "Copy the SQLite database to FILE (default: <data dir>/backups/"
        "matrica-YYYYMMDD-HHMMSS.sqlite3, in UTC) while the server runs, and check the copy."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file", nargs="?", type=Path, default=None, help="the new backup file, or a folder"
        )

    def handle(self, *args: Any, file: Path | None, **options: Any) -> None:
        if connection.vendor != "sqlite":
            raise CommandError(backups.POSTGRESQL_REFUSAL)
        target = file or settings.DATA_DIR / "backups"
        if target.is_dir() or file is None:
            target = backups.default_backup_path(target)
        bar = PageBar("Backup", quiet=options["verbosity"] == 0)
        try:
            held = backups.backup(
                database=Path(settings.DATABASES["default"]["NAME"]),
                target=target,
                progress=bar.show,
            )
        except backups.BackupRefused as refusal:
            raise CommandError(str(refusal)) from refusal
        finally:
            bar.close()
        lines = held.describe()
        self.stdout.write("\n".join([f"Backup written: {lines[0]}", *lines[1:]]))


class PageBar:
    """A progress bar over the pages copied, shown from the first page on (so a refusal prints
    only its reason)."""

    def __init__(self, label: str, *, quiet: bool) -> None:
        self.label, self.quiet = label, quiet
        self.bar: tqdm[Never] | None = None

    def show(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = tqdm(desc=self.label, unit=" pages", total=total, disable=self.quiet)
        bar = self.bar
        bar.total = total
        bar.n = done
        bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
