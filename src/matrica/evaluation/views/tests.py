"""Knowledge tests: a session's evaluation page (each participant's scores and gain, the paper
scores form, the participant's own tests and feedback), taking a test on a phone, and a
module's question bank (and its CSV or XLSX).

Thin like every page here: fetch through the user's scope (404 out of it), ask the permission
the action asks (403 for a role without it), parse, call the action and show its refusal."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from matrica import disclosure, exports
from matrica.delivery.models import Enrolment, TrainingSession
from matrica.evaluation import actions, selectors
from matrica.evaluation import exports as tables
from matrica.evaluation.forms import PassMarkForm, QuestionForm, ScoresForm, TakeTestForm
from matrica.evaluation.models import FeedbackAnswer, ModuleTest, Question, TestResult
from matrica.framework.models import Module
from matrica.http import AuthenticatedHttpRequest
from matrica.staff.views import posted, submitted
from matrica.tenancy.permissions import Verb, may, require
from matrica.tenancy.roles import Role

Phase = TestResult.Phase


def _session(request: AuthenticatedHttpRequest, pk: int) -> TrainingSession:
    return get_object_or_404(
        TrainingSession.objects.visible_to(request.user).select_related("module", "beneficiary"),
        pk=pk,
    )


def own_enrolment(request: AuthenticatedHttpRequest, session: TrainingSession) -> Enrolment | None:
    """The signed-in person's own place in the session, if they take part in it."""
    if not request.user.staff_member_id:
        return None
    return (
        Enrolment.objects.filter(
            session=session,
            staff_member_id=request.user.staff_member_id,
            state__in=selectors.TAKING_PART,
        )
        .select_related("session")
        .first()
    )


def keeps_register(user: Any, session: TrainingSession) -> bool:
    """Planners of the administration, and the session's own trainers."""
    if not may(user, Verb.RECORD_ATTENDANCE, beneficiary_id=session.beneficiary_id):
        return False
    if user.role == Role.TRAINER:
        return session.trainers.filter(pk=user.staff_member_id or 0).exists()
    return True


