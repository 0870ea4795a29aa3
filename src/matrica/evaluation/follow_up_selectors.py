"""Reads of the follow-up on use at work: whose questionnaires a user may answer, and the
results per module (and, for the coordinator, per administration and module).

Results count invitations and answers of the sessions that *ended* in the chosen year, since an
answer carries its session and nothing else (no date). Two GROUP BY queries make every figure;
a page of results costs the same whatever the number of people.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet
from django.db.models.functions import ExtractYear
from django.utils import timezone

from matrica import disclosure
from matrica.evaluation.models import FOLLOW_UP_QUESTIONS, FollowUpAnswer, FollowUpInvitation
from matrica.framework.models import Module
from matrica.tenancy.models import Beneficiary
from matrica.tenancy.roles import Role

Respondent = FollowUpInvitation.Respondent
NATIONAL_ROLES = frozenset({Role.NATIONAL_ADMIN, Role.TRAINING_MANAGER})
# Years a results page may be asked about (anything else falls back to the default).
FIRST_YEAR, LAST_YEAR = 2000, 2999


# Answering ------------------------------------------------------------------------------------


def answerable_by(user: Any) -> QuerySet[FollowUpInvitation]:
    """The invitations `user` may answer, answered or not: their own as a participant, and, for
    an institution manager, those about the people of their institution (the rule of
    `evaluation.actions.answer_follow_up`, as a filter)."""
    mine = Q(respondent=Respondent.PARTICIPANT)
    if user.staff_member_id:
        mine &= Q(enrolment__staff_member_id=user.staff_member_id)
    else:
        mine = Q(pk__in=[])
    if user.role == Role.INSTITUTION_MANAGER and user.institution_id:
        mine |= Q(
            respondent=Respondent.MANAGER,
            enrolment__staff_member__beneficiary_id=user.beneficiary_id,
            enrolment__staff_member__institution_id=user.institution_id,
        )
    return FollowUpInvitation.objects.visible_to(user).filter(mine)


def open_follow_ups(user: Any) -> QuerySet[FollowUpInvitation]:
    """The questionnaires still waiting for `user`'s answer, oldest first."""
    return (
        answerable_by(user)
        .filter(answered=False)
        .select_related("session__module", "enrolment__staff_member")
        .order_by("sent_on", "session__ends_on", "pk")
    )


# Results --------------------------------------------------------------------------------------


def sees_national_results(user: Any) -> bool:
    return bool(user.is_active and user.role in NATIONAL_ROLES and user.beneficiary_id)


def sees_regional_results(user: Any) -> bool:
    return bool(user.is_active and (user.is_superuser or user.role == Role.COORDINATOR))


def sees_results(user: Any) -> bool:
    return sees_national_results(user) or sees_regional_results(user)


def _rate(answered: int, sent: int) -> int | None:
    if not sent:
        return None
    return int((Decimal(100 * answered) / sent).quantize(Decimal(1), ROUND_HALF_UP))


def _mean(value: Any) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.01"), ROUND_HALF_UP)


@dataclass
class ResultRow:
    """One module (of one administration): who was asked, who answered, and the mean of
    each rating. `hidden`: nothing of the row is shown (too few people, for the coordinator);
    `means_hidden`: the ratings are not shown (fewer answers than the threshold)."""

    beneficiary: Beneficiary
    module: Module
    participants_sent: int = 0
    participants_answered: int = 0
    managers_sent: int = 0
    managers_answered: int = 0
    answers: int = 0
    means: dict[str, Decimal | None] = field(default_factory=dict)
    hidden: bool = False
    means_hidden: bool = False

    @property
    def participants_rate(self) -> int | None:
        return _rate(self.participants_answered, self.participants_sent)

    @property
    def managers_rate(self) -> int | None:
        return _rate(self.managers_answered, self.managers_sent)

    @property
    def mean_list(self) -> list[Decimal | None]:
        return [self.means.get(name) for name in FOLLOW_UP_QUESTIONS]


@dataclass(frozen=True)
class Results:
    year: int
    regional: bool
    rows: list[ResultRow]
    # The one administration of a national page (None for the coordinator's).
    beneficiary: Beneficiary | None

    @property
    def any_hidden(self) -> bool:
        return any(row.hidden or row.means_hidden for row in self.rows)


