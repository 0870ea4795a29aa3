"""Recording one piece of evidence from a person's record, and voiding one recorded in error:
pages over training.actions, with the action's refusals next to the field."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from matrica.audit.models import AuditEvent
from matrica.framework.models import CompetencyArea, Level
from matrica.testing.factories import CompletionFactory
from matrica.training.models import Completion

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def prior_learning(**changes):
    data = {
        "area": CompetencyArea.objects.get(code="RAD").pk,
        "level": Level.objects.get(code="A").pk,
        "completed_on": "2024-02-10",
        "valid_until": "2027-02-10",
        "source": Completion.Source.PRIOR_LEARNING,
        "note": "Course at the police academy, certificate seen",
    }
    return data | changes


@pytest.fixture
def member(world):
    return world["RS"].people[0]


@pytest.fixture
def manager(client, world):
    client.force_login(world["RS"].users["training_manager"])
    return client


def evidence_url(member) -> str:
    return reverse("training:record_evidence", args=[member.pk])


def test_prior_learning_with_its_reason_is_recorded_and_counts_on_the_record(manager, member):
    response = manager.post(evidence_url(member), prior_learning(), follow=True)
    completion = Completion.objects.get(staff_member=member)
    assert (completion.source, completion.note) == (
        Completion.Source.PRIOR_LEARNING, "Course at the police academy, certificate seen",
    )  # fmt: skip
    assert completion.valid_until == datetime.date(2027, 2, 10)
    assert response.redirect_chain == [(reverse("staff:record", args=[member.pk]), 302)]
    statuses = {
        (e["area"].code, e["category"].code): e["status"]
        for e in manager.get(
            reverse("staff:record", args=[member.pk]), {"on": "2025-01-01"}
        ).context["entries"]
    }
    assert statuses[("RAD", "ALL")] == "current"
    event = AuditEvent.objects.get(object_type__model="completion")
    assert event.action == AuditEvent.Action.CREATE


def test_evidence_without_a_reason_is_refused_next_to_the_reason(manager, member):
    response = manager.post(evidence_url(member), prior_learning(note="   "))
    assert "Say why this evidence is accepted." in response.context["form"].errors["note"]
    assert not Completion.objects.exists()
    assert not AuditEvent.objects.filter(object_type__model="completion").exists()


def test_evidence_dated_in_the_future_is_refused_next_to_the_date(manager, member):
    tomorrow = TODAY + datetime.timedelta(days=1)
    response = manager.post(
        evidence_url(member),
        prior_learning(completed_on=tomorrow, valid_until=tomorrow + datetime.timedelta(days=900)),
    )
    assert "in the future" in str(response.context["form"].errors["completed_on"])
    assert not Completion.objects.exists()


def test_evidence_valid_only_before_it_was_gained_is_refused_next_to_valid_until(manager, member):
    response = manager.post(evidence_url(member), prior_learning(valid_until="2024-02-10"))
    assert response.context["form"].errors["valid_until"]
    assert not Completion.objects.exists()


def test_left_empty_valid_until_follows_the_areas_longest_refresher(manager, member):
    manager.post(evidence_url(member), prior_learning(valid_until=""))
    completion = Completion.objects.get(staff_member=member)
    # RAD: 36 months for all staff and managers, 24 for the others.
    assert completion.valid_until == datetime.date(2027, 2, 10)


def test_a_manual_entry_is_recorded_as_such(manager, member):
    manager.post(evidence_url(member), prior_learning(source=Completion.Source.MANUAL))
    assert Completion.objects.get(staff_member=member).source == Completion.Source.MANUAL


def test_a_session_completion_cannot_be_typed_in_by_hand(manager, member):
    response = manager.post(evidence_url(member), prior_learning(source=Completion.Source.SESSION))
    assert response.context["form"].errors["source"]
    assert not Completion.objects.exists()


def test_voiding_evidence_needs_a_reason_and_leaves_it_in_the_trail(manager, member):
    completion = CompletionFactory.create(staff_member=member)
    url = reverse("training:void_evidence", args=[completion.pk])
    refused = manager.post(url, {"reason": ""})
    assert "Say why the evidence is voided." in refused.context["form"].errors["reason"]
    assert Completion.objects.filter(pk=completion.pk).exists()

    response = manager.post(url, {"reason": "Entered for the wrong person"})
    assert response.status_code == 302
    assert not Completion.objects.filter(pk=completion.pk).exists()
    event = AuditEvent.objects.get(object_type__model="completion", action=AuditEvent.Action.DELETE)
    assert event.message == "Entered for the wrong person"
    assert event.before is not None
    assert event.before["completed_on"] == completion.completed_on.isoformat()


def test_voiding_with_htmx_loads_the_record_in_place(manager, member):
    completion = CompletionFactory.create(staff_member=member)
    response = manager.post(
        reverse("training:void_evidence", args=[completion.pk]),
        {"reason": "Duplicate"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert reverse("staff:record", args=[member.pk]) in response["HX-Location"]


@pytest.mark.parametrize(
    ("administration", "role", "status"),
    [
        ("RS", "national_admin", 200),
        ("RS", "training_manager", 200),
        ("RS", "institution_manager", 403),
        ("RS", "trainer", 404),  # sees only their own record
        ("RS", "staff", 403),  # their own record: may read it, not add to it
        ("ME", "training_manager", 404),
    ],
)
def test_the_evidence_pages_answer_like_their_actions(
    client, world, member, administration, role, status
):
    completion = CompletionFactory.create(staff_member=member)
    client.force_login(world[administration].users[role])
    for url in (evidence_url(member), reverse("training:void_evidence", args=[completion.pk])):
        assert client.get(url).status_code == status, url
        if status != 200:
            assert client.post(url, prior_learning() | {"reason": "x"}).status_code == status
    assert Completion.objects.count() == 1


@pytest.mark.parametrize(
    ("role", "shown"),
    [("training_manager", True), ("national_admin", True), ("institution_manager", False)],
)
def test_evidence_buttons_are_shown_only_to_those_who_may_use_them(
    client, world, member, role, shown
):
    completion = CompletionFactory.create(staff_member=member)
    client.force_login(world["RS"].users[role])
    page = client.get(reverse("staff:record", args=[member.pk])).content.decode()
    assert (evidence_url(member) in page) is shown
    assert (reverse("training:void_evidence", args=[completion.pk]) in page) is shown
