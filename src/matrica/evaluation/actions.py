"""Evaluating training: a module's knowledge test and its question bank, the pre-test and
post-test taken online by a participant or entered from paper by the trainer, and a
participant's anonymous feedback. Each action checks the actor's permission, validates, writes
and audits in one transaction. Feedback is written without any audit row that could name its
author: the receipt (who answered) is audited, the answer is not.

When tests are open: the pre-test from the moment a participant has a place until the session
closes, as long as they have not taken the post-test; the post-test from the session's first
day until it closes. Feedback: once the session is held or closed, once per participant.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from matrica.audit.models import AuditEvent
from matrica.audit.services import record, record_many, save_audited, snapshot, write
from matrica.delivery.actions import require_register
from matrica.delivery.models import Enrolment, TrainingSession
from matrica.evaluation.models import (
    FEEDBACK_QUESTIONS,
    FOLLOW_UP_QUESTIONS,
    Choice,
    FeedbackAnswer,
    FeedbackReceipt,
    FollowUpAnswer,
    FollowUpInvitation,
    ModuleTest,
    Question,
    TestResult,
)
from matrica.evaluation.selectors import TAKING_PART, test_for
from matrica.framework.models import Module
from matrica.tenancy.permissions import Verb, require
from matrica.tenancy.roles import Role
from matrica.text import clean_text

if TYPE_CHECKING:
    from matrica.tenancy.scoping import Actor

State = TrainingSession.State
Phase = TestResult.Phase


# The question bank ----------------------------------------------------------------------------


def _require_bank(actor: Actor, beneficiary_id: int | None) -> None:
    """A common test is the coordinator's, with the common matrix; an administration's own is
    its planners'."""
    if beneficiary_id is None:
        require(actor, Verb.PUBLISH_FRAMEWORK)
    else:
        require(actor, Verb.PLAN_TRAINING, beneficiary_id=beneficiary_id)


@transaction.atomic
def save_test(
    *, actor: Actor, module: Module, beneficiary_id: int | None, pass_mark: int
) -> ModuleTest:
    """Create a module's test for its owner (an administration, or the region when None), or
    change its pass mark."""
    _require_bank(actor, beneficiary_id)
    owner = {"beneficiary_id": beneficiary_id} if beneficiary_id else {"beneficiary__isnull": True}
    test = ModuleTest.objects.filter(module=module, **owner).first()
    test = test or ModuleTest(module=module, beneficiary_id=beneficiary_id)
    test.pass_mark = pass_mark
    write(actor=actor, obj=test)
    return test


@dataclass(frozen=True)
class Answer:
    text: str
    correct: bool


def _check_choices(kind: str, choices: list[Answer]) -> None:
    if len(choices) < 2:
        raise ValidationError({"choices": _("A question needs at least two answers.")})
    right = sum(choice.correct for choice in choices)
    if kind == Question.Kind.SINGLE and right != 1:
        raise ValidationError(
            {"choices": _("A single-choice question has exactly one correct answer.")}
        )
    if kind == Question.Kind.MULTIPLE and right < 1:
        raise ValidationError(
            {"choices": _("A multiple-choice question has at least one correct answer.")}
        )


@transaction.atomic
def add_question(
    *,
    actor: Actor,
    test: ModuleTest,
    language: str,
    kind: str,
    text: str,
    choices: Iterable[Answer],
) -> Question:
    """A question in one language, with its answers (empty answers are left out)."""
    _require_bank(actor, test.beneficiary_id)
    answers = [Answer(clean_text(a.text), a.correct) for a in choices if clean_text(a.text)]
    _check_choices(kind, answers)
    position = test.questions.filter(language=language).count()
    question = Question(
        test=test, language=language, kind=kind, text=clean_text(text), position=position
    )
    write(actor=actor, obj=question)
    for index, answer in enumerate(answers):
        choice = Choice(question=question, text=answer.text, correct=answer.correct, position=index)
        choice.full_clean()
        save_audited(actor=actor, obj=choice)
    return question


@transaction.atomic
def remove_question(*, actor: Actor, question: Question) -> None:
    """Take a question out of the bank. Scores already given stand (they are kept as numbers)."""
    _require_bank(actor, question.test.beneficiary_id)
    record(
        actor=actor,
        action=AuditEvent.Action.DELETE,
        obj=question,
        before={
            **snapshot(question),
            "choices": [snapshot(choice) for choice in question.choices.all()],
        },
    )
    question.delete()


# Taking a test --------------------------------------------------------------------------------


