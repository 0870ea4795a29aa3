"""A large import killed in the middle of writing (SIGKILL: no handler, no clean-up) leaves the
database exactly as it was before the import began (issue 19): the import is one transaction.

The import runs as the real command in its own process, on its own database: a SQLite file in a
temporary data directory, or, when the tests run on PostgreSQL, a throwaway database created
and dropped here."""

from __future__ import annotations

import os
import select
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

ROWS = 30_000
SETUP = """
from matrica.framework.actions import load_framework
from matrica.testing.factories import BeneficiaryFactory, InstitutionFactory
load_framework()
beneficiary = BeneficiaryFactory.create(code="XX", name="Testland")
InstitutionFactory.create(service__beneficiary=beneficiary, name="Central prison")
"""
STATE = """
from matrica.audit.models import AuditEvent
from matrica.staff.models import StaffMember
from matrica.training.models import Completion
print(StaffMember.objects.count(), Completion.objects.count(), AuditEvent.objects.count(),
      AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first())
"""


def matrica(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "matrica", *args],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def state(env: dict[str, str]) -> str:
    return matrica(env, "shell", "-c", STATE).splitlines()[-1]


@pytest.fixture
def environment(tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment of a process working on a database of its own, migrated."""
    env = {**os.environ, "MATRICA_DATA_DIR": str(tmp_path)}
    database = settings.DATABASES["default"]
    if "postgresql" not in database["ENGINE"]:
        env.pop("DATABASE_URL", None)
        matrica(env, "migrate", "-v", "0")
        yield env
        return
    import psycopg

    name = f"matrica_kill_{uuid.uuid4().hex[:12]}"
    server = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        env["DATABASE_URL"] = f"{server}/{name}"
        matrica(env, "migrate", "-v", "0")
        yield env
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def big_roster(path: Path) -> Path:
    lines = ["Employee number;Given name;Family name;Institution;Category;Entry date"]
    lines += [f"XX-{n:06d};Ana;Petrović {n};Central prison;FLO;01.09.2021" for n in range(ROWS)]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


def kill_once_writing(process: subprocess.Popen[bytes], timeout: float = 60) -> str:
    """SIGKILL `process` as soon as its progress bar shows rows written but not all of them;
    the progress seen."""
    assert process.stderr is not None
    seen, deadline = b"", time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _w, _x = select.select([process.stderr], [], [], 0.5)
        if not ready:
            continue
        chunk = os.read(process.stderr.fileno(), 65536)
        if not chunk:
            break
        seen += chunk
        progress = seen.decode("utf-8", "replace").rsplit("\r", 1)[-1]
        if f"/{ROWS} " in progress and f"{ROWS}/{ROWS}" not in progress:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
            return progress
    process.kill()
    process.wait()
    pytest.fail(f"The import never showed its progress: {seen.decode('utf-8', 'replace')}")


def test_an_import_killed_while_writing_leaves_the_database_as_it_was(
    environment: dict[str, str], tmp_path: Path
) -> None:
    matrica(environment, "shell", "-c", SETUP)
    before = state(environment)
    roster = big_roster(tmp_path / "big.csv")

    process = subprocess.Popen(
        [sys.executable, "-m", "matrica", "import", "staff", str(roster), "--beneficiary", "XX"],
        env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    progress = kill_once_writing(process)

    assert process.returncode == -signal.SIGKILL, progress
    assert state(environment) == before
    if "DATABASE_URL" not in environment:
        with sqlite3.connect(tmp_path / "matrica.sqlite3") as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)

    # The same file imported again, to the end, brings everyone in.
    out = matrica(environment, "import", "staff", str(roster), "--beneficiary", "XX", "-v", "0")
    assert f"{ROWS} created" in out
    assert state(environment).split()[0] == str(ROWS)
