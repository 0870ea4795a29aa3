"""The actions: who may curate what, every change audited, rules refused with their field."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from matrica.audit.models import AuditEvent
from matrica.library import actions
from matrica.library.models import Resource

from .conftest import add, area

pytestmark = pytest.mark.django_db


def test_who_curates_what(world):
    rs, me = world["RS"], world["ME"]
    add(world.coordinator)  # common: the coordinator
    add(rs.users["training_manager"], rs.beneficiary)  # national: its own curators
    with pytest.raises(Http404):
        add(rs.users["national_admin"])  # not the common library
    with pytest.raises(Http404):
        add(rs.users["national_admin"], me.beneficiary)  # not another administration's
    with pytest.raises(Http404):
        add(world.coordinator, rs.beneficiary)  # the coordinator curates the common ones
    for role in ("institution_manager", "trainer", "staff"):
        with pytest.raises(PermissionDenied):
            add(rs.users[role], rs.beneficiary)


def test_every_change_is_audited(world):
    curator = world["RS"].users["national_admin"]
    resource = add(curator, world["RS"].beneficiary, title="Toolkit", areas=[area("RAD")])
    actions.change_resource(actor=curator, resource=resource, title="Toolkit 2", reason="Typo")
    actions.withdraw_resource(actor=curator, resource=resource, reason="Replaced")
    events = AuditEvent.objects.filter(
        object_type=ContentType.objects.get_for_model(Resource), object_id=str(resource.pk)
    ).order_by("pk")
    assert [e.action for e in events] == ["create", "update", "update", "update"]
    assert {e.user_id for e in events} == {curator.pk}
    assert events[1].after == {"areas": ["RAD"], "audiences": [], "levels": [], "modules": []}
    assert events[3].message == "Replaced"
    assert all(e.beneficiary_id == world["RS"].beneficiary.pk for e in events)


def test_rules_are_refused_on_their_field(world):
    curator = world["RS"].users["national_admin"]
    with pytest.raises(ValidationError) as refused:
        add(curator, world["RS"].beneficiary, languages=["xx"], year=1066)
    assert {"languages", "year"} <= set(refused.value.message_dict)
    resource = add(curator, world["RS"].beneficiary)
    with pytest.raises(ValidationError) as refused:
        actions.withdraw_resource(actor=curator, resource=resource, reason="  ")
    assert "reason" in refused.value.message_dict
