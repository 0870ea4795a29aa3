"""Reads of the team registry: which teams a user may see, whether each is ready and exactly
why not, the sessions that would fix it, and the national and regional figures.

Readiness (docs/teams.md): a team is ready when every discipline required for its kind is
filled by a current member who meets the MDT-member requirements of the matrix: every one of
that person's requirements in the MDT column is current or expiring, on compliance's statuses
as of today. It is computed for any number of teams in a fixed number of queries."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from matrica import disclosure
from matrica.compliance.engine import STATUS_COLUMNS, PeopleFilter, status_query
from matrica.compliance.models import RequirementStatus
from matrica.compliance.services import quarter_ends, snapshot_date
from matrica.compliance.status import Status
from matrica.delivery.models import TrainingSession
from matrica.delivery.selectors import open_for_nomination
from matrica.framework.models import CompetencyArea, Conferral, StaffCategory
from matrica.staff.models import StaffMember
from matrica.staff.selectors import search_staff, staff_visible_to
from matrica.teams.models import Discipline, Membership, Team, TeamKind
from matrica.tenancy.models import Beneficiary, Institution, Service

MDT = "MDT"
FINE = (Status.CURRENT, Status.EXPIRING)


def teams_visible_to(user: Any) -> QuerySet[Team]:
    """The teams the user may see, with what a list shows of them."""
    return Team.objects.visible_to(user).select_related("beneficiary", "institution__service")


def current_members(team: Team, on: datetime.date | None = None) -> QuerySet[Membership]:
    on = on or timezone.localdate()
    return (
        team.memberships.filter(start_date__lte=on)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
        .select_related("staff_member__institution", "discipline")
        .order_by("discipline__order", "staff_member__sort_name", "pk")
    )


def _first_lower(text: str) -> str:
    return text[:1].lower() + text[1:]


@dataclass
class Readiness:
    """Where one team stands today: `filled` when every required discipline has a current
    member; `ready` when those members also meet the MDT-member requirements. `gaps` say
    exactly what is missing; `needed` are the (area id, required level rank) that training
    would fix."""

    team_id: int
    required: int = 0
    filled: bool = True
    ready: bool = True
    gaps: list[str] = field(default_factory=list)
    needed: set[tuple[int, int]] = field(default_factory=set)


def _in_post(on: datetime.date) -> Q:
    return Q(staff_member__leaving_date__isnull=True, staff_member__active=True) | Q(
        staff_member__leaving_date__gte=on
    )


def _lapses(staff_ids: list[int], on: datetime.date) -> list[dict[str, Any]]:
    """The MDT-column requirements of these people that are neither current nor expiring on
    `on`: the derived table when it answers for that date, otherwise the engine for them."""
    if not staff_ids:
        return []
    mdt = StaffCategory.objects.filter(code=MDT).values_list("pk", flat=True).first()
    if mdt is None:
        return []
    if snapshot_date() == on:
        return list(
            RequirementStatus.objects.filter(staff_member_id__in=staff_ids, category_id=mdt)
            .exclude(status__in=FINE)
            .values(*STATUS_COLUMNS)
        )
    query = status_query(on, PeopleFilter.ids(staff_ids))
    if query is None:
        return []
    sql, params = query
    placeholders = ", ".join(["%s"] * len(FINE))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT * FROM ({sql}) r WHERE category_id = %s AND status NOT IN ({placeholders})",
            [*params, mdt, *FINE],
        )
        columns = [column[0] for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _lapse_text(discipline: str, name: str, area: str, row: dict[str, Any]) -> str:
    values = {"discipline": discipline, "name": name, "area": area}
    if row["status"] == Status.EXPIRED:
        values["date"] = _iso(row["valid_until"])
        return _("%(discipline)s %(name)s: %(area)s training expired on %(date)s") % values
    values["date"] = _iso(row["deadline"])
    if row["status"] == Status.OVERDUE:
        return _("%(discipline)s %(name)s: %(area)s training overdue since %(date)s") % values
    return _("%(discipline)s %(name)s: no %(area)s training yet (due by %(date)s)") % values


def _iso(value: Any) -> str:
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value or "")[:10]


def readiness(teams: Iterable[Team], on: datetime.date | None = None) -> dict[int, Readiness]:
    """Readiness of each team (fetched with `institution__service`), keyed by team id, in a
    fixed number of queries whatever the number of teams and members."""
    on = on or timezone.localdate()
    teams = list(teams)
    if not teams:
        return {}
    disciplines: dict[int, list[Discipline]] = defaultdict(list)
    for discipline in Discipline.objects.filter(
        beneficiary_id__in={team.beneficiary_id for team in teams}
    ):
        disciplines[discipline.beneficiary_id].append(discipline)
    members: dict[int, list[Membership]] = defaultdict(list)
    for membership in (
        Membership.objects.filter(team_id__in=[team.pk for team in teams], start_date__lte=on)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
        .filter(_in_post(on))
        .select_related("staff_member")
        .order_by("staff_member__sort_name", "pk")
    ):
        members[membership.team_id].append(membership)
    staff_ids = sorted({m.staff_member_id for ms in members.values() for m in ms})
    lapses: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in _lapses(staff_ids, on):
        lapses[row["staff_member_id"]].append(row)
    areas = dict(
        CompetencyArea.objects.filter(
            pk__in={row["area_id"] for rows in lapses.values() for row in rows}
        ).values_list("pk", "title")
    )
    result = {}
    for team in teams:
        state = Readiness(team.pk)
        kind = team.kind
        for discipline in disciplines[team.beneficiary_id]:
            if not discipline.required_for(kind):
                continue
            state.required += 1
            title = _first_lower(discipline.display_title)
            holders = [m for m in members[team.pk] if m.discipline_id == discipline.pk]
            if not holders:
                state.filled = state.ready = False
                state.gaps.append(_("no %(discipline)s") % {"discipline": title})
                continue
            if any(not lapses[m.staff_member_id] for m in holders):
                continue
            state.ready = False
            for holder in holders:
                for row in sorted(lapses[holder.staff_member_id], key=lambda r: r["area_id"]):
                    area = str(areas.get(row["area_id"], ""))
                    state.gaps.append(_lapse_text(title, holder.staff_member.full_name, area, row))
                    state.needed.add((row["area_id"], row["required_rank"]))
        result[team.pk] = state
    return result


def sessions_that_fix(user: Any, needed: set[tuple[int, int]]) -> QuerySet[TrainingSession]:
    """Open sessions the user may nominate to whose module confers a missing area at the level
    needed (or higher)."""
    if not needed:
        return TrainingSession.objects.none()
    condition = Q()
    for area_id, rank in sorted(needed):
        condition |= Q(area_id=area_id, level__rank__gte=rank)
    modules = Conferral.objects.filter(condition).values("module_id")
    return open_for_nomination(user).filter(module_id__in=modules)


# National and regional figures ------------------------------------------------------------


def _of_kind(kind: str) -> Q:
    if kind == TeamKind.REGIONAL:
        return Q(institution__isnull=True)
    probation = Q(institution__service__kind=Service.Kind.PROBATION)
    return probation if kind == TeamKind.PROBATION else Q(institution__isnull=False) & ~probation


def _exists_on(on: datetime.date) -> Q:
    return Q(formed_on__lte=on) & (Q(closed_on__isnull=True) | Q(closed_on__gte=on))


def _missing_discipline(on: datetime.date) -> Q:
    """A required discipline of the team with no member on `on` (by the memberships' dates)."""
    cover = (
        Membership.objects.filter(
            team_id=OuterRef(OuterRef("pk")), discipline_id=OuterRef("pk"), start_date__lte=on
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
        .filter(_in_post(on))
    )
    missing = Q(pk__in=[])
    for kind in TeamKind:
        required = Discipline.objects.filter(
            beneficiary_id=OuterRef("beneficiary_id"), **{f"required_for_{kind.value}": True}
        ).filter(~Exists(cover))
        missing |= _of_kind(kind) & Q(Exists(required))
    return missing


@dataclass(frozen=True)
class TrendPoint:
    quarter_end: datetime.date
    teams: int
    filled: int


def filled_trend(teams: QuerySet[Team], *, until: datetime.date | None = None) -> list[TrendPoint]:
    """At each quarter end of the last two years: the teams working then, and those with every
    required discipline filled (from the teams' and memberships' dates), in one query.
    Readiness itself is not recomputed for the past: today's statuses cannot say who was
    trained then (docs/teams.md)."""
    until = until or timezone.localdate()
    ends = [end for end in quarter_ends(until, years=2) if end <= until][-8:]
    figures: dict[str, Any] = {}
    for index, end in enumerate(ends):
        exists = _exists_on(end)
        figures[f"t{index}"] = Count("pk", filter=exists)
        figures[f"f{index}"] = Count("pk", filter=exists & ~_missing_discipline(end))
    if not figures:
        return []
    row = teams.order_by().aggregate(**figures)
    return [TrendPoint(end, row[f"t{i}"], row[f"f{i}"]) for i, end in enumerate(ends)]


@dataclass
class NationalFigures:
    institutions: int
    with_team: int
    teams: int
    ready: int
    without_team: list[Institution]
    not_ready: list[tuple[Team, Readiness]]


def national_figures(user: Any) -> NationalFigures:
    """For the national roles: institutions without a working team, teams not ready and why."""
    institutions = Institution.objects.visible_to(user)
    teams = list(teams_visible_to(user).filter(active=True))
    staffed = {team.institution_id for team in teams if team.institution_id}
    without = list(institutions.exclude(pk__in=staffed).select_related("beneficiary"))
    states = readiness(teams)
    not_ready = [(team, states[team.pk]) for team in teams if not states[team.pk].ready]
    return NationalFigures(
        institutions=institutions.count(), with_team=len(staffed), teams=len(teams),
        ready=len(teams) - len(not_ready), without_team=without, not_ready=not_ready,
    )  # fmt: skip


@dataclass
class RegionalRow:
    beneficiary: Beneficiary
    institutions: int
    with_team: int
    teams: int
    ready: int
    members: int
    members_hidden: bool


def regional_figures(user: Any) -> tuple[list[RegionalRow], RegionalRow | None]:
    """Per administration: institutions, those with a working team, teams, teams ready, and the
    number of members (people: shown through disclosure control). Counts only, no names."""
    beneficiaries = list(Beneficiary.objects.visible_to(user).order_by("code"))
    institutions = dict(
        Institution.objects.visible_to(user)
        .values("beneficiary_id")
        .annotate(n=Count("pk"))
        .values_list("beneficiary_id", "n")
    )
    teams = list(teams_visible_to(user).filter(active=True))
    states = readiness(teams)
    today = timezone.localdate()
    members = dict(
        Membership.objects.filter(team__in=[team.pk for team in teams], start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .values("team__beneficiary_id")
        .annotate(n=Count("staff_member_id", distinct=True))
        .values_list("team__beneficiary_id", "n")
    )
    sizes = {b.pk: members.get(b.pk, 0) for b in beneficiaries}
    total = sum(sizes.values())
    hidden = disclosure.suppress(
        {**sizes, "all": total}, [disclosure.Linked(parts=tuple(sizes), total="all")]
    )
    rows = []
    for b in beneficiaries:
        own = [team for team in teams if team.beneficiary_id == b.pk]
        rows.append(
            RegionalRow(
                beneficiary=b,
                institutions=institutions.get(b.pk, 0),
                with_team=len({t.institution_id for t in own if t.institution_id}),
                teams=len(own),
                ready=sum(1 for t in own if states[t.pk].ready),
                members=sizes[b.pk],
                members_hidden=b.pk in hidden,
            )
        )
    if not rows:
        return rows, None
    overall = RegionalRow(
        beneficiary=Beneficiary(code="", name=_("All administrations")),
        institutions=sum(r.institutions for r in rows), with_team=sum(r.with_team for r in rows),
        teams=sum(r.teams for r in rows), ready=sum(r.ready for r in rows), members=total,
        members_hidden="all" in hidden,
    )  # fmt: skip
    return rows, overall


def member_candidates(
    user: Any, team: Team, text: str, limit: int | None = 20
) -> QuerySet[StaffMember]:
    """People in post of the team's administration the user may see, found by name or
    number in either script (staff.selectors.search_staff); the first `limit` of them."""
    people = staff_visible_to(user).filter(beneficiary_id=team.beneficiary_id, active=True)
    found = search_staff(people, text).select_related("institution")
    if limit is None:
        return found
    return found.filter(pk__in=list(found.values_list("pk", flat=True)[:limit]))


def disciplines_of(team: Team) -> QuerySet[Discipline]:
    return Discipline.objects.filter(beneficiary_id=team.beneficiary_id)
