"""Nominating: by name, with every refusal explained, and by rule, whose selection is checked
against a plain Python reading of the compliance statuses the real engine computes."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from matrica.compliance.models import RequirementStatus
from matrica.compliance.services import refresh_all
from matrica.compliance.status import Status
from matrica.delivery import actions, selectors
from matrica.delivery.models import Enrolment
from matrica.framework.models import CompetencyArea, Level, Module, StaffCategory
from matrica.staff import actions as staff_actions
from matrica.staff.models import StaffMember
from matrica.testing.factories import (
    CompletionFactory,
    InstitutionFactory,
    StaffMemberFactory,
    category,
)

from .conftest import make_pool_trainer, plan

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
E = Enrolment.State


def open_session(administration, module, trainer, **extra):
    manager = administration.users["training_manager"]
    session = actions.plan_session(
        actor=manager, module=module, beneficiary_id=administration.beneficiary.pk,
        starts_on=TODAY + datetime.timedelta(days=14), ends_on=TODAY + datetime.timedelta(days=15),
        starts_at=datetime.time(9), ends_at=datetime.time(13), capacity=20, venue="Niš",
        trainers=[trainer], **extra,
    )  # fmt: skip
    actions.open_session(actor=manager, session=session)
    return session


def refusals(result) -> dict[int, str]:
    return {member.pk: reason for member, reason in result.refused}


# Refusals, by name ----------------------------------------------------------------------------


def test_a_missing_prerequisite_is_explained(serbia, basic_awareness, trainer):
    front_line = Module.objects.get(code="FL")  # asks for basic awareness first
    make_pool_trainer(trainer, front_line)
    session = plan(serbia, front_line, trainer)
    actions.open_session(actor=serbia.users["training_manager"], session=session)
    prepared, unprepared = serbia.people[0], serbia.people[1]
    CompletionFactory.create(staff_member=prepared, module=basic_awareness)

    result = actions.nominate(
        actor=serbia.users["training_manager"], session=session,
        staff_members=[prepared, unprepared],
    )  # fmt: skip

    assert [m.pk for m in result.nominated] == [prepared.pk]
    reason = refusals(result)[unprepared.pk]
    assert "prerequisite" in reason
    assert "BA" in reason


def test_a_clash_with_another_session_is_explained(serbia, basic_awareness, trainer, session):
    manager = serbia.users["training_manager"]
    actions.open_session(actor=manager, session=session)
    actions.nominate(actor=manager, session=session, staff_members=serbia.people[:1])
    human_rights = Module.objects.get(code="HR")
    make_pool_trainer(trainer, human_rights)
    same_days = plan(serbia, human_rights, trainer, starts_on=session.ends_on)
    actions.open_session(actor=manager, session=same_days)

    result = actions.nominate(actor=manager, session=same_days, staff_members=serbia.people[:2])

    assert [m.pk for m in result.nominated] == [serbia.people[1].pk]
    assert refusals(result)[serbia.people[0].pk] == (
        f"already in {session} on one of the same days"
    )


def test_someone_who_left_is_refused(serbia, session):
    manager = serbia.users["training_manager"]
    actions.open_session(actor=manager, session=session)
    leaver = serbia.people[1]
    staff_actions.record_leaving(
        actor=serbia.users["national_admin"], staff_member=leaver, leaving_date=TODAY
    )
    result = actions.nominate(actor=manager, session=session, staff_members=[leaver])
    assert refusals(result) == {leaver.pk: "no longer in post"}
    assert not session.enrolments.exists()


def test_people_of_an_institution_not_invited_are_refused(serbia, basic_awareness, trainer):
    session = open_session(serbia, basic_awareness, trainer, invited_institutions=[serbia.prison])
    officer = StaffMemberFactory.create(institution=serbia.probation)
    result = actions.nominate(
        actor=serbia.users["training_manager"], session=session,
        staff_members=[serbia.people[0], officer],
    )  # fmt: skip
    assert [m.pk for m in result.nominated] == [serbia.people[0].pk]
    assert refusals(result) == {officer.pk: "their institution is not invited to this session"}


def test_someone_already_holding_a_place_is_refused(serbia, session):
    manager = serbia.users["training_manager"]
    actions.open_session(actor=manager, session=session)
    actions.nominate(actor=manager, session=session, staff_members=serbia.people[:1])
    actions.confirm(actor=manager, session=session)
    result = actions.nominate(actor=manager, session=session, staff_members=serbia.people[:1])
    assert refusals(result) == {serbia.people[0].pk: "already “Confirmed” in this session"}


def test_anyone_out_of_sight_makes_the_whole_nomination_404(world, serbia, session):
    manager = serbia.users["training_manager"]
    actions.open_session(actor=manager, session=session)
    with pytest.raises(Http404):
        actions.nominate(
            actor=manager, session=session, staff_members=[serbia.people[0], world["ME"].people[0]]
        )
    assert not session.enrolments.exists()


def test_an_institution_manager_names_only_their_own_people(serbia, session):
    actions.open_session(actor=serbia.users["training_manager"], session=session)
    officer = StaffMemberFactory.create(institution=serbia.probation)
    with pytest.raises(Http404):
        actions.nominate(
            actor=serbia.users["institution_manager"], session=session,
            staff_members=[serbia.people[0], officer],
        )  # fmt: skip
    assert not session.enrolments.exists()


def test_nominations_are_taken_only_while_a_session_is_open(serbia, session):
    with pytest.raises(ValidationError, match="while a session is open"):
        actions.nominate(
            actor=serbia.users["training_manager"], session=session,
            staff_members=serbia.people[:1],
        )  # fmt: skip


# The rule's scope -----------------------------------------------------------------------------


@pytest.fixture
def everyone_lacking(serbia, basic_awareness, trainer):
    """An open session inviting the whole administration, a probation officer besides the
    world's prison staff, and statuses computed: nobody holds basic awareness."""
    officer = StaffMemberFactory.create(
        institution=serbia.probation, primary_category=category("PRO")
    )
    session = open_session(serbia, basic_awareness, trainer, invites_everyone=True)
    refresh_all(on=TODAY)
    return session, officer


