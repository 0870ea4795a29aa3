"""`matrica restore FILE [--force]`: put a backup taken by `matrica backup` back in place of the
embedded SQLite database, after checking it, keeping a copy of the current database beside it
(src/matrica/backups.py; docs/backups.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, connections
from django.db.migrations.loader import MigrationLoader

from matrica import backups
from matrica.tenancy.management.commands.backup import PageBar


class Command(BaseCommand):
    help = (
        "Replace the SQLite database with a backup. Refuses a file that is not a sound Matrica "
        "database, one made by a newer Matrica, and, without --force, a database holding newer "
        "data than the backup. The current database is kept beside it first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="a backup taken by `matrica backup`")
        parser.add_argument(
            "--force",
            action="store_true",
            help="restore even though the current database holds newer data",
        )

    def handle(self, *args: Any, file: Path, force: bool, **options: Any) -> None:
        if connection.vendor != "sqlite":
            raise CommandError(backups.POSTGRESQL_REFUSAL)
        # The migrations this code has on disk: a backup must not have more.
        known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations.keys()
        connections.close_all()
        bar = PageBar("Restore", quiet=options["verbosity"] == 0)
        database = Path(settings.DATABASES["default"]["NAME"])
        try:
            restored = backups.restore(
                backup_file=file,
                database=database,
                known_migrations=known,
                force=force,
                progress=bar.show,
            )
        except backups.BackupRefused as refusal:
            raise CommandError(str(refusal)) from refusal
        finally:
            bar.close()
        lines = restored.backup.describe()
        self.stdout.write("\n".join([f"Restored {database} from {lines[0]}", *lines[1:]]))
        if restored.safety_copy:
            self.stdout.write(f"The database as it was is kept in {restored.safety_copy}")
        if restored.pending_migrations:
            self.stdout.write(
                f"The backup is from an older version: run `matrica migrate` now "
                f"({len(restored.pending_migrations)} migrations to apply), then "
                "`matrica compliance refresh`."
            )
