"""Synthetic regional data for benchmarks, written once per scale as CSV files that SQLite,
PostgreSQL and DuckDB all load: staff in the demo region's proportions, about 30 completions
each over five years."""

from __future__ import annotations

import csv
import datetime
import random
from pathlib import Path

from dateutil.relativedelta import relativedelta

from matrica.demo.services import CATEGORY_MIX, SIZE_WEIGHT, pathways
from matrica.framework.models import FrameworkVersion, Module, StaffCategory
from matrica.staff.demo_region import ADMINISTRATIONS

TODAY = datetime.date(2026, 11, 24)
TABLES = ("beneficiary", "service", "institution", "staff", "role", "completion")
# The files' layout: data written by an older layout is generated again (2: leaving dates).
LAYOUT = "2"


def is_current(folder: Path) -> bool:
    """Whether `folder` holds complete data in today's layout."""
    marker = folder / "layout"
    return marker.exists() and marker.read_text().strip() == LAYOUT


def _date(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def generate(folder: Path, staff_total: int, seed: int = 1) -> dict[str, int]:
    """Write the CSV files into `folder`; ids reference the framework already loaded."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "layout").unlink(missing_ok=True)
    rng = random.Random(seed)
    # Leaving dates come from a stream of their own: the rest of the data stays as it was
    # before they were recorded.
    leavers = random.Random(seed + 1)
    categories = {c.code: c.pk for c in StaffCategory.objects.all()}
    version = FrameworkVersion.objects.order_by("effective_from").first()
    assert version is not None
    paths = pathways(version)
    modules = {
        m.code: (m.validity_months, [(c.area_id, c.level_id) for c in m.conferrals.all()])
        for m in Module.objects.prefetch_related("conferrals")
    }
    writers = {}
    files = []
    for table in TABLES:
        handle = (folder / f"{table}.csv").open("w", newline="", encoding="utf-8")
        files.append(handle)
        writers[table] = csv.writer(handle)
    counts = dict.fromkeys(TABLES, 0)
    share_total = sum(spec.large_staff for spec in ADMINISTRATIONS)
    staff_id = role_id = completion_id = institution_id = 0
    history_start = TODAY - relativedelta(years=5)
    for b_index, spec in enumerate(ADMINISTRATIONS, start=1):
        writers["beneficiary"].writerow([b_index, spec.code, spec.name])
        writers["service"].writerow([2 * b_index - 1, b_index, "prison", spec.prison_service])
        writers["service"].writerow([2 * b_index, b_index, "probation", spec.probation_service])
        institutions = []
        for item in spec.institutions:
            institution_id += 1
            service = 2 * b_index - (1 if item.service == "prison" else 0)
            writers["institution"].writerow(
                [institution_id, service, b_index, item.name, item.kind, item.city]
            )
            institutions.append((institution_id, item.kind))
        weights = [SIZE_WEIGHT[kind] for _i, kind in institutions]
        people = max(1, round(staff_total * spec.large_staff / share_total))
        for number in range(1, people + 1):
            staff_id += 1
            institution, kind = rng.choices(institutions, weights=weights)[0]
            codes, mix = zip(*CATEGORY_MIX[kind], strict=True)
            category = rng.choices(codes, weights=mix)[0]
            entry = _date(rng, datetime.date(1995, 1, 1), TODAY)
            active = rng.random() > 0.03
            # Two in three of those who left have a last day in post (some still to come, in
            # the next two months); the others left before leaving dates were recorded.
            leaving = ""
            if not active and leavers.random() < 2 / 3:
                leaving = _date(leavers, entry, TODAY + datetime.timedelta(days=60)).isoformat()
            name = f"Person {staff_id}"
            writers["staff"].writerow([
                staff_id, b_index, institution, f"{spec.code}-{number:07d}", "Person",
                str(staff_id), categories[category], entry.isoformat(), int(active),
                f"person {staff_id} {staff_id}", name.lower(), leaving,
            ])  # fmt: skip
            roles = []
            if rng.random() < 0.06:
                roles.append("MDT")
            if rng.random() < 0.03:
                roles.append("TRN")
            for role in roles:
                role_id += 1
                start = _date(rng, entry, TODAY)
                writers["role"].writerow([role_id, staff_id, categories[role], start.isoformat()])
            plan = ["BA", *paths[category], *(c for r in roles for c in paths[r])]
            start = max(entry, history_start)
            for code in plan:
                if rng.random() < 0.15:
                    continue
                validity, conferred = modules[code]
                taken = _date(rng, start, TODAY)
                while taken <= TODAY:
                    until = taken + relativedelta(months=validity)
                    for area, level in conferred:
                        completion_id += 1
                        writers["completion"].writerow([
                            completion_id, staff_id, area, level, taken.isoformat(),
                            until.isoformat(),
                        ])  # fmt: skip
                    if rng.random() < 0.35:
                        break
                    taken = until + datetime.timedelta(days=rng.randint(-90, 90))
    for handle in files:
        handle.close()
    counts.update(staff=staff_id, role=role_id, completion=completion_id)
    (folder / "layout").write_text(LAYOUT)
    return counts
