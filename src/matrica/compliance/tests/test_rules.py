"""The rules of docs/compliance.md, one behaviour per test.

Statuses are read the way every page reads them: `status_rows` for a `ComplianceScope`, which
runs the engine on the fly unless the derived tables answer for the date asked.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection

from matrica.compliance.engine import STATUS_COLUMNS, PeopleFilter, status_query
from matrica.compliance.scope import ComplianceScope
from matrica.compliance.selectors import (
    breakdown,
    by_area,
    headline,
    matrix_dashboard,
    status_rows,
)
from matrica.compliance.services import refresh_all, refresh_people
from matrica.framework.actions import add_deviation
from matrica.framework.models import (
    CompetencyArea,
    FrameworkVersion,
    Level,
    Module,
    NationalAdaptation,
    Requirement,
    StaffCategory,
)
from matrica.staff.models import StaffMember
from matrica.tenancy.models import Institution
from matrica.tenancy.scoping import SYSTEM, SystemUser
from matrica.testing.factories import (
    CompletionFactory,
    InstitutionFactory,
    StaffMemberFactory,
    StaffRoleFactory,
    category,
)
from matrica.training.actions import record_module_completions

pytestmark = pytest.mark.django_db

date = datetime.date

# Every area of the Front-line custodial officers' column, which includes those of All staff.
FRONT_LINE_AREAS = ("RAD", "IDN", "REP", "DYN", "COM", "HRL", "RES", "INT", "REI", "MAC")


# --- helpers -----------------------------------------------------------------------------------


def iso(value: Any) -> str | None:
    """A date column as 'YYYY-MM-DD': SQLite answers strings, PostgreSQL dates."""
    return None if value is None else str(value)[:10]


def area(code: str) -> CompetencyArea:
    return CompetencyArea.objects.get(code=code)


def level(code: str) -> Level:
    return Level.objects.get(code=code)


def rows_of(member: StaffMember, on: date) -> list[dict[str, Any]]:
    return status_rows(ComplianceScope(SystemUser(), on=on), staff_member_ids=[member.pk])


def find(
    member: StaffMember, area_code: str, category_code: str, on: date
) -> dict[str, Any] | None:
    """The status row of one (person, area, column) on a date, or None if not required."""
    rows = status_rows(
        ComplianceScope(SystemUser(), on=on),
        staff_member_ids=[member.pk],
        area_id=area(area_code).pk,
        category_id=category(category_code).pk,
    )
    assert len(rows) <= 1
    return rows[0] if rows else None


def requirement(
    member: StaffMember, area_code: str, category_code: str, on: date
) -> dict[str, Any]:
    row = find(member, area_code, category_code, on)
    assert row is not None, f"{area_code}×{category_code} is not required on {on}"
    return row


def status_of(member: StaffMember, area_code: str, category_code: str, on: date) -> str | None:
    row = find(member, area_code, category_code, on)
    return None if row is None else row["status"]


def columns_of(member: StaffMember, on: date) -> set[str]:
    codes = dict(StaffCategory.objects.values_list("pk", "code"))
    return {codes[row["category_id"]] for row in rows_of(member, on)}


def cells_of(member: StaffMember, on: date) -> set[tuple[str, str]]:
    areas = dict(CompetencyArea.objects.values_list("pk", "code"))
    codes = dict(StaffCategory.objects.values_list("pk", "code"))
    return {(areas[row["area_id"]], codes[row["category_id"]]) for row in rows_of(member, on)}


def person(**kwargs: Any) -> StaffMember:
    return StaffMemberFactory.create(**kwargs)


def complete(
    member: StaffMember,
    area_code: str,
    level_code: str,
    completed_on: date,
    valid_until: date | None = None,
) -> None:
    CompletionFactory.create(
        staff_member=member,
        area=area(area_code),
        level=level(level_code),
        completed_on=completed_on,
        valid_until=valid_until or completed_on + relativedelta(months=36),
    )


def normalised(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Rows as comparable tuples, dates as text, in a stable order."""
    return sorted(
        tuple(
            iso(row[column]) if column in ("deadline", "valid_until") else row[column]
            for column in STATUS_COLUMNS
        )
        for row in rows
    )


def engine_rows(on: date) -> list[dict[str, Any]]:
    """Every status on `on`, computed by the engine itself, whatever the snapshot date."""
    query = status_query(on, PeopleFilter.everyone())
    assert query is not None
    sql, params = query
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@pytest.fixture
def prison(world: Any) -> Institution:
    institution: Institution = world["RS"].prison
    return institution


# --- 1. Who is counted on a date D --------------------------------------------------------------


def test_inactive_staff_without_a_leaving_date_are_never_counted(world, prison):
    member = person(institution=prison, active=False)
    complete(member, "RAD", "A", date(2022, 1, 10))
    for on in (date(2021, 6, 1), date(2023, 6, 30), date(2026, 1, 1)):
        assert rows_of(member, on) == []


def test_leavers_are_counted_on_their_last_day(world, prison):
    member = person(institution=prison, active=False, leaving_date=date(2024, 6, 30))
    complete(member, "RAD", "A", date(2022, 1, 10))
    assert status_of(member, "RAD", "ALL", date(2024, 6, 30)) == "current"


