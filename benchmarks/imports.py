"""Importing a staff roster (issue 19): a semicolon CSV in Windows-1250 with dd.mm.yyyy dates,
as administrations keep them, imported through `matrica.staff.actions.import_staff` exactly as
`matrica import staff` runs it (read, check every row, write, audit, compliance). Timed at
10 000 and 100 000 rows into an administration of that size, then the unchanged re-run of the
largest, each beside DuckDB loading the same rows (read the CSV, parse the dates, look up the
institution and the category, insert): the set-based floor of the same work.

    python -m benchmarks.imports [--databases sqlite,postgresql] [--rows 10000,100000]

Targets: 100 000 rows under 30 s; no worse than linear from 10 000 to 100 000 (the time per row
at 100 000 at most 1.25 times that at 10 000); the unchanged re-run under a third of the import.
Each database is fresh: a new SQLite file under var/bench/imports-sqlite/, a new PostgreSQL
database `matrica_bench_imports` on BENCH_POSTGRES (default postgres://postgres@127.0.0.1:5432).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import sys
import time
from pathlib import Path

from benchmarks.common import run_child

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
TARGET_S = 30.0
LINEAR_SLACK = 1.25
RERUN_SHARE = 1 / 3
INSTITUTIONS = 120
HEADER = ["Matični broj", "Ime", "Prezime", "Ustanova", "Kategorija", "Datum zaposlenja"]
GIVEN = ["Đorđe", "Milica", "Čedomir", "Šćepan", "Ljiljana", "Žarko", "Nikola", "Ana", "Dževad"]
FAMILY = ["Đorđević", "Šćekić", "Žižić", "Čolaković", "Njegoš", "Vučinić", "Petrović", "Hodžić"]
CATEGORIES = ["FLO", "PRO", "TRS", "SIL", "MGR"]


def institution_name(index: int) -> str:
    return f"Kazneno-popravni zavod br. {index}"


def roster(path: Path, rows: int, seed: int = 19) -> Path:
    """`rows` people in the shape of an HR export (Windows-1250, semicolons, dd.mm.yyyy)."""
    if path.exists():
        return path
    generator = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    start = datetime.date(1995, 1, 1)
    with path.open("w", encoding="cp1250", newline="") as handle:
        handle.write(";".join(HEADER) + "\r\n")
        for number in range(rows):
            entry = start + datetime.timedelta(days=generator.randrange(10_000))
            handle.write(";".join([
                f"{100000 + number}", generator.choice(GIVEN), generator.choice(FAMILY),
                institution_name(generator.randrange(INSTITUTIONS)), generator.choice(CATEGORIES),
                entry.strftime("%d.%m.%Y"),
            ]) + "\r\n")  # fmt: skip
    return path


def duckdb_seconds(path: Path) -> float:
    """DuckDB doing the same load, set-based: read, parse dates, look up, insert."""
    import duckdb

    utf8 = path.with_suffix(".utf8.csv")
    if not utf8.exists():
        utf8.write_text(path.read_text(encoding="cp1250"), encoding="utf-8")
    db = duckdb.connect()
    db.execute("CREATE TABLE institution (id INTEGER, name VARCHAR)")
    db.executemany(
        "INSERT INTO institution VALUES (?, ?)",
        [(i, institution_name(i).lower()) for i in range(INSTITUTIONS)],
    )
    db.execute("CREATE TABLE category (id INTEGER, code VARCHAR)")
    db.executemany("INSERT INTO category VALUES (?, ?)", list(enumerate(CATEGORIES)))
    db.execute(
        "CREATE TABLE staff (employee_number VARCHAR PRIMARY KEY, given_name VARCHAR, "
        "family_name VARCHAR, institution_id INTEGER, category_id INTEGER, entry_date DATE)"
    )
    started = time.perf_counter()
    db.execute(
        f'INSERT INTO staff SELECT r."Matični broj", r.Ime, r.Prezime, i.id, c.id, '
        f"strptime(r.\"Datum zaposlenja\", '%d.%m.%Y')::DATE "
        f"FROM read_csv('{utf8}', delim=';', header=true, all_varchar=true) r "
        "JOIN institution i ON i.name = lower(r.Ustanova) JOIN category c ON c.code = r.Kategorija"
    )
    return time.perf_counter() - started


def child(rows_list: list[int], data: Path) -> None:
    """In a fresh database: one administration per size, its institutions, the matrix, the
    compliance snapshot; then each import, timed, and the unchanged re-run of the largest."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "matrica.settings")
    django.setup()
    from django.core.management import call_command

    from matrica.compliance.services import refresh_all
    from matrica.framework.actions import load_framework
    from matrica.staff.actions import import_staff
    from matrica.staff.imports import COLUMNS
    from matrica.tabular import read_sheet
    from matrica.tenancy.models import Beneficiary, Institution, Service
    from matrica.tenancy.scoping import SYSTEM

    call_command("migrate", verbosity=0)
    load_framework()
    refresh_all()  # imports then redo the figures of the people they bring, as in production
    results: dict[str, object] = {}

    def timed_import(code: str, path: Path) -> tuple[float, object]:
        beneficiary = Beneficiary.objects.get(code=code)
        started = time.perf_counter()
        sheet = read_sheet(path.read_bytes(), path.name, COLUMNS)
        outcome = import_staff(actor=SYSTEM, beneficiary=beneficiary, sheet=sheet, source=path.name)
        return time.perf_counter() - started, outcome

    for rows in rows_list:
        code = f"B{rows // 1000}"
        beneficiary = Beneficiary.objects.create(code=code, name=f"Bench {rows}")
        service = Service.objects.create(
            beneficiary=beneficiary, kind=Service.Kind.PRISON, name="Prison service"
        )
        Institution.objects.bulk_create([
            Institution(service=service, beneficiary=beneficiary, name=institution_name(i),
                        kind=Institution.Kind.PRISON)
            for i in range(INSTITUTIONS)
        ])  # fmt: skip
        path = roster(data / f"roster-{rows}.csv", rows)
        seconds, outcome = timed_import(code, path)
        assert outcome.created == rows, outcome  # type: ignore[attr-defined]
        results[f"import_{rows}_s"] = seconds
        results[f"duckdb_{rows}_s"] = duckdb_seconds(path)
        print(f"{rows} rows imported in {seconds:.2f} s", file=sys.stderr, flush=True)
    largest = max(rows_list)
    seconds, outcome = timed_import(f"B{largest // 1000}", data / f"roster-{largest}.csv")
    assert not outcome.changes_anything, outcome  # type: ignore[attr-defined]
    results["rerun_s"] = seconds
    print(json.dumps(results))


