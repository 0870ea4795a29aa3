"""The demo region's evaluation of training: a common knowledge test of basic awareness (in
English and Serbian), pre- and post-test scores and anonymous feedback for the sessions closed
in the last two years, and the certificates those sessions gave. Written in bulk, like the rest
of the demo; the numbers are drawn so that the reports have something to say (most people gain,
a few fail the post-test, a few do not answer the feedback)."""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db.models import QuerySet

from matrica.credentials.actions import free_indexes
from matrica.credentials.key_actions import ensure_issuer_key
from matrica.credentials.models import Certificate, IssuerKey, new_code
from matrica.delivery.models import Enrolment, TrainingSession
from matrica.evaluation.models import (
    Choice,
    FeedbackAnswer,
    FeedbackReceipt,
    FollowUpAnswer,
    FollowUpInvitation,
    ModuleTest,
    Question,
    TestResult,
)
from matrica.framework.models import Module
from matrica.tenancy.models import Beneficiary

BATCH = 5000
TESTED_MODULE = "BA"
PASS_MARK = 70
YEARS_EVALUATED = 2
FEEDBACK_SHARE = 0.75

# (kind, question, [(answer, correct)]) per language.
BANK: dict[str, list[tuple[str, str, list[tuple[str, bool]]]]] = {
    "en": [
        ("single", "Which description of radicalisation is the most accurate?", [
            ("A process in which a person comes to support or use violence for an ideology", True),
            ("Any strict religious practice", False),
            ("A mental illness", False),
        ]),
        ("multiple", "Which of these may be signs worth recording and reporting?", [
            ("Sudden isolation from former friends and fellow prisoners", True),
            ("Justifying violence against a group of people", True),
            ("Attending religious services", False),
        ]),
        ("single", "You notice such signs. What do you do first?", [
            ("Record what you saw and report it through the agreed channel", True),
            ("Confront the prisoner in front of others", False),
            ("Wait until there is violence", False),
        ]),
        ("single", "What does disengagement mean?", [
            ("Stopping violent behaviour, whether or not the beliefs have changed yet", True),
            ("Giving up one's religion", False),
            ("Being moved to another prison", False),
        ]),
    ],
    "sr": [
        ("single", "Који опис радикализације је најтачнији?", [
            ("Процес у којем особа почиње да подржава или користи насиље због идеологије", True),
            ("Свако строго верско понашање", False),
            ("Душевна болест", False),
        ]),
        ("multiple", "Који од ових знакова вреди забележити и пријавити?", [
            ("Нагло повлачење од ранијих пријатеља и других осуђеника", True),
            ("Оправдавање насиља према некој групи људи", True),
            ("Одлазак на верске обреде", False),
        ]),
        ("single", "Приметили сте такве знакове. Шта прво радите?", [
            ("Забележим шта сам видео и пријавим договореним путем", True),
            ("Суочим осуђеника с тим пред другима", False),
            ("Чекам да дође до насиља", False),
        ]),
        ("single", "Шта значи одвајање од насилног екстремизма (disengagement)?", [
            ("Престанак насилног понашања, било да су се уверења већ променила или не", True),
            ("Одрицање од вере", False),
            ("Премештај у други завод", False),
        ]),
    ],
}  # fmt: skip


def build_bank() -> ModuleTest:
    """The common test of basic awareness, in English and Serbian (Cyrillic)."""
    test = ModuleTest.objects.create(
        module=Module.objects.get(code=TESTED_MODULE, beneficiary__isnull=True), pass_mark=PASS_MARK
    )
    for language, questions in BANK.items():
        for position, (kind, text, answers) in enumerate(questions):
            question = Question.objects.create(
                test=test, language=language, kind=kind, text=text, position=position
            )
            Choice.objects.bulk_create(
                Choice(question=question, text=answer, correct=correct, position=n)
                for n, (answer, correct) in enumerate(answers)
            )
    return test


def _score(rng: random.Random, mean: float) -> Decimal:
    """A score as four questions give it: 0, 25, 50, 75 or 100."""
    value = min(100.0, max(0.0, rng.gauss(mean, 18)))
    return Decimal(25 * round(value / 25))