def test_leavers_are_not_counted_the_day_after_their_last(world, prison):
    member = person(institution=prison, active=False, leaving_date=date(2024, 6, 30))
    assert rows_of(member, date(2024, 7, 1)) == []
    assert rows_of(member, date(2026, 1, 1)) == []


def test_leavers_still_count_in_figures_for_dates_before_they_left(world, prison):
    member = person(
        institution=prison,
        active=False,
        entry_date=date(2020, 3, 1),
        leaving_date=date(2024, 6, 30),
    )
    complete(member, "RAD", "A", date(2022, 1, 10))
    assert status_of(member, "RAD", "ALL", date(2020, 2, 29)) is None  # not yet in post
    assert status_of(member, "RAD", "ALL", date(2023, 6, 30)) == "current"
    indicators = headline(system_scope(prison, date(2023, 6, 30)))
    assert indicators.people.value == 4  # the three people of the world's prison, and the leaver


def test_staff_whose_entry_is_after_the_date_are_not_counted(world, prison):
    member = person(institution=prison, entry_date=date(2024, 5, 2))
    assert rows_of(member, date(2024, 5, 1)) == []


def test_staff_are_counted_from_their_entry_day(world, prison):
    member = person(institution=prison, entry_date=date(2024, 5, 2))
    assert status_of(member, "RAD", "ALL", date(2024, 5, 2)) == "missing"


# --- 2. What is required of a person on D ---------------------------------------------------------


def test_nothing_is_required_before_the_first_framework_version(world, prison):
    person(institution=prison, entry_date=date(2019, 1, 1))
    assert status_rows(ComplianceScope(SystemUser(), on=date(2020, 12, 31))) == []


def test_person_is_in_the_all_staff_and_primary_category_columns(world, prison):
    member = person(institution=prison, primary_category=category("TRS"))
    assert columns_of(member, date(2023, 6, 30)) == {"ALL", "TRS"}


def test_requirements_are_the_cells_of_the_persons_columns(world, prison, framework):
    member = person(institution=prison, primary_category=category("SIL"))
    expected = {
        (r.area.code, r.category.code)
        for r in Requirement.objects.filter(
            version=framework, category__code__in=["ALL", "SIL"]
        ).select_related("area", "category")
    }
    assert cells_of(member, date(2023, 6, 30)) == expected


def test_the_same_area_in_two_columns_is_two_requirements(world, prison):
    member = person(institution=prison)  # front-line: RAD by All staff at A, by FLO at P
    complete(member, "RAD", "A", date(2023, 1, 10))
    all_staff = requirement(member, "RAD", "ALL", date(2023, 6, 30))
    front_line = requirement(member, "RAD", "FLO", date(2023, 6, 30))
    assert (all_staff["required_rank"], all_staff["status"]) == (1, "current")
    assert (front_line["required_rank"], front_line["status"]) == (2, "overdue")


def test_role_adds_requirements_only_from_its_start_date(world, prison):
    member = person(institution=prison, entry_date=date(2022, 1, 10))
    StaffRoleFactory.create(
        staff_member=member, category=category("MDT"), start_date=date(2024, 3, 15)
    )
    assert "MDT" not in columns_of(member, date(2024, 3, 14))
    assert "MDT" in columns_of(member, date(2024, 3, 15))


def test_role_deadline_runs_from_the_role_start(world, prison):
    member = person(institution=prison, entry_date=date(2022, 1, 10))
    StaffRoleFactory.create(
        staff_member=member, category=category("MDT"), start_date=date(2024, 3, 15)
    )
    dynamic = requirement(member, "DYN", "MDT", date(2024, 6, 30))  # A: 6 months
    radicalisation = requirement(member, "RAD", "MDT", date(2024, 6, 30))  # S: 24 months
    assert iso(dynamic["deadline"]) == "2024-09-15"
    assert iso(radicalisation["deadline"]) == "2026-03-15"
    assert status_of(member, "DYN", "MDT", date(2024, 9, 15)) == "missing"
    assert status_of(member, "DYN", "MDT", date(2024, 9, 16)) == "overdue"


def test_role_still_applies_on_its_end_date(world, prison):
    member = person(institution=prison, entry_date=date(2022, 1, 10))
    StaffRoleFactory.create(
        staff_member=member,
        category=category("MDT"),
        start_date=date(2023, 1, 1),
        end_date=date(2024, 12, 31),
    )
    assert "MDT" in columns_of(member, date(2024, 12, 31))


def test_role_that_ended_no_longer_applies(world, prison):
    member = person(institution=prison, entry_date=date(2022, 1, 10))
    StaffRoleFactory.create(
        staff_member=member,
        category=category("MDT"),
        start_date=date(2023, 1, 1),
        end_date=date(2024, 12, 31),
    )
    assert columns_of(member, date(2025, 1, 1)) == {"ALL", "FLO"}


def test_trainer_role_adds_the_trainer_column(world, prison):
    member = person(institution=prison, entry_date=date(2022, 1, 10))
    StaffRoleFactory.create(
        staff_member=member, category=category("TRN"), start_date=date(2023, 2, 1)
    )
    assert ("TOT", "TRN") in cells_of(member, date(2023, 6, 30))
    assert columns_of(member, date(2023, 6, 30)) == {"ALL", "FLO", "TRN"}


