"""The year's delivery report: what was delivered in one calendar year, to whom, and with what
effect. For an administration (its national roles, with trainers' and institutions' names) or
for the region (the coordinator: one row per administration, every figure under disclosure
control). What each figure means: docs/delivery-report.md.

Every figure is a set-based aggregate: a handful of grouped queries per report whatever the
number of sessions or people; Python only reshapes the few dozen grouped rows that come back.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import (
    Avg,
    Count,
    ExpressionWrapper,
    F,
    FilteredRelation,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, ExtractMonth
from django.utils import timezone

from matrica import disclosure
from matrica.delivery.models import Attendance, Enrolment, SessionDay, TrainingSession
from matrica.evaluation.models import FeedbackAnswer, TestResult
from matrica.framework.models import Module
from matrica.staff.models import StaffMember
from matrica.tenancy.models import Beneficiary, Institution
from matrica.tenancy.permissions import Verb, holds
from matrica.tenancy.roles import Role

DELIVERED = (TrainingSession.State.HELD, TrainingSession.State.CLOSED)
TOTAL = "total"
# The report's dimensions: an administration's report has the last three, the region's the
# first two (trainers are people, and the coordinator sees no names).
ADMINISTRATION, MODULE, TRAINER, INSTITUTION = "administration", "module", "trainer", "institution"
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


def sees_regional_report(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role == Role.COORDINATOR)


def sees_national_report(user: Any) -> bool:
    """National roles planning training (PLAN_TRAINING) in their own administration."""
    return bool(holds(user, Verb.PLAN_TRAINING) and not user.is_superuser and user.beneficiary_id)


def require_report(user: Any) -> None:
    """403 for anyone who sees neither report."""
    if not (sees_regional_report(user) or sees_national_report(user)):
        raise PermissionDenied


def _one_decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _hours(minutes: Any) -> Decimal:
    return (Decimal(int(minutes or 0)) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class Row:
    """One group's figures. `suppressed` hides them all (the region's rows of fewer than 5
    people); `gain_suppressed` and `satisfaction_suppressed` hide those two alone (fewer than
    5 people with both scores, fewer than 5 answers, or a figure that would give one back)."""

    key: str
    label: str
    sessions: int = 0
    joint: int = 0
    participants: int = 0
    participations: int = 0
    session_minutes: int | None = 0
    participant_minutes: int = 0
    gain: Decimal | None = None
    gain_people: int = 0
    satisfaction: Decimal | None = None
    answers: int | None = 0
    suppressed: bool = False
    gain_suppressed: bool = False
    satisfaction_suppressed: bool = False

    @property
    def joint_percent(self) -> Decimal | None:
        if self.suppressed or not self.sessions:
            return None
        return _one_decimal(Decimal(100 * self.joint) / self.sessions)

    @property
    def session_hours(self) -> Decimal | None:
        return None if self.session_minutes is None else _hours(self.session_minutes)

    @property
    def participant_hours(self) -> Decimal:
        return _hours(self.participant_minutes)

    @property
    def gain_shown(self) -> bool:
        return not (self.suppressed or self.gain_suppressed) and self.gain is not None

    @property
    def satisfaction_shown(self) -> bool:
        return not (self.suppressed or self.satisfaction_suppressed) and (
            self.satisfaction is not None
        )

    def cells(self) -> dict[str, Any]:
        """The row's published values by column, a suppressed one as the hidden label and an
        absent one as None: what the tables, the exports and the PDF show."""
        hidden = disclosure.hidden_label()
        if self.suppressed:
            people: dict[str, Any] = dict.fromkeys(
                ("sessions", "joint", "joint_percent", "participants", "participations",
                 "session_hours", "participant_hours"), hidden,
            )  # fmt: skip
        else:
            people = {
                "sessions": self.sessions,
                "joint": self.joint,
                "joint_percent": self.joint_percent,
                "participants": self.participants,
                "participations": self.participations,
                "session_hours": self.session_hours,
                "participant_hours": self.participant_hours,
            }
        gain_hidden = self.suppressed or (self.gain_suppressed and self.gain_people > 0)
        answers_hidden = self.suppressed or (self.satisfaction_suppressed and bool(self.answers))
        return people | {
            "gain": hidden if gain_hidden else self.gain,
            "gain_people": hidden if gain_hidden else self.gain_people,
            "satisfaction": hidden if answers_hidden else self.satisfaction,
            "answers": hidden if answers_hidden else self.answers,
        }


@dataclass
class Month:
    month: int
    sessions: int = 0
    participations: int = 0
    suppressed: bool = False

    @property
    def date(self) -> datetime.date:
        return datetime.date(2000, self.month, 1)


@dataclass
class Report:
    year: int
    regional: bool
    beneficiary: Beneficiary | None
    total: Row
    breakdowns: dict[str, list[Row]] = field(default_factory=dict)
    months: list[Month] = field(default_factory=list)

    @property
    def any_suppressed(self) -> bool:
        rows = [self.total, *(row for rows in self.breakdowns.values() for row in rows)]
        return any(
            row.suppressed or row.gain_suppressed or row.satisfaction_suppressed for row in rows
        ) or any(month.suppressed for month in self.months)


# The querysets ------------------------------------------------------------------------------


def _sessions(user: Any, year: int, beneficiary_id: int | None) -> QuerySet[TrainingSession]:
    """The sessions delivered in `year` (first day in it), as far as the user sees them."""
    found = TrainingSession.objects.visible_to(user).filter(
        state__in=DELIVERED, starts_on__year=year
    )
    return found if beneficiary_id is None else found.filter(beneficiary_id=beneficiary_id)


def _minutes_of_session(session_path: str) -> Subquery:
    return Subquery(
        SessionDay.objects.filter(session=OuterRef(session_path))
        .order_by()
        .values("session")
        .annotate(total=Sum("minutes"))
        .values("total"),
        output_field=IntegerField(),
    )


def _participations(sessions: QuerySet[TrainingSession]) -> QuerySet[Enrolment]:
    """Each participant's attended enrolment, with its pre and post scores and the minutes
    they were present."""
    present = (
        Attendance.objects.filter(enrolment=OuterRef("pk"), present=True)
        .order_by()
        .values("enrolment")
        .annotate(total=Sum("day__minutes"))
        .values("total")
    )
    return (
        Enrolment.objects.filter(session__in=sessions.values("pk"), state=Enrolment.State.ATTENDED)
        .annotate(
            # Joined, not looked up row by row: one result per enrolment and phase at most.
            pre_result=FilteredRelation(
                "test_results", condition=Q(test_results__phase=TestResult.Phase.PRE)
            ),
            post_result=FilteredRelation(
                "test_results", condition=Q(test_results__phase=TestResult.Phase.POST)
            ),
        )
        .annotate(
            pre=F("pre_result__score"),
            post=F("post_result__score"),
            present_minutes=Coalesce(Subquery(present, output_field=IntegerField()), 0),
        )
    )


SCORED = Q(pre__isnull=False, post__isnull=False)
PEOPLE_FIGURES: dict[str, Any] = {
    "participations": Count("pk"),
    "participants": Count("staff_member", distinct=True),
    "participant_minutes": Sum("present_minutes"),
    "gain": Avg(ExpressionWrapper(F("post") - F("pre"), output_field=FloatField()), filter=SCORED),
    "gain_people": Count("pk", filter=SCORED),
}
SESSION_FIGURES: dict[str, Any] = {
    "sessions": Count("pk", distinct=True),
    "joint": Count("pk", distinct=True, filter=Q(is_joint=True)),
    "session_minutes": Sum("minutes"),
}
# Satisfaction of one answer: the mean of its four ratings (FEEDBACK_QUESTIONS).
ANSWER_FIGURES: dict[str, Any] = {
    "answers": Count("pk"),
    "satisfaction": Avg(
        ExpressionWrapper(
            (F("relevance") + F("trainer") + F("materials") + F("confidence")) / 4.0,
            output_field=FloatField(),
        )
    ),
}


def _grouped(queryset: QuerySet[Any], keys: Iterable[str], figures: Mapping[str, Any]) -> Any:
    keys = list(keys)
    return queryset.values(*keys).annotate(**figures).order_by(*keys)


@dataclass(frozen=True)
class Dimension:
    """How one breakdown groups each source: the key path from a session, from a participation
    and from an answer (None: the figure has no meaning for it)."""

    name: str
    session_key: str | None
    enrolment_key: str
    answer_key: str | None


DIMENSIONS = {
    ADMINISTRATION: Dimension(
        ADMINISTRATION, "beneficiary_id", "session__beneficiary_id", "session__beneficiary_id"
    ),
    MODULE: Dimension(MODULE, "module_id", "session__module_id", "session__module_id"),
    TRAINER: Dimension(TRAINER, "trainers", "session__trainers", "session__trainers"),
    # An institution's sessions are those its people took part in, counted from the
    # participations; answers are anonymous and so belong to no institution.
    INSTITUTION: Dimension(INSTITUTION, None, "staff_member__institution_id", None),
}

INSTITUTION_SESSIONS: dict[str, Any] = {
    "sessions": Count("session", distinct=True),
    "joint": Count("session", distinct=True, filter=Q(session__is_joint=True)),
}


def _codes_and_labels(dimension: str, keys: set[Any]) -> dict[Any, tuple[str, str]]:
    """The stable code and the label of each key of a breakdown, in one query."""
    if not keys:
        return {}
    if dimension == ADMINISTRATION:
        found = Beneficiary.objects.filter(pk__in=keys).values_list("pk", "code", "name")
        return {pk: (code, name) for pk, code, name in found}
    if dimension == MODULE:
        return {
            module.pk: (module.code, module.local_title)
            for module in Module.objects.filter(pk__in=keys)
        }
    if dimension == INSTITUTION:
        found = Institution.objects.filter(pk__in=keys).values_list("pk", "name")
        return {pk: (str(pk), name) for pk, name in found}
    people = StaffMember.objects.filter(pk__in=keys).values_list(
        "pk", "employee_number", "given_name", "family_name"
    )
    return {pk: (number, f"{given} {family}") for pk, number, given, family in people}


def _breakdown(
    sessions: QuerySet[TrainingSession],
    participations: QuerySet[Enrolment],
    answers: QuerySet[FeedbackAnswer],
    dimension: Dimension,
) -> list[Row]:
    """One row per group with any delivered session, participation or answer."""
    found: dict[Any, dict[str, Any]] = {}

    def merge(rows: Any, key: str) -> None:
        for each in rows:
            group = each.pop(key)
            if group is not None:
                found[group] = found.get(group, {}) | each

    if dimension.session_key is None:
        merge(_grouped(participations, [dimension.enrolment_key], INSTITUTION_SESSIONS),
              dimension.enrolment_key)  # fmt: skip
    else:
        with_minutes = sessions.annotate(minutes=_minutes_of_session("pk"))
        merge(_grouped(with_minutes, [dimension.session_key], SESSION_FIGURES),
              dimension.session_key)  # fmt: skip
    merge(_grouped(participations, [dimension.enrolment_key], PEOPLE_FIGURES),
          dimension.enrolment_key)  # fmt: skip
    if dimension.answer_key is not None:
        merge(_grouped(answers, [dimension.answer_key], ANSWER_FIGURES), dimension.answer_key)
    named = _codes_and_labels(dimension.name, set(found))
    rows = []
    for group, figures in found.items():
        code, label = named.get(group, (str(group), str(group)))
        row = Row(key=code, label=label)
        for name, value in figures.items():
            setattr(row, name, value)
        _tidy(row)
        if dimension.session_key is None:
            row.session_minutes = None
        if dimension.answer_key is None:
            row.answers = None
        rows.append(row)
    return sorted(rows, key=lambda row: (row.label.casefold(), row.key))


def _tidy(row: Row) -> None:
    """Database answers made presentable: means to one decimal, missing sums as zero."""
    row.gain = _one_decimal(row.gain)
    row.satisfaction = _one_decimal(row.satisfaction)
    row.session_minutes = int(row.session_minutes or 0)
    row.participant_minutes = int(row.participant_minutes or 0)


def _total(
    sessions: QuerySet[TrainingSession],
    participations: QuerySet[Enrolment],
    answers: QuerySet[FeedbackAnswer],
) -> Row:
    figures = sessions.annotate(minutes=_minutes_of_session("pk")).aggregate(**SESSION_FIGURES)
    figures |= participations.aggregate(**PEOPLE_FIGURES)
    figures |= answers.aggregate(**ANSWER_FIGURES)
    row = Row(key=TOTAL, label=TOTAL, **figures)
    _tidy(row)
    return row


def _months(
    sessions: QuerySet[TrainingSession], participations: QuerySet[Enrolment]
) -> list[Month]:
    months = {number: Month(number) for number in range(1, 13)}
    by_sessions = sessions.annotate(month=ExtractMonth("starts_on"))
    for found in by_sessions.values("month").annotate(count=Count("pk")).order_by("month"):
        months[found["month"]].sessions = found["count"]
    by_people = participations.annotate(month=ExtractMonth("session__starts_on"))
    for found in by_people.values("month").annotate(count=Count("pk")).order_by("month"):
        months[found["month"]].participations = found["count"]
    return list(months.values())


# Disclosure control -------------------------------------------------------------------------


def _protect(report: Report) -> None:
    """Mark what the viewer may not see. Everyone: a group's learning gain under 5 people with
    both scores and its satisfaction under 5 answers, and enough others that no hidden one can
    be worked out from a total (docs/disclosure-control.md). The region's report also: every
    figure of a group of fewer than 5 participants, with secondary suppression."""
    rows_of = report.breakdowns
    forced: set[Any] = set()
    if report.regional:
        sizes: dict[Any, int] = {("people", TOTAL): report.total.participants}
        links = []
        for name, rows in rows_of.items():
            sizes |= {("people", name, row.key): row.participants for row in rows}
            parts = tuple(("people", name, row.key) for row in rows)
            links.append(disclosure.Linked(parts, ("people", TOTAL)))
        months = {("month", m.month): m.participations for m in report.months}
        sizes |= months
        links.append(disclosure.Linked(tuple(months), ("people", TOTAL)))
        hidden = disclosure.suppress(sizes, links)
        report.total.suppressed = ("people", TOTAL) in hidden
        for name, rows in rows_of.items():
            for row in rows:
                row.suppressed = ("people", name, row.key) in hidden
                if row.suppressed:
                    forced |= {("gain", name, row.key), ("satisfaction", name, row.key)}
        for month in report.months:
            month.suppressed = ("month", month.month) in hidden
        if report.total.suppressed:
            forced |= {("gain", TOTAL), ("satisfaction", TOTAL)}
    for figure, size_of in (
        ("gain", lambda row: row.gain_people),
        ("satisfaction", lambda row: row.answers or 0),
    ):
        sizes = {(figure, TOTAL): size_of(report.total)}
        links = []
        for name, rows in rows_of.items():
            sizes |= {(figure, name, row.key): size_of(row) for row in rows}
            parts = tuple((figure, name, row.key) for row in rows)
            # The total's mean times its count is the sum of the rows' (a weighted mean gives
            # a hidden row back). Trainers share sessions, so their rows add up to no total;
            # they are still kept together as a precaution.
            total = None if name == TRAINER else (figure, TOTAL)
            links.append(disclosure.Linked(parts, total))
        hidden = disclosure.suppress(sizes, links, forced=forced)
        setattr(report.total, f"{figure}_suppressed", (figure, TOTAL) in hidden)
        for name, rows in rows_of.items():
            for row in rows:
                setattr(row, f"{figure}_suppressed", (figure, name, row.key) in hidden)


# The report ---------------------------------------------------------------------------------


def delivery_report(user: Any, year: int) -> Report:
    """The user's report for `year`: their administration's (national roles) or the region's
    (the coordinator). 403 for anyone else."""
    require_report(user)
    regional = sees_regional_report(user)
    beneficiary = None if regional else Beneficiary.objects.get(pk=user.beneficiary_id)
    sessions = _sessions(user, year, None if beneficiary is None else beneficiary.pk)
    participations = _participations(sessions)
    answers = FeedbackAnswer.objects.filter(session__in=sessions.values("pk"))
    names = [ADMINISTRATION, MODULE] if regional else [MODULE, TRAINER, INSTITUTION]
    report = Report(
        year=year,
        regional=regional,
        beneficiary=beneficiary,
        total=_total(sessions, participations, answers),
        breakdowns={
            name: _breakdown(sessions, participations, answers, DIMENSIONS[name]) for name in names
        },
        months=_months(sessions, participations),
    )
    _protect(report)
    return report


def report_year(raw: str | None) -> int | None:
    """?year=YYYY, within EARLIEST_YEAR..LATEST_YEAR; None when absent or unreadable."""
    if raw and raw.isascii() and raw.isdigit() and len(raw) == 4:
        year = int(raw)
        if EARLIEST_YEAR <= year <= LATEST_YEAR:
            return year
    return None


def this_year() -> int:
    return timezone.localdate().year


def years_offered(user: Any) -> list[int]:
    """The years the picker offers: from the first delivered session the user's report covers
    (or this year) to this year, newest first."""
    sessions = TrainingSession.objects.visible_to(user).filter(state__in=DELIVERED)
    if not sees_regional_report(user):
        sessions = sessions.filter(beneficiary_id=user.beneficiary_id)
    first = sessions.order_by("starts_on").values_list("starts_on", flat=True).first()
    start = max(EARLIEST_YEAR, min(first.year if first else this_year(), this_year()))
    return list(range(this_year(), start - 1, -1))
