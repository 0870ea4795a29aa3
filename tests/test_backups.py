"""`matrica backup` and `matrica restore` on the embedded SQLite database (docs/backups.md).

The test database of pytest-django is in memory, so these tests work on database files of their
own: one migrated by `matrica migrate` in a subprocess, copied for each test. They use no test
database, so they run once, with the SQLite suite; the PostgreSQL refusal runs with both.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from matrica import backups

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite's files; the SQLite suite runs these"
)

# One writer transaction adds an audit event and a session together: a consistent copy holds
# as many of one as of the other.
WRITER = """
import datetime, sqlite3, sys, uuid
db = sqlite3.connect(sys.argv[1], timeout=20, isolation_level=None)
record_type = db.execute("SELECT id FROM django_content_type LIMIT 1").fetchone()[0]
number = 0
while True:
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    db.execute("BEGIN IMMEDIATE")
    db.execute(
        "INSERT INTO audit_auditevent (timestamp, user_name, object_id, object_repr, message,"
        " object_type_id, action) VALUES (?, 'writer', ?, ?, ?, ?, 'create')",
        (now, str(number), "x" * 200, "m" * 800, record_type),
    )
    db.execute("INSERT INTO django_session VALUES (?, ?, ?)", (uuid.uuid4().hex, "d" * 2000, now))
    db.execute("COMMIT")
    number += 1