def tightened_version(framework: FrameworkVersion) -> FrameworkVersion:
    """Framework 2025.1: a copy of 2020.1 with RAD × All staff raised to practitioner."""
    version = FrameworkVersion.objects.create(
        code="2025.1", title="Revised matrix", effective_from=date(2025, 1, 1)
    )
    practitioner = level("P")
    copies = []
    for old in Requirement.objects.filter(version=framework).select_related("area", "category"):
        copy = Requirement(
            version=version,
            area=old.area,
            category=old.category,
            level=old.level,
            refresher_months=old.refresher_months,
            deadline_months=old.deadline_months,
        )
        if (old.area.code, old.category.code) == ("RAD", "ALL"):
            copy.level, copy.deadline_months = practitioner, 12
        copies.append(copy)
    Requirement.objects.bulk_create(copies)
    return version


def test_framework_version_in_force_is_the_latest_effective_on_the_date(world, prison, framework):
    member = person(institution=prison)
    tightened_version(framework)
    before = requirement(member, "RAD", "ALL", date(2024, 12, 31))
    after = requirement(member, "RAD", "ALL", date(2025, 1, 1))
    assert (before["required_rank"], after["required_rank"]) == (1, 2)


def test_framework_change_after_the_evidence_does_not_rewrite_history(world, prison, framework):
    member = person(institution=prison)
    complete(member, "RAD", "A", date(2024, 1, 15))
    tightened_version(framework)
    assert status_of(member, "RAD", "ALL", date(2024, 6, 30)) == "current"
    assert status_of(member, "RAD", "ALL", date(2025, 6, 30)) == "overdue"


def serbian_adaptation(world: Any, framework: FrameworkVersion) -> NationalAdaptation:
    """Serbia requires RAD of all staff at practitioner level from 2024-01-01."""
    adaptation = NationalAdaptation.objects.create(
        beneficiary=world["RS"].beneficiary,
        version=framework,
        effective_from=date(2024, 1, 1),
        title="Serbian adaptation 2024",
    )
    add_deviation(
        actor=SYSTEM,
        adaptation=adaptation,
        area=area("RAD"),
        category=category("ALL"),
        level=level("P"),
        refresher_months=36,
        deadline_months=6,
        reason="Every officer meets radicalised prisoners on the wings.",
    )
    return adaptation


def test_national_adaptation_tightens_the_cell_for_its_administration(world, framework):
    serbian = person(institution=world["RS"].prison)
    complete(serbian, "RAD", "A", date(2023, 6, 1))
    serbian_adaptation(world, framework)
    row = requirement(serbian, "RAD", "ALL", date(2024, 6, 30))
    assert (row["required_rank"], row["status"]) == (2, "overdue")


def test_national_adaptation_does_not_apply_to_other_administrations(world, framework):
    montenegrin = person(institution=world["ME"].prison)
    complete(montenegrin, "RAD", "A", date(2023, 6, 1))
    serbian_adaptation(world, framework)
    row = requirement(montenegrin, "RAD", "ALL", date(2024, 6, 30))
    assert (row["required_rank"], row["status"]) == (1, "current")


def test_national_adaptation_applies_only_from_its_effective_date(world, framework):
    serbian = person(institution=world["RS"].prison)
    complete(serbian, "RAD", "A", date(2023, 6, 1))
    serbian_adaptation(world, framework)
    row = requirement(serbian, "RAD", "ALL", date(2023, 12, 31))
    assert (row["required_rank"], row["status"]) == (1, "current")


def adapt(
    world: Any,
    version: FrameworkVersion,
    effective_from: date,
    cell: tuple[str, str],
    level_code: str,
    refresher_months: int,
    deadline_months: int,
) -> NationalAdaptation:
    """A Serbian adaptation of `version` from a date, deviating in one cell."""
    adaptation = NationalAdaptation.objects.create(
        beneficiary=world["RS"].beneficiary,
        version=version,
        effective_from=effective_from,
        title=f"Serbian adaptation {effective_from:%Y}",
    )
    add_deviation(
        actor=SYSTEM,
        adaptation=adaptation,
        area=area(cell[0]),
        category=category(cell[1]),
        level=level(level_code),
        refresher_months=refresher_months,
        deadline_months=deadline_months,
        reason="National policy.",
    )
    return adaptation


def test_national_adaptation_shortens_the_deadline(world, framework):
    serbian = person(institution=world["RS"].prison, entry_date=date(2024, 2, 1))
    adapt(world, framework, date(2024, 1, 1), ("RAD", "ALL"), "A", 36, 3)
    row = requirement(serbian, "RAD", "ALL", date(2024, 3, 1))
    assert iso(row["deadline"]) == "2024-05-01"


def test_national_adaptation_shortens_the_refresher_interval(world, framework):
    serbian = person(institution=world["RS"].prison)
    complete(serbian, "RAD", "A", date(2023, 6, 1), valid_until=date(2026, 6, 1))
    adapt(world, framework, date(2024, 1, 1), ("RAD", "ALL"), "A", 12, 6)
    row = requirement(serbian, "RAD", "ALL", date(2024, 7, 1))
    assert (iso(row["valid_until"]), row["status"]) == ("2024-06-01", "expired")