def build_evaluation(*, rng: random.Random, today: datetime.date) -> int:
    """Scores, feedback and certificates of the recent closed sessions, and the pre-tests of
    the showcase's held sessions. Returns the number of certificates."""
    build_bank()
    since = today - relativedelta(years=YEARS_EVALUATED)
    tested = Module.objects.get(code=TESTED_MODULE, beneficiary__isnull=True).pk
    sessions = TrainingSession.objects.filter(beneficiary__is_demo=True)
    enrolments = (
        Enrolment.objects.filter(session__in=sessions)
        .filter(
            state__in=[Enrolment.State.ATTENDED, Enrolment.State.CONFIRMED],
            session__state__in=[TrainingSession.State.CLOSED, TrainingSession.State.HELD],
            session__ends_on__gte=since,
        )
        .values_list(
            "pk", "session_id", "session__state", "session__module_id", "session__ends_on",
            "session__beneficiary_id", "staff_member_id", "staff_member__preferred_language",
            "session__module__validity_months",
        )
        .order_by("pk")
    )  # fmt: skip
    results: list[TestResult] = []
    feedback: list[FeedbackAnswer] = []
    receipts: list[FeedbackReceipt] = []
    certificates: list[tuple[int, Certificate]] = []
    for (pk, session_id, state, module_id, ends_on, beneficiary_id, staff_id, language,
         validity) in enrolments:  # fmt: skip
        closed = state == TrainingSession.State.CLOSED
        post: Decimal | None = None
        if module_id == tested:
            pre = _score(rng, 50)
            results.append(TestResult(enrolment_id=pk, phase="pre", score=pre, method="paper"))
            if closed:
                post = _score(rng, float(pre) + 30)
                results.append(
                    TestResult(enrolment_id=pk, phase="post", score=post, method="paper")
                )
        if not closed:
            continue
        if rng.random() < FEEDBACK_SHARE:
            feedback.append(_feedback(rng, session_id, language or "en"))
            receipts.append(FeedbackReceipt(enrolment_id=pk))
        if module_id != tested or (post is not None and post >= PASS_MARK):
            certificates.append((beneficiary_id, Certificate(
                code=new_code(), enrolment_id=pk, staff_member_id=staff_id,
                beneficiary_id=beneficiary_id, module_id=module_id, session_id=session_id,
                completed_on=ends_on, valid_until=ends_on + relativedelta(months=validity),
                language=language or "en", score=post, status_index=0,
            )))  # fmt: skip
    TestResult.objects.bulk_create(results, batch_size=BATCH)
    rng.shuffle(feedback)  # stored in no order that follows the receipts
    FeedbackAnswer.objects.bulk_create(feedback, batch_size=BATCH)
    FeedbackReceipt.objects.bulk_create(receipts, batch_size=BATCH)
    by_administration: dict[int, list[Certificate]] = defaultdict(list)
    for beneficiary_id, certificate in certificates:
        by_administration[beneficiary_id].append(certificate)
    for issued in by_administration.values():
        for certificate, index in zip(issued, free_indexes(set(), len(issued), rng), strict=True):
            certificate.status_index = index
    Certificate.objects.bulk_create([c for _b, c in certificates], batch_size=BATCH)
    for beneficiary in Beneficiary.objects.filter(pk__in=by_administration):
        ensure_issuer_key(beneficiary=beneficiary)
    return len(certificates)


def _feedback(rng: random.Random, session_id: int, language: str) -> FeedbackAnswer:
    def rating() -> int:
        return rng.choices([1, 2, 3, 4, 5], weights=[1, 2, 6, 14, 10])[0]

    return FeedbackAnswer(
        session_id=session_id, language=language, relevance=rating(), trainer=rating(),
        materials=rating(), confidence=rating(),
    )  # fmt: skip


def wipe_evaluation(demo: QuerySet[Beneficiary]) -> None:
    """Remove the demo's scores, feedback, follow-ups, certificates and keys; and the common
    test the demo made (only the demo makes tests of an empty database's modules)."""
    sessions = TrainingSession.objects.filter(beneficiary__in=demo)
    Certificate.objects.filter(beneficiary__in=demo).delete()
    IssuerKey.objects.filter(beneficiary__in=demo).delete()
    TestResult.objects.filter(enrolment__session__in=sessions).delete()
    FeedbackReceipt.objects.filter(enrolment__session__in=sessions).delete()
    FeedbackAnswer.objects.filter(session__in=sessions).delete()
    FollowUpAnswer.objects.filter(session__in=sessions).delete()
    FollowUpInvitation.objects.filter(session__in=sessions).delete()
    ModuleTest.objects.filter(beneficiary__isnull=True).delete()
