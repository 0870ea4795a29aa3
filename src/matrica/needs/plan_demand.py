"""Who needs training, read set-based from the compliance snapshot: the people of an
administration grouped by institution, primary category and the needs they share, and the
same people counted per matrix cell for the plan's expected effect. Two queries whatever the
size of the administration: the grouping happens in SQL, Python only sees the groups."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection, models

from matrica.compliance.models import RequirementStatus
from matrica.compliance.status import Status
from matrica.delivery.models import Enrolment, TrainingSession
from matrica.framework.models import CompetencyArea, Conferral, Level
from matrica.needs.plan_rules import NeedGroup
from matrica.staff.models import StaffMember

# Ranks run 1..3, so one area takes two bits of a person's signature: the signature of
# everything a person lacks fits in a 64-bit integer for up to 31 areas per chunk.
BASE = 4
CHUNK = 31
LACKING = (Status.MISSING, Status.EXPIRED, Status.OVERDUE)
HELD = (Status.CURRENT, Status.EXPIRING)
UPCOMING = (TrainingSession.State.PLANNED, TrainingSession.State.OPEN)


@dataclass(frozen=True)
class CellNeed:
    """People of one group (institution, primary category, signature) standing in one matrix
    cell: `lacking` do not hold the required level today, `lapsing` hold it today but not at
    the end of the period."""

    institution_id: int
    category_id: int
    needs: tuple[tuple[int, int], ...]
    area_id: int
    cell_category_id: int
    lacking: int
    lapsing: int


def _quoted(choices: Iterable[models.TextChoices]) -> str:
    return ", ".join(f"'{choice.value}'" for choice in sorted(choices))


def _needs_sql(area_ids: Sequence[int]) -> tuple[str, list[str]]:
    """A CTE `needs` of the lapsing (person, requirement) rows and `signature` of each person's
    needs encoded per chunk of areas: sum of rank × 4^position of the area in the chunk."""
    rs = RequirementStatus._meta.db_table
    staff = StaffMember._meta.db_table
    enrolment = Enrolment._meta.db_table
    session = TrainingSession._meta.db_table
    conferral = Conferral._meta.db_table
    level = Level._meta.db_table
    chunks = [area_ids[i : i + CHUNK] for i in range(0, len(area_ids), CHUNK)] or [[]]
    codes = []
    for n, chunk in enumerate(chunks):
        cases = " ".join(f"WHEN {int(a)} THEN {BASE**p}" for p, a in enumerate(chunk))
        codes.append(f"SUM(rank * (CASE area_id {cases} ELSE 0 END)) AS code{n}" if cases
                     else f"0 AS code{n}")  # fmt: skip
    columns = [f"code{n}" for n in range(len(chunks))]
    active = _quoted(Enrolment.ACTIVE)
    upcoming = _quoted(UPCOMING)
    lacking = _quoted(LACKING)
    held = _quoted(HELD)
    # MATERIALIZED: both halves of the final query read `needs` and `signature`, computed
    # once (SQLite 3.35+, PostgreSQL 12+).
    sql = f"""
WITH needs AS MATERIALIZED (
    SELECT rs.staff_member_id, rs.institution_id, rs.primary_category_id, rs.area_id,
           rs.category_id, rs.required_rank,
           CASE WHEN rs.status IN ({held}) THEN 1 ELSE 0 END AS held_now
    FROM {rs} rs JOIN {staff} sm ON sm.id = rs.staff_member_id AND sm.active
    WHERE rs.beneficiary_id = %s
      AND (rs.status IN ({lacking}) OR (rs.status IN ({held}) AND rs.valid_until <= %s))
      AND NOT EXISTS (
          SELECT 1 FROM {enrolment} e
          JOIN {session} s ON s.id = e.session_id
          JOIN {conferral} c ON c.module_id = s.module_id
          JOIN {level} l ON l.id = c.level_id
          WHERE e.staff_member_id = rs.staff_member_id AND e.state IN ({active})
            AND s.state IN ({upcoming}) AND s.ends_on >= %s
            AND c.area_id = rs.area_id AND l.rank >= rs.required_rank
      )
),
per_area AS (
    SELECT staff_member_id, institution_id, primary_category_id, area_id,
           MAX(required_rank) AS rank
    FROM needs GROUP BY staff_member_id, institution_id, primary_category_id, area_id
),
signature AS MATERIALIZED (
    SELECT staff_member_id, institution_id, primary_category_id, {", ".join(codes)}
    FROM per_area GROUP BY staff_member_id, institution_id, primary_category_id
)"""
    return sql, columns


def _decode(codes: Sequence[int], area_ids: Sequence[int]) -> tuple[tuple[int, int], ...]:
    needs = []
    for n, code in enumerate(codes):
        value = int(code)
        for position, area in enumerate(area_ids[n * CHUNK : (n + 1) * CHUNK]):
            rank = (value // BASE**position) % BASE
            if rank:
                needs.append((area, rank))
    return tuple(sorted(needs))


def need_groups(
    beneficiary_id: int, until: datetime.date, today: datetime.date
) -> tuple[list[NeedGroup], list[CellNeed]]:
    """The people of the administration whose standing in some requirement is missing, expired,
    overdue or lapses by `until`, not already holding a place in an upcoming session that meets
    it: grouped by (institution, primary category, needs), and per matrix cell."""
    area_ids = list(CompetencyArea.objects.order_by("pk").values_list("pk", flat=True))
    cte, columns = _needs_sql(area_ids)
    codes = ", ".join(f"sg.{c}" for c in columns)
    params: list[int | datetime.date] = [beneficiary_id, until, today]
    # One statement, two kinds of rows: people per (institution, category, needs), then the
    # same groups' people per matrix cell, lacking the level today or losing it by `until`.
    sql = f"""{cte}
SELECT 0, institution_id, primary_category_id, {", ".join(columns)}, NULL, NULL, COUNT(*), 0
FROM signature
GROUP BY institution_id, primary_category_id, {", ".join(columns)}
UNION ALL
SELECT 1, sg.institution_id, sg.primary_category_id, {codes}, n.area_id, n.category_id,
       SUM(1 - n.held_now), SUM(n.held_now)
FROM needs n JOIN signature sg ON sg.staff_member_id = n.staff_member_id
GROUP BY sg.institution_id, sg.primary_category_id, {codes}, n.area_id, n.category_id
ORDER BY 1, 2, 3, {", ".join(str(4 + n) for n in range(len(columns)))}, {4 + len(columns)},
         {5 + len(columns)}"""
    width = len(columns)
    groups: list[NeedGroup] = []
    cells: list[CellNeed] = []
    decoded: dict[tuple[int, ...], tuple[tuple[int, int], ...]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            key = tuple(int(code) for code in row[3 : 3 + width])
            if key not in decoded:
                decoded[key] = _decode(key, area_ids)
            needs = decoded[key]
            if row[0] == 0:
                groups.append(NeedGroup(row[1], row[2], needs, int(row[-2])))
            else:
                area, cell_category, lacking, lapsing = row[3 + width :]
                cells.append(
                    CellNeed(row[1], row[2], needs, area, cell_category, int(lacking), int(lapsing))
                )
    return groups, cells