@login_required
def session_evaluation(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    test = selectors.test_for(session)
    mine = own_enrolment(request, session)
    taken = set(mine.test_results.values_list("phase", flat=True)) if mine else set()
    register = keeps_register(request.user, session)
    visible = Enrolment.objects.visible_to(request.user)
    results = selectors.session_results(session, visible)
    sees_feedback = register or may(
        request.user, Verb.PLAN_TRAINING, beneficiary_id=session.beneficiary_id
    )
    feedback = selectors.feedback_summary(session) if sees_feedback else None
    context = {
        "session": session,
        "test": test,
        "results": results,
        "shows_results": bool(results.rows) and (mine is None or len(results.rows) > 1),
        "feedback": feedback,
        "feedback_means": [
            (FeedbackAnswer._meta.get_field(name).verbose_name, mean)  # type: ignore[union-attr]
            for name, mean in (feedback.means.items() if feedback else [])
        ],
        "threshold": disclosure.threshold(),
        "own": next((r for r in results.rows if mine and r.enrolment.pk == mine.pk), None),
        "mine": mine,
        "tests_open": {
            phase: actions.test_open(mine, phase, taken) is None for phase in Phase.values
        }
        if mine and test
        else {},
        "feedback_open": mine is not None and actions.feedback_open(mine) is None,
        "score_forms": [
            ScoresForm(
                participants=[r.enrolment for r in results.rows],
                prefix=phase,
            )
            for phase in Phase.values
        ]
        if register
        and test
        and session.state in (TrainingSession.State.OPEN, TrainingSession.State.HELD)
        else [],
        "phases": dict(Phase.choices),
        "back": reverse("delivery:session", args=[session.pk]),
    }
    return render(request, "evaluation/session.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def take_test(request: AuthenticatedHttpRequest, pk: int, phase: str) -> HttpResponse:
    session = _session(request, pk)
    if phase not in Phase.values:
        raise Http404
    mine = own_enrolment(request, session)
    test = selectors.test_for(session)
    if mine is None or test is None:
        raise Http404
    reason = actions.test_open(mine, phase, mine.test_results.values_list("phase", flat=True))
    questions = actions.questions_for(test, translation.get_language() or "en")
    form = TakeTestForm(posted(request), questions=questions)

    def act(_data: dict[str, Any]) -> None:
        result = actions.take_test(
            actor=request.user, enrolment=mine, phase=phase, picked=form.picked()
        )
        messages.success(request, _("Your score: %(score)s%%.") % {"score": result.score})

    if reason is None and submitted(request, form, act):
        return redirect("evaluation:session", pk=session.pk)
    context = {
        "session": session, "form": form, "phase": Phase(phase).label, "reason": reason,
        "questions": questions, "back": reverse("evaluation:session", args=[session.pk]),
    }  # fmt: skip
    return render(request, "evaluation/take_test.html", context)


@login_required
@require_POST
def record_scores(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    require(request.user, Verb.RECORD_ATTENDANCE, beneficiary_id=session.beneficiary_id)
    phase = request.POST.get("phase", "")
    if phase not in Phase.values:
        raise Http404
    results = selectors.session_results(session, Enrolment.objects.visible_to(request.user))
    form = ScoresForm(request.POST, participants=[r.enrolment for r in results.rows], prefix=phase)

    def act(_data: dict[str, Any]) -> None:
        changed = actions.record_scores(
            actor=request.user, session=session, phase=phase, scores=form.scores()
        )
        messages.success(request, _("%(count)d scores recorded.") % {"count": changed})

    if submitted(request, form, act):
        return redirect("evaluation:session", pk=session.pk)
    context = {"session": session, "form": form, "phase": Phase(phase).label,
               "back": reverse("evaluation:session", args=[session.pk])}  # fmt: skip
    return render(request, "evaluation/scores.html", context, status=400)


# The question bank ----------------------------------------------------------------------------


def bank_owner(user: Any) -> int | None:
    """Whose test a user edits: their administration's, or (the coordinator) the common one."""
    return None if user.role == Role.COORDINATOR or user.is_superuser else user.beneficiary_id


def _may_edit_bank(user: Any) -> bool:
    owner = bank_owner(user)
    verb = Verb.PUBLISH_FRAMEWORK if owner is None else Verb.PLAN_TRAINING
    return may(user, verb, beneficiary_id=owner)


@login_required
def test_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not _may_edit_bank(request.user):
        require(request.user, Verb.PLAN_TRAINING)  # 403
    owner = bank_owner(request.user)
    modules = Module.objects.visible_to(request.user).order_by("code")
    if owner is None:  # the coordinator keeps the common tests of the common modules
        modules = modules.filter(beneficiary__isnull=True)
    tests = ModuleTest.objects.visible_to(request.user).filter(module__in=modules)
    counts: dict[int, dict[str, Any]] = {}
    for test in tests.prefetch_related("questions"):
        entry = counts.setdefault(test.module_id, {"common": None, "own": None})
        key = "common" if test.beneficiary_id is None else "own"
        if key == "own" and test.beneficiary_id != owner:
            continue
        entry[key] = {
            "pass_mark": test.pass_mark,
            "languages": sorted({q.language for q in test.questions.all()}),
            "questions": len(test.questions.all()),
        }
    rows = [(module, counts.get(module.pk, {})) for module in modules]
    return render(request, "evaluation/test_list.html", {"rows": rows})


def _bank(
    request: AuthenticatedHttpRequest, code: str
) -> tuple[Module, int | None, ModuleTest | None]:
    """The module, whose test the user edits (`bank_owner`) and that test if it exists yet:
    404 for a module out of reach, 403 for a user who may not edit tests."""
    module = get_object_or_404(Module.objects.visible_to(request.user), code=code)
    owner = bank_owner(request.user)
    verb = Verb.PUBLISH_FRAMEWORK if owner is None else Verb.PLAN_TRAINING
    require(request.user, verb, beneficiary_id=owner)
    if owner is None and module.beneficiary_id is not None:
        raise Http404  # an administration's own module has no common test
    lookup = {"beneficiary_id": owner} if owner else {"beneficiary__isnull": True}
    test = ModuleTest.objects.filter(module=module, **lookup).select_related("beneficiary").first()
    return module, owner, test


@login_required
@require_http_methods(["GET", "POST"])
def test_bank(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    module, owner, test = _bank(request, code)
    common = (
        None
        if owner is None
        else ModuleTest.objects.filter(module=module, beneficiary__isnull=True).first()
    )
    pass_form = PassMarkForm(
        posted(request) if request.POST.get("form") == "pass_mark" else None,
        initial={"pass_mark": test.pass_mark if test else 70},
    )
    question_form = QuestionForm(
        posted(request) if request.POST.get("form") == "question" else None,
        initial={"language": translation.get_language()},
    )
    if submitted(request, pass_form, lambda data: actions.save_test(
        actor=request.user, module=module, beneficiary_id=owner, pass_mark=data["pass_mark"]
    )):  # fmt: skip
        messages.success(request, _("The pass mark is saved."))
        return redirect("evaluation:test_bank", code=module.code)

    def add(data: dict[str, Any]) -> None:
        bank = test or actions.save_test(
            actor=request.user, module=module, beneficiary_id=owner, pass_mark=70
        )
        actions.add_question(
            actor=request.user, test=bank, language=data["language"], kind=data["kind"],
            text=data["text"], choices=question_form.answers(),
        )  # fmt: skip

    if submitted(request, question_form, add):
        messages.success(request, _("The question is added."))
        return redirect("evaluation:test_bank", code=module.code)
    questions = (
        list(test.questions.prefetch_related("choices").order_by("language", "position", "pk"))
        if test
        else []
    )
    context = {
        "module": module, "test": test, "common": common, "questions": questions,
        "pass_form": pass_form, "question_form": question_form,
    }  # fmt: skip
    return render(request, "evaluation/test_bank.html", context)


@require_GET
@login_required
def test_bank_export(
    request: AuthenticatedHttpRequest, code: str, file_format: str
) -> HttpResponse:
    """The test the question bank page edits, every question and answer, for those who may
    edit it (as the page); no names, so not audited."""
    if file_format not in exports.FORMATS:
        raise Http404
    module, _owner, test = _bank(request, code)
    return exports.download(
        tables.test_table(module, test), file_format, ["test", module.code, timezone.localdate()]
    )


@login_required
@require_POST
def remove_question(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    question = get_object_or_404(
        Question.objects.visible_to(request.user).select_related("test__module"), pk=pk
    )
    if question.test.beneficiary_id != bank_owner(request.user):
        raise Http404
    actions.remove_question(actor=request.user, question=question)
    messages.success(request, _("The question is removed."))
    return redirect("evaluation:test_bank", code=question.test.module.code)


urlpatterns: list[URLPattern] = [
    path("sessions/<int:pk>/", session_evaluation, name="session"),
    path("sessions/<int:pk>/test/<str:phase>/", take_test, name="take_test"),
    path("sessions/<int:pk>/scores/", record_scores, name="record_scores"),
    path("tests/", test_list, name="tests"),
    path("tests/<str:code>/", test_bank, name="test_bank"),
    path("tests/<str:code>/export.<str:file_format>", test_bank_export, name="test_bank_export"),
    path("questions/<int:pk>/remove/", remove_question, name="remove_question"),
]
