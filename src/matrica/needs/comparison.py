"""The regional comparison: the administrations side by side on curriculum coverage, compliance,
survey needs and delivery, with a trend over the last five years. The evidence base on which the
coordinator drafts the next version of the common matrix (docs/regional-comparison.md).

Every figure about people passes through disclosure control for a viewer under it (the
coordinator; a superuser sees exact figures, as on every page):
- compliance today is the region dashboard's breakdown by administration
  (`compliance.selectors.breakdown`), so it is suppressed exactly as `/compliance/` suppresses it;
- the compliance trend takes each year's last quarter end from the trend table; per year, the
  administrations add up to the region (a linked set), and an administration suppressed on the
  region's dashboard is suppressed in every year (the wider view decides);
- delivery per year: an administration's sessions, hours and joint share are shown only with its
  participants (fewer than 5 hides them all), the administrations of a year add up to the
  region's year: the rules of the year's delivery report (`evaluation.report`);
- curriculum coverage counts cells, not people; the one status about people (delivery lag) is
  never derived from a share hidden from the viewer (`needs.coverage`).
- survey needs are each administration's latest campaign as `surveys.selectors` publishes it
  (`needs.comparison_surveys`): nothing where its total is suppressed.

Set-based: the compliance figures are the dashboard's few grouped queries, the trend one grouped
query, the delivery two grouped queries for all five years; coverage is `coverage_matrix` and
the survey results `campaign_results` once per administration (a fixed number of queries each,
none per cell, person or answer).
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import ExtractYear

from matrica import disclosure
from matrica.compliance import selectors as compliance
from matrica.compliance.models import TrendPoint
from matrica.compliance.scope import ComplianceScope
from matrica.delivery.models import Enrolment, SessionDay, TrainingSession
from matrica.needs.comparison_surveys import SurveyNeeds, survey_needs
from matrica.needs.coverage import Coverage, coverage_matrix
from matrica.tenancy.models import Beneficiary
from matrica.tenancy.roles import Role

YEARS = 5  # the trend's length, in calendar years ending with the comparison's
DELIVERED = (TrainingSession.State.HELD, TrainingSession.State.CLOSED)
REGION = "region"


def sees_comparison(user: Any) -> bool:
    """The coordinator (and a superuser): the only ones who see every administration."""
    if not (user.is_authenticated and user.is_active):
        return False
    return bool(user.is_superuser or user.role == Role.COORDINATOR)


def _one_decimal(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class Delivery:
    """One administration's (or the region's) sessions delivered in a year. All its figures are
    shown together or not at all: `suppressed` hides them with its participants."""

    sessions: int = 0
    joint: int = 0
    participants: int = 0
    minutes: int = 0
    suppressed: bool = False

    @property
    def joint_percent(self) -> Decimal | None:
        if self.suppressed or not self.sessions:
            return None
        return _one_decimal(Decimal(100 * self.joint) / self.sessions)

    @property
    def hours(self) -> Decimal | None:
        if self.suppressed:
            return None
        return _one_decimal(Decimal(self.minutes) / 60)

    def cells(self) -> dict[str, Any]:
        """The published values by column; a suppressed one as the hidden label."""
        if self.suppressed:
            hidden = disclosure.hidden_label()
            return dict.fromkeys(
                ("sessions", "joint", "joint_percent", "participants", "hours"), hidden
            )
        return {
            "sessions": self.sessions,
            "joint": self.joint,
            "joint_percent": self.joint_percent,
            "participants": self.participants,
            "hours": self.hours,
        }


@dataclass(frozen=True)
class CoverageCounts:
    """How many of the cells the administration's rules require are in each coverage status."""

    counts: dict[str, int]

    @property
    def cells(self) -> int:
        return sum(self.counts.values())

    def of(self, status: str) -> int:
        return self.counts.get(status, 0)

    def ordered(self) -> list[tuple[str, str, int]]:
        """(code, label, count) per status, in the order of `Coverage`."""
        return [(status.value, str(status.label), self.of(status.value)) for status in Coverage]


@dataclass
class AdministrationRow:
    beneficiary: Beneficiary | None  # None: the region's row
    coverage: CoverageCounts
    compliance: compliance.Indicators | None  # None: nobody with requirements on the date
    delivery: Delivery
    survey_needs: SurveyNeeds | None = None  # None: no survey opened by the date

    @property
    def code(self) -> str:
        return self.beneficiary.code if self.beneficiary is not None else REGION

    @property
    def name(self) -> str:
        return self.beneficiary.name if self.beneficiary is not None else ""


