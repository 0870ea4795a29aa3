"""How per-requirement status rows add up, written once for the refresh (services) and the reads
(selectors): a person's standing from their rows (docs/compliance.md §6), the counts of a group
of people from their standings, and the counts of a matrix cell from its rows.

Each builder takes its source as SQL, a table name or a parenthesised SELECT with an alias, so
that the derived tables, the engine run on the fly and the quarterly trend all go through the
same expressions."""

from __future__ import annotations

from matrica.compliance.status import SEVERITY_SQL, Status

SATISFIED = f"status IN ('{Status.CURRENT}', '{Status.EXPIRING}')"


def _count_where(condition: str) -> str:
    return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"


def _is(status: Status) -> str:
    return f"status = '{status}'"


def _person_columns(all_staff: int) -> dict[str, str]:
    def none_unmet(column: str) -> str:
        return f"{_count_where(f'category_id = {column} AND NOT ({SATISFIED})')} = 0"

    return {
        "requirements": "COUNT(*)",
        "satisfied": _count_where(SATISFIED),
        "aware": none_unmet(str(int(all_staff))),  # basic awareness: the all-staff column
        "at_level": none_unmet("primary_category_id"),  # their own category's column
        "expiring": _count_where(_is(Status.EXPIRING)),
        "overdue": _count_where(_is(Status.OVERDUE)),
        "severity": f"MIN({SEVERITY_SQL})",
    }


PERSON_COLUMNS = ("requirements", "satisfied", "aware", "at_level", "expiring", "overdue",
                  "severity")  # fmt: skip


def per_person(
    source: str, *, all_staff: int, where: str = "1 = 1", columns: tuple[str, ...] = PERSON_COLUMNS
) -> str:
    """SELECT of one row per person of the status rows in `source` (STATUS_COLUMNS): where they
    are placed, then `columns` (by default every column of PersonStatus). A person's rows share
    their administration, institution and category: grouping by person alone lets SQLite
    aggregate along the key of the derived table instead of sorting its rows first. `all_staff`
    is the id of the all-staff column, inlined like the engine's rules."""
    expressions = _person_columns(all_staff)
    selected = ", ".join(f"{expressions[column]} AS {column}" for column in columns)
    return f"""
SELECT staff_member_id, MIN(beneficiary_id) AS beneficiary_id,
       MIN(institution_id) AS institution_id, MIN(primary_category_id) AS primary_category_id,
       {selected}
FROM {source}
WHERE {where}
GROUP BY staff_member_id
"""


GROUP_COLUMNS = ("people", "compliant", "aware", "at_level", "with_expiring", "with_overdue")
_GROUP_EXPRESSIONS = {
    "people": "COUNT(*)",
    "compliant": _count_where("satisfied = requirements"),
    "aware": _count_where("aware"),
    "at_level": _count_where("at_level"),
    "with_expiring": _count_where("expiring > 0"),
    "with_overdue": _count_where("overdue > 0"),
}


def per_group(
    source: str, *, where: str = "1 = 1", sign: int = 1, columns: tuple[str, ...] = GROUP_COLUMNS
) -> str:
    """SELECT of the counts per institution and primary category (the GroupCount row) of the
    people in `source`, rows shaped like `per_person`'s. A negative sign gives the counts to
    take away."""
    selected = ", ".join(f"{sign} * {_GROUP_EXPRESSIONS[column]} AS {column}" for column in columns)
    return f"""
SELECT beneficiary_id, institution_id, primary_category_id, {selected}
FROM {source}
WHERE {where}
GROUP BY beneficiary_id, institution_id, primary_category_id
"""


CELL_COLUMNS = ("people", *(status.value for status in Status))


def per_cell(source: str, *, where: str = "1 = 1", sign: int = 1) -> str:
    """SELECT of the counts per institution and matrix cell (the CellCount row) of the status
    rows in `source`: how many people hold the requirement, and how many stand in each status."""
    by_status = ", ".join(f"{sign} * {_count_where(_is(status))} AS {status}" for status in Status)
    return f"""
SELECT beneficiary_id, institution_id, area_id, category_id, {sign} * COUNT(*) AS people,
       {by_status}
FROM {source}
WHERE {where}
GROUP BY beneficiary_id, institution_id, area_id, category_id
"""