def _own_enrolment(actor: Actor, enrolment: Enrolment) -> None:
    """Only the participant takes their test and gives their feedback; anyone else: 404."""
    if not actor.staff_member_id or actor.staff_member_id != enrolment.staff_member_id:
        raise Http404
    if enrolment.state not in TAKING_PART:
        raise ValidationError(_("Only participants with a place in the session can do this."))


def test_open(enrolment: Enrolment, phase: str, taken: Iterable[str]) -> str | None:
    """Why `phase` cannot be taken now by `enrolment` (None: it can). `taken`: the phases it
    already has a result for."""
    session = enrolment.session
    taken = set(taken)
    if session.state not in (State.PLANNED, State.OPEN, State.HELD):
        return _("The tests close when the session closes.")
    if phase in taken:
        return _("You have already taken this test.")
    if phase == Phase.PRE and Phase.POST in taken:
        return _("The pre-test comes before the post-test.")
    if phase == Phase.POST and timezone.localdate() < session.starts_on:
        return _("The post-test opens on the session's first day.")
    return None


def questions_for(test: ModuleTest, language: str) -> list[Question]:
    """The bank in `language`, else in English, else in the first language it has."""
    bank = list(test.questions.prefetch_related("choices"))
    languages = [q.language for q in bank]
    for wanted in (language, "en", *languages):
        chosen = [q for q in bank if q.language == wanted]
        if chosen:
            return chosen
    return []


def score(questions: list[Question], picked: Mapping[int, set[int]]) -> Decimal:
    """The share of questions answered exactly right, in percent with two decimals: a point for
    a question when the choices picked are exactly its correct ones."""
    if not questions:
        return Decimal(0)
    right = sum(
        picked.get(question.pk, set()) == {c.pk for c in question.choices.all() if c.correct}
        for question in questions
    )
    return (Decimal(100) * right / len(questions)).quantize(Decimal("0.01"), ROUND_HALF_UP)


@transaction.atomic
def take_test(
    *, actor: Actor, enrolment: Enrolment, phase: str, picked: Mapping[int, set[int]]
) -> TestResult:
    """A participant's own attempt at the pre-test or the post-test, scored at once."""
    _own_enrolment(actor, enrolment)
    session = enrolment.session
    test = _test_of(session)
    reason = test_open(enrolment, phase, enrolment.test_results.values_list("phase", flat=True))
    if reason:
        raise ValidationError(reason)
    questions = questions_for(test, translation.get_language() or "en")
    if not questions:
        raise ValidationError(_("This test has no questions yet."))
    offered = {q.pk: {c.pk for c in q.choices.all()} for q in questions}
    if any(qid not in offered or not chosen <= offered[qid] for qid, chosen in picked.items()):
        raise ValidationError(_("Answer the questions of this test only."))
    result = TestResult(
        enrolment=enrolment,
        phase=phase,
        score=score(questions, picked),
        method=TestResult.Method.ONLINE,
        answers=sorted(pk for chosen in picked.values() for pk in chosen),
    )
    write(actor=actor, obj=result)
    return result


def _test_of(session: TrainingSession) -> ModuleTest:
    test = test_for(session)
    if test is None:
        raise ValidationError(_("This module has no knowledge test."))
    return test


@transaction.atomic
def record_scores(
    *,
    actor: Actor,
    session: TrainingSession,
    phase: str,
    scores: Mapping[int, Decimal | None],
) -> int:
    """Scores of a paper test, entered by the trainer or a planner: enrolment id → score in
    percent (None or absent: left as it is). Returns how many results changed."""
    require_register(actor, session)
    if session.state not in (State.OPEN, State.HELD):
        raise ValidationError(_("Scores are entered while a session is open or held."))
    _test_of(session)
    enrolments = {e.pk: e for e in session.enrolments.filter(pk__in=scores, state__in=TAKING_PART)}
    if set(scores) - set(enrolments):
        raise ValidationError(_("Scores are entered for the session's participants only."))
    stored = {
        r.enrolment_id: r for r in TestResult.objects.filter(enrolment__in=enrolments, phase=phase)
    }
    changed = 0
    for enrolment_id, value in scores.items():
        if value is None:
            continue
        result = stored.get(enrolment_id) or TestResult(
            enrolment=enrolments[enrolment_id], phase=phase
        )
        if result.pk is not None and result.score == value:
            continue
        result.score, result.method, result.answers = value, TestResult.Method.PAPER, []
        result.full_clean()
        save_audited(actor=actor, obj=result)
        changed += 1
    return changed


# Feedback -------------------------------------------------------------------------------------