@dataclass
class TrendPointFigures:
    year: int
    quarter_end: datetime.date | None  # the year's last quarter end in the trend table
    compliant: compliance.Share | None  # None: no trend point that year
    delivery: Delivery


@dataclass
class TrendLine:
    beneficiary: Beneficiary | None  # None: the region
    points: list[TrendPointFigures]

    @property
    def code(self) -> str:
        return self.beneficiary.code if self.beneficiary is not None else REGION


@dataclass
class Comparison:
    on: datetime.date
    years: list[int]  # oldest first; the last is the year of `on`
    regional: bool  # under disclosure control
    rows: list[AdministrationRow]
    region: AdministrationRow
    trend: list[TrendLine] = field(default_factory=list)

    @property
    def year(self) -> int:
        return self.years[-1]

    @property
    def all_rows(self) -> list[AdministrationRow]:
        """The administrations, then the region."""
        return [*self.rows, self.region]

    @property
    def any_suppressed(self) -> bool:
        indicators = [row.compliance for row in (*self.rows, self.region) if row.compliance]
        return (
            any(i.people.suppressed or i.front_line_at_level.suppressed for i in indicators)
            or any(row.delivery.suppressed for row in (*self.rows, self.region))
            or any(row.survey_needs and row.survey_needs.suppressed for row in self.rows)
            or any(
                point.delivery.suppressed or (point.compliant and point.compliant.suppressed)
                for line in self.trend
                for point in line.points
            )
        )


# Delivery ---------------------------------------------------------------------------------


def _delivery_by_year(user: Any, years: list[int]) -> dict[tuple[int, int], Delivery]:
    """(administration id, year) → the sessions held or closed that year (by first day), their
    joint sessions and hours, and the distinct people who attended: two grouped queries."""
    sessions = TrainingSession.objects.visible_to(user).filter(
        state__in=DELIVERED, starts_on__year__gte=years[0], starts_on__year__lte=years[-1]
    )
    minutes = Subquery(
        SessionDay.objects.filter(session=OuterRef("pk"))
        .order_by()
        .values("session")
        .annotate(total=Sum("minutes"))
        .values("total"),
        output_field=IntegerField(),
    )
    found: dict[tuple[int, int], Delivery] = defaultdict(Delivery)
    grouped = (
        sessions.annotate(year=ExtractYear("starts_on"), minutes=minutes)
        .values("beneficiary_id", "year")
        .annotate(
            count=Count("pk", distinct=True),
            joint_count=Count("pk", distinct=True, filter=Q(is_joint=True)),
            total_minutes=Sum("minutes"),
        )
        .order_by()
    )
    for row in grouped:
        figures = found[(row["beneficiary_id"], int(row["year"]))]
        figures.sessions = row["count"]
        figures.joint = row["joint_count"]
        figures.minutes = int(row["total_minutes"] or 0)
    people = (
        Enrolment.objects.filter(session__in=sessions.values("pk"), state=Enrolment.State.ATTENDED)
        .annotate(year=ExtractYear("session__starts_on"))
        .values("session__beneficiary_id", "year")
        .annotate(people=Count("staff_member", distinct=True))
        .order_by()
    )
    for row in people:
        found[(row["session__beneficiary_id"], int(row["year"]))].participants = row["people"]
    return dict(found)


def _delivery_groups(
    by_year: dict[tuple[int, int], Delivery], ids: list[int], years: list[int]
) -> tuple[dict[int, Delivery], dict[Any, int], list[disclosure.Linked]]:
    """The region's figures per year (the sum of the administrations', so that the published
    equation is exact), and the groups and linked sets disclosure control works on: a group is
    an administration's participants in a year."""
    region: dict[int, Delivery] = {}
    sizes: dict[Any, int] = {}
    links = []
    for year in years:
        total = Delivery()
        for pk in ids:
            figures = by_year.setdefault((pk, year), Delivery())
            total.sessions += figures.sessions
            total.joint += figures.joint
            total.participants += figures.participants
            total.minutes += figures.minutes
            sizes[("delivery", year, pk)] = figures.participants
        region[year] = total
        sizes[("delivery", year, REGION)] = total.participants
        parts = tuple(("delivery", year, pk) for pk in ids)
        links.append(disclosure.Linked(parts, ("delivery", year, REGION)))
    return region, sizes, links


# Compliance trend ------------------------------------------------------------------------


