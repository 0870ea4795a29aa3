# ruff: noqa: E402, E501
"""Where closing a session of 30 spends its time (benchmark database; writes one session).

DATABASE_URL=postgres://postgres@127.0.0.1:5432/matrica_bench PYTHONPATH=. .venv/bin/python benchmarks/prototypes/close_session_profile.py
"""

import collections
import datetime
import os
import re
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "matrica.settings")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
import django

django.setup()
from benchmarks.generate import TODAY
from django.db import connection
from django.db.models import Count

from matrica.delivery import actions as delivery
from matrica.delivery.models import TrainingSession
from matrica.framework.models import Module
from matrica.staff.models import StaffMember
from matrica.tenancy.models import Institution
from matrica.tenancy.scoping import SYSTEM
from matrica.training.models import Completion

largest = Institution.objects.annotate(people=Count("staff")).order_by("-people").first()
module = Module.objects.get(code="IN")
trainer = StaffMember.objects.filter(trainer_authorisations__module=module).first()
used = set(
    Completion.objects.filter(module__isnull=False).values_list("staff_member_id", flat=True)
)
people = [
    p
    for p in StaffMember.objects.filter(institution=largest, active=True)
    .exclude(pk=trainer.pk)
    .order_by("-pk")[:200]
    if p.pk not in used
][:30]
ends = TODAY - datetime.timedelta(days=40)
session = delivery.plan_session(
    actor=SYSTEM,
    module=module,
    beneficiary_id=largest.beneficiary_id,
    starts_on=ends - datetime.timedelta(days=2),
    ends_on=ends,
    starts_at=datetime.time(9),
    ends_at=datetime.time(17),
    capacity=30,
    venue="Bench",
    trainers=[trainer],
    invited_institutions=[largest],
)
delivery.open_session(actor=SYSTEM, session=session)
delivery.nominate(actor=SYSTEM, session=session, staff_members=people)
delivery.confirm(actor=SYSTEM, session=session)
for day in session.days.all():
    delivery.record_attendance(actor=SYSTEM, day=day, present=[m.pk for m in people])
delivery.mark_held(actor=SYSTEM, session=session)
session = TrainingSession.objects.get(pk=session.pk)
log = []


def wrapper(execute, sql, params, many, context):
    t = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        log.append((time.perf_counter() - t, sql))


import cProfile
import pstats

prof = cProfile.Profile()
t = time.perf_counter()
with connection.execute_wrapper(wrapper):
    prof.enable()
    delivery.close_session(actor=SYSTEM, session=session)
    prof.disable()
total = time.perf_counter() - t
stats = pstats.Stats(prof)
for name in (
    "_set_state",
    "record",
    "record_module_completions",
    "send",
    "tell",
    "save",
    "_refresh_joint",
    "attended_enough",
    "_move",
):
    for (file, _line, fn), (_cc, nc, _tt, ct, _callers) in stats.stats.items():
        if fn == name and ("matrica" in file or fn == "save"):
            print(
                f"  profile {fn} ({file.split('/')[-2]}/{file.split('/')[-1]}): {nc} calls, {ct * 1000:.1f} ms cumulative"
            )
groups = collections.defaultdict(lambda: [0, 0.0])
for seconds, sql in log:
    key = re.sub(r"\d+", "N", sql[:70])
    groups[key][0] += 1
    groups[key][1] += seconds
print(
    f"close_session {total * 1000:.1f} ms, {len(log)} statements, {sum(s for s, _ in log) * 1000:.1f} ms in SQL"
)
for key, (n, s) in sorted(groups.items(), key=lambda kv: -kv[1][1])[:14]:
    print(f"  {n:4d} × {s * 1000:6.1f} ms  {key}")
