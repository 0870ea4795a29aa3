import json

import pytest

from matrica.framework.actions import DEFAULT_MATRIX, FrameworkDataError, load_framework
from matrica.framework.models import (
    CompetencyArea,
    FrameworkVersion,
    Module,
    Requirement,
    StaffCategory,
)

pytestmark = pytest.mark.django_db


def cell(area: str, category: str) -> Requirement:
    return Requirement.objects.select_related("level").get(area__code=area, category__code=category)


def test_default_matrix_has_every_cell_of_the_published_table():
    load_framework()
    assert CompetencyArea.objects.count() == 13
    assert StaffCategory.objects.count() == 8
    assert Requirement.objects.count() == 81
    assert (cell("RAD", "ALL").level.code, cell("RAD", "ALL").refresher_months) == ("A", 36)
    assert (cell("MGT", "MGR").level.code, cell("MGT", "MGR").refresher_months) == ("S", 36)
    assert not Requirement.objects.filter(area__code="MGT", category__code="FLO").exists()


def test_deadline_follows_the_level_default():
    load_framework()
    assert cell("RAD", "ALL").deadline_months == 6
    assert cell("RAD", "FLO").deadline_months == 12
    assert cell("RAD", "TRS").deadline_months == 24


def test_modules_confer_what_the_matrix_says():
    load_framework()
    basic = Module.objects.get(code="BA")
    conferred = {(c.area.code, c.level.code) for c in basic.conferrals.all()}
    assert conferred == {("RAD", "A"), ("IDN", "A"), ("REP", "A"), ("HRL", "A"), ("RES", "A")}
    risk = Module.objects.get(code="RA")
    assert {m.code for m in risk.prerequisites_any_of.all()} == {"FL", "PR"}


def test_loading_twice_changes_nothing_and_never_rewrites_the_version():
    load_framework()
    requirement = cell("RAD", "FLO")
    requirement.refresher_months = 12
    requirement.save()
    report = load_framework()
    assert report.version_created is False
    assert FrameworkVersion.objects.count() == 1
    assert cell("RAD", "FLO").refresher_months == 12


def test_titles_are_translated_with_a_fallback_to_english():
    load_framework()
    area = CompetencyArea.objects.get(code="RAD")
    assert area.localized("title", "sr") != area.title
    assert area.localized("title", "cnr")  # falls back to Serbian Latin if needed
    assert area.localized("title", "de") == area.title


def test_a_broken_file_names_every_problem_and_loads_nothing(tmp_path):
    data = json.loads(DEFAULT_MATRIX.read_text(encoding="utf-8"))
    data["requirements"][3]["area"] = "NOPE"
    data["requirements"][5]["refresher_months"] = 0
    data["modules"][0]["confers"][0]["level"] = "Z"
    broken = tmp_path / "matrix.json"
    broken.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(FrameworkDataError) as error:
        load_framework(path=broken)
    message = str(error.value)
    assert "requirements[3].area: unknown code 'NOPE'" in message
    assert "requirements[5].refresher_months" in message
    assert "modules[0] (BA).confers: unknown level 'Z'" in message
    assert not CompetencyArea.objects.exists()