def run(database: str, rows_list: list[int]) -> dict[str, float]:
    return run_child("imports", database, ["--rows", ",".join(map(str, rows_list))])


def report(database: str, rows_list: list[int], r: dict[str, float]) -> list[str]:
    lines = []
    smallest, largest = min(rows_list), max(rows_list)
    for rows in rows_list:
        seconds, duck = r[f"import_{rows}_s"], r[f"duckdb_{rows}_s"]
        target = f"< {TARGET_S:.0f} s " + ("ok" if seconds < TARGET_S else "MISSED")
        lines.append(
            f"| {database} | import {rows:,} rows | {seconds:.2f} | {duck:.3f} | "
            f"{seconds / duck:.0f}× | {rows / seconds:,.0f} rows/s | {target} |"
        )
    if smallest != largest:
        per_row_small = r[f"import_{smallest}_s"] / smallest
        per_row_large = r[f"import_{largest}_s"] / largest
        growth = per_row_large / per_row_small
        verdict = "ok" if growth <= LINEAR_SLACK else "MISSED"
        lines.append(
            f"| {database} | growth {smallest:,} → {largest:,} (time per row) | {growth:.2f}× | "
            f"| | | ≤ {LINEAR_SLACK}× {verdict} |"
        )
    rerun, first = r["rerun_s"], r[f"import_{largest}_s"]
    verdict = "ok" if rerun < first * RERUN_SHARE else "MISSED"
    lines.append(
        f"| {database} | unchanged re-run, {largest:,} rows | {rerun:.2f} | "
        f"{r[f'duckdb_{largest}_s']:.3f} | {rerun / r[f'duckdb_{largest}_s']:.0f}× | "
        f"{rerun / first:.2f} of the import | < 1/3 {verdict} |"
    )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--rows", default="10000,100000")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    rows_list = [int(value) for value in options.rows.split(",")]
    data = ROOT / "var" / "bench" / "imports-data"
    if options.child:
        child(rows_list, data)
        return
    lines = [
        "| database | scenario | time (s) | DuckDB (s) | ratio | rate | target |",
        "|---|---|---|---|---|---|---|",
    ]
    for database in options.databases.split(","):
        lines += report(database, rows_list, run(database, rows_list))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
