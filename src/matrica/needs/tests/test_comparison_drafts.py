"""Drafting the next framework version from the regional comparison: a draft copied from the
version in force, its cells changed or removed (coordinator only, audited, never a published
version, no figure moved), shown beside the version in force, and published."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from matrica.audit.models import AuditEvent
from matrica.compliance.scope import ComplianceScope
from matrica.compliance.selectors import headline
from matrica.framework.actions import (
    change_draft_requirement,
    create_draft_version,
    remove_draft_requirement,
)
from matrica.framework.models import CompetencyArea, FrameworkVersion, Level, Requirement
from matrica.framework.selectors import rules_in_force, version_in_force
from matrica.needs.drafts import differences
from matrica.testing.factories import category
from matrica.testing.world import login_as

pytestmark = pytest.mark.django_db


def area(code: str) -> CompetencyArea:
    return CompetencyArea.objects.get(code=code)


def level(code: str) -> Level:
    return Level.objects.get(code=code)


@pytest.fixture
def draft(world: Any, framework: FrameworkVersion) -> FrameworkVersion:
    return create_draft_version(
        actor=world.coordinator, source=framework, code="2027.1", title="Next matrix"
    )


def requirement(version: FrameworkVersion, area_code: str, category_code: str) -> Requirement:
    return Requirement.objects.get(
        version=version, area__code=area_code, category__code=category_code
    )


def a_cell_of(version: FrameworkVersion) -> Requirement:
    return version.requirements.select_related("area", "category", "level").first()  # type: ignore[return-value]


# The actions ---------------------------------------------------------------------------------


def test_the_coordinator_changes_a_cells_level_refresher_and_deadline(world, draft):
    cell = a_cell_of(draft)
    change_draft_requirement(
        actor=world.coordinator, version=draft, area=cell.area, category=cell.category,
        level=level("S"), refresher_months=12, deadline_months=3,
    )  # fmt: skip
    changed = requirement(draft, cell.area.code, cell.category.code)
    assert (changed.level.code, changed.refresher_months, changed.deadline_months) == ("S", 12, 3)


def test_a_cell_the_draft_lacks_is_added(world, draft):
    cell = a_cell_of(draft)
    remove_draft_requirement(
        actor=world.coordinator, version=draft, area=cell.area, category=cell.category
    )
    assert not draft.requirements.filter(area=cell.area, category=cell.category).exists()
    change_draft_requirement(
        actor=world.coordinator, version=draft, area=cell.area, category=cell.category,
        level=level("A"), refresher_months=36, deadline_months=6,
    )  # fmt: skip
    assert requirement(draft, cell.area.code, cell.category.code).level.code == "A"


def test_a_published_version_is_never_changed(world, framework):
    cell = a_cell_of(framework)
    before = (cell.level_id, cell.refresher_months)
    with pytest.raises(ValidationError, match="published"):
        change_draft_requirement(
            actor=world.coordinator, version=framework, area=cell.area, category=cell.category,
            level=level("S"), refresher_months=1, deadline_months=1,
        )  # fmt: skip
    with pytest.raises(ValidationError, match="published"):
        remove_draft_requirement(
            actor=world.coordinator, version=framework, area=cell.area, category=cell.category
        )
    cell.refresh_from_db()
    assert (cell.level_id, cell.refresher_months) == before


@pytest.mark.parametrize("who", ["national_admin", "training_manager"])
def test_only_the_coordinator_changes_a_draft(world, draft, who):
    cell = a_cell_of(draft)
    with pytest.raises(PermissionDenied):
        change_draft_requirement(
            actor=world["RS"].users[who], version=draft, area=cell.area, category=cell.category,
            level=level("S"), refresher_months=12, deadline_months=3,
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        remove_draft_requirement(
            actor=world["RS"].users[who], version=draft, area=cell.area, category=cell.category
        )


def test_a_refresher_of_zero_months_is_refused(world, draft):
    cell = a_cell_of(draft)
    with pytest.raises(ValidationError):
        change_draft_requirement(
            actor=world.coordinator, version=draft, area=cell.area, category=cell.category,
            level=level("S"), refresher_months=0, deadline_months=3,
        )  # fmt: skip


def test_removing_a_cell_the_draft_lacks_is_refused(world, draft):
    cell = a_cell_of(draft)
    remove_draft_requirement(
        actor=world.coordinator, version=draft, area=cell.area, category=cell.category
    )
    with pytest.raises(ValidationError):
        remove_draft_requirement(
            actor=world.coordinator, version=draft, area=cell.area, category=cell.category
        )


def test_every_change_of_a_draft_is_audited(world, draft):
    cell = a_cell_of(draft)
    change_draft_requirement(
        actor=world.coordinator, version=draft, area=cell.area, category=cell.category,
        level=level("S"), refresher_months=12, deadline_months=3,
    )  # fmt: skip
    remove_draft_requirement(
        actor=world.coordinator, version=draft, area=cell.area, category=cell.category
    )
    events = AuditEvent.objects.filter(
        user=world.coordinator, message__contains=f"{cell.area.code}×{cell.category.code}"
    ).order_by("pk")
    assert [event.action for event in events] == [
        AuditEvent.Action.UPDATE,
        AuditEvent.Action.DELETE,
    ]
    assert events[0].after["refresher_months"] == 12


def test_a_draft_changes_no_figure_until_published(world, draft):
    today = timezone.localdate()
    scope = ComplianceScope(world.superuser, today)
    before = headline(scope)
    _version, _adaptation, rules_before = rules_in_force(
        beneficiary_id=world["RS"].beneficiary.pk, on=today
    )
    for each in draft.requirements.select_related("area", "category"):
        change_draft_requirement(
            actor=world.coordinator, version=draft, area=each.area, category=each.category,
            level=level("S"), refresher_months=1, deadline_months=0,
        )  # fmt: skip
    _version, _adaptation, rules_after = rules_in_force(
        beneficiary_id=world["RS"].beneficiary.pk, on=today
    )
    assert version_in_force(today) != draft
    assert {cell: rule.level_rank for cell, rule in rules_after.items()} == {
        cell: rule.level_rank for cell, rule in rules_before.items()
    }
    assert headline(ComplianceScope(world.superuser, today)) == before


# The side by side ----------------------------------------------------------------------------


def test_differences_name_what_changed(world, draft, framework):
    cells = list(draft.requirements.select_related("area", "category")[:2])
    changed, removed = cells
    change_draft_requirement(
        actor=world.coordinator, version=draft, area=changed.area, category=changed.category,
        level=changed.level, refresher_months=changed.refresher_months + 1,
        deadline_months=changed.deadline_months,
    )  # fmt: skip
    remove_draft_requirement(
        actor=world.coordinator, version=draft, area=removed.area, category=removed.category
    )
    by_cell = {
        (d.requirement.area.code, d.requirement.category.code): d
        for d in differences(draft, framework)
    }
    first = by_cell[(changed.area.code, changed.category.code)]
    assert (first.kind, first.changed_fields) == ("changed", ("refresher_months",))
    assert first.description == "Changed: refresher"
    assert by_cell[(removed.area.code, removed.category.code)].kind == "removed"
    assert sum(1 for d in by_cell.values() if d.kind == "same") == len(by_cell) - 2


def test_the_side_by_side_page_says_in_words_which_cells_differ(
    client, world, draft, django_assert_max_num_queries
):
    cell = a_cell_of(draft)
    change_draft_requirement(
        actor=world.coordinator, version=draft, area=cell.area, category=cell.category,
        level=level("S"), refresher_months=cell.refresher_months,
        deadline_months=cell.deadline_months,
    )  # fmt: skip
    login_as(client, world, "coordinator")
    with django_assert_max_num_queries(25):
        response = client.get(reverse("needs:draft", args=[draft.code]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Changed: level" in page
    assert "1 cell differs" in page
    assert page.count("Unchanged") == draft.requirements.count() - 1


def test_the_change_link_fills_the_form_with_the_drafts_cell(client, world, draft):
    cell = a_cell_of(draft)
    login_as(client, world, "coordinator")
    response = client.get(
        reverse("needs:draft", args=[draft.code]),
        {"area": cell.area_id, "category": cell.category_id},
    )
    form = response.context["cell_form"]
    assert form.initial["refresher_months"] == cell.refresher_months


def test_a_cell_is_set_and_removed_from_the_page(client, world, draft):
    cell = a_cell_of(draft)
    login_as(client, world, "coordinator")
    url = reverse("needs:draft", args=[draft.code])
    response = client.post(url, {
        "area": cell.area_id, "category": cell.category_id, "level": level("S").pk,
        "refresher_months": 24, "deadline_months": 6,
    })  # fmt: skip
    assert response.status_code == 302
    assert requirement(draft, cell.area.code, cell.category.code).refresher_months == 24
    response = client.post(
        reverse("needs:draft_remove", args=[draft.code]),
        {"area": cell.area_id, "category": cell.category_id},
    )
    assert response.status_code == 302
    assert not draft.requirements.filter(area=cell.area, category=cell.category).exists()


def test_an_invalid_cell_shows_the_form_again(client, world, draft):
    cell = a_cell_of(draft)
    login_as(client, world, "coordinator")
    response = client.post(reverse("needs:draft", args=[draft.code]), {
        "area": cell.area_id, "category": cell.category_id, "level": level("S").pk,
        "refresher_months": 0, "deadline_months": 6,
    })  # fmt: skip
    assert response.status_code == 400
    assert response.context["cell_form"].errors["refresher_months"]


def test_a_published_versions_address_is_not_a_draft_page(client, world, framework):
    login_as(client, world, "coordinator")
    assert client.get(reverse("needs:draft", args=[framework.code])).status_code == 404


@pytest.mark.parametrize("who", ["RS:national_admin", "RS:training_manager", "RS:staff"])
def test_others_may_not_open_or_change_a_draft(client, world, draft, who):
    cell = a_cell_of(draft)
    login_as(client, world, who)
    url = reverse("needs:draft", args=[draft.code])
    assert client.get(url).status_code == 403
    post = {"area": cell.area_id, "category": cell.category_id, "level": level("S").pk,
            "refresher_months": 1, "deadline_months": 1}  # fmt: skip
    assert client.post(url, post).status_code == 403
    assert client.post(reverse("needs:draft_create")).status_code == 403
    assert requirement(draft, cell.area.code, cell.category.code).refresher_months != 1


# Creating and publishing from the comparison ---------------------------------------------------


def test_the_coordinator_creates_a_draft_from_the_version_in_force(client, world, framework):
    login_as(client, world, "coordinator")
    response = client.post(reverse("needs:draft_create"), {"code": "2027.1", "title": "Next"})
    assert response.status_code == 302
    draft = FrameworkVersion.objects.get(code="2027.1")
    assert not draft.published
    assert response["Location"] == reverse("needs:draft", args=["2027.1"])
    assert draft.requirements.count() == framework.requirements.count()


def test_publishing_puts_the_changed_draft_in_force(client, world, draft, framework):
    cell = a_cell_of(draft)
    change_draft_requirement(
        actor=world.coordinator, version=draft, area=cell.area, category=cell.category,
        level=level("S"), refresher_months=12, deadline_months=3,
    )  # fmt: skip
    login_as(client, world, "coordinator")
    effective = framework.effective_from + datetime.timedelta(days=1)
    response = client.post(
        reverse("needs:draft_publish", args=[draft.code]),
        {"effective_from": effective.isoformat()},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.published
    assert version_in_force(effective) == draft
    _version, _adaptation, rules = rules_in_force(
        beneficiary_id=world["RS"].beneficiary.pk, on=effective
    )
    assert rules[(cell.area_id, cell.category_id)].level_rank == level("S").rank
    # Published: no longer editable, from the page or the action.
    assert client.get(reverse("needs:draft", args=[draft.code])).status_code == 404
    with pytest.raises(ValidationError):
        change_draft_requirement(
            actor=world.coordinator, version=draft, area=cell.area, category=cell.category,
            level=level("A"), refresher_months=12, deadline_months=3,
        )  # fmt: skip


def test_a_date_before_the_version_in_force_is_refused(client, world, draft, framework):
    login_as(client, world, "coordinator")
    response = client.post(
        reverse("needs:draft_publish", args=[draft.code]),
        {"effective_from": framework.effective_from.isoformat()},
        follow=True,
    )
    draft.refresh_from_db()
    assert not draft.published
    assert "Choose a date after" in response.content.decode()


def test_category_of_everyone_can_be_set(world, draft):
    """A cell of the category that applies to everyone is a cell like any other."""
    change_draft_requirement(
        actor=world.coordinator, version=draft, area=area("RAD"), category=category("ALL"),
        level=level("P"), refresher_months=24, deadline_months=6,
    )  # fmt: skip
    assert requirement(draft, "RAD", "ALL").level.code == "P"


def test_drafts_without_a_code_get_free_codes(client, world, framework):
    login_as(client, world, "coordinator")
    for _ in range(2):
        assert client.post(reverse("needs:draft_create"), {}).status_code == 302
    drafts = FrameworkVersion.objects.drafts()
    assert drafts.count() == 2
    assert f"{framework.code}-next" in set(drafts.values_list("code", flat=True))
