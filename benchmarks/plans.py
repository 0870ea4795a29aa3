"""The training plan proposal (issue 17) for the largest administration of the 100 000-staff
data: who needs which module, grouped by institution and town, split into sessions and
scheduled within a trainer pool's availability, as `needs.plans.propose` computes it for the
plan page. Timed beside DuckDB computing the same grouping set-based (the people of the
administration needing training, grouped by institution, primary category and the needs they
share) from the same statuses, and checked against it group for group.

    python -m benchmarks.plans [--databases sqlite,postgresql] [--repeat 3]

Target: the proposal under 5 s. The data is the compliance benchmark's (benchmarks/generate.py,
generated once under var/bench/100k/ and reused); each database is fresh: a new SQLite file
under var/bench/plans-sqlite/, a new PostgreSQL database `matrica_bench_plans` on
BENCH_POSTGRES (default postgres://postgres@127.0.0.1:5432). The generated data records no
trainer: one person in twenty holding the trainer role is authorised for every common module.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import statistics
import sys
import time
from pathlib import Path

from benchmarks.common import run_child

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
STAFF = 100_000
TARGET_S = 5.0
START = datetime.date(2026, 12, 1)
MONTHS = 6
TRAINER_SHARE = 20  # one in this many people with the trainer role is in every pool


def duckdb_groups(folder: Path, beneficiary_id: int, until: datetime.date) -> tuple[float, set]:
    """DuckDB: the statuses of the administration's people in post, those missing, expired,
    overdue or lapsing by `until`, each person's needs (area → highest rank) as a list, and the
    people counted per institution, primary category and needs. Best of three."""
    import duckdb

    db = duckdb.connect()
    db.execute(
        f"CREATE TABLE rs AS SELECT * FROM read_csv('{folder / 'plan-statuses.csv'}', "
        "header = false, columns = {'staff_member_id': 'BIGINT', 'institution_id': 'INT', "
        "'primary_category_id': 'INT', 'area_id': 'INT', 'required_rank': 'INT', "
        "'status': 'VARCHAR', 'valid_until': 'DATE'})"
    )
    sql = f"""
