"""Backups of the embedded SQLite database, and restoring one (docs/backups.md).

Both directions copy through SQLite's online backup API, page by page, so neither needs the
server stopped: a backup reads one snapshot of the database however much users write meanwhile,
and a restore writes the live file under SQLite's own lock, so a running server's connections
see either the old database or the restored one, never a mixture. PostgreSQL has its own tools
(`pg_dump`, `pg_restore`); the commands refuse it and point to them.
"""

from __future__ import annotations

import datetime
import os
import shutil
import sqlite3
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

from django.db.models import Model

from matrica.audit.models import AuditEvent
from matrica.credentials.models import Certificate
from matrica.delivery.models import Enrolment, TrainingSession
from matrica.evaluation.models import TestResult
from matrica.library.models import Resource
from matrica.staff.models import StaffMember
from matrica.training.models import Completion

Progress = Callable[[int, int], None]
"""Called as `progress(pages_done, pages_total)` while pages are copied."""

POSTGRESQL_REFUSAL = (
    "This database is PostgreSQL: back it up with `pg_dump -Fc` and restore it with "
    "`pg_restore --clean --if-exists` (the exact commands are in docs/backups.md)."
)

# Rows a person checking a backup recognises: printed after a backup and before a restore.
KEY_TABLES: dict[str, type[Model]] = {
    "staff members": StaffMember,
    "completions": Completion,
    "audit events": AuditEvent,
}
# When the data last changed: the audit trail first, and the records written with a time of
# their own, in case a writer wrote without an audit row (a bulk load, a manual fix).
DATA_TIMES: list[tuple[type[Model], str]] = [
    (AuditEvent, "timestamp"),
    (Completion, "recorded_at"),
    (TrainingSession, "created_at"),
    (Enrolment, "nominated_at"),
    (TestResult, "recorded_at"),
    (Certificate, "issued_at"),
    (Resource, "created_at"),
]
# A backup file says when it was taken in this one-row table; a restore drops it again.
INFO_TABLE = "matrica_backup"
PAGES_PER_STEP = 1024  # 4 MB at SQLite's default page size: a smooth progress bar
SQLITE_MAGIC = b"SQLite format 3\x00"


class BackupRefused(Exception):
    """A backup or restore that was not done, with the reason for the person who asked."""


@dataclass(frozen=True)
class DatabaseFile:
    """What a backup (or a database) holds, read from the file itself."""

    path: Path
    size: int
    taken_at: datetime.datetime | None
    latest_change: datetime.datetime | None
    row_counts: dict[str, int]
    migrations: frozenset[tuple[str, str]] = field(repr=False)

    def describe(self) -> list[str]:
        """Lines for the person who took or restores it: where, how big, when, what rows."""
        return [
            str(self.path),
            f"  size: {self.size / 1_048_576:.1f} MB ({self.size} bytes), integrity: ok",
            f"  taken at: {_utc(self.taken_at, 'unknown')}; "
            f"latest change in it: {_utc(self.latest_change)}",
            *(f"  {label}: {count}" for label, count in self.row_counts.items()),
        ]


@dataclass(frozen=True)
class Restored:
    backup: DatabaseFile
    safety_copy: Path | None
    pending_migrations: list[str]


def default_backup_path(folder: Path, now: datetime.datetime | None = None) -> Path:
    """`<folder>/matrica-YYYYMMDD-HHMMSS.sqlite3`, in UTC so that names sort by time and do not
    repeat when the clocks go back."""
    now = now or datetime.datetime.now(datetime.UTC)
    return folder / f"matrica-{now.astimezone(datetime.UTC):%Y%m%d-%H%M%S}.sqlite3"


