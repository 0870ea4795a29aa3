"""One benchmark run: one database, one scale. Prints its results as JSON on the last line.

Run through `python -m benchmarks`, which prepares the database and the environment."""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import statistics
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "matrica.settings")
# Notices about places in a session are sent (after commit) like in production, but kept in
# memory: the benchmark's people have no addresses and the output must stay readable.
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402

from benchmarks import generate, load, reference  # noqa: E402
from benchmarks import history as dated  # noqa: E402
from benchmarks.common import median_seconds  # noqa: E402
from matrica.accounts.models import User  # noqa: E402
from matrica.compliance import history  # noqa: E402
from matrica.compliance.engine import STATUS_COLUMNS  # noqa: E402
from matrica.compliance.models import RequirementStatus  # noqa: E402
from matrica.compliance.services import refresh_all, refresh_trend  # noqa: E402
from matrica.compliance.status import Status  # noqa: E402
from matrica.delivery import actions as delivery  # noqa: E402
from matrica.delivery.models import TrainingSession  # noqa: E402
from matrica.delivery.selectors import NominationRule, candidates  # noqa: E402
from matrica.framework.actions import load_framework  # noqa: E402
from matrica.framework.models import Module  # noqa: E402
from matrica.staff.models import StaffMember  # noqa: E402
from matrica.tenancy.models import Beneficiary, Institution  # noqa: E402
from matrica.tenancy.roles import Role  # noqa: E402
from matrica.tenancy.scoping import SYSTEM  # noqa: E402
from matrica.training.actions import record_module_completions  # noqa: E402
from matrica.training.models import Completion  # noqa: E402

TODAY = generate.TODAY


def export_engine_rows(path: Path) -> None:
    rows = RequirementStatus.objects.values_list(*STATUS_COLUMNS).iterator(chunk_size=20_000)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        for row in rows:
            writer.writerow(["" if value is None else value for value in row])


# Nomination by rule: whoever is missing, expired, overdue or within 90 days of running out.
RULE = NominationRule(
    within_days=90, statuses=frozenset({Status.MISSING, Status.EXPIRED, Status.OVERDUE})
)
PAGE = 50  # people a nomination page lists


def nomination_candidates(results: dict[str, object], repeat: int) -> None:
    """Candidates by rule for a basic-awareness session open to the whole of the largest
    administration, as its national administrator sees them: counted, and the first page."""
    largest = Beneficiary.objects.annotate(people=Count("staff")).order_by("-people").first()
    assert largest is not None
    admin = User.objects.create(
        username="bench-admin-largest", role=Role.NATIONAL_ADMIN, beneficiary=largest
    )
    session = delivery.plan_session(
        actor=SYSTEM, module=Module.objects.get(code="BA"), beneficiary_id=largest.pk,
        starts_on=TODAY + datetime.timedelta(days=14), ends_on=TODAY + datetime.timedelta(days=14),
        starts_at=datetime.time(9), ends_at=datetime.time(17), capacity=30,
        venue="Bench", invites_everyone=True,
    )  # fmt: skip
    visible = StaffMember.objects.visible_to(admin)
    found: dict[str, int] = {}

    def select() -> None:
        chosen = candidates(session, RULE, visible=visible)
        found["count"] = chosen.count()
        found["page"] = len(list(chosen[:PAGE]))

    results["candidates_s"] = median_seconds(select, repeat)
    results["candidates"] = found["count"]
    results["candidates_administration_staff"] = largest.people


