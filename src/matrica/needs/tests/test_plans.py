"""The training plan on the test world: who it seats (from the compliance statuses the real
engine computes), joint sessions of a town, the trainer pool, the expected effect, accepting
(planned sessions, audited, all or nothing), and who may see the pages."""

from __future__ import annotations

import datetime
import re
from collections import defaultdict

import pytest
from django.urls import reverse
from django.utils import timezone

from matrica.audit.models import AuditEvent
from matrica.compliance.models import RequirementStatus
from matrica.compliance.services import refresh_all
from matrica.compliance.status import Status
from matrica.delivery import actions as delivery
from matrica.delivery.models import TrainingSession
from matrica.delivery.tests.conftest import make_pool_trainer
from matrica.framework.models import Conferral, Module
from matrica.needs import plans
from matrica.needs.actions import Adjusted, accept_plan
from matrica.testing.factories import StaffMemberFactory, category
from matrica.testing.world import login_as

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
START = TODAY + datetime.timedelta(days=7)


@pytest.fixture
def serbia(world):
    administration = world["RS"]
    for institution in (administration.prison, administration.probation):
        institution.city = "Niš"
        institution.save()
    return administration


@pytest.fixture
def niš(serbia):
    """Serbia with eight more front-line officers and five probation officers in Niš, a pool
    trainer for every module, and the compliance figures computed."""
    for n in range(8):
        StaffMemberFactory.create(institution=serbia.prison, primary_category=category("FLO"),
                                  employee_number=f"RS-F{n}")  # fmt: skip
    for n in range(5):
        StaffMemberFactory.create(institution=serbia.probation, primary_category=category("PRO"),
                                  employee_number=f"RS-P{n}")  # fmt: skip
    trainer = serbia.users["trainer"].staff_member
    for module in Module.objects.filter(beneficiary__isnull=True):
        make_pool_trainer(trainer, module)
    refresh_all()
    return serbia


def propose(administration, **options):
    user = administration.users["training_manager"]
    request = plans.PlanRequest(beneficiary=administration.beneficiary, start=START, **options)
    return plans.propose(user=user, request=request)


def needing(module: Module, beneficiary_id: int, until: datetime.date) -> dict[int, set[int]]:
    """Plain reading of the statuses: per institution, the people with a requirement the module
    could meet that is missing, expired, overdue or lapses by `until`."""
    conferred = {c.area_id: c.level.rank for c in Conferral.objects.filter(module=module)}
    found: dict[int, set[int]] = defaultdict(set)
    for row in RequirementStatus.objects.filter(beneficiary_id=beneficiary_id):
        lapsing = row.status in (Status.MISSING, Status.EXPIRED, Status.OVERDUE) or (
            row.valid_until is not None and row.valid_until <= until
        )
        if lapsing and conferred.get(row.area_id, 0) >= row.required_rank:
            found[row.institution_id].add(row.staff_member_id)
    return found


def test_every_place_goes_to_someone_the_statuses_say_needs_the_module(niš):
    proposal = propose(niš)

    assert proposal.sessions
    seated: dict[tuple[int, int], int] = defaultdict(int)
    for session in proposal.sessions:
        for institution, _category, count in session.seats:
            seated[(session.module.pk, institution.pk)] += count
    for (module_id, institution_id), count in seated.items():
        module = Module.objects.get(pk=module_id)
        assert count <= len(
            needing(module, niš.beneficiary.pk, proposal.request.end)[institution_id]
        )


def test_a_town_with_both_services_gets_joint_sessions_of_a_joint_module(niš):
    proposal = propose(niš)

    joint_modules = {s.module.code for s in proposal.sessions if s.joint}
    assert joint_modules
    assert joint_modules <= {"RI", "MA"}
    for session in proposal.sessions:
        services = {i.service.kind for i, _c, _n in session.seats}
        assert session.joint == (len(services) == 2)
    front_line = next(s for s in proposal.sessions if s.module.code == "FL" and not s.joint)
    assert re.search(r"\d+ front-line custodial officers at RS prison.* lack FL", front_line.why)
    assert "one session in Niš" in front_line.why


