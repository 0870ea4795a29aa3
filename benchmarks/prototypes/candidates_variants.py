# ruff: noqa: E402, E501
"""Candidates: the selector as shipped against proposals (an index; the lapsing condition as two
subqueries), timed on the benchmark database. Indexes are dropped at the end.

    MATRICA_DATA_DIR=var/bench/sqlite-100k PYTHONPATH=. .venv/bin/python benchmarks/prototypes/candidates_variants.py [--explain]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/matrica_bench PYTHONPATH=. .venv/bin/python benchmarks/prototypes/candidates_variants.py

on the databases `python -m benchmarks --scales 100k` leaves behind."""

import datetime
import os
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "matrica.settings")
import django

django.setup()
from benchmarks.run import RULE
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from matrica.accounts.models import User
from matrica.compliance.models import RequirementStatus
from matrica.compliance.status import Status
from matrica.delivery import selectors
from matrica.delivery.models import Enrolment, TrainingSession
from matrica.framework.models import Conferral
from matrica.staff.models import StaffMember

session = TrainingSession.objects.filter(module__code="BA", venue="Bench").latest("pk")
admin = User.objects.get(username="bench-admin-largest")
visible = StaffMember.objects.visible_to(admin)


def candidates_split(session, rule, *, visible):
    """Proposal: the lapsing condition as two subqueries (each answerable from an index by
    status, and by date for the second), instead of one OR."""
    horizon = timezone.localdate() + datetime.timedelta(days=rule.within_days)
    satisfiable = Q()
    for area_id, rank in Conferral.objects.filter(module_id=session.module_id).values_list(
        "area_id", "level__rank"
    ):
        satisfiable |= Q(area_id=area_id, required_rank__lte=rank)
    if not satisfiable:
        return visible.none()
    statuses = RequirementStatus.objects.filter(satisfiable, beneficiary_id=session.beneficiary_id)
    if rule.institution_id:
        statuses = statuses.filter(institution_id=rule.institution_id)
    if rule.category_id:
        statuses = statuses.filter(category_id=rule.category_id)
    lapsed = statuses.filter(status__in=sorted(rule.statuses))
    lapsing = statuses.filter(
        status__in=[Status.CURRENT, Status.EXPIRING], valid_until__lte=horizon
    )
    already = Enrolment.objects.filter(session=session, state__in=Enrolment.ACTIVE)
    return (
        visible.filter(
            Q(pk__in=lapsed.values("staff_member_id"))
            | Q(pk__in=lapsing.values("staff_member_id")),
            active=True,
            beneficiary_id=session.beneficiary_id,
            institution_id__in=selectors.invited_institutions(session),
        )
        .exclude(pk__in=already.values("staff_member_id"))
        .order_by("sort_name", "pk")
    )


def run(fn):
    c = fn(session, RULE, visible=visible)
    return c.count(), [m.pk for m in c[:50]]


def timed(fn, n=5):
    out = []
    for _ in range(n):
        t = time.perf_counter()
        run(fn)
        out.append(time.perf_counter() - t)
    return statistics.median(out)


def explain(fn):
    with CaptureQueriesContext(connection) as ctx:
        run(fn)
    with connection.cursor() as cursor:
        for q in ctx.captured_queries:
            if "staff_staffmember" not in q["sql"]:
                continue
            if connection.vendor == "sqlite":
                cursor.execute("EXPLAIN QUERY PLAN " + q["sql"])
                print("\n".join("    " + r[3] for r in cursor.fetchall()))
            else:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + q["sql"])
                print("\n".join("    " + r[0] for r in cursor.fetchall()))
            print("    ---")


INDEXES = {
    "A": "(status, valid_until, beneficiary_id, area_id, required_rank, staff_member_id)",
    "B": "(beneficiary_id, area_id, status, valid_until, required_rank, staff_member_id)",
}
reference = run(selectors.candidates)
assert run(candidates_split) == reference
print(connection.vendor, "candidates", reference[0])
show = "--explain" in sys.argv
results = {}
for index in [None, *INDEXES]:
    if index:
        with connection.cursor() as cursor:
            t = time.perf_counter()
            cursor.execute(
                f"CREATE INDEX bench_status_{index} ON compliance_requirementstatus {INDEXES[index]}"
            )
            cursor.execute("ANALYZE compliance_requirementstatus")
            print(f"index {index} {INDEXES[index]} built in {time.perf_counter() - t:.2f} s")
    for name, fn in (("as shipped", selectors.candidates), ("split", candidates_split)):
        assert run(fn) == reference
        seconds = timed(fn)
        print(f"  index {index or '-'}, {name}: {seconds * 1000:.0f} ms")
        if show:
            explain(fn)
    if index:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP INDEX bench_status_{index}")