def feedback_open(enrolment: Enrolment) -> str | None:
    """Why this participant cannot give feedback now (None: they can)."""
    if enrolment.session.state not in (State.HELD, State.CLOSED):
        return _("Feedback opens when the session has been held.")
    if FeedbackReceipt.objects.filter(enrolment=enrolment).exists():
        return _("You have already given your feedback. Thank you.")
    return None


@transaction.atomic
def give_feedback(
    *, actor: Actor, enrolment: Enrolment, ratings: Mapping[str, int], comment: str = ""
) -> None:
    """A participant's anonymous feedback: the answer carries the session and the language
    only; the receipt that they answered is kept (and audited) apart from it."""
    _own_enrolment(actor, enrolment)
    reason = feedback_open(enrolment)
    if reason:
        raise ValidationError(reason)
    answer = FeedbackAnswer(
        session=enrolment.session,
        language=translation.get_language() or "en",
        comment=clean_text(comment),
        **{name: ratings.get(name) for name in FEEDBACK_QUESTIONS},
    )
    answer.full_clean()
    answer.save()  # not audited: an audit row would name its author and its time
    receipt = FeedbackReceipt(enrolment=enrolment)
    receipt.full_clean()
    save_audited(actor=actor, obj=receipt)


# Follow-up ------------------------------------------------------------------------------------

Respondent = FollowUpInvitation.Respondent


def follow_up_window(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Sessions whose last day falls in this window are followed up today: MATRICA_FOLLOW_UP_DAYS
    after the session, and up to MATRICA_FOLLOW_UP_GRACE_DAYS later for days the command did
    not run (older sessions are not followed up after the fact)."""
    due = today - datetime.timedelta(days=settings.MATRICA_FOLLOW_UP_DAYS)
    return due - datetime.timedelta(days=settings.MATRICA_FOLLOW_UP_GRACE_DAYS), due


@transaction.atomic
def invite_to_follow_up(*, today: datetime.date) -> list[FollowUpInvitation]:
    """Ask each participant who attended a session that ended MATRICA_FOLLOW_UP_DAYS ago, and
    their institution's managers, how the training is used at work. Run daily by
    `matrica follow-up`; running it again the same day (or later) asks nobody twice."""
    first, last = follow_up_window(today)
    enrolments = (
        Enrolment.objects.filter(
            state=Enrolment.State.ATTENDED,
            session__state=State.CLOSED,
            session__ends_on__range=(first, last),
        )
        .exclude(pk__in=FollowUpInvitation.objects.values("enrolment_id"))
        .select_related("staff_member", "session")
        .order_by("pk")
    )
    invitations = [
        FollowUpInvitation(
            session=enrolment.session,
            respondent=respondent,
            enrolment=enrolment,
            language=enrolment.staff_member.preferred_language or settings.LANGUAGE_CODE,
            sent_on=today,
        )
        for enrolment in enrolments
        for respondent in (Respondent.PARTICIPANT, Respondent.MANAGER)
    ]
    created = FollowUpInvitation.objects.bulk_create(invitations)
    record_many(
        actor=None,
        action=AuditEvent.Action.CREATE,
        changes=[(invitation, None, snapshot(invitation)) for invitation in created],
        message=_("Follow-up of training, %(days)d days after the session.")
        % {"days": settings.MATRICA_FOLLOW_UP_DAYS},
    )
    return created


def _may_answer(actor: Actor, invitation: FollowUpInvitation) -> bool:
    person = invitation.enrolment.staff_member
    if invitation.respondent == Respondent.PARTICIPANT:
        return bool(actor.staff_member_id) and actor.staff_member_id == person.pk
    return (
        getattr(actor, "role", "") == Role.INSTITUTION_MANAGER
        and actor.beneficiary_id == person.beneficiary_id
        and actor.institution_id == person.institution_id
    )


@transaction.atomic
def answer_follow_up(
    *,
    actor: Actor,
    invitation: FollowUpInvitation,
    ratings: Mapping[str, int],
    comment: str = "",
) -> None:
    """The participant's (or their manager's) anonymous answer to a follow-up: as for feedback,
    the answer names nobody; the invitation is marked answered, and that is audited."""
    if not _may_answer(actor, invitation):
        raise Http404
    if invitation.answered:
        raise ValidationError(_("This follow-up has already been answered. Thank you."))
    answer = FollowUpAnswer(
        session_id=invitation.session_id,
        respondent=invitation.respondent,
        comment=clean_text(comment),
        **{name: ratings.get(name) for name in FOLLOW_UP_QUESTIONS},
    )
    answer.full_clean()
    answer.save()  # not audited: an audit row would name its author and its time
    invitation.answered = True
    save_audited(actor=actor, obj=invitation)