def test_the_pool_trainer_is_proposed_and_never_twice_on_a_day(niš):
    proposal = propose(niš, per_trainer_month=3)

    trainer = niš.users["trainer"].staff_member
    days = [day for s in proposal.scheduled for day in s.days]
    assert all(s.trainer == trainer for s in proposal.scheduled)
    assert len(days) == len(set(days))
    assert proposal.scheduled[0].starts_on >= START


def test_the_same_inputs_give_the_same_proposal(niš):
    assert propose(niš).fingerprint == propose(niš).fingerprint
    assert propose(niš).fingerprint != propose(niš, capacity=3).fingerprint


def test_the_expected_effect_rises_to_everyone_trained_when_every_session_is_scheduled(niš):
    proposal = propose(niš, per_trainer_month=20)

    assert not proposal.unscheduled
    front_line = next(
        e for e in proposal.effects if (e.area.code, e.category.code) == ("RAD", "FLO")
    )
    assert front_line.now == 0
    assert front_line.with_plan == front_line.people


def test_people_already_placed_in_an_upcoming_session_are_not_planned_again(niš):
    human_rights = Module.objects.get(code="HR")
    before = sum(s.capacity for s in propose(niš).sessions if s.module == human_rights)
    manager = niš.users["training_manager"]
    session = delivery.plan_session(
        actor=manager, module=human_rights, beneficiary_id=niš.beneficiary.pk,
        starts_on=START, ends_on=START, starts_at=datetime.time(9), ends_at=datetime.time(17),
        capacity=30, venue="Niš", invites_everyone=True,
        trainers=[niš.users["trainer"].staff_member],
    )  # fmt: skip
    delivery.open_session(actor=manager, session=session)
    delivery.nominate(actor=manager, session=session, staff_members=[niš.people[1]])

    after = sum(s.capacity for s in propose(niš).sessions if s.module == human_rights)
    assert after == before - 1


def test_accepting_plans_the_kept_sessions_audited(niš):
    proposal = propose(niš, module_code="FL")
    manager = niš.users["training_manager"]
    kept = [
        Adjusted(session=s, starts_on=s.starts_on, capacity=s.capacity, host=s.host)
        for s in proposal.scheduled
    ]

    created = accept_plan(actor=manager, proposal=proposal, kept=kept)

    assert len(created) == len(kept) >= 1
    session = created[0]
    assert session.state == TrainingSession.State.PLANNED
    assert session.module.code == "FL"
    assert list(session.trainers.all()) == [niš.users["trainer"].staff_member]
    assert set(session.invited_institutions.all()) == set(kept[0].session.invited)
    assert session.notes == kept[0].session.why
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.CREATE, object_id=str(session.pk)
    ).exists()
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.BULK, beneficiary_id=niš.beneficiary.pk
    ).exists()


# Pages -----------------------------------------------------------------------------------------


def plan_url(code: str, **query) -> str:
    url = reverse("needs:plan", kwargs={"code": code})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("RS:national_admin", 200), ("RS:training_manager", 200),
        ("RS:institution_manager", 403), ("RS:trainer", 403), ("RS:staff", 403),
        ("coordinator", 403), ("ME:national_admin", 404), ("ME:training_manager", 404),
    ],
)  # fmt: skip
def test_who_may_see_the_plan_of_serbia(client, world, niš, who, status):
    login_as(client, world, who)

    response = client.get(plan_url("RS", start=START.isoformat()))

    assert response.status_code == status


