"""Reading the evaluation of training: which test a session uses, the scores and the learning
gain, and the feedback and follow-up figures (shown only for enough answers)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Q

from matrica.delivery.models import Enrolment, TrainingSession
from matrica.evaluation.models import ModuleTest, TestResult


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
