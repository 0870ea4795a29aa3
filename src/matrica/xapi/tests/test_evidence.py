"""What statements do to the registry: completions become evidence, the rest is kept and
ignored, unknown learners and activities wait in the queue until resolved, an `uncompleted`
takes the evidence back."""

from __future__ import annotations

import copy
import datetime

import pytest
from django.contrib.contenttypes.models import ContentType

from matrica.audit.models import AuditEvent
from matrica.training.models import Completion
from matrica.xapi import actions
from matrica.xapi.models import ActorMapping, Statement
from matrica.xapi.tests.conftest import (
    BOOK,
    MODULE_COMPLETION,
    MODULE_UNCOMPLETION,
    MOODLE_CASES,
    MOODLE_LEARNER,
    moodle,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(world):
    return world["RS"].people[1]


@pytest.fixture
def admin(world):
    return world["RS"].users["national_admin"]


@pytest.fixture
def mapped(platform, admin, person, module):
    """The Moodle learner and the book are known to the source."""
    actions.resolve_actor(
        actor=admin, source=platform.source, actor_key=MOODLE_LEARNER, staff_member=person
    )
    actions.resolve_activity(actor=admin, source=platform.source, activity_id=BOOK, module=module)
    return platform


def evidence_of(person):
    return Completion.objects.filter(staff_member=person)


def test_a_module_completion_becomes_evidence_dated_by_the_statement(mapped, person, module):
    assert mapped.post(moodle(MODULE_COMPLETION)).status_code == 200
    evidence = evidence_of(person)
    assert evidence.count() == module.conferrals.count()
    assert {c.completed_on for c in evidence} == {datetime.date(2015, 6, 10)}
    assert {c.source for c in evidence} == {Completion.Source.ELEARNING}
    statement = Statement.objects.get()
    assert statement.status == Statement.Status.RECORDED
    assert sorted(statement.completion_ids) == sorted(evidence.values_list("pk", flat=True))


def test_the_trail_names_the_source_as_the_actor_of_the_evidence(mapped, person):
    mapped.post(moodle(MODULE_COMPLETION))
    names = set(
        AuditEvent.objects.filter(
            object_type=ContentType.objects.get_for_model(Completion),
            object_id__in=[str(c.pk) for c in evidence_of(person)],
        ).values_list("user_name", flat=True)
    )
    assert names == {"xAPI: HELP Moodle"}


def test_the_same_completion_sent_again_is_not_doubled(mapped, person, module):
    first = moodle(MODULE_COMPLETION)
    mapped.post(first)
    again = copy.deepcopy(first)
    again[0]["context"]["registration"] = "9e0e3a48-6c3c-4d1a-8f3b-5a1d3e1b2c3d"  # another event
    mapped.post(again)
    assert evidence_of(person).count() == module.conferrals.count()
    assert Statement.objects.filter(status=Statement.Status.RECORDED).count() == 2


@pytest.mark.parametrize("case", [c for c in MOODLE_CASES if c != MODULE_COMPLETION])
def test_statements_that_are_not_evidence_of_the_book_are_kept_and_change_nothing(
    mapped, person, case
):
    mapped.post(moodle(case))
    assert Statement.objects.count() >= 1
    assert not evidence_of(person).exists()


def test_a_completion_with_success_false_is_not_evidence(mapped, person):
    failed = moodle(MODULE_COMPLETION)
    failed[0]["result"]["success"] = False
    mapped.post(failed)
    assert Statement.objects.get().status == Statement.Status.IGNORED
    assert not evidence_of(person).exists()


def test_passed_is_evidence(mapped, person):
    passed = moodle(MODULE_COMPLETION)
    passed[0]["verb"]["id"] = "http://adlnet.gov/expapi/verbs/passed"
    mapped.post(passed)
    assert evidence_of(person).exists()


def test_uncompleted_after_completed_voids_the_evidence_with_a_reason(mapped, person):
    mapped.post(moodle(MODULE_COMPLETION))
    ids = list(evidence_of(person).values_list("pk", flat=True))
    withdrawn = moodle(MODULE_UNCOMPLETION)
    withdrawn[0]["timestamp"] = "2015-06-11T09:00:00.000Z"
    assert mapped.post(withdrawn).status_code == 200
    assert not evidence_of(person).exists()
    voided = AuditEvent.objects.filter(
        action=AuditEvent.Action.DELETE, object_id__in=[str(pk) for pk in ids],
        object_type=ContentType.objects.get_for_model(Completion),
    )  # fmt: skip
    assert voided.count() == len(ids)
    assert all("completion withdrawn" in event.message for event in voided)
    statuses = dict(Statement.objects.values_list("verb", "status"))
    assert statuses["http://adlnet.gov/expapi/verbs/completed"] == Statement.Status.VOIDED
    assert statuses[withdrawn[0]["verb"]["id"]] == Statement.Status.APPLIED


def test_uncompleted_without_a_prior_completion_is_kept_and_ignored(mapped, person):
    mapped.post(moodle(MODULE_UNCOMPLETION))
    assert Statement.objects.get().status == Statement.Status.IGNORED


def test_an_unknown_learner_waits_in_the_queue_and_resolving_records_the_evidence(
    platform, admin, person, module
):
    actions.resolve_activity(actor=admin, source=platform.source, activity_id=BOOK, module=module)
    platform.post(moodle(MODULE_COMPLETION))
    waiting = Statement.objects.get()
    assert waiting.status == Statement.Status.WAITING
    assert waiting.actor_unknown
    assert not evidence_of(person).exists()
    recorded = actions.resolve_actor(
        actor=admin, source=platform.source, actor_key=MOODLE_LEARNER, staff_member=person
    )
    assert recorded == 1
    assert evidence_of(person).count() == module.conferrals.count()
    assert Statement.objects.get().status == Statement.Status.RECORDED


def test_an_unknown_activity_waits_until_it_is_matched_to_a_module(platform, admin, person, module):
    actions.resolve_actor(
        actor=admin, source=platform.source, actor_key=MOODLE_LEARNER, staff_member=person
    )
    platform.post(moodle(MODULE_COMPLETION))
    assert Statement.objects.get().activity_unknown
    actions.resolve_activity(actor=admin, source=platform.source, activity_id=BOOK, module=module)
    assert evidence_of(person).exists()


def test_a_learner_who_is_not_staff_takes_their_statements_out_of_the_queue(
    platform, admin, module
):
    platform.post(moodle(MODULE_COMPLETION))
    actions.resolve_actor(
        actor=admin, source=platform.source, actor_key=MOODLE_LEARNER, staff_member=None
    )
    actions.resolve_activity(actor=admin, source=platform.source, activity_id=BOOK, module=module)
    assert Statement.objects.get().status == Statement.Status.IGNORED
    assert not Completion.objects.exists()


def test_the_employee_number_rule_matches_accounts_without_a_mapping(
    platform, admin, person, module
):
    actions.resolve_activity(actor=admin, source=platform.source, activity_id=BOOK, module=module)
    statement = moodle(MODULE_COMPLETION)
    statement[0]["actor"]["account"]["name"] = person.employee_number
    platform.post(statement)
    assert Statement.objects.get().status == Statement.Status.WAITING
    recorded = actions.set_rules(
        actor=admin, source=platform.source, account_is_employee_number=True, mbox_is_email=False
    )
    assert recorded == 1
    assert evidence_of(person).exists()
    assert not ActorMapping.objects.exists()  # the rule, not a row, matched them


def test_the_email_rule_matches_mbox_actors(platform, admin, person, module):
    person.email = "Milica.Djordjevic@example.org"
    person.save()
    actions.set_rules(
        actor=admin, source=platform.source, account_is_employee_number=False, mbox_is_email=True
    )
    actions.resolve_activity(actor=admin, source=platform.source, activity_id=BOOK, module=module)
    statement = moodle(MODULE_COMPLETION)
    statement[0]["actor"] = {"mbox": "mailto:milica.djordjevic@example.org"}
    platform.post(statement)
    assert evidence_of(person).exists()


def test_a_source_never_records_evidence_for_another_administrations_people(
    platform, admin, world, module
):
    foreigner = world["ME"].people[0]
    with pytest.raises(Exception):  # noqa: B017, PT011 - 404 for a person out of reach
        actions.resolve_actor(
            actor=admin, source=platform.source, actor_key=MOODLE_LEARNER, staff_member=foreigner
        )
    platform.source.account_is_employee_number = True
    platform.source.save()
    actions.resolve_activity(actor=admin, source=platform.source, activity_id=BOOK, module=module)
    statement = moodle(MODULE_COMPLETION)
    statement[0]["actor"]["account"]["name"] = foreigner.employee_number
    platform.post(statement)
    assert Statement.objects.get().status == Statement.Status.WAITING
    assert not evidence_of(foreigner).exists()


def test_only_managers_of_the_administration_resolve_its_queue(platform, world, person):
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    with pytest.raises(PermissionDenied):
        actions.resolve_actor(
            actor=world["RS"].users["institution_manager"], source=platform.source,
            actor_key=MOODLE_LEARNER, staff_member=person,
        )  # fmt: skip
    with pytest.raises(Http404):
        actions.resolve_actor(
            actor=world["ME"].users["national_admin"], source=platform.source,
            actor_key=MOODLE_LEARNER, staff_member=None,
        )  # fmt: skip