def test_national_adaptation_can_add_a_cell(world, framework):
    serbian = person(institution=world["RS"].prison)
    adapt(world, framework, date(2024, 1, 1), ("MGT", "FLO"), "A", 36, 6)
    assert ("MGT", "FLO") not in cells_of(serbian, date(2023, 12, 31))
    assert ("MGT", "FLO") in cells_of(serbian, date(2024, 1, 1))


def test_later_adaptation_replaces_the_earlier_one(world, framework):
    serbian = person(institution=world["RS"].prison)
    adapt(world, framework, date(2024, 1, 1), ("RAD", "ALL"), "P", 36, 6)
    adapt(world, framework, date(2025, 1, 1), ("IDN", "ALL"), "P", 36, 6)
    assert requirement(serbian, "RAD", "ALL", date(2024, 6, 30))["required_rank"] == 2
    assert requirement(serbian, "RAD", "ALL", date(2025, 6, 30))["required_rank"] == 1
    assert requirement(serbian, "IDN", "ALL", date(2025, 6, 30))["required_rank"] == 2


def test_adaptation_of_an_older_version_lapses_with_a_new_version(world, framework):
    serbian = person(institution=world["RS"].prison)
    adapt(world, framework, date(2024, 1, 1), ("DYN", "FLO"), "S", 24, 12)
    tightened_version(framework)
    assert requirement(serbian, "DYN", "FLO", date(2024, 12, 31))["required_rank"] == 3
    assert requirement(serbian, "DYN", "FLO", date(2025, 1, 1))["required_rank"] == 2


# --- 3. Deadlines ---------------------------------------------------------------------------------


def test_deadline_counts_from_entry_into_post_by_level(world, prison):
    member = person(institution=prison, entry_date=date(2023, 3, 15))
    on = date(2023, 4, 1)
    awareness = requirement(member, "RAD", "ALL", on)  # A: 6 months
    practitioner = requirement(member, "RAD", "FLO", on)  # P: 12 months
    assert iso(awareness["deadline"]) == "2023-09-15"
    assert iso(practitioner["deadline"]) == "2024-03-15"


def test_staff_in_post_before_the_first_version_count_from_its_effective_date(world, prison):
    member = person(institution=prison, entry_date=date(2015, 3, 1))
    on = date(2021, 3, 1)
    awareness = requirement(member, "RAD", "ALL", on)
    practitioner = requirement(member, "RAD", "FLO", on)
    assert iso(awareness["deadline"]) == "2021-07-01"
    assert iso(practitioner["deadline"]) == "2022-01-01"


def test_month_arithmetic_clamps_the_deadline_to_the_last_day_of_february(world, prison):
    member = person(institution=prison, entry_date=date(2023, 8, 31))
    row = requirement(member, "RAD", "ALL", date(2023, 9, 1))  # 2023-08-31 + 6 months
    assert iso(row["deadline"]) == "2024-02-29"


def test_month_arithmetic_clamps_the_deadline_in_a_common_year(world, prison):
    member = person(institution=prison, entry_date=date(2022, 8, 31))
    row = requirement(member, "RAD", "ALL", date(2022, 9, 1))  # 2022-08-31 + 6 months
    assert iso(row["deadline"]) == "2023-02-28"


def test_month_arithmetic_clamps_the_refresher_end_of_a_leap_day_completion(world, prison):
    member = person(institution=prison, entry_date=date(2020, 1, 1))
    complete(member, "RAD", "P", date(2024, 2, 29), valid_until=date(2027, 2, 28))
    row = requirement(member, "RAD", "FLO", date(2024, 6, 30))  # refresher 24 months
    assert iso(row["valid_until"]) == "2026-02-28"


# --- 4. Evidence ----------------------------------------------------------------------------------


def test_awareness_requirement_of_all_staff_is_met_by_an_awareness_completion(world, prison):
    member = person(institution=prison)
    complete(member, "RAD", "A", date(2023, 1, 10))  # as the BA module confers
    assert status_of(member, "RAD", "ALL", date(2023, 6, 30)) == "current"


def test_specialist_level_satisfies_an_awareness_requirement(world, prison):
    member = person(institution=prison)
    complete(member, "RAD", "S", date(2023, 1, 10))
    assert status_of(member, "RAD", "ALL", date(2023, 6, 30)) == "current"


def test_specialist_level_satisfies_a_practitioner_requirement(world, prison):
    member = person(institution=prison)
    complete(member, "RAD", "S", date(2023, 1, 10))
    assert status_of(member, "RAD", "FLO", date(2023, 6, 30)) == "current"


def test_practitioner_level_satisfies_an_awareness_requirement(world, prison):
    member = person(institution=prison)
    complete(member, "IDN", "P", date(2023, 1, 10))
    assert status_of(member, "IDN", "ALL", date(2023, 6, 30)) == "current"


def test_lower_level_does_not_satisfy_a_higher_requirement(world, prison):
    member = person(institution=prison)
    complete(member, "RAD", "A", date(2023, 1, 10))
    row = requirement(member, "RAD", "FLO", date(2023, 6, 30))
    assert row["status"] == "overdue"
    assert row["valid_until"] is None


