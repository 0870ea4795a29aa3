"""Recording evidence: what a session's results write, and the audit trail they leave."""

from __future__ import annotations

import datetime

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from matrica.audit.models import AuditEvent
from matrica.audit.services import record, record_created, snapshot
from matrica.framework.models import Module
from matrica.staff.models import StaffMember
from matrica.tenancy.scoping import SYSTEM
from matrica.testing.factories import CompletionFactory, StaffMemberFactory, UserFactory
from matrica.training.actions import record_module_completions
from matrica.training.models import Completion

pytestmark = pytest.mark.django_db

SESSION_DAY = datetime.date(2025, 3, 14)


def test_a_session_gives_everyone_each_area_and_level_the_module_confers(world):
    module = Module.objects.get(code="BA")
    people = world["RS"].people[:2]
    created = record_module_completions(
        actor=SYSTEM, module=module, completed_on=SESSION_DAY, staff_members=people
    )
    conferred = set(module.conferrals.values_list("area_id", "level_id"))
    for person in people:
        held = set(created.filter(staff_member=person).values_list("area_id", "level_id"))
        assert held == conferred
    valid_until = SESSION_DAY + relativedelta(months=module.validity_months)
    assert set(created.values_list("completed_on", "valid_until", "source", "module")) == {
        (SESSION_DAY, valid_until, Completion.Source.SESSION, module.pk)
    }


def test_each_completion_of_a_session_has_its_own_audit_row_scoped_like_the_person(world):
    trainer = world["RS"].users["training_manager"]
    module = Module.objects.get(code="BA")
    # A joint prison and probation session: each row belongs to its person's institution.
    prison_person = world["RS"].prison.staff.first()
    probation_person = StaffMemberFactory.create(institution=world["RS"].probation)
    created = record_module_completions(
        actor=trainer,
        module=module,
        completed_on=SESSION_DAY,
        staff_members=[prison_person, probation_person],
    )
    events = AuditEvent.objects.filter(object_type__model="completion")
    assert sorted(int(event.object_id) for event in events) == sorted(
        created.values_list("pk", flat=True)
    )
    for event in events:
        completion = created.get(pk=event.object_id)
        assert event.user == trainer
        assert event.action == AuditEvent.Action.CREATE
        assert event.message == "Module BA completed"
        assert event.institution_id == completion.staff_member.institution_id
        assert event.beneficiary_id == world["RS"].beneficiary.pk


def test_the_database_writes_the_same_audit_row_as_recording_one_creation(world):
    """Rows written in bulk by the database must read exactly like those `record` writes in
    Python: the same snapshot and the same text, names in Cyrillic and Latin included."""
    actor = UserFactory.create(username="auditor-of-bulk")
    people = [
        StaffMemberFactory.create(given_name="Ђорђе", family_name="Јовановић"),
        StaffMemberFactory.create(given_name="Çiğdem", family_name="İşçi-Đurić"),
    ]
    completions = [
        CompletionFactory.create(staff_member=person, note="Prior learning: İstanbul, š ž ë")
        for person in people
    ]
    record_created(
        actor=actor, created=Completion.objects.filter(pk__in=[c.pk for c in completions])
    )
    by_database = {
        e.object_id: e for e in AuditEvent.objects.filter(object_type__model="completion")
    }
    for completion in completions:
        by_python = record(
            actor=actor, action=AuditEvent.Action.CREATE, obj=completion, after=snapshot(completion)
        )
        by_python.refresh_from_db()
        written = by_database[str(completion.pk)]
        assert written.object_repr == by_python.object_repr == str(completion)
        assert written.after == by_python.after
        for column in ("user_id", "user_name", "beneficiary_id", "institution_id", "action"):
            assert getattr(written, column) == getattr(by_python, column), column


def test_a_model_whose_fields_the_database_cannot_render_is_refused_loudly(world):
    # A UUID is hex without dashes in SQLite but with them in Python's: the trail would differ.
    from matrica.evaluation.models import FeedbackAnswer

    with pytest.raises(TypeError, match="id"):
        record_created(actor=SYSTEM, created=FeedbackAnswer.objects.all())


def test_booleans_are_rendered_by_the_database_as_python_renders_them(world):
    from matrica.audit.models import AuditEvent
    from matrica.audit.services import snapshot

    left = world["RS"].people[0]
    StaffMember.objects.filter(pk=left.pk).update(active=False)
    left.refresh_from_db()
    record_created(actor=SYSTEM, created=StaffMember.objects.filter(beneficiary=left.beneficiary))
    events = AuditEvent.objects.filter(object_type__model="staffmember", action="create")
    by_id = {event.object_id: event.after for event in events}
    for member in StaffMember.objects.filter(beneficiary=left.beneficiary):
        assert by_id[str(member.pk)] == snapshot(member)
    assert by_id[str(left.pk)]["active"] is False


def test_a_failed_session_writes_nothing(world):
    module = Module.objects.get(code="BA")
    with pytest.raises(IntegrityError):
        record_module_completions(
            actor=SYSTEM,
            module=module,
            completed_on=SESSION_DAY,
            staff_members=world["RS"].people[:2],
            source=Completion.Source.MANUAL,  # manual evidence must say why: refused
        )
    assert not Completion.objects.filter(completed_on=SESSION_DAY).exists()
    assert not AuditEvent.objects.filter(object_type__model="completion").exists()


def test_a_session_naming_someone_no_longer_in_the_registry_keeps_nobody_s_results(world):
    present = world["RS"].people[0]
    gone = StaffMemberFactory.create(given_name="Đurđa", family_name="Šćepanović")
    gone_pk = gone.pk
    gone.delete()
    gone.pk = gone_pk  # the trainer's list still names them
    with pytest.raises(ValidationError, match=f"Đurđa Šćepanović \\({gone.employee_number}\\)"):
        record_module_completions(
            actor=SYSTEM,
            module=Module.objects.get(code="BA"),
            completed_on=SESSION_DAY,
            staff_members=[present, gone],
        )
    assert not Completion.objects.filter(completed_on=SESSION_DAY).exists()


def test_a_module_that_confers_nothing_records_nothing_and_fails_nothing(world):
    module = Module.objects.get(code="BA")
    module.conferrals.all().delete()
    created = record_module_completions(
        actor=SYSTEM, module=module, completed_on=SESSION_DAY, staff_members=world["RS"].people[:2]
    )
    assert not created.exists()
    assert not AuditEvent.objects.filter(object_type__model="completion").exists()