def test_an_anonymous_visitor_is_sent_to_log_in(client, niš):
    response = client.get(plan_url("RS"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_page_shows_the_table_the_timeline_and_the_effect(
    client, world, niš, django_assert_max_num_queries
):
    login_as(client, world, "RS:training_manager")

    with django_assert_max_num_queries(40):
        response = client.get(plan_url("RS", start=START.isoformat(), per_trainer_month=20))

    page = response.content.decode()
    assert "<svg" in page
    assert "data-joint" in page
    assert "Expected effect on compliance" in page
    assert "joint prison and probation session" in page


def test_the_page_costs_no_more_queries_with_more_people(
    client, world, niš, django_assert_max_num_queries
):
    login_as(client, world, "RS:training_manager")
    url = plan_url("RS", start=START.isoformat(), per_trainer_month=20)
    client.get(url)
    for n in range(30):
        StaffMemberFactory.create(institution=niš.prison, primary_category=category("FLO"),
                                  employee_number=f"RS-X{n}")  # fmt: skip
    refresh_all()
    with django_assert_max_num_queries(40):
        assert client.get(url).status_code == 200


def _accept_post(proposal, drop=()):
    data = {"fingerprint": proposal.fingerprint}
    for n, session in enumerate(proposal.sessions):
        if n not in drop:
            data[f"s{n}-keep"] = "on"
        data[f"s{n}-starts_on"] = session.starts_on.isoformat() if session.starts_on else ""
        data[f"s{n}-capacity"] = str(session.capacity)
        data[f"s{n}-host"] = str(session.host.pk)
    return data


def test_the_manager_drops_a_session_and_accepts_the_rest(client, world, niš):
    login_as(client, world, "RS:training_manager")
    proposal = propose(niš, per_trainer_month=20, module_code="FL")
    assert len(proposal.sessions) == 2  # prison and probation apart: FL is not a joint module
    url = (
        reverse("needs:plan_accept", kwargs={"code": "RS"})
        + "?"
        + "&".join(f"{k}={v}" for k, v in proposal.request.query().items())
    )

    response = client.post(url, _accept_post(proposal, drop={1}))

    assert response.status_code == 302
    planned = TrainingSession.objects.filter(beneficiary=niš.beneficiary)
    assert [s.module.code for s in planned] == ["FL"]


def test_accepting_a_proposal_that_moved_changes_nothing(client, world, niš):
    login_as(client, world, "RS:training_manager")
    proposal = propose(niš, per_trainer_month=20, module_code="FL")
    data = _accept_post(proposal)
    data["fingerprint"] = "stale"
    url = (
        reverse("needs:plan_accept", kwargs={"code": "RS"})
        + "?"
        + "&".join(f"{k}={v}" for k, v in proposal.request.query().items())
    )

    response = client.post(url, data)

    assert response.status_code == 409
    assert not TrainingSession.objects.exists()


def test_another_administrations_planner_cannot_accept(client, world, niš):
    login_as(client, world, "ME:training_manager")
    response = client.post(reverse("needs:plan_accept", kwargs={"code": "RS"}), {})
    assert response.status_code == 404
    assert not TrainingSession.objects.exists()


@pytest.mark.parametrize(
    "query", [{"start": "9999-12-31"}, {"start": "2026-02-30"}, {"capacity": "0"},
              {"months": "99"}, {"module": "XX"}, {"per_trainer_month": "-1"}],
)  # fmt: skip
def test_unreadable_parameters_are_explained_not_computed(client, world, niš, query):
    login_as(client, world, "RS:training_manager")

    response = client.get(plan_url("RS", **query))

    assert response.status_code == 200
    assert response.context["proposal"] is None
    assert response.context["form"].errors


def test_a_plan_too_large_for_one_form_is_reviewed_module_by_module(
    client, world, niš, monkeypatch
):
    monkeypatch.setattr("matrica.needs.views_plans.MAX_ROWS", 2)
    login_as(client, world, "RS:training_manager")

    response = client.get(plan_url("RS", start=START.isoformat()))

    assert response.context["too_many"]
    assert not response.context["rows"]
    assert "module=FL" in response.content.decode()
    accept = reverse("needs:plan_accept", kwargs={"code": "RS"}) + f"?start={START.isoformat()}"
    assert client.post(accept, {}).status_code == 400
    assert not TrainingSession.objects.exists()


def test_the_plans_address_leads_a_planner_to_their_own_administration(client, world, niš):
    login_as(client, world, "RS:national_admin")
    response = client.get(reverse("needs:plan_index"))
    assert response.status_code == 302
    assert response["Location"] == reverse("needs:plan", kwargs={"code": "RS"})


def test_a_superuser_chooses_the_administration(client, world, niš):
    client.force_login(world.superuser)
    response = client.get(reverse("needs:plan_index"))
    assert response.status_code == 200
    assert reverse("needs:plan", kwargs={"code": "ME"}) in response.content.decode()


def test_a_role_that_does_not_plan_is_refused_the_plans_address(client, world, niš):
    login_as(client, world, "RS:institution_manager")
    assert client.get(reverse("needs:plan_index")).status_code == 403