def test_lower_level_does_not_satisfy_a_higher_requirement_before_the_deadline(world, prison):
    member = person(
        institution=prison, entry_date=date(2023, 3, 1), primary_category=category("TRS")
    )
    complete(member, "RAD", "P", date(2023, 4, 1))  # TRS needs RAD at specialist, in 24 months
    assert status_of(member, "RAD", "TRS", date(2023, 6, 30)) == "missing"


def test_evidence_in_another_area_does_not_satisfy(world, prison):
    member = person(institution=prison)
    complete(member, "IDN", "S", date(2023, 1, 10))
    assert status_of(member, "RAD", "ALL", date(2023, 6, 30)) == "overdue"


def test_evidence_completed_on_the_date_counts(world, prison):
    member = person(institution=prison)
    complete(member, "RAD", "A", date(2023, 6, 30))
    assert status_of(member, "RAD", "ALL", date(2023, 6, 30)) == "current"


def test_evidence_dated_after_the_date_is_ignored(world, prison):
    member = person(institution=prison)
    complete(member, "RAD", "A", date(2023, 7, 1))
    row = requirement(member, "RAD", "ALL", date(2023, 6, 30))
    assert (row["status"], row["valid_until"]) == ("overdue", None)


def test_valid_until_is_the_completions_own_when_the_refresher_is_longer(world, prison):
    member = person(institution=prison)
    complete(member, "RAD", "A", date(2023, 1, 10), valid_until=date(2024, 1, 10))
    row = requirement(member, "RAD", "ALL", date(2023, 6, 30))  # refresher 36 months
    assert iso(row["valid_until"]) == "2024-01-10"


def test_refresher_interval_shorter_than_module_validity_shortens_validity(world, prison):
    member = person(institution=prison)
    complete(member, "RAD", "S", date(2023, 8, 31), valid_until=date(2026, 8, 31))
    front_line = requirement(member, "RAD", "FLO", date(2024, 6, 30))  # P / 24 months
    all_staff = requirement(member, "RAD", "ALL", date(2024, 6, 30))  # A / 36 months
    assert iso(front_line["valid_until"]) == "2025-08-31"
    assert iso(all_staff["valid_until"]) == "2026-08-31"


def test_shortened_validity_expires_one_requirement_while_the_other_stays_valid(world, prison):
    member = person(institution=prison)
    complete(member, "RAD", "S", date(2023, 8, 31), valid_until=date(2026, 8, 31))
    assert status_of(member, "RAD", "FLO", date(2025, 9, 1)) == "expired"
    assert status_of(member, "RAD", "ALL", date(2025, 9, 1)) == "current"


def test_valid_until_day_itself_is_still_valid(world, prison):
    member = person(institution=prison)
    complete(member, "RAD", "A", date(2022, 3, 1), valid_until=date(2024, 3, 1))
    assert status_of(member, "RAD", "ALL", date(2024, 3, 1)) in {"current", "expiring"}


def test_day_after_valid_until_is_expired(world, prison):
    member = person(institution=prison)
    complete(member, "RAD", "A", date(2022, 3, 1), valid_until=date(2024, 3, 1))
    assert status_of(member, "RAD", "ALL", date(2024, 3, 2)) == "expired"


def test_latest_satisfying_evidence_counts(world, prison):
    member = person(institution=prison)
    complete(member, "RAD", "A", date(2020, 3, 1), valid_until=date(2022, 3, 1))
    complete(member, "RAD", "A", date(2023, 3, 1), valid_until=date(2026, 3, 1))
    row = requirement(member, "RAD", "ALL", date(2024, 6, 30))
    assert (row["status"], iso(row["valid_until"])) == ("current", "2026-03-01")


def test_evidence_recorded_later_but_dated_earlier_changes_the_past(world, prison):
    member = person(institution=prison)
    assert status_of(member, "RAD", "ALL", date(2023, 6, 30)) == "overdue"
    complete(member, "RAD", "A", date(2022, 5, 1))  # recognised prior learning, recorded now
    assert status_of(member, "RAD", "ALL", date(2023, 6, 30)) == "current"


# --- 5. Status of one requirement on D ------------------------------------------------------------


def test_status_is_missing_before_the_deadline(world, prison):
    member = person(institution=prison, entry_date=date(2023, 3, 15))
    assert status_of(member, "RAD", "ALL", date(2023, 9, 14)) == "missing"


def test_status_is_missing_on_the_deadline_day(world, prison):
    member = person(institution=prison, entry_date=date(2023, 3, 15))
    assert status_of(member, "RAD", "ALL", date(2023, 9, 15)) == "missing"


def test_status_is_overdue_the_day_after_the_deadline(world, prison):
    member = person(institution=prison, entry_date=date(2023, 3, 15))
    assert status_of(member, "RAD", "ALL", date(2023, 9, 16)) == "overdue"


def test_completion_on_the_deadline_day_counts_as_held(world, prison):
    member = person(institution=prison, entry_date=date(2023, 3, 15))
    complete(member, "RAD", "A", date(2023, 9, 15))
    assert status_of(member, "RAD", "ALL", date(2023, 9, 15)) == "current"


