import datetime
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from matrica.accounts.models import User
from matrica.compliance.selectors import person_statuses
from matrica.delivery.models import Attendance, Enrolment, SessionDay, TrainingSession
from matrica.delivery.selectors import in_pool
from matrica.staff.models import StaffMember
from matrica.tenancy.models import Beneficiary
from matrica.testing.factories import BeneficiaryFactory
from matrica.training.models import Completion

pytestmark = pytest.mark.django_db(transaction=True)
TODAY = datetime.date(2026, 6, 30)


def build() -> None:
    call_command(
        "demo", "--scale", "small", "--seed", "7", "--today", TODAY.isoformat(), verbosity=0
    )


def test_small_demo_builds_seven_administrations_with_history_and_logins():
    build()
    assert list(Beneficiary.objects.values_list("code", flat=True)) == [
        "AL", "BA", "ME", "MK", "RS", "TR", "XK",
    ]  # fmt: skip
    per_administration = dict(
        StaffMember.objects.values_list("beneficiary__code").annotate(n=Count("pk"))
    )
    assert sum(per_administration.values()) == 3000
    assert min(per_administration.values()) >= 300
    oldest = Completion.objects.order_by("completed_on").first()
    assert oldest is not None
    assert oldest.completed_on >= datetime.date(2021, 6, 30)
    assert Completion.objects.filter(valid_until__lt=TODAY).exists()  # lapsed refreshers
    expected = {"coordinator"} | {
        f"{role}-{code}"
        for role in ("admin", "training", "manager", "trainer", "staff")
        for code in ("al", "ba", "me", "mk", "rs", "xk", "tr")
    }
    assert set(User.objects.values_list("username", flat=True)) == expected
    staff_user = User.objects.get(username="staff-rs")
    assert staff_user.check_password("demo")
    assert staff_user.staff_member is not None
    assert (
        staff_user.staff_member.institution == User.objects.get(username="manager-rs").institution
    )
    assert User.objects.get(username="trainer-tr").staff_member.roles.filter(category__code="TRN")


def test_personal_log_ins_open_an_active_person_with_a_telling_record():
    """staff-xx and trainer-xx open someone in post whose record shows each kind of standing:
    requirements current, one expiring, one overdue (as the compliance engine answers)."""
    build()
    users = User.objects.filter(role__in=["staff", "trainer"]).select_related("staff_member")
    assert users.count() == 14
    for user in users:
        member = user.staff_member
        assert member is not None
        assert member.active, user.username
        statuses = [row["status"] for row in person_statuses(member, TODAY)]
        assert statuses.count("current") >= 10, (user.username, statuses)
        assert "expiring" in statuses, user.username
        assert "overdue" in statuses, user.username
        assert set(statuses) <= {"current", "expiring", "overdue"}, user.username
    trainer = User.objects.get(username="trainer-rs").staff_member
    assert trainer is not None
    assert list(trainer.roles.values_list("category__code", flat=True)) == ["TRN"]


def test_names_are_in_each_languages_script():
    build()
    serbian = StaffMember.objects.filter(beneficiary__code="RS").values_list(
        "family_name", flat=True
    )
    assert any("ћ" in name for name in serbian)
    assert any("ć" in name for name in serbian)
    turkish = StaffMember.objects.filter(beneficiary__code="TR").values_list(
        "given_name", "family_name"
    )
    assert any(set("ışğİ") & set(given + family) for given, family in turkish)


def test_rebuilding_gives_the_same_region_for_the_same_seed():
    build()
    first = list(
        StaffMember.objects.order_by("employee_number").values_list(
            "employee_number", "family_name"
        )
    )
    completions = Completion.objects.count()
    build()
    assert (
        list(
            StaffMember.objects.order_by("employee_number").values_list(
                "employee_number", "family_name"
            )
        )
        == first
    )
    assert Completion.objects.count() == completions


def test_demo_refuses_a_database_with_real_data():
    BeneficiaryFactory(code="RS", name="Serbia", is_demo=False)
    with pytest.raises(CommandError, match="not demo data"):
        build()
    assert StaffMember.objects.count() == 0