def selected(session, actor, rule=None) -> set[int]:
    rule = rule or selectors.NominationRule()
    result = actions.nominate_by_rule(actor=actor, session=session, rule=rule)
    assert not result.refused
    return {m.pk for m in result.nominated}


def test_the_rule_selects_everyone_lacking_the_module(serbia, everyone_lacking):
    session, officer = everyone_lacking
    people = {p.pk for p in serbia.people} | {officer.pk}
    assert selected(session, serbia.users["training_manager"]) == people


def test_an_institution_manager_s_rule_stays_in_their_institution(serbia, everyone_lacking):
    session, officer = everyone_lacking
    chosen = selected(session, serbia.users["institution_manager"])
    assert chosen == {p.pk for p in serbia.people}  # the prison's people
    assert officer.pk not in chosen


def test_the_rule_passes_over_people_already_enrolled_and_leavers(serbia, everyone_lacking):
    session, officer = everyone_lacking
    manager = serbia.users["training_manager"]
    actions.nominate(actor=manager, session=session, staff_members=[serbia.people[0]])
    staff_actions.record_leaving(
        actor=serbia.users["national_admin"], staff_member=serbia.people[1], leaving_date=TODAY
    )
    assert selected(session, manager) == {serbia.people[2].pk, officer.pk}


def test_a_rule_for_a_category_selects_its_people_lacking_what_all_staff_need(
    serbia, everyone_lacking
):
    # Regression: the rule looked for the category among the requirements' own categories,
    # so front-line officers lacking basic awareness (asked of all staff) were never found.
    session, _officer = everyone_lacking
    front_line = StaffCategory.objects.get(code="FLO")
    rule = selectors.NominationRule(category_id=front_line.pk)
    assert selected(session, serbia.users["training_manager"], rule) == {
        p.pk for p in serbia.people if p.primary_category_id == front_line.pk
    }


# The rule against a reference -----------------------------------------------------------------


AGES = [None, 6, 33, 40]  # months since the evidence (valid 36 months): none, current,
# expiring, expired
CATEGORIES = ["FLO", "PRO", "TRS"]
WHERE = ["prison", "probation", "elsewhere"]  # elsewhere: an institution not invited


@dataclass(frozen=True)
class Person:
    category: str
    where: str
    evidence: tuple[tuple[str, int | None], ...]
    active: bool
    enrolled: str | None


people_strategy = st.builds(
    Person,
    category=st.sampled_from(CATEGORIES),
    where=st.sampled_from(WHERE),
    evidence=st.tuples(
        *(st.tuples(st.just(area), st.sampled_from(AGES)) for area in ("RAD", "IDN", "HRL"))
    ),
    active=st.booleans(),
    enrolled=st.sampled_from([None, E.NOMINATED, E.WITHDRAWN]),
)
rules_strategy = st.fixed_dictionaries(
    {
        "institution": st.sampled_from([None, "prison", "probation"]),
        "category": st.sampled_from([None, "ALL", *CATEGORIES]),
        "within_days": st.sampled_from([0, 60, 200]),
        "statuses": st.sampled_from(
            [
                frozenset({Status.MISSING, Status.EXPIRED, Status.OVERDUE}),
                frozenset({Status.MISSING}),
                frozenset({Status.EXPIRED}),
            ]
        ),
    }
)


