"""Reading the evaluation of training: which test a session uses, the scores and the learning
gain, and the feedback and follow-up figures (shown only for enough answers)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, Q, QuerySet

from matrica import disclosure
from matrica.delivery.models import Enrolment, TrainingSession
from matrica.evaluation.models import FEEDBACK_QUESTIONS, FeedbackAnswer, ModuleTest, TestResult

TAKING_PART = (Enrolment.State.CONFIRMED, Enrolment.State.ATTENDED)


def test_for(session: TrainingSession) -> ModuleTest | None:
    """The test a session uses: its administration's own test of the module, else the common
    one, else none (a module without a test is passed by attending)."""
    found = ModuleTest.objects.filter(
        Q(beneficiary_id=session.beneficiary_id) | Q(beneficiary__isnull=True),
        module_id=session.module_id,
    )
    return max(found, key=lambda test: test.beneficiary_id is not None, default=None)


def passed(session: TrainingSession) -> dict[int, Decimal | None]:
    """The enrolments of a session's participants who attended and passed: enrolment id →
    the post-test score that passed (None where the module has no test)."""
    attended = Enrolment.objects.filter(session=session, state=Enrolment.State.ATTENDED)
    test = test_for(session)
    if test is None:
        return dict.fromkeys(attended.values_list("pk", flat=True))
    scores = TestResult.objects.filter(
        enrolment__in=attended, phase=TestResult.Phase.POST, score__gte=test.pass_mark
    )
    return dict(scores.values_list("enrolment_id", "score"))


@dataclass(frozen=True)
class PersonResult:
    enrolment: Enrolment
    pre: Decimal | None
    post: Decimal | None
    passed: bool | None  # None: no post-test yet

    @property
    def gain(self) -> Decimal | None:
        """Learning gain: post-test minus pre-test, in percentage points."""
        if self.pre is None or self.post is None:
            return None
        return self.post - self.pre


@dataclass(frozen=True)
class SessionResults:
    rows: list[PersonResult]
    pass_mark: int | None

    def _mean(self, values: list[Decimal]) -> Decimal | None:
        if not values:
            return None
        return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def mean_pre(self) -> Decimal | None:
        return self._mean([r.pre for r in self.rows if r.pre is not None])

    @property
    def mean_post(self) -> Decimal | None:
        return self._mean([r.post for r in self.rows if r.post is not None])

    @property
    def gains(self) -> list[Decimal]:
        return [r.gain for r in self.rows if r.gain is not None]

    @property
    def mean_gain(self) -> Decimal | None:
        """The mean of each person's gain, over the people with both tests."""
        return self._mean(self.gains)

    @property
    def passed(self) -> int:
        return sum(r.passed is True for r in self.rows)


def session_results(session: TrainingSession, enrolments: QuerySet[Enrolment]) -> SessionResults:
    """Each participant's scores among `enrolments` (already scoped to the viewer), with the
    gain, whether they passed, and the means. Two queries."""
    test = test_for(session)
    people = list(
        enrolments.filter(session=session, state__in=TAKING_PART).select_related("staff_member")
    )
    scores: dict[tuple[int, str], Decimal] = {
        (enrolment_id, phase): score
        for enrolment_id, phase, score in TestResult.objects.filter(
            enrolment__in=[e.pk for e in people]
        ).values_list("enrolment_id", "phase", "score")
    }
    rows = []
    for enrolment in people:
        post = scores.get((enrolment.pk, TestResult.Phase.POST))
        passed = None if post is None or test is None else post >= test.pass_mark
        rows.append(
            PersonResult(enrolment, scores.get((enrolment.pk, TestResult.Phase.PRE)), post, passed)
        )
    return SessionResults(rows, test.pass_mark if test else None)


@dataclass(frozen=True)
class FeedbackSummary:
    answers: int
    means: dict[str, Decimal]  # empty below the disclosure threshold
    comments: list[str]

    @property
    def shown(self) -> bool:
        return bool(self.means)


def feedback_summary(session: TrainingSession) -> FeedbackSummary:
    """The session's feedback: how many answered, and (for enough answers that nobody's can be
    told apart) the mean of each rating and the comments, in alphabetical order, not in the
    order they came."""
    answers = FeedbackAnswer.objects.filter(session=session)
    figures = answers.aggregate(
        answers=Count("pk"), **{name: Avg(name) for name in FEEDBACK_QUESTIONS}
    )
    count = figures.pop("answers")
    if disclosure.small(count) or not count:
        return FeedbackSummary(count, {}, [])
    means = {
        name: Decimal(str(value)).quantize(Decimal("0.1"), ROUND_HALF_UP)
        for name, value in figures.items()
    }
    comments = sorted(answers.exclude(comment="").values_list("comment", flat=True))
    return FeedbackSummary(count, means, comments)