def test_completion_on_the_deadline_day_is_not_overdue_afterwards(world, prison):
    member = person(institution=prison, entry_date=date(2023, 3, 15))
    complete(member, "RAD", "A", date(2023, 9, 15))
    assert status_of(member, "RAD", "ALL", date(2023, 9, 16)) == "current"


def test_completion_after_the_deadline_ends_overdue(world, prison):
    member = person(institution=prison, entry_date=date(2023, 3, 15))
    complete(member, "RAD", "A", date(2023, 10, 2))
    assert status_of(member, "RAD", "ALL", date(2023, 10, 1)) == "overdue"
    assert status_of(member, "RAD", "ALL", date(2023, 10, 2)) == "current"


def test_status_is_expired_when_evidence_lapsed_even_before_the_deadline(world, prison):
    member = person(institution=prison, entry_date=date(2023, 3, 15))
    # A short-lived module completed before entry into post, lapsed before the deadline.
    complete(member, "RAD", "A", date(2022, 6, 1), valid_until=date(2023, 6, 1))
    assert status_of(member, "RAD", "ALL", date(2023, 7, 1)) == "expired"


def test_status_is_expiring_when_valid_until_is_less_than_the_window_away(world, prison):
    member = person(institution=prison)
    on = date(2024, 6, 30)
    complete(member, "RAD", "A", date(2022, 1, 1), valid_until=on + datetime.timedelta(days=89))
    assert status_of(member, "RAD", "ALL", on) == "expiring"


def test_status_is_current_when_valid_until_is_exactly_the_window_away(world, prison):
    member = person(institution=prison)
    on = date(2024, 6, 30)
    complete(member, "RAD", "A", date(2022, 1, 1), valid_until=on + datetime.timedelta(days=90))
    assert status_of(member, "RAD", "ALL", on) == "current"


def test_status_is_expiring_on_the_valid_until_day(world, prison):
    member = person(institution=prison)
    complete(member, "RAD", "A", date(2022, 3, 1), valid_until=date(2024, 3, 1))
    assert status_of(member, "RAD", "ALL", date(2024, 3, 1)) == "expiring"


def test_expiring_window_follows_the_setting(world, prison, settings):
    settings.MATRICA_EXPIRING_WINDOW_DAYS = 30
    member = person(institution=prison)
    on = date(2024, 6, 30)
    complete(member, "RAD", "A", date(2022, 1, 1), valid_until=on + datetime.timedelta(days=45))
    assert status_of(member, "RAD", "ALL", on) == "current"


def test_expiring_uses_the_window_from_the_refresher_shortened_valid_until(world, prison):
    member = person(institution=prison)
    # FLO RAD P/24: valid until 2025-08-31 for that cell, 2026-08-31 for All staff.
    complete(member, "RAD", "P", date(2023, 8, 31), valid_until=date(2026, 8, 31))
    on = date(2025, 7, 1)
    assert status_of(member, "RAD", "FLO", on) == "expiring"
    assert status_of(member, "RAD", "ALL", on) == "current"


# --- 6. People and indicators ---------------------------------------------------------------------


def fully_trained(member: StaffMember, completed_on: date, valid_until: date | None = None) -> None:
    for code in FRONT_LINE_AREAS:
        complete(member, code, "S", completed_on, valid_until)


@pytest.fixture
def small_prison(world: Any) -> Institution:
    institution: Institution = InstitutionFactory.create(
        service=world["RS"].prison.service, beneficiary=world["RS"].beneficiary, name="Small unit"
    )
    return institution


def system_scope(institution: Institution, on: date) -> ComplianceScope:
    return ComplianceScope(SystemUser(), on=on, institution=institution)


def test_person_with_every_requirement_current_is_compliant(world, small_prison):
    member = person(institution=small_prison)
    fully_trained(member, date(2024, 1, 10))
    indicators = headline(system_scope(small_prison, date(2024, 6, 30)))
    assert (indicators.compliant.numerator, indicators.compliant.denominator) == (1, 1)


def test_expiring_requirements_still_count_as_compliant(world, small_prison):
    member = person(institution=small_prison)
    fully_trained(member, date(2022, 7, 15), valid_until=date(2024, 8, 1))
    on = date(2024, 6, 30)
    assert {row["status"] for row in rows_of(member, on)} == {"expiring"}
    indicators = headline(system_scope(small_prison, on))
    assert indicators.compliant.numerator == 1
    assert indicators.with_expiring.value == 1


def test_one_unmet_requirement_makes_a_person_not_compliant(world, small_prison):
    member = person(institution=small_prison)
    for code in FRONT_LINE_AREAS:
        if code != "MAC":
            complete(member, code, "S", date(2024, 1, 10))
    indicators = headline(system_scope(small_prison, date(2024, 6, 30)))
    assert (indicators.compliant.numerator, indicators.compliant.denominator) == (0, 1)
    assert indicators.aware.numerator == 1  # MAC is not an all-staff area
    assert indicators.front_line_at_level.numerator == 0


