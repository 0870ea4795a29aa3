import datetime

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from matrica.accounts.models import User
from matrica.compliance.selectors import person_statuses
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
