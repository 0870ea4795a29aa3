"""Receiving xAPI statements (issue 20): a stream of Moodle-shaped batches of 30, as Moodle's
logstore plugin sends them (a JSON array, Basic auth, the version header), from 10 000 people
whose accounts and activities are already mapped, through the whole request: authentication,
checks, storing, and the evidence of every completion (audit and compliance included). Printed
beside DuckDB inserting the same statements' JSON into a table, batch by batch.

    python -m benchmarks.xapi [--databases sqlite,postgresql] [--people 10000] [--batches 200]

The stream is chronological, as events happen: module completions (evidence), course
completions (evidence), quiz attempts (completed on an attempt: waits in the queue, as an
unmapped activity would), answers and grades (kept, not evidence). Target: at least
500 statements/s. Each database is fresh: a new SQLite file under var/bench/xapi-sqlite/, a new
PostgreSQL database `matrica_bench_xapi` on BENCH_POSTGRES (default
postgres://postgres@127.0.0.1:5432).
"""

from __future__ import annotations

import argparse
import base64
import datetime
import json
import os
import random
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from benchmarks.common import run_child
from benchmarks.imports import INSTITUTIONS, institution_name, roster

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
TARGET = 500.0
BATCH = 30
SITE = "https://help.example.org"
MODULE_ACTIVITIES = 12  # Moodle activities mapped to modules of the common matrix
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"


def _activity(kind: str, number: int, name: str) -> dict[str, Any]:
    return {
        "id": f"{SITE}/mod/{kind}/view.php?id={number}", "objectType": "Activity",
        "definition": {"name": {"en": name}, "type": "http://id.tincanapi.com/activitytype/lesson"},
    }  # fmt: skip


VIEWED = "http://id.tincanapi.com/verb/viewed"


def statement(
    generator: random.Random, people: int, when: datetime.datetime, completions: float
) -> dict[str, Any]:
    """One statement in the shape the logstore plugin writes (see PROVENANCE.md). A share
    `completions` of them complete a mapped activity; then, by shares of the rest, quiz
    attempts (completed on the attempt's own IRI: queued), answers, grades and views."""
    learner = generator.randrange(people)
    base: dict[str, Any] = {
        "actor": {"account": {"homePage": SITE, "name": str(learner + 1)}, "name": f"L{learner}"},
        "timestamp": when.isoformat().replace("+00:00", "Z"),
        "context": {"platform": "Moodle", "language": "en",
                    "registration": str(uuid.UUID(int=generator.getrandbits(128))),
                    "contextActivities": {"category": [{"id": SITE, "objectType": "Activity"}]}},
    }  # fmt: skip
    if generator.random() < completions:  # an activity completed (mapped to a module)
        number = generator.randrange(MODULE_ACTIVITIES)
        return {**base, "verb": {"id": COMPLETED, "display": {"en": "Completed"}},
                "object": _activity("book", number, f"Module {number}"),
                "result": {"completion": True, "success": True}}  # fmt: skip
    draw = generator.random()
    if draw < 0.1:  # a quiz attempt: completed, with a score, on an attempt's own IRI
        attempt = generator.randrange(10**9)
        return {**base, "verb": {"id": COMPLETED, "display": {"en": "Completed"}},
                "object": {"id": f"{SITE}/mod/quiz/attempt.php?attempt={attempt}&cmid=7",
                           "objectType": "Activity"},
                "result": {"score": {"raw": 50, "min": 0, "max": 100, "scaled": 0.0},
                           "completion": True, "success": True, "duration": "PT1S"}}  # fmt: skip
    if draw < 0.5:
        question = f"{SITE}/question/question.php?cmid=7&id={generator.randrange(90)}"
        return {**base, "verb": {"id": "http://adlnet.gov/expapi/verbs/answered"},
                "object": {"id": question, "objectType": "Activity"},
                "result": {"response": "answer-1", "success": True}}  # fmt: skip
    if draw < 0.65:
        return {**base, "verb": {"id": "https://w3id.org/xapi/tla/verbs/scored"},
                "object": _activity("assign", generator.randrange(40), "Assignment"),
                "result": {"score": {"raw": 1.0, "min": 0.0, "max": 2.0, "scaled": 0.5},
                           "response": "comment", "success": True}}  # fmt: skip
    return {**base, "verb": {"id": VIEWED, "display": {"en": "Viewed"}},
            "object": _activity("page", generator.randrange(200), "Page")}  # fmt: skip


def stream(
    people: int, batches: int, completions: float, seed: int = 20
) -> list[list[dict[str, Any]]]:
    """`batches` batches of 30, in time order over the last months (a few batches a day)."""
    generator = random.Random(seed)
    start = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=batches // 4 + 2)
    out = []
    for number in range(batches):
        moment = start + datetime.timedelta(hours=6 * number)
        out.append([
            statement(generator, people, moment + datetime.timedelta(seconds=i), completions)
            for i in range(BATCH)
        ])  # fmt: skip
    return out


