"""The demo region's evaluation of training: a common knowledge test of basic awareness (in
English and Serbian), pre- and post-test scores and anonymous feedback for the sessions closed
in the last two years, and the certificates those sessions gave. Written in bulk, like the rest
of the demo; the numbers are drawn so that the reports have something to say (most people gain,
a few fail the post-test, a few do not answer the feedback)."""

from __future__ import annotations

import datetime
import random
import uuid
from collections import defaultdict
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import connection
from django.db.models import QuerySet

from matrica.credentials.actions import free_indexes
from matrica.credentials.key_actions import ensure_issuer_key
from matrica.credentials.models import Certificate, IssuerKey, new_code
from matrica.delivery.models import Enrolment, TrainingSession
from matrica.demo.bulk import insert_rows, json_text
from matrica.demo.dates import months_after
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


FEEDBACK_FIELDS = (
    "id", "session", "language", "relevance", "trainer", "materials", "confidence", "comment",
)  # fmt: skip
CERTIFICATE_FIELDS = (
    "code", "enrolment", "staff_member", "beneficiary", "module", "session", "completed_on",
    "valid_until", "language", "score", "revoked_reason", "status_index",
)  # fmt: skip


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
    results: list[tuple[int, str, Decimal, str, str]] = []
    feedback: list[tuple[object, ...]] = []
    receipts: list[tuple[int]] = []
    certificates: list[tuple[object, ...]] = []  # without their status list index
    by_administration: dict[int, list[int]] = defaultdict(list)  # positions in `certificates`
    no_answers = json_text([])
    for (pk, session_id, state, module_id, ends_on, beneficiary_id, staff_id, language,
         validity) in enrolments:  # fmt: skip
        closed = state == TrainingSession.State.CLOSED
        post: Decimal | None = None
        if module_id == tested:
            pre = _score(rng, 50)
            results.append((pk, "pre", pre, "paper", no_answers))
            if closed:
                post = _score(rng, float(pre) + 30)
                results.append((pk, "post", post, "paper", no_answers))
        if not closed:
            continue
        if rng.random() < FEEDBACK_SHARE:
            feedback.append(_feedback(rng, session_id, language or "en"))
            receipts.append((pk,))
        if module_id != tested or (post is not None and post >= PASS_MARK):
            by_administration[beneficiary_id].append(len(certificates))
            certificates.append((
                new_code(), pk, staff_id, beneficiary_id, module_id, session_id, ends_on,
                months_after(ends_on, validity), language or "en", post, "",
            ))  # fmt: skip
    insert_rows(TestResult, ("enrolment", "phase", "score", "method", "answers"), results)
    rng.shuffle(feedback)  # stored in no order that follows the receipts
    insert_rows(FeedbackAnswer, FEEDBACK_FIELDS, feedback)
    insert_rows(FeedbackReceipt, ("enrolment",), receipts)
    status_indexes = [0] * len(certificates)
    for positions in by_administration.values():
        drawn = free_indexes(set(), len(positions), rng)
        for position, index in zip(positions, drawn, strict=True):
            status_indexes[position] = index
    insert_rows(
        Certificate, CERTIFICATE_FIELDS,
        [(*values, index) for values, index in zip(certificates, status_indexes, strict=True)],
    )  # fmt: skip
    for beneficiary in Beneficiary.objects.filter(pk__in=by_administration):
        ensure_issuer_key(beneficiary=beneficiary)
    return len(certificates)


def _feedback(rng: random.Random, session_id: int, language: str) -> tuple[object, ...]:
    def rating() -> int:
        return rng.choices([1, 2, 3, 4, 5], weights=[1, 2, 6, 14, 10])[0]

    # The model's own default key (a random uuid4), in the form the database stores.
    key = FeedbackAnswer._meta.pk.get_db_prep_value(uuid.uuid4(), connection)
    return (key, session_id, language, rating(), rating(), rating(), rating(), "")


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