def close_sessions(
    results: dict[str, object], institution: Institution, people: list[StaffMember], repeat: int
) -> None:
    """A session of 30 from planning to closing through the delivery actions, as the system
    actor: plan (trainer authorised), open, nominate, confirm, the register of each of its three
    days, held, closed. Closing records the evidence and reflects it in compliance."""
    module = Module.objects.get(code="IN")  # no prerequisite; 3 days; 4 areas conferred
    trainer = people[-1]
    delivery.authorise_trainer(
        actor=SYSTEM, staff_member=trainer, module=module,
        granted_on=TODAY - datetime.timedelta(days=365), reason="Benchmark trainer",
    )  # fmt: skip
    whole: list[float] = []
    closing: list[float] = []
    for n in range(repeat):
        group = people[30 * n : 30 * (n + 1)]
        # Days in the past (registers are kept from the day itself), one week apart.
        ends = TODAY - datetime.timedelta(days=7 * n + 4)
        started = time.perf_counter()
        session = delivery.plan_session(
            actor=SYSTEM, module=module, beneficiary_id=institution.beneficiary_id,
            starts_on=ends - datetime.timedelta(days=2), ends_on=ends,
            starts_at=datetime.time(9), ends_at=datetime.time(17), capacity=30,
            venue="Bench", trainers=[trainer], invited_institutions=[institution],
        )  # fmt: skip
        delivery.open_session(actor=SYSTEM, session=session)
        nominated = delivery.nominate(actor=SYSTEM, session=session, staff_members=group)
        assert len(nominated.nominated) == 30, nominated.refused[:3]
        delivery.confirm(actor=SYSTEM, session=session)
        for day in session.days.all():
            delivery.record_attendance(actor=SYSTEM, day=day, present=[m.pk for m in group])
        delivery.mark_held(actor=SYSTEM, session=session)
        session = TrainingSession.objects.get(pk=session.pk)
        closed = time.perf_counter()
        attended = delivery.close_session(actor=SYSTEM, session=session)
        finished = time.perf_counter()
        assert len(attended) == 30
        whole.append(finished - started)
        closing.append(finished - closed)
    results["close_s"] = statistics.median(closing)
    results["delivery_s"] = statistics.median(whole)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--staff", type=int, required=True)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    results: dict[str, object] = {"database": connection.vendor, "staff": args.staff}

    call_command("migrate", verbosity=0)
    load_framework()
    if not generate.is_current(args.data):
        started = time.perf_counter()
        counts = generate.generate(args.data, args.staff)
        print(f"generated {counts} in {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    load.load(args.data)
    results["load_s"] = time.perf_counter() - started
    results["completions"] = Completion.objects.count()

    # Every administration's history (spans and count changes for every date), then today's
    # snapshot and the trend, as `matrica compliance refresh` does after a load.
    results["history_rebuild_s"] = median_seconds(history.rebuild, 1)
    results["full_recompute_s"] = median_seconds(lambda: refresh_all(on=TODAY), 1)
    results["trend_s"] = median_seconds(lambda: refresh_trend(until=TODAY), 1)
    results["status_rows"] = RequirementStatus.objects.count()

    coordinator = User.objects.create(username="bench-coordinator", role=Role.COORDINATOR)
    largest = Institution.objects.annotate(people=Count("staff")).order_by("-people").first()
    assert largest is not None
    admin = User.objects.create(
        username="bench-admin", role=Role.NATIONAL_ADMIN, beneficiary=largest.beneficiary
    )
    client = Client()
    client.force_login(coordinator)
    dashboard = f"/compliance/?on={TODAY.isoformat()}"
    assert client.get(dashboard).status_code == 200
    results["dashboard_s"] = median_seconds(lambda: client.get(dashboard), args.repeat)
    client.force_login(admin)
    grid = f"/compliance/institution/{largest.pk}/?on={TODAY.isoformat()}"
    assert client.get(grid).status_code == 200
    results["grid_s"] = median_seconds(lambda: client.get(grid), args.repeat)
    results["grid_institution_staff"] = largest.people
    dates = dated.past_dates()
    dated.time_pages(results, dated.pages(coordinator, largest, dates), dates, args.repeat)

    module = Module.objects.get(code="FL")
    people = list(StaffMember.objects.filter(institution=largest, active=True).order_by("pk"))
    batches = iter([people[i : i + 30] for i in range(0, 30 * args.repeat, 30)])
    results["session_s"] = median_seconds(
        lambda: record_module_completions(
            actor=SYSTEM, module=module, completed_on=TODAY, staff_members=next(batches)
        ),
        args.repeat,
    )
    nomination_candidates(results, args.repeat)
    # People of the largest institution not in the sessions above, one trainer among them.
    close_sessions(
        results, largest, people[30 * args.repeat :][: 30 * args.repeat + 1], args.repeat
    )

    results["framework_change_s"] = dated.framework_change()
    # Last, so that the comparisons below also check what users' writes during a rebuild and
    # a refresh left behind.
    dated.contention(results, module)

    engine_csv = args.data / f"engine-{connection.vendor}.csv"
    export_engine_rows(engine_csv)
    reference.write_rules(args.data, TODAY)
    duck = reference.connect(args.data)
    # The sessions were recorded in the database only (the loaded evidence names no module):
    # add them to DuckDB's copy too.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, staff_member_id, area_id, level_id, completed_on, valid_until "
            "FROM training_completion WHERE module_id IS NOT NULL"
        )
        recorded = cursor.fetchall()
    duck.executemany("INSERT INTO completion VALUES (?, ?, ?, ?, ?, ?)", recorded)
    sql = reference.status_sql(TODAY, settings.MATRICA_EXPIRING_WINDOW_DAYS)
    results["duckdb_s"] = reference.time_reference(duck, sql)
    results["mismatched_rows"] = reference.mismatches(duck, engine_csv)
    dated.history_mismatches(results, args.data, duck, dates)
    print(json.dumps(results), flush=True)


if __name__ == "__main__":
    main()