def test_closed_sessions_explain_the_evidence_they_created():
    """Every closed demo session's attended people point at completions of its module dated on
    its last day, with attendance recorded on every day; every day has its register."""
    build()
    closed = TrainingSession.objects.filter(state=TrainingSession.State.CLOSED)
    assert closed.count() > 100
    attended = Enrolment.objects.filter(session__in=closed).select_related("session")
    assert attended.exclude(state=Enrolment.State.ATTENDED).count() == 0
    completions = {
        pk: (staff_id, module_id, on)
        for pk, staff_id, module_id, on in Completion.objects.values_list(
            "pk", "staff_member_id", "module_id", "completed_on"
        )
    }
    days = Counter(SessionDay.objects.filter(session__in=closed).values_list("session_id"))
    present = Counter(
        Attendance.objects.filter(day__session__in=closed, present=True).values_list("enrolment_id")
    )
    for enrolment in attended:
        session = enrolment.session
        assert enrolment.completion_ids, enrolment.pk
        for pk in enrolment.completion_ids:
            assert completions[pk] == (
                enrolment.staff_member_id, session.module_id, session.ends_on
            ), enrolment.pk  # fmt: skip
        assert present[(enrolment.pk,)] == days[(session.pk,)] >= 1
    # Every completion from a session is explained by one (small scale: the whole history).
    explained = {pk for ids in attended.values_list("completion_ids", flat=True) for pk in ids}
    from_sessions = Completion.objects.filter(
        source=Completion.Source.SESSION, module__isnull=False
    ).values_list("pk", flat=True)
    assert set(from_sessions) == explained
    # Places for everyone; at most three days, ending on the day of the evidence.
    for session in closed.annotate(people=Count("enrolments")):
        assert session.capacity >= session.people
        assert (session.ends_on - session.starts_on).days <= 4
        assert session.venue


def test_some_sessions_are_joint_and_joint_ones_mix_both_services():
    build()
    joint = TrainingSession.objects.filter(is_joint=True)
    assert joint.filter(state=TrainingSession.State.CLOSED, module__code__in=["RI", "MA"]).exists()
    for session in joint.filter(state=TrainingSession.State.CLOSED):
        kinds = set(
            session.enrolments.filter(state__in=Enrolment.PARTICIPATING).values_list(
                "staff_member__institution__service__kind", flat=True
            )
        )
        assert kinds == {"prison", "probation"}, session.pk


def test_upcoming_sessions_per_administration():
    build()
    soon = TrainingSession.objects.filter(
        starts_on__gt=TODAY, starts_on__lte=TODAY + datetime.timedelta(weeks=8)
    )
    for beneficiary in Beneficiary.objects.all():
        mine = soon.filter(beneficiary=beneficiary)
        states = Counter(mine.values_list("state", flat=True))
        assert states["open"] >= 2, beneficiary.code
        assert states["planned"] >= 1, beneficiary.code
        assert states["cancelled"] == 1, beneficiary.code
        enrolled = Enrolment.objects.filter(session__in=mine.filter(state="open"))
        assert {"nominated", "confirmed", "waitlisted"} <= set(
            enrolled.values_list("state", flat=True)
        ), beneficiary.code
    assert not soon.exclude(state__in=["open", "planned", "cancelled"]).exists()


def test_trainers_are_in_the_pool_or_authorised_and_the_trainer_log_in_delivers():
    build()
    for session in TrainingSession.objects.exclude(state="cancelled").prefetch_related("trainers"):
        ids = {t.pk for t in session.trainers.all()}
        assert ids, session.pk
        assert in_pool(session.module, session.starts_on, ids) == ids, session.pk
        participants = set(session.enrolments.values_list("staff_member_id", flat=True))
        assert not ids & participants, session.pk
    for user in User.objects.filter(role="trainer"):
        delivered = TrainingSession.objects.visible_to(user).filter(
            trainers=user.staff_member, starts_on__gt=TODAY
        )
        assert delivered.filter(state="open").count() >= 2, user.username
    staff = User.objects.get(username="staff-rs")
    assert Enrolment.objects.filter(
        staff_member=staff.staff_member, state="confirmed", session__starts_on__gt=TODAY
    ).exists()


def test_recent_sessions_have_scores_feedback_and_certificates_and_one_awaits_its_post_test():
    from matrica.credentials.models import Certificate
    from matrica.evaluation.models import FeedbackAnswer, ModuleTest, TestResult

    build()
    test = ModuleTest.objects.get(module__code="BA", beneficiary__isnull=True)
    assert set(test.questions.values_list("language", flat=True)) == {"en", "sr"}
    closed_ba = Enrolment.objects.filter(
        session__module__code="BA", session__state="closed", state="attended",
        session__ends_on__gte=TODAY - datetime.timedelta(days=365),
    )  # fmt: skip
    posts = TestResult.objects.filter(enrolment__in=closed_ba, phase="post")
    assert posts.count() == closed_ba.count()
    # Certificates of basic awareness went to those who reached the pass mark, and only them.
    certified = Certificate.objects.filter(enrolment__in=closed_ba)
    assert set(certified.values_list("enrolment_id", flat=True)) == set(
        posts.filter(score__gte=test.pass_mark).values_list("enrolment_id", flat=True)
    )
    assert 0 < certified.count() < closed_ba.count()
    assert FeedbackAnswer.objects.exists()
    for beneficiary in Beneficiary.objects.all():
        login = User.objects.get(username=f"staff-{beneficiary.code.lower()}")
        held = Enrolment.objects.get(
            staff_member=login.staff_member, session__state="held", state="confirmed"
        )
        assert held.session.ends_on < TODAY
        assert not TestResult.objects.filter(enrolment=held, phase="post").exists()
        assert Attendance.objects.filter(enrolment=held, present=True).exists()