def test_basic_awareness_needs_every_all_staff_requirement(world, small_prison):
    aware = person(institution=small_prison)
    unaware = person(institution=small_prison)
    for code in ("RAD", "IDN", "REP", "HRL", "RES"):  # the All staff column, at awareness
        complete(aware, code, "A", date(2024, 1, 10))
        if code != "RES":
            complete(unaware, code, "A", date(2024, 1, 10))
    indicators = headline(system_scope(small_prison, date(2024, 6, 30)))
    assert (indicators.aware.numerator, indicators.aware.denominator) == (1, 2)
    assert indicators.compliant.numerator == 0  # awareness alone is not the front-line level


def test_front_line_at_level_counts_only_front_line_officers(world, small_prison):
    front_line = person(institution=small_prison)
    fully_trained(front_line, date(2024, 1, 10))
    person(institution=small_prison)  # front-line, untrained
    trainer = person(institution=small_prison, primary_category=category("TRS"))
    fully_trained(trainer, date(2024, 1, 10))
    indicators = headline(system_scope(small_prison, date(2024, 6, 30)))
    share = indicators.front_line_at_level
    assert (share.numerator, share.denominator) == (1, 2)


def test_headline_shares_on_a_tiny_world(world, small_prison):
    compliant = person(institution=small_prison)
    fully_trained(compliant, date(2024, 1, 10))
    aware_only = person(institution=small_prison)
    for code in ("RAD", "IDN", "REP", "HRL", "RES"):
        complete(aware_only, code, "A", date(2024, 1, 10))
    person(institution=small_prison, primary_category=category("MGR"))  # nothing held
    indicators = headline(system_scope(small_prison, date(2024, 6, 30)))
    assert indicators.people.value == 3
    assert (indicators.compliant.numerator, indicators.compliant.denominator) == (1, 3)
    assert (indicators.aware.numerator, indicators.aware.denominator) == (2, 3)
    fl = indicators.front_line_at_level
    assert (fl.numerator, fl.denominator) == (1, 2)
    assert indicators.with_overdue.value == 2


def test_overdue_counts_people_with_at_least_one_overdue_requirement(world, small_prison):
    late = person(institution=small_prison, entry_date=date(2023, 1, 2))
    person(institution=small_prison, entry_date=date(2024, 6, 1))  # everything still missing
    for code in FRONT_LINE_AREAS:
        if code != "DYN":
            complete(late, code, "S", date(2023, 2, 1))
    indicators = headline(system_scope(small_prison, date(2024, 6, 30)))
    assert indicators.people.value == 2
    assert indicators.with_overdue.value == 1


def test_matrix_cell_is_the_share_of_its_people_current_or_expiring(world, small_prison):
    trained = person(institution=small_prison)
    complete(trained, "RAD", "P", date(2024, 1, 10))
    person(institution=small_prison)
    person(institution=small_prison, primary_category=category("TRS"))
    _categories, matrix = matrix_dashboard(system_scope(small_prison, date(2024, 6, 30)))
    cells = {
        (row_area.code, cell.category.code): cell.current
        for row_area, line in matrix
        for cell in line
        if cell.current is not None
    }
    assert (cells["RAD", "FLO"].numerator, cells["RAD", "FLO"].denominator) == (1, 2)
    assert (cells["RAD", "ALL"].numerator, cells["RAD", "ALL"].denominator) == (1, 3)
    assert (cells["RAD", "TRS"].numerator, cells["RAD", "TRS"].denominator) == (0, 1)


def test_breakdown_by_area_counts_requirements(world, small_prison):
    member = person(institution=small_prison)
    complete(member, "RAD", "A", date(2024, 1, 10))  # meets RAD×ALL, not RAD×FLO
    rows = {row.area.code: row for row in by_area(system_scope(small_prison, date(2024, 6, 30)))}
    assert (rows["RAD"].satisfied.numerator, rows["RAD"].satisfied.denominator) == (1, 2)


# --- 7. Small cells -------------------------------------------------------------------------------


def test_regional_coordinator_sees_small_groups_as_fewer_than_five(world, small_prison):
    for _ in range(3):
        person(institution=small_prison)
    scope = ComplianceScope(world.coordinator, on=date(2024, 6, 30), institution=small_prison)
    indicators = headline(scope)
    assert indicators.people.display == "<5"
    assert indicators.compliant.display == "<5"
    assert indicators.aware.display == "<5"
    assert indicators.front_line_at_level.display == "<5"


def test_regional_coordinator_never_sees_a_zero_of_a_small_group(world, small_prison):
    for _ in range(3):
        person(institution=small_prison, entry_date=date(2024, 6, 1))  # all still missing
    scope = ComplianceScope(world.coordinator, on=date(2024, 6, 30), institution=small_prison)
    assert headline(scope).with_overdue.display == "<5"  # a 0 of 3 people says all 3 are fine


def no_small_neighbours(world: Any) -> None:
    """Five more people in each administration's prison: otherwise the world's small offices
    would, by secondary suppression, hide the institution a test looks at (docs/disclosure-
    control.md)."""
    for code in ("RS", "ME"):
        for _ in range(5):
            person(institution=world[code].prison)


def test_regional_coordinator_sees_a_zero_of_a_group_of_five(world, small_prison):
    no_small_neighbours(world)
    for _ in range(5):
        person(institution=small_prison, entry_date=date(2024, 6, 1))  # all still missing
    scope = ComplianceScope(world.coordinator, on=date(2024, 6, 30), institution=small_prison)
    assert headline(scope).with_overdue.display == "0"