def backup(*, database: Path, target: Path, progress: Progress | None = None) -> DatabaseFile:
    """Copy the live `database` into the new file `target` (mode 0600: it holds personal data),
    check the copy's integrity and record in it when it was taken. Refuses an existing target."""
    if not database.is_file():
        raise BackupRefused(f"There is no database at {database}: nothing to back up.")
    if target.exists():
        raise BackupRefused(f"{target} exists already; choose another file name.")
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    # Created private before a single page is written, never readable by others.
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        taken_at = datetime.datetime.now(datetime.UTC)
        source = _connect(database)
        copy = _connect(partial)
        try:
            _copy(source, copy, progress)
            source.close()
            # One self-contained file: no -wal or -shm beside it.
            copy.execute("PRAGMA journal_mode=DELETE")
            _check_integrity(copy, partial)
            copy.execute(f"DROP TABLE IF EXISTS {INFO_TABLE}")
            copy.execute(f"CREATE TABLE {INFO_TABLE} (taken_at text NOT NULL, source text)")
            copy.execute(
                f"INSERT INTO {INFO_TABLE} VALUES (?, ?)", (taken_at.isoformat(), str(database))
            )
        finally:
            source.close()
            copy.close()
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return inspect(target, check_integrity=False)  # checked above, before the rename


def inspect(path: Path, *, check_integrity: bool = True) -> DatabaseFile:
    """Read a Matrica database file: refuses what is not SQLite, fails SQLite's integrity
    check, or is not Matrica's (no migrations table or no staff, evidence and audit tables)."""
    if not path.is_file():
        raise BackupRefused(f"There is no file {path}.")
    with path.open("rb") as stream:
        if stream.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
            raise BackupRefused(f"{path} is not an SQLite database.")
    connection = _connect(path)
    try:
        if check_integrity:
            _check_integrity(connection, path)
        tables = _tables(connection)
        missing = [
            model._meta.db_table
            for model in KEY_TABLES.values()
            if model._meta.db_table not in tables
        ]
        if "django_migrations" not in tables or missing:
            absent = ", ".join(["django_migrations"] if "django_migrations" not in tables else [])
            raise BackupRefused(
                f"{path} is an SQLite database but not Matrica's: it has no "
                f"{absent or ', '.join(missing)} table."
            )
        migrations = frozenset(connection.execute("SELECT app, name FROM django_migrations"))
        taken_at = None
        if INFO_TABLE in tables:
            row = connection.execute(f"SELECT max(taken_at) FROM {INFO_TABLE}").fetchone()
            taken_at = datetime.datetime.fromisoformat(row[0]) if row[0] else None
        return DatabaseFile(
            path=path,
            size=path.stat().st_size,
            taken_at=taken_at,
            latest_change=latest_change(connection, tables),
            row_counts={
                label: connection.execute(
                    f'SELECT count(*) FROM "{model._meta.db_table}"'
                ).fetchone()[0]
                for label, model in KEY_TABLES.items()
            },
            migrations=migrations,
        )
    except sqlite3.DatabaseError as error:
        raise BackupRefused(f"{path} cannot be read as an SQLite database: {error}.") from error
    finally:
        connection.close()


def latest_change(
    connection: sqlite3.Connection, tables: Collection[str]
) -> datetime.datetime | None:
    """The latest time any of DATA_TIMES records, in UTC; None for a database without data."""
    latest: datetime.datetime | None = None
    for model, name in DATA_TIMES:
        table, column = model._meta.db_table, model._meta.get_field(name).column  # type: ignore[union-attr]
        if table not in tables:
            continue
        value = connection.execute(f'SELECT max("{column}") FROM "{table}"').fetchone()[0]
        if value:
            # Django keeps aware times as UTC text without an offset.
            moment = datetime.datetime.fromisoformat(value).replace(tzinfo=datetime.UTC)
            latest = moment if latest is None else max(latest, moment)
    return latest


