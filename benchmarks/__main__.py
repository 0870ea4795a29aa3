"""`make bench`: time the compliance engine at several scales on SQLite and PostgreSQL, check
it against DuckDB row for row, and print each time as a ratio to DuckDB's.

    python -m benchmarks [--scales 10k,100k] [--databases sqlite,postgresql]

Data is generated once per scale under var/bench/ and reused; each run loads it into a fresh
database (a new SQLite file; a new PostgreSQL database `matrica_bench`)."""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from benchmarks.common import fresh_postgres

ROOT = Path(__file__).resolve().parent.parent
SCALES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
# (result, label, target on PostgreSQL, target on SQLite if another): ratios to DuckDB's time;
# None: reported without a target.
TARGETS: list[tuple[str, str, float | None, float | None]] = [
    ("dashboard_s", "regional dashboard", 0.5, None),
    ("grid_s", "institution grid", 0.5, None),
    ("session_s", "one session of 30 reflected", 0.05, None),
    ("candidates_s", "nomination candidates by rule, largest administration", 0.5, None),
    ("close_s", "closing a session of 30, reflected", 0.05, None),
    ("delivery_s", "a session of 30, planning to close", None, None),
    ("full_recompute_s", "full recompute", 4.0, 20.0),
    ("history_rebuild_s", "history rebuild, every administration", None, None),
    ("trend_s", "quarterly trend from the history", None, None),
    (
        "framework_change_s",
        "framework change: version published, history rebuilt, snapshot moved",
        None,
        None,
    ),
]
# Issue #21: a change of the common matrix within this many full recomputes.
FRAMEWORK_CHANGE_TARGET = 2.0
WRITES = [
    ("writes_idle", "a user's write, nothing else running"),
    ("writes_during_rebuild", "a user's write during the history rebuild"),
    ("writes_during_refresh", "a user's write during refresh_all"),
]
WRITE_LIMIT_S = 1.0  # issue #21: no write waits longer for a rebuild or a refresh


def run_one(database: str, scale: str, repeat: int) -> dict[str, object]:
    data = ROOT / "var" / "bench" / scale
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["MATRICA_DATA_DIR"] = str(ROOT / "var" / "bench" / f"{database}-{scale}")
    sqlite_file = Path(env["MATRICA_DATA_DIR"]) / "matrica.sqlite3"
    for leftover in sqlite_file.parent.glob("matrica.sqlite3*"):
        leftover.unlink()
    if database == "postgresql":
        env["DATABASE_URL"] = fresh_postgres("matrica_bench")
    command = [sys.executable, "-m", "benchmarks.run", "--staff", str(SCALES[scale]),
               "--data", str(data), "--repeat", str(repeat)]  # fmt: skip
    print(f"[{database} {scale}] running…", flush=True)
    code = source_version()
    finished = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    if finished.returncode != 0:
        sys.stderr.write(finished.stdout + finished.stderr)
        raise SystemExit(f"benchmark {database} {scale} failed")
    lines = [line for line in finished.stdout.splitlines() if line.strip()]
    for line in lines[:-1]:
        print(f"  {line}")
    return {**json.loads(lines[-1]), "source": code}