def _compliance_by_year(
    scope: ComplianceScope, years: list[int]
) -> dict[int, tuple[datetime.date, dict[int, tuple[int, int]]]]:
    """year → (its last quarter end in the trend table, {administration id: (people,
    compliant)}): one grouped query."""
    rows = (
        TrendPoint.objects.filter(
            institution__in=scope.institutions(),
            quarter_end__year__gte=years[0],
            quarter_end__lte=scope.on,
        )
        .values("quarter_end", "beneficiary_id")
        .annotate(people=Sum("people"), compliant=Sum("compliant"))
        .order_by("quarter_end")
    )
    by_end: dict[datetime.date, dict[int, tuple[int, int]]] = defaultdict(dict)
    for row in rows:
        end = compliance._as_date(row["quarter_end"])
        assert end is not None
        by_end[end][row["beneficiary_id"]] = (int(row["people"] or 0), int(row["compliant"] or 0))
    result: dict[int, tuple[datetime.date, dict[int, tuple[int, int]]]] = {}
    for end in sorted(by_end):  # the last quarter end of each year wins
        result[end.year] = (end, by_end[end])
    return result


# The comparison -------------------------------------------------------------------------


def regional_comparison(user: Any, on: datetime.date) -> Comparison:
    """The comparison on `on` for a user who `sees_comparison` (the caller checks)."""
    beneficiaries = list(Beneficiary.objects.visible_to(user).order_by("name", "code"))
    ids = [b.pk for b in beneficiaries]
    years = list(range(on.year - YEARS + 1, on.year + 1))
    scope = ComplianceScope(user=user, on=on)

    # Compliance today: the region dashboard's own figures and suppression.
    indicators = {row.key: row.indicators for row in compliance.breakdown(scope, "administration")}
    region_indicators = compliance.headline(scope)
    hidden_on_dashboard = compliance.hidden_groups(scope, also="administration")

    # Curriculum coverage: counts of cells, per administration.
    coverage = {
        b.pk: CoverageCounts(
            dict(
                Counter(
                    cell.status.value for cell in coverage_matrix(user=user, beneficiary=b, on=on)
                )
            )
        )
        for b in beneficiaries
    }
    region_coverage = sum((Counter(counts.counts) for counts in coverage.values()), Counter())

    # Delivery and the compliance trend, with one suppression over both per viewer.
    delivery = _delivery_by_year(user, years)
    region_delivery, sizes, links = _delivery_groups(delivery, ids, years)
    trend = _compliance_by_year(scope, years)
    forced: set[Any] = set()
    for year, (_end, figures) in trend.items():
        parts = []
        for pk in ids:
            people, _compliant = figures.get(pk, (0, 0))
            sizes[("compliance", year, pk)] = people
            parts.append(("compliance", year, pk))
            if ("administration", pk) in hidden_on_dashboard:
                forced.add(("compliance", year, pk))
        sizes[("compliance", year, REGION)] = sum(p for p, _c in figures.values())
        if compliance.TOTAL in hidden_on_dashboard:
            forced.add(("compliance", year, REGION))
        links.append(disclosure.Linked(tuple(parts), ("compliance", year, REGION)))
    regional = scope.regional
    hidden = disclosure.suppress(sizes, links, forced=forced) if regional else frozenset()

    def delivery_of(pk: Any, year: int) -> Delivery:
        figures = region_delivery[year] if pk == REGION else delivery[(pk, year)]
        figures.suppressed = ("delivery", year, pk) in hidden
        return figures

    def compliant_of(pk: Any, year: int) -> compliance.Share | None:
        if year not in trend:
            return None
        _end, figures = trend[year]
        if pk == REGION:
            people = sum(p for p, _c in figures.values())
            done = sum(c for _p, c in figures.values())
        elif pk in figures:
            people, done = figures[pk]
        else:
            return None
        return compliance.share(done, people, ("compliance", year, pk) in hidden)

    def line(beneficiary: Beneficiary | None) -> TrendLine:
        pk: Any = beneficiary.pk if beneficiary is not None else REGION
        return TrendLine(
            beneficiary,
            [
                TrendPointFigures(
                    year=year,
                    quarter_end=trend[year][0] if year in trend else None,
                    compliant=compliant_of(pk, year),
                    delivery=delivery_of(pk, year),
                )
                for year in years
            ],
        )

    needs = survey_needs(user, on)
    rows = [
        AdministrationRow(
            beneficiary=b,
            coverage=coverage[b.pk],
            compliance=indicators.get(b.pk),
            delivery=delivery_of(b.pk, on.year),
            survey_needs=needs.get(b.pk),
        )
        for b in beneficiaries
    ]
    region = AdministrationRow(
        beneficiary=None,
        coverage=CoverageCounts(dict(region_coverage)),
        compliance=region_indicators,
        delivery=delivery_of(REGION, on.year),
    )
    return Comparison(
        on=on,
        years=years,
        regional=regional,
        rows=rows,
        region=region,
        trend=[line(b) for b in beneficiaries] + [line(None)],
    )
