"""The demo's inventories, built on the test world (the whole demo is too slow for a test)."""

from __future__ import annotations

import pytest

from matrica.curricula.models import Course, CourseCoverage
from matrica.demo.curricula import INVENTORIES, build_curricula, wipe_curricula
from matrica.tenancy.models import Beneficiary
from matrica.testing.factories import BeneficiaryFactory

pytestmark = pytest.mark.django_db


def test_each_administration_gets_its_inventory_through_the_actions(world):
    written = build_curricula(Beneficiary.objects.order_by("code"))
    assert written == len(INVENTORIES["ME"]) + len(INVENTORIES["RS"])
    me = Course.objects.filter(beneficiary=world["ME"].beneficiary)
    assert {"ME-OSN", "ME-NAP"} <= set(me.values_list("code", flat=True))
    basic = me.get(code="ME-OSN")
    assert basic.kind == Course.Kind.INITIAL
    assert sorted(c.code for c in basic.target_categories.all()) == ["FLO", "PRO", "TRS"]
    assert CourseCoverage.objects.filter(course__beneficiary=world["RS"].beneficiary).exists()


def test_every_inventory_of_the_region_is_valid(world):
    """Every administration's courses pass the actions' rules."""
    for code in INVENTORIES:
        if not Beneficiary.objects.filter(code=code).exists():
            BeneficiaryFactory.create(code=code, name=code)
    assert build_curricula(Beneficiary.objects.all()) == sum(map(len, INVENTORIES.values()))
    wipe_curricula(Beneficiary.objects.all())
    assert not Course.objects.exists()


def test_the_demo_leaves_gaps_to_show(world):
    """No inventory covers every cell: the gap analysis has something to say."""
    build_curricula(Beneficiary.objects.all())
    covered = set(CourseCoverage.objects.values_list("area__code", "category__code"))
    assert ("RAD", "SIL") not in covered
    assert ("RAD", "FLO") in covered
