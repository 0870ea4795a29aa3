"""What the feature benchmarks share: a fresh database per run, and running the measuring half
in a child process with that database, reading its results from the last line it prints."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")


def fresh_postgres(name: str) -> str:
    """An empty PostgreSQL database `name` on BENCH_POSTGRES; its URL."""
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    return f"{POSTGRES}/{name}"


def run_child(name: str, database: str, arguments: list[str]) -> dict[str, Any]:
    """Run `python -m benchmarks.<name> --child <arguments>` on a fresh database: a new SQLite
    file under var/bench/<name>-sqlite/, or the PostgreSQL database matrica_bench_<name>. The
    child prints its results as JSON on its last line; its progress goes to standard error."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    folder = ROOT / "var" / "bench" / f"{name}-{database}"
    folder.mkdir(parents=True, exist_ok=True)
    for leftover in folder.glob("matrica.sqlite3*"):
        leftover.unlink()
    env["MATRICA_DATA_DIR"] = str(folder)
    if database == "postgresql":
        env["DATABASE_URL"] = fresh_postgres(f"matrica_bench_{name}")
    command = [sys.executable, "-m", f"benchmarks.{name}", "--child", *arguments]
    print(f"[{name} {database}] running…", flush=True)
    finished = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    if finished.returncode != 0:
        sys.stderr.write(finished.stdout + finished.stderr)
        raise SystemExit(f"{name} benchmark on {database} failed")
    sys.stderr.write(finished.stderr)
    return json.loads(finished.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    """The median of `repeat` timed runs of `action`."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)