def _invitations(user: Any, regional: bool) -> QuerySet[FollowUpInvitation]:
    if regional:
        # The coordinator sees no person, only these counts (under disclosure control below):
        # the invitations of the administrations within their reach.
        return FollowUpInvitation.objects.filter(
            session__beneficiary__in=Beneficiary.objects.visible_to(user)
        )
    return FollowUpInvitation.objects.visible_to(user)


def _answers(user: Any, regional: bool) -> QuerySet[FollowUpAnswer]:
    if regional:
        return FollowUpAnswer.objects.filter(
            session__beneficiary__in=Beneficiary.objects.visible_to(user)
        )
    return FollowUpAnswer.objects.visible_to(user)


def this_year() -> int:
    return timezone.localdate().year


def years_offered(user: Any) -> list[int]:
    """The years whose sessions have been followed up, newest first (this year at least)."""
    regional = sees_regional_results(user)
    years = set(
        _invitations(user, regional)
        .annotate(year=ExtractYear("session__ends_on"))
        .order_by()
        .values_list("year", flat=True)
        .distinct()
    )
    return sorted(years | {this_year()}, reverse=True)


def results_year(raw: str) -> int | None:
    """The year asked for in `raw` (YYYY), or None when it is not one."""
    raw = raw.strip()
    if not (raw.isascii() and raw.isdigit() and len(raw) == 4):
        return None
    year = int(raw)
    return year if FIRST_YEAR <= year <= LAST_YEAR else None


def default_year(offered: list[int]) -> int:
    """The newest year with follow-ups sent (this year, when there are none yet)."""
    return offered[0] if offered else this_year()


def follow_up_results(user: Any, year: int) -> Results:
    """Per module (national roles: of their administration; the coordinator: per administration
    and module), for sessions that ended in `year`: invitations sent and answered by
    participants and by managers, and the mean of each rating. Means are shown only for at
    least `disclosure.threshold()` answers; for the coordinator, a row about fewer people than
    that is hidden whole (`disclosure.suppress` over the participants asked)."""
    regional = sees_regional_results(user)
    in_year = Q(session__ends_on__gte=datetime.date(year, 1, 1)) & Q(
        session__ends_on__lte=datetime.date(year, 12, 31)
    )
    sent = (
        _invitations(user, regional)
        .filter(in_year)
        .values("session__beneficiary_id", "session__module_id", "respondent")
        .annotate(sent=Count("pk"), answered=Count("pk", filter=Q(answered=True)))
        .order_by()
    )
    answered = (
        _answers(user, regional)
        .filter(in_year)
        .values("session__beneficiary_id", "session__module_id")
        .annotate(n=Count("pk"), **{name: Avg(name) for name in FOLLOW_UP_QUESTIONS})
        .order_by()
    )
    counts = list(sent)
    means = {(row["session__beneficiary_id"], row["session__module_id"]): row for row in answered}
    keys = {(row["session__beneficiary_id"], row["session__module_id"]) for row in counts}
    keys |= set(means)
    own = None if regional else user.beneficiary_id
    beneficiaries = Beneficiary.objects.in_bulk({b for b, _m in keys} | {own} - {None})
    modules = Module.objects.in_bulk({m for _b, m in keys})
    rows: dict[tuple[int, int], ResultRow] = {
        key: ResultRow(beneficiary=beneficiaries[key[0]], module=modules[key[1]]) for key in keys
    }
    for count in counts:
        row = rows[(count["session__beneficiary_id"], count["session__module_id"])]
        if count["respondent"] == Respondent.PARTICIPANT:
            row.participants_sent, row.participants_answered = count["sent"], count["answered"]
        else:
            row.managers_sent, row.managers_answered = count["sent"], count["answered"]
    for key, mean in means.items():
        rows[key].answers = mean["n"]
        rows[key].means = {name: _mean(mean[name]) for name in FOLLOW_UP_QUESTIONS}
    hidden: frozenset[tuple[int, int]] = frozenset()
    if regional:
        hidden = disclosure.suppress({key: row.participants_sent for key, row in rows.items()})
    for key, row in rows.items():
        row.hidden = key in hidden
        row.means_hidden = row.hidden or row.answers < disclosure.threshold()
    ordered = sorted(rows.values(), key=lambda r: (r.beneficiary.code, r.module.code))
    beneficiary = beneficiaries[own] if own is not None else None
    return Results(year=year, regional=regional, rows=ordered, beneficiary=beneficiary)