WITH needs AS (
    SELECT * FROM rs WHERE status IN ('missing', 'expired', 'overdue')
        OR (status IN ('current', 'expiring') AND valid_until <= DATE '{until.isoformat()}')
), per_area AS (
    SELECT staff_member_id, institution_id, primary_category_id, area_id,
           max(required_rank) AS rank
    FROM needs GROUP BY ALL
), per_person AS (
    SELECT staff_member_id, institution_id, primary_category_id,
           list(area_id || ':' || rank ORDER BY area_id) AS needs
    FROM per_area GROUP BY ALL
)
SELECT institution_id, primary_category_id, needs, count(*) AS people
FROM per_person GROUP BY ALL"""
    times = []
    rows: list = []
    for _ in range(3):
        started = time.perf_counter()
        rows = db.execute(sql).fetchall()
        times.append(time.perf_counter() - started)
    return min(times), {(i, c, tuple(n), p) for i, c, n, p in rows}


def child(data: Path, repeat: int) -> None:
    """In a fresh database: the matrix, the 100 000-staff data, the compliance snapshot, the
    trainers' authorisations; then the proposal, timed, and DuckDB's grouping beside it."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "matrica.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count

    from benchmarks import generate, load
    from matrica.accounts.models import User
    from matrica.compliance.services import refresh_all
    from matrica.delivery.models import TrainerAuthorisation
    from matrica.framework.actions import load_framework
    from matrica.framework.models import Module, StaffCategory
    from matrica.needs import plan_demand, plans
    from matrica.staff.models import StaffMember, StaffRole
    from matrica.tenancy.models import Beneficiary
    from matrica.tenancy.roles import Role

    call_command("migrate", verbosity=0)
    load_framework()
    if not generate.is_current(data):
        counts = generate.generate(data, STAFF)
        print(f"generated {counts}", file=sys.stderr, flush=True)
    load.load(data)
    refresh_all(on=generate.TODAY)
    biggest = (
        StaffMember.objects.values("beneficiary")
        .annotate(people=Count("pk"))
        .order_by("-people", "beneficiary")
        .first()
    )
    assert biggest is not None
    largest = Beneficiary.objects.get(pk=biggest["beneficiary"])
    trainer_role = StaffCategory.objects.get(code="TRN")
    trainers = list(
        StaffRole.objects.filter(category=trainer_role, staff_member__beneficiary=largest)
        .order_by("staff_member_id")
        .values_list("staff_member_id", flat=True)
    )[::TRAINER_SHARE]
    TrainerAuthorisation.objects.bulk_create(
        TrainerAuthorisation(
            staff_member_id=person,
            module=module,
            granted_on=START - datetime.timedelta(days=30),
            reason="benchmark",
        )
        for module in Module.objects.filter(beneficiary__isnull=True)
        for person in trainers
    )
    planner = User.objects.create(
        username="bench-planner", role=Role.TRAINING_MANAGER, beneficiary=largest
    )
    request = plans.PlanRequest(beneficiary=largest, start=START, months=MONTHS)
    times = []
    proposal = None
    for _ in range(repeat):
        started = time.perf_counter()
        proposal = plans.propose(user=planner, request=request)
        times.append(time.perf_counter() - started)
    assert proposal is not None
    started = time.perf_counter()
    groups, _cells = plan_demand.need_groups(largest.pk, request.end, generate.TODAY)
    demand_s = time.perf_counter() - started

    with connection.cursor() as cursor, (data / "plan-statuses.csv").open("w", newline="") as f:
        cursor.execute(
            "SELECT rs.staff_member_id, rs.institution_id, rs.primary_category_id, rs.area_id, "
            "rs.required_rank, rs.status, rs.valid_until FROM compliance_requirementstatus rs "
            "JOIN staff_staffmember sm ON sm.id = rs.staff_member_id AND sm.active "
            "WHERE rs.beneficiary_id = %s",
            [largest.pk],
        )
        csv.writer(f).writerows(cursor.fetchall())
    duck_s, duck = duckdb_groups(data, largest.pk, request.end)
    ours = {
        (g.institution_id, g.category_id, tuple(f"{a}:{r}" for a, r in g.needs), g.people)
        for g in groups
    }
    results = {
        "database": connection.vendor,
        "administration": largest.code,
        "staff": StaffMember.objects.filter(beneficiary=largest).count(),
        "people_needing": sum(g.people for g in groups),
        "groups": len(groups),
        "trainers": len(trainers),
        "sessions": len(proposal.sessions),
        "scheduled": len(proposal.scheduled),
        "seats": proposal.seats,
        "propose_s": statistics.median(times),
        "demand_s": demand_s,
        "duckdb_s": duck_s,
        "mismatched_groups": len(ours ^ duck),
    }
    print(json.dumps(results))


def run(database: str, repeat: int) -> dict[str, object]:
    return run_child("plans", database, ["--repeat", str(repeat)])


def report(r: dict[str, object]) -> list[str]:
    seconds, duck = float(r["propose_s"]), float(r["duckdb_s"])  # type: ignore[arg-type]
    demand = float(r["demand_s"])  # type: ignore[arg-type]
    verdict = "ok" if seconds < TARGET_S else "MISSED"
    return [
        f"| {r['database']} | proposal, {r['administration']} ({r['staff']:,} staff) "
        f"| {seconds:.2f} | {duck:.3f} | {seconds / duck:.0f}× | < {TARGET_S:.0f} s {verdict} |",
        f"| {r['database']} | of which who needs what (SQL grouping) | {demand:.2f} | {duck:.3f} "
        f"| {demand / duck:.0f}× | |",
        f"| {r['database']} | {r['people_needing']:,} people needing training in "
        f"{r['groups']:,} groups; {r['sessions']:,} sessions ({r['seats']:,} places), "
        f"{r['scheduled']:,} within {r['trainers']} trainers' availability | | | | |",
        f"| {r['database']} | groups differing from DuckDB | {r['mismatched_groups']} | | | 0 |",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    data = ROOT / "var" / "bench" / "100k"
    if options.child:
        child(data, options.repeat)
        return
    lines = [
        "| database | scenario | time (s) | DuckDB (s) | ratio | target |",
        "|---|---|---|---|---|---|",
    ]
    for database in options.databases.split(","):
        lines += report(run(database, options.repeat))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