def duckdb_seconds(batches: list[list[dict[str, Any]]]) -> float:
    """DuckDB storing the same statements' JSON, one insert per batch."""
    import duckdb

    db = duckdb.connect()
    db.execute("CREATE TABLE statement (id UUID PRIMARY KEY, raw JSON)")
    rows = [[(str(uuid.uuid4()), json.dumps(s)) for s in batch] for batch in batches]
    started = time.perf_counter()
    for batch in rows:
        db.executemany("INSERT INTO statement VALUES (?, ?)", batch)
    return time.perf_counter() - started


def child(people: int, batches: int, completions: float, data: Path) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "matrica.settings")
    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from matrica.compliance.services import refresh_all
    from matrica.framework.actions import load_framework
    from matrica.framework.models import Module
    from matrica.staff.actions import import_staff
    from matrica.staff.imports import COLUMNS
    from matrica.staff.models import StaffMember
    from matrica.tabular import read_sheet
    from matrica.tenancy.models import Beneficiary, Institution, Service
    from matrica.tenancy.scoping import SYSTEM
    from matrica.training.models import Completion
    from matrica.xapi.actions import create_source
    from matrica.xapi.models import ActivityMapping, ActorMapping, Statement

    call_command("migrate", verbosity=0)
    load_framework()
    beneficiary = Beneficiary.objects.create(code="HX", name="Bench xAPI")
    service = Service.objects.create(
        beneficiary=beneficiary, kind=Service.Kind.PRISON, name="Prison service"
    )
    Institution.objects.bulk_create([
        Institution(service=service, beneficiary=beneficiary, name=institution_name(i),
                    kind=Institution.Kind.PRISON)
        for i in range(INSTITUTIONS)
    ])  # fmt: skip
    path = roster(data / f"roster-{people}.csv", people)
    import_staff(
        actor=SYSTEM, beneficiary=beneficiary, sheet=read_sheet(path.read_bytes(), path.name,
        COLUMNS), source=path.name,
    )  # fmt: skip
    refresh_all()
    source, secret = create_source(actor=SYSTEM, beneficiary=beneficiary, name="HELP Moodle")
    # Mappings in place: Moodle user n is the n-th person; twelve activities are modules.
    ActorMapping.objects.bulk_create([
        ActorMapping(source=source, actor_key=f"account:{SITE}|{n + 1}", staff_member_id=pk)
        for n, pk in enumerate(StaffMember.objects.order_by("employee_number")
                               .values_list("pk", flat=True)[:people])
    ])  # fmt: skip
    modules = list(Module.objects.filter(conferrals__isnull=False).distinct()[:MODULE_ACTIVITIES])
    ActivityMapping.objects.bulk_create([
        ActivityMapping(source=source, activity_id=f"{SITE}/mod/book/view.php?id={n}",
                        module=modules[n % len(modules)])
        for n in range(MODULE_ACTIVITIES)
    ])  # fmt: skip
    batches_list = stream(people, batches, completions)
    client = Client(HTTP_HOST="localhost")
    token = base64.b64encode(f"{source.key}:{secret}".encode()).decode()
    headers = {"HTTP_AUTHORIZATION": f"Basic {token}", "HTTP_X_EXPERIENCE_API_VERSION": "1.0.3"}
    bodies = [json.dumps(batch) for batch in batches_list]
    started = time.perf_counter()
    for body in bodies:
        response = client.post(
            "/xapi/statements", data=body, content_type="application/json", **headers
        )
        assert response.status_code == 200, response.content[:500]
    seconds = time.perf_counter() - started
    total = sum(len(batch) for batch in batches_list)
    assert Statement.objects.count() == total
    evidence = Statement.objects.filter(status=Statement.Status.RECORDED).count()
    print(
        f"{total} statements in {seconds:.2f} s; {evidence} became evidence "
        f"({Completion.objects.count()} completions)",
        file=sys.stderr, flush=True,
    )  # fmt: skip
    print(json.dumps({"seconds": seconds, "statements": total, "evidence": evidence,
                      "duckdb_s": duckdb_seconds(batches_list)}))  # fmt: skip


def run(database: str, people: int, batches: int, completions: float) -> dict[str, float]:
    return run_child(
        "xapi",
        database,
        ["--people", str(people), "--batches", str(batches), "--completions", str(completions)],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--batches", type=int, default=200)
    parser.add_argument(
        "--completions",
        default="0.15,0.5",
        help="shares of statements that complete a mapped module, one run each",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    data = ROOT / "var" / "bench" / "imports-data"
    if options.child:
        child(options.people, options.batches, float(options.completions), data)
        return
    lines = [
        "| database | scenario | time (s) | DuckDB (s) | ratio | rate | target |",
        "|---|---|---|---|---|---|---|",
    ]
    for database in options.databases.split(","):
        for share in [float(value) for value in options.completions.split(",")]:
            r = run(database, options.people, options.batches, share)
            rate = r["statements"] / r["seconds"]
            verdict = "ok" if rate >= TARGET else "MISSED"
            lines.append(
                f"| {database} | {int(r['statements']):,} statements in batches of {BATCH}, "
                f"{options.people:,} people, {share:.0%} module completions "
                f"({int(r['evidence']):,} evidence) | {r['seconds']:.2f} | "
                f"{r['duckdb_s']:.3f} | {r['seconds'] / r['duckdb_s']:.0f}× | "
                f"{rate:,.0f} statements/s | ≥ {TARGET:.0f}/s {verdict} |"
            )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
