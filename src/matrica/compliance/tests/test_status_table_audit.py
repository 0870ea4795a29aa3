"""The dashboard's and an institution grid's download (`/compliance/export.<format>`) names
people: like the other compliance lists, each download is on the audit trail, one row per
administration whose people the file holds."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from matrica.audit.models import AuditEvent
from matrica.testing.factories import InstitutionFactory, StaffMemberFactory
from matrica.testing.world import login_as

pytestmark = pytest.mark.django_db

ON = "2024-06-30"


def download(client, file_format: str = "csv", **params):
    return client.get(reverse("compliance:export", args=[file_format]), {"on": ON, **params})


def exports_taken() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).order_by("pk"))


def test_the_status_table_is_on_the_audit_trail_of_its_administration(client, world):
    login_as(client, world, "RS:national_admin")
    response = download(client, "xlsx")
    assert response.status_code == 200
    (event,) = exports_taken()
    assert (event.beneficiary_id, event.user_name) == (world["RS"].beneficiary.pk, "admin-rs")
    assert event.message == f"Compliance table downloaded (XLSX, {ON})"
    login_as(client, world, "RS:institution_manager")  # the prison's grid
    assert download(client, institution=world["RS"].prison.pk).status_code == 200
    assert exports_taken()[-1].message == f"Compliance table downloaded (CSV, {ON})"
    assert len(exports_taken()) == 2


def test_one_row_for_each_administration_whose_people_the_file_holds(client, world):
    client.force_login(world.superuser)
    text = download(client).content.decode("utf-8-sig")
    numbers = {line[0] for line in list(csv.reader(io.StringIO(text)))[1:]}
    assert {"RS-001", "ME-001"} <= numbers
    assert {event.beneficiary_id for event in exports_taken()} == {
        world["RS"].beneficiary.pk, world["ME"].beneficiary.pk,
    }  # fmt: skip
    assert len(exports_taken()) == 2


def test_a_file_that_names_nobody_or_is_refused_leaves_no_row(client, world):
    empty = InstitutionFactory.create(service=world["RS"].prison.service, name="Empty prison")
    login_as(client, world, "RS:national_admin")
    response = download(client, institution=empty.pk)
    assert response.content.decode("utf-8-sig").count("\n") == 1  # the header alone
    assert download(client, "pdf").status_code == 404
    login_as(client, world, "coordinator")  # never a list of people
    assert download(client).status_code == 404
    assert exports_taken() == []


def test_the_audited_table_costs_the_same_queries_for_many_people(
    client, world, django_assert_max_num_queries
):
    StaffMemberFactory.create_batch(
        40, institution=world["RS"].prison, primary_category=world["RS"].people[0].primary_category
    )
    login_as(client, world, "RS:national_admin")
    with django_assert_max_num_queries(30):
        response = download(client)
    assert response.content.decode("utf-8-sig").count("\n") > 40
    assert len(exports_taken()) == 1
