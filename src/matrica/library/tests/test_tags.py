"""The template tags the matrix cell, the staff record and the module page use: the right
resources, one query each."""

from __future__ import annotations

import datetime

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from matrica.compliance.models import RequirementStatus
from matrica.compliance.status import Status
from matrica.framework.models import Module
from matrica.library import actions

from .conftest import add, area, category

pytestmark = pytest.mark.django_db


def render(source: str, user, **context) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return Template("{% load library_tags %}" + source).render(
        Context({"request": request, **context})
    )


@pytest.fixture
def shelf(world):
    rs = world["RS"]
    basic = Module.objects.get(code="BA")
    return {
        "for_officers": add(title="Officers RAD", areas=[area("RAD")],
                            audiences=[category("FLO")], modules=[basic]),
        "for_anyone": add(title="Anyone RAD", areas=[area("RAD")]),
        "for_probation": add(title="Probation RAD", areas=[area("RAD")],
                             audiences=[category("PRO")]),
        "resilience": add(title="Resilience", areas=[area("RES")]),
        "montenegrin": add(world["ME"].users["national_admin"], world["ME"].beneficiary,
                           title="ME RAD", areas=[area("RAD")], modules=[basic]),
        "serbian": add(rs.users["national_admin"], rs.beneficiary, title="RS RAD",
                       areas=[area("RAD")], audiences=[category("FLO")]),
        "withdrawn": actions.withdraw_resource(
            actor=world.coordinator, resource=add(title="Old RAD", areas=[area("RAD")]),
            reason="Outdated",
        ),
    }  # fmt: skip


def test_cell(world, shelf, django_assert_num_queries):
    user = world["RS"].users["staff"]
    source = (
        "{% resources_for_cell area category as found %}{% for r in found %}{{ r.title }}|"
        "{% endfor %}"
    )
    rad, flo = area("RAD"), category("FLO")
    with django_assert_num_queries(1):
        text = render(source, user, area=rad, category=flo)
    assert text.split("|")[:-1] == ["Anyone RAD", "Officers RAD", "RS RAD"]


def test_module(world, shelf, django_assert_num_queries):
    basic = Module.objects.get(code="BA")
    source = (
        "{% resources_for_module module as found %}{% for r in found %}{{ r.title }}|{% endfor %}"
    )
    with django_assert_num_queries(1):
        text = render(source, world["ME"].users["staff"], module=basic)
    assert text.split("|")[:-1] == ["ME RAD", "Officers RAD"]
    assert render(source, world["RS"].users["staff"], module=basic) == "Officers RAD|"


def test_gaps(world, shelf, django_assert_num_queries):
    rs = world["RS"]
    member = rs.people[0]
    RequirementStatus.objects.bulk_create(
        RequirementStatus(
            staff_member=member, area=area(code), category=category("ALL"),
            beneficiary=rs.beneficiary, institution=member.institution,
            primary_category=member.primary_category, required_rank=1, held_rank=None,
            deadline=datetime.date(2025, 1, 1), status=status,
        )
        for code, status in (("RES", Status.MISSING), ("RAD", Status.CURRENT))
    )  # fmt: skip
    source = (
        "{% resources_for_gaps member as found %}{% for r in found %}{{ r.title }}|{% endfor %}"
    )
    with django_assert_num_queries(1):
        text = render(source, rs.users["institution_manager"], member=member)
    assert text == "Resilience|"
    given = (
        "{% resources_for_gaps member areas=gaps as found %}{% for r in found %}{{ r.title }}|"
        "{% endfor %}"
    )
    gaps = [area("RAD")]
    with django_assert_num_queries(1):
        text = render(given, rs.users["institution_manager"], member=member, gaps=gaps)
    assert "RS RAD" in text
    assert "ME RAD" not in text
    assert "Old RAD" not in text