def source_version() -> str:
    """The commit the measured code is at, and whether src/ had changes not committed yet."""
    git = ["git", "-C", str(ROOT)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(
        [*git, "status", "--porcelain", "--", "src"], capture_output=True, text=True
    )
    return head.stdout.strip() + (" + uncommitted changes in src/" if dirty.stdout.strip() else "")


def report(results: list[dict[str, object]]) -> str:
    out = [
        "| database | staff | completions | DuckDB (s) | scenario | time (s) | ratio | target |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        duck = float(r["duckdb_s"])  # type: ignore[arg-type]
        for key, label, target_pg, target_sqlite in TARGETS:
            seconds = float(r[key])  # type: ignore[arg-type]
            target = target_sqlite if (r["database"] == "sqlite" and target_sqlite) else target_pg
            if target is None:
                bound = "—"
            else:
                bound = f"≤ {target}× " + ("ok" if seconds / duck <= target else "MISSED")
            out.append(
                f"| {r['database']} | {r['staff']:,} | {r['completions']:,} | {duck:.3f} | {label} "
                f"| {seconds:.3f} | {seconds / duck:.2f}× | {bound} |"
            )
        out.append(
            f"| {r['database']} | {r['staff']:,} | | | nomination candidates found "
            f"| {r.get('candidates', '')} of {r.get('candidates_administration_staff', '')} | | |"
        )
        out.append(
            f"| {r['database']} | {r['staff']:,} | | | rows differing from DuckDB "
            f"| {r['mismatched_rows']} | | 0 |"
        )
        changed = float(r["framework_change_s"]) / float(r["full_recompute_s"])  # type: ignore[arg-type]
        verdict = "ok" if changed <= FRAMEWORK_CHANGE_TARGET else "MISSED"
        out.append(
            f"| {r['database']} | {r['staff']:,} | | | framework change ÷ full recompute "
            f"| {changed:.2f} | | ≤ {FRAMEWORK_CHANGE_TARGET} {verdict} |"
        )
        for key, label in WRITES:
            w: dict[str, Any] = r[key]  # type: ignore[assignment]
            bad = w["failed"] or w["over_1s"] or w["action_error"]
            during = f" ({w['action_s']:.1f} s)" if w["action_s"] is not None else ""
            if w["action_error"]:
                during += f" [it FAILED: {w['action_error'].splitlines()[0][:80]}]"
            out.append(
                f"| {r['database']} | {r['staff']:,} | | | {label}{during}: {w['writes']} writes, "
                f"median / max (s) | {w['median_s']:.3f} / {w['max_s']:.3f} "
                f"| {w['failed']} failed | none failed, none > {WRITE_LIMIT_S} s "
                f"{'MISSED' if bad else 'ok'} |"
            )
        for day, rows in r["history_mismatched_rows"].items():  # type: ignore[attr-defined]
            counts = r["history_count_mismatches"][day]  # type: ignore[index]
            out.append(
                f"| {r['database']} | {r['staff']:,} | | | history on {day}: rows differing from "
                f"DuckDB; cells, groups whose counts differ from its rows | {rows}; "
                f"{counts['cells']}, {counts['groups']} | | 0; 0, 0 |"
            )
    return "\n".join(out)


def dated_report(results: list[dict[str, object]]) -> str:
    """Pages on today and on past dates: seconds and the ratio to DuckDB's time (the whole
    status table for today), the target against the worst of the dates."""
    days: list[str] = list(results[0]["page_dates"]) if results else []  # type: ignore[call-overload]
    out = [
        "| database | staff | DuckDB (s) | page | " + " | ".join(days) + " | target |",
        "|---|---|---|---|" + "---|" * len(days) + "---|",
    ]
    for r in results:
        duck = float(r["duckdb_s"])  # type: ignore[arg-type]
        for page in r["pages"]:  # type: ignore[attr-defined]
            seconds = [float(page["seconds"][day]) for day in days]
            cells = " | ".join(f"{s:.3f} ({s / duck:.2f}×)" for s in seconds)
            target = page["target"]
            if target is None:
                bound = "—"
            else:
                bound = f"≤ {target}× " + ("ok" if max(seconds) / duck <= target else "MISSED")
            engine = [day for day in days if page["engine_queries"][day]]
            note = f" (engine on {', '.join(engine)})" if engine else ""
            out.append(
                f"| {r['database']} | {r['staff']:,} | {duck:.3f} | {page['label']}{note} "
                f"| {cells} | {bound} |"
            )
    return "\n".join(out)


def growth(results: list[dict[str, object]]) -> list[str]:
    lines = []
    for database in sorted({str(r["database"]) for r in results}):
        runs = sorted(
            (r for r in results if r["database"] == database), key=lambda r: int(r["staff"])
        )  # type: ignore[arg-type]
        for small, large in itertools.pairwise(runs):
            factor = int(large["staff"]) / int(small["staff"])  # type: ignore[arg-type]
            for key, label, _pg, _sqlite in TARGETS:
                ratio = float(large[key]) / float(small[key])  # type: ignore[arg-type]
                lines.append(
                    f"{database}: {label} {small['staff']:,} → {large['staff']:,} staff "
                    f"({factor:.0f}× data): {ratio:.1f}× time"
                )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", default="10k,100k")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    results = [
        run_one(database, scale, args.repeat)
        for scale in args.scales.split(",")
        for database in args.databases.split(",")
    ]
    table = report(results)
    for r in results:
        print(f"{r['database']} {r['staff']:,}: code at {r['source']}")
    print(table)
    print()
    print(dated_report(results))
    print()
    for line in growth(results):
        print(line)
    out = ROOT / "var" / "bench" / "results.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"raw results: {out}")


if __name__ == "__main__":
    main()