def restore(
    *,
    backup_file: Path,
    database: Path,
    known_migrations: Collection[tuple[str, str]],
    force: bool = False,
    progress: Progress | None = None,
) -> Restored:
    """Replace `database` with `backup_file`, after checking the backup, and keeping a copy of
    the current database beside it. Refuses a backup made by a newer Matrica (migrations this
    code does not know), and, unless `force`, a database holding changes later than the
    backup's latest."""
    if database.exists() and backup_file.resolve() == database.resolve():
        raise BackupRefused("The backup to restore is the database itself.")
    held = inspect(backup_file)
    unknown = sorted(f"{app}.{name}" for app, name in held.migrations - set(known_migrations))
    if unknown:
        raise BackupRefused(
            f"{backup_file} was made by a newer version of Matrica: this one does not know "
            f"its migrations {', '.join(unknown)}. Upgrade Matrica, then restore."
        )
    safety_copy = None
    if database.exists():
        safety_copy = _keep_safety_copy(database, held, force)
    else:
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    source = _connect(backup_file)
    live = _connect(database)
    try:
        _copy(source, live, progress)
        live.execute(f"DROP TABLE IF EXISTS {INFO_TABLE}")
        _check_integrity(live, database)
    except sqlite3.Error as error:
        kept = f"; the database as it was is in {safety_copy}" if safety_copy else ""
        raise BackupRefused(f"Restoring into {database} failed: {error}{kept}.") from error
    finally:
        source.close()
        live.close()
    pending = sorted(f"{app}.{name}" for app, name in set(known_migrations) - held.migrations)
    return Restored(backup=held, safety_copy=safety_copy, pending_migrations=pending)


def _keep_safety_copy(database: Path, held: DatabaseFile, force: bool) -> Path:
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M%S")
    safety_copy = database.with_name(f"{database.stem}-before-restore-{stamp}{database.suffix}")
    try:
        current = _connect(database)
        try:
            current_latest = latest_change(current, _tables(current))
        finally:
            current.close()
    except sqlite3.DatabaseError as error:
        if not force:
            raise BackupRefused(
                f"The current database {database} cannot be read ({error}), so whether it "
                "holds newer data is unknown. Use --force to replace it; a raw copy of it is "
                "kept beside it."
            ) from error
        os.close(os.open(safety_copy, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        shutil.copyfile(database, safety_copy)
        return safety_copy
    if (
        current_latest is not None
        and (held.latest_change is None or current_latest > held.latest_change)
        and not force
    ):
        raise BackupRefused(
            f"The current database holds newer data than the backup: its latest change is "
            f"{_utc(current_latest)}, the backup's {_utc(held.latest_change)}. Restoring would "
            "lose those changes. Use --force to restore anyway (a copy of the current database "
            "is kept beside it)."
        )
    backup(database=database, target=safety_copy)
    return safety_copy


def _utc(moment: datetime.datetime | None, missing: str = "none (no data)") -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC" if moment else missing


def _connect(path: Path) -> sqlite3.Connection:
    # Autocommit: transactions are begun explicitly; the backup API refuses a target in one.
    # The timeout makes a copy wait for a writer's lock as the server's connections do.
    return sqlite3.connect(path, timeout=20, isolation_level=None)


def _copy(
    source: sqlite3.Connection, target: sqlite3.Connection, progress: Progress | None
) -> None:
    """Copy every page of `source` into `target` as one snapshot.

    The read transaction held open on the source pins its snapshot (WAL mode): pages are copied
    in steps, and without it SQLite would restart the copy each time another process commits,
    which under steady writes might never finish."""
    source.execute("BEGIN")
    source.execute("SELECT count(*) FROM sqlite_master").fetchone()
    try:
        source.backup(
            target,
            pages=PAGES_PER_STEP,
            progress=(lambda _status, remaining, total: progress(total - remaining, total))
            if progress
            else None,
        )
    finally:
        source.execute("ROLLBACK")


def _check_integrity(connection: sqlite3.Connection, path: Path) -> None:
    problems = [row[0] for row in connection.execute("PRAGMA integrity_check")]
    if problems != ["ok"]:
        raise BackupRefused(f"{path} fails SQLite's integrity check: {'; '.join(problems[:5])}")


def _tables(connection: sqlite3.Connection) -> set[str]:
    return {
        row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
    }