"""


def command_env(data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "MATRICA_DATA_DIR": str(data_dir)}
    for name in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)  # the last two are the test run's (conftest.py, pytest-django)
    return env


def matrica(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "matrica", *args],
        env={**command_env(data_dir), **env}, capture_output=True, text=True, timeout=120,
        check=False,
    )  # fmt: skip


def count(database: Path, table: str) -> int:
    with sqlite3.connect(database, timeout=20) as db:
        return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def integrity(database: Path) -> str:
    with sqlite3.connect(database) as db:
        return str(db.execute("PRAGMA integrity_check").fetchone()[0])


def add_audit_event(database: Path, timestamp: str) -> None:
    with sqlite3.connect(database, timeout=20) as db:
        db.execute(
            "INSERT INTO audit_auditevent (timestamp, user_name, object_id, object_repr, message,"
            " object_type_id, action) VALUES (?, 'someone', '1', 'x', '', 1, 'update')",
            (timestamp,),
        )


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("migrated")
    result = matrica(data_dir, "migrate", "-v0")
    assert result.returncode == 0, result.stderr
    return data_dir / "matrica.sqlite3"


@pytest.fixture
def data_dir(migrated: Path, tmp_path: Path) -> Path:
    """A data dir whose database is a freshly migrated Matrica, with no data."""
    shutil.copyfile(migrated, tmp_path / "matrica.sqlite3")
    return tmp_path


@pytest.fixture
def known_migrations() -> set[tuple[str, str]]:
    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


@sqlite_only
def test_backup_taken_while_another_process_writes_restores_to_the_rows_of_that_moment(
    data_dir: Path,
) -> None:
    database = data_dir / "matrica.sqlite3"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(database)])
    try:
        # Enough rows for the copy to take several steps of pages.
        deadline = time.monotonic() + 60
        while count(database, "django_session") < 3000:
            assert writer.poll() is None, "the writer stopped"
            assert time.monotonic() < deadline, "the writer is too slow"
            time.sleep(0.05)
        before = count(database, "django_session")
        result = matrica(data_dir, "backup", str(data_dir / "backup.sqlite3"))
        after = count(database, "django_session")
    finally:
        writer.kill()
        writer.wait()
    assert result.returncode == 0, result.stderr
    backup = data_dir / "backup.sqlite3"
    sessions = count(backup, "django_session")
    assert before <= sessions <= after
    assert before < after
    # Every writer transaction wholly in the copy or wholly out of it.
    assert count(backup, "audit_auditevent") == sessions
    assert f"audit events: {sessions}\n" in result.stdout
    assert "integrity: ok" in result.stdout

    restored = matrica(data_dir, "restore", str(backup), "--force", "-v0")

    assert restored.returncode == 0, restored.stderr
    assert count(database, "audit_auditevent") == count(database, "django_session") == sessions
    assert integrity(database) == "ok"


@sqlite_only
def test_backup_goes_to_the_data_dir_private_and_says_when_it_was_taken(data_dir: Path) -> None:
    result = matrica(data_dir, "backup")

    assert result.returncode == 0, result.stderr
    [backup] = (data_dir / "backups").glob("matrica-*.sqlite3")
    assert f"Backup written: {backup}\n" in result.stdout
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert backups.inspect(backup).taken_at is not None
    assert "staff members: 0" in result.stdout
    assert "completions: 0" in result.stdout
    assert integrity(backup) == "ok"


@sqlite_only
def test_backup_never_overwrites_a_file(data_dir: Path) -> None:
    existing = data_dir / "taken.sqlite3"
    existing.write_text("keep me")

    with pytest.raises(backups.BackupRefused, match="exists already"):
        backups.backup(database=data_dir / "matrica.sqlite3", target=existing)
    assert existing.read_text() == "keep me"


@sqlite_only
def test_restore_refuses_a_database_with_newer_data_without_force(data_dir: Path) -> None:
    database = data_dir / "matrica.sqlite3"
    backups.backup(database=database, target=data_dir / "backup.sqlite3")
    add_audit_event(database, "2030-01-01 12:00:00")

    result = matrica(data_dir, "restore", str(data_dir / "backup.sqlite3"))

    assert result.returncode != 0
    assert "holds newer data than the backup" in result.stderr
    assert "2030-01-01 12:00:00 UTC" in result.stderr
    assert "--force" in result.stderr
    assert count(database, "audit_auditevent") == 1
    assert not list(data_dir.glob("*before-restore*"))


@sqlite_only
def test_restore_with_force_replaces_newer_data_and_keeps_the_database_beside_it(
    data_dir: Path, known_migrations: set[tuple[str, str]]
) -> None:
    database = data_dir / "matrica.sqlite3"
    backups.backup(database=database, target=data_dir / "backup.sqlite3")
    add_audit_event(database, "2030-01-01 12:00:00")

    restored = backups.restore(
        backup_file=data_dir / "backup.sqlite3",
        database=database,
        known_migrations=known_migrations,
        force=True,
    )

    assert count(database, "audit_auditevent") == 0
    assert restored.safety_copy is not None
    assert restored.safety_copy.parent == data_dir
    assert count(restored.safety_copy, "audit_auditevent") == 1
    assert stat.S_IMODE(restored.safety_copy.stat().st_mode) == 0o600
    assert restored.pending_migrations == []


@sqlite_only
def test_restore_accepts_a_backup_as_recent_as_the_database(
    data_dir: Path, known_migrations: set[tuple[str, str]]
) -> None:
    database = data_dir / "matrica.sqlite3"
    add_audit_event(database, "2026-01-01 12:00:00")
    backups.backup(database=database, target=data_dir / "backup.sqlite3")

    backups.restore(
        backup_file=data_dir / "backup.sqlite3",
        database=database,
        known_migrations=known_migrations,
    )

    assert count(database, "audit_auditevent") == 1
    assert integrity(database) == "ok"


@sqlite_only
def test_restore_refuses_a_file_that_is_not_sqlite(
    data_dir: Path, known_migrations: set[tuple[str, str]]
) -> None:
    spreadsheet = data_dir / "staff.csv"
    spreadsheet.write_text("Ime;Prezime\nMarko;Marković\n")

    with pytest.raises(backups.BackupRefused, match="is not an SQLite database"):
        backups.restore(
            backup_file=spreadsheet,
            database=data_dir / "matrica.sqlite3",
            known_migrations=known_migrations,
            force=True,
        )
    assert integrity(data_dir / "matrica.sqlite3") == "ok"


@sqlite_only
def test_restore_refuses_an_sqlite_file_that_is_not_matricas(
    data_dir: Path, known_migrations: set[tuple[str, str]]
) -> None:
    other = data_dir / "other.sqlite3"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE notes (text)")

    with pytest.raises(backups.BackupRefused, match="not Matrica's"):
        backups.restore(
            backup_file=other,
            database=data_dir / "matrica.sqlite3",
            known_migrations=known_migrations,
            force=True,
        )


@sqlite_only
def test_restore_refuses_a_backup_made_by_a_newer_matrica(
    data_dir: Path, known_migrations: set[tuple[str, str]]
) -> None:
    backup = data_dir / "backup.sqlite3"
    backups.backup(database=data_dir / "matrica.sqlite3", target=backup)
    with sqlite3.connect(backup) as db:
        db.execute(
            "INSERT INTO django_migrations (app, name, applied) "
            "VALUES ('staff', '9999_from_the_future', '2030-01-01')"
        )

    with pytest.raises(backups.BackupRefused, match=r"staff\.9999_from_the_future"):
        backups.restore(
            backup_file=backup,
            database=data_dir / "matrica.sqlite3",
            known_migrations=known_migrations,
            force=True,
        )


@sqlite_only
def test_restore_of_an_older_backup_names_the_migrations_to_apply(
    data_dir: Path, known_migrations: set[tuple[str, str]]
) -> None:
    backup = data_dir / "backup.sqlite3"
    backups.backup(database=data_dir / "matrica.sqlite3", target=backup)
    with sqlite3.connect(backup) as db:
        [(app, name)] = db.execute(
            "SELECT app, name FROM django_migrations ORDER BY id DESC LIMIT 1"
        ).fetchall()
        db.execute("DELETE FROM django_migrations WHERE app = ? AND name = ?", (app, name))

    restored = backups.restore(
        backup_file=backup, database=data_dir / "matrica.sqlite3", known_migrations=known_migrations
    )

    assert restored.pending_migrations == [f"{app}.{name}"]


def test_backup_and_restore_refuse_postgresql_and_name_pg_dump(tmp_path: Path) -> None:
    # No server answers there: the commands refuse before connecting.
    postgres = {"DATABASE_URL": "postgres://nobody@127.0.0.1:9/matrica"}

    backup = matrica(tmp_path, "backup", **postgres)
    restore = matrica(tmp_path, "restore", str(tmp_path / "any.sqlite3"), **postgres)

    assert backup.returncode != 0
    assert restore.returncode != 0
    assert "pg_dump -Fc" in backup.stderr
    assert "pg_restore --clean --if-exists" in restore.stderr
    assert not list(tmp_path.glob("**/*.sqlite3"))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's refusal")
def test_backup_on_postgresql_points_to_the_documented_procedure() -> None:
    with pytest.raises(CommandError, match=r"docs/backups\.md"):
        call_command("backup")