class Rollback(Exception):
    pass


def build(serbia, people: list[Person], elsewhere) -> list[StaffMember]:
    places = {"prison": serbia.prison, "probation": serbia.probation, "elsewhere": elsewhere}
    members = []
    for person in people:
        member = StaffMemberFactory.create(
            institution=places[person.where], primary_category=category(person.category),
            active=person.active, leaving_date=None if person.active else TODAY,
        )  # fmt: skip
        for area, age in person.evidence:
            if age is not None:
                completed = TODAY - relativedelta(months=age)
                CompletionFactory.create(
                    staff_member=member, area=CompetencyArea.objects.get(code=area),
                    level=Level.objects.get(code="A"), completed_on=completed,
                    valid_until=completed + relativedelta(months=36),
                )  # fmt: skip
        members.append(member)
    return members


def reference(session, rule, places) -> set[int]:
    """The rule read plainly: people of the administration, in post, of an invited institution
    (and the rule's), in the rule's category, not holding or waiting for a place, with a
    requirement the module can satisfy standing in one of the rule's statuses or running out
    within the window."""
    conferred = dict(session.module.conferrals.values_list("area_id", "level__rank"))
    horizon = TODAY + datetime.timedelta(days=rule.within_days)
    lacking = set()
    for row in RequirementStatus.objects.all():
        if row.area_id not in conferred or row.required_rank > conferred[row.area_id]:
            continue
        running_out = row.status in (Status.CURRENT, Status.EXPIRING) and (
            row.valid_until is not None and row.valid_until <= horizon
        )
        if row.status in rule.statuses or running_out:
            lacking.add(row.staff_member_id)
    enrolled = set(
        session.enrolments.filter(state__in=Enrolment.ACTIVE).values_list(
            "staff_member_id", flat=True
        )
    )
    invited = {places["prison"].pk, places["probation"].pk}
    chosen = set()
    for member in StaffMember.objects.filter(beneficiary=session.beneficiary):
        if rule.institution_id and member.institution_id != rule.institution_id:
            continue
        category_of_rule = StaffCategory.objects.filter(pk=rule.category_id).first()
        if (
            category_of_rule is not None
            and not category_of_rule.applies_to_all
            and member.primary_category_id != category_of_rule.pk
        ):
            continue
        if (
            member.active
            and member.institution_id in invited
            and member.pk in lacking
            and member.pk not in enrolled
        ):
            chosen.add(member.pk)
    return chosen


@hypothesis_settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(people=st.lists(people_strategy, min_size=1, max_size=5), rule_choice=rules_strategy)
def test_the_rule_selects_what_the_statuses_say(
    serbia, basic_awareness, trainer, people, rule_choice
):
    # The world is built once for the test; each example's data is rolled back.
    manager = serbia.users["training_manager"]
    try:
        with transaction.atomic():
            elsewhere = InstitutionFactory.create(service=serbia.prison.service)
            members = build(serbia, people, elsewhere)
            session = open_session(
                serbia, basic_awareness, trainer,
                invited_institutions=[serbia.prison, serbia.probation],
            )  # fmt: skip
            for member, person in zip(members, people, strict=True):
                if person.enrolled and person.active and person.where != "elsewhere":
                    actions.nominate(actor=manager, session=session, staff_members=[member])
                    if person.enrolled == E.WITHDRAWN:
                        enrolment = session.enrolments.get(staff_member=member)
                        actions.withdraw(actor=manager, enrolment=enrolment)
            refresh_all(on=TODAY)
            places = {"prison": serbia.prison, "probation": serbia.probation}
            institution = places.get(rule_choice["institution"] or "")
            rule = selectors.NominationRule(
                institution_id=institution.pk if institution else None,
                category_id=category(rule_choice["category"]).pk
                if rule_choice["category"]
                else None,
                within_days=rule_choice["within_days"],
                statuses=rule_choice["statuses"],
            )
            expected = reference(session, rule, places)

            result = actions.nominate_by_rule(actor=manager, session=session, rule=rule)

            assert {m.pk for m in result.nominated} == expected
            assert not result.refused
            raise Rollback
    except Rollback:
        pass