def test_regional_coordinator_sees_groups_of_five_or_more(world, small_prison):
    no_small_neighbours(world)
    for _ in range(5):
        person(institution=small_prison)
    scope = ComplianceScope(world.coordinator, on=date(2024, 6, 30), institution=small_prison)
    indicators = headline(scope)
    assert indicators.people.display == "5"
    assert indicators.compliant.display == "0%"


def test_national_admin_sees_small_groups_in_full(world, small_prison):
    member = person(institution=small_prison)
    fully_trained(member, date(2024, 1, 10))
    for _ in range(2):
        person(institution=small_prison)
    admin = world["RS"].users["national_admin"]
    indicators = headline(ComplianceScope(admin, on=date(2024, 6, 30), institution=small_prison))
    assert indicators.people.display == "3"
    assert indicators.compliant.display == "33%"


def test_regional_coordinator_sees_no_names(world):
    scope = ComplianceScope(world.coordinator, on=date(2024, 6, 30))
    assert not scope.sees_people
    assert not scope.people().exists()


# --- 9. Derived tables ----------------------------------------------------------------------------


def some_history(world: Any) -> list[StaffMember]:
    prison = world["RS"].prison
    people = [
        person(institution=prison, entry_date=date(2023, 3, 15)),
        person(institution=prison, primary_category=category("TRS")),
        person(institution=world["ME"].probation, primary_category=category("PRO")),
    ]
    complete(people[0], "RAD", "P", date(2023, 8, 31), valid_until=date(2026, 8, 31))
    complete(people[1], "IDN", "S", date(2022, 2, 1), valid_until=date(2024, 2, 1))
    complete(people[2], "REP", "A", date(2024, 5, 1), valid_until=date(2024, 8, 1))
    StaffRoleFactory.create(
        staff_member=people[0], category=category("MDT"), start_date=date(2024, 1, 1)
    )
    return people


def test_derived_tables_agree_with_the_engine_on_the_fly(world):
    some_history(world)
    on = date(2024, 6, 30)
    on_the_fly = status_rows(ComplianceScope(SystemUser(), on=on))
    refresh_all(on=on)
    scope = ComplianceScope(SystemUser(), on=on)
    assert scope.from_snapshot
    snapshot = status_rows(scope)
    assert len(snapshot) > 0
    assert normalised(snapshot) == normalised(on_the_fly)


def test_other_dates_are_computed_on_the_fly_next_to_a_snapshot(world):
    people = some_history(world)
    refresh_all(on=date(2024, 6, 30))
    scope = ComplianceScope(SystemUser(), on=date(2023, 6, 30))
    assert not scope.from_snapshot
    assert normalised(status_rows(scope)) == normalised(engine_rows(date(2023, 6, 30)))
    assert status_of(people[0], "RAD", "ALL", date(2023, 6, 30)) == "missing"


def test_refresh_people_brings_the_snapshot_in_step_with_new_evidence(world):
    people = some_history(world)
    on = date(2024, 6, 30)
    refresh_all(on=on)
    member = people[1]
    complete(member, "RAD", "S", date(2024, 6, 1))
    snapshot = ComplianceScope(SystemUser(), on=on)
    assert normalised(status_rows(snapshot)) != normalised(engine_rows(on))
    refresh_people([member.pk])
    assert normalised(status_rows(snapshot)) == normalised(engine_rows(on))
    assert status_of(member, "RAD", "TRS", on) == "current"


def test_refresh_people_updates_the_counts_of_their_institution(world):
    people = some_history(world)
    on = date(2024, 6, 30)
    refresh_all(on=on)
    member = people[1]
    prison = member.institution
    before = headline(system_scope(prison, on))
    for code in ("RAD", "IDN", "REP", "HRL", "RES"):
        complete(member, code, "A", date(2024, 6, 1))
    refresh_people([member.pk])
    after = headline(system_scope(prison, on))
    assert after.aware.numerator == before.aware.numerator + 1


def test_recording_evidence_updates_the_snapshot_of_the_person(world):
    people = some_history(world)
    on = date(2024, 6, 30)
    refresh_all(on=on)
    member = people[1]
    record_module_completions(
        actor=SYSTEM,
        module=Module.objects.get(code="BA"),
        completed_on=date(2024, 6, 1),
        staff_members=[member],
    )
    assert status_of(member, "RAD", "ALL", on) == "current"
    assert normalised(status_rows(ComplianceScope(SystemUser(), on=on))) == normalised(
        engine_rows(on)
    )


def test_counts_adjusted_for_a_few_people_stay_with_their_administration(world):
    people = some_history(world)
    on = date(2024, 6, 30)
    refresh_all(on=on)
    complete(people[1], "RAD", "S", date(2024, 6, 1))
    refresh_people([people[1].pk])
    rows = breakdown(ComplianceScope(SystemUser(), on=on), "administration")
    assert {row.key: row.label for row in rows} == {
        world["RS"].beneficiary.pk: "Serbia",
        world["ME"].beneficiary.pk: "Montenegro",
    }
