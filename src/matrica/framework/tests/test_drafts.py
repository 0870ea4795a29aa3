"""Draft framework versions: prepared without changing anything, then published on a date."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse

from matrica.audit.models import AuditEvent
from matrica.compliance.engine import PeopleFilter, status_query
from matrica.compliance.scope import ComplianceScope
from matrica.compliance.selectors import status_rows
from matrica.compliance.services import refresh_all
from matrica.framework.actions import create_draft_version, publish_version
from matrica.framework.models import FrameworkVersion, Level, Requirement
from matrica.framework.selectors import framework_matrix, version_in_force
from matrica.tenancy.scoping import SystemUser

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 1)
LATER = datetime.date(2027, 1, 1)


def engine_rows(on: datetime.date) -> list[tuple[Any, ...]]:
    """Every status on `on`, computed by the engine itself."""
    query = status_query(on, PeopleFilter.everyone())
    assert query is not None
    with connection.cursor() as cursor:
        cursor.execute(*query)
        return sorted(tuple(str(value) for value in row) for row in cursor.fetchall())


def cells(on: datetime.date) -> dict[tuple[str, str], tuple[str, int]]:
    matrix = framework_matrix(beneficiary=None, on=on)
    assert matrix is not None
    return {
        (area.code, category.code): (cell.level.code, cell.rule.refresher_months)
        for area, row in matrix.rows
        for category, cell in zip(matrix.categories, row, strict=True)
        if cell.rule is not None and cell.level is not None
    }


@pytest.fixture
def draft(world: Any, framework: FrameworkVersion) -> FrameworkVersion:
    """A copy of the published version asking specialist level of everyone in RAD."""
    version = create_draft_version(
        actor=world.coordinator, source=framework, code="2027.1", title="Next matrix",
        effective_from=LATER,
    )  # fmt: skip
    changed = Requirement.objects.filter(
        version=version, area__code="RAD", category__code="ALL"
    ).update(level=Level.objects.get(code="S"), refresher_months=12)
    assert changed == 1
    return version


def test_a_draft_copies_the_requirements_of_its_source(draft, framework):
    def rules(version: FrameworkVersion) -> set[tuple[str, str, str, int, int]]:
        return {
            (r.area.code, r.category.code, r.level.code, r.refresher_months, r.deadline_months)
            for r in version.requirements.select_related("area", "category", "level")
        }

    assert not draft.published
    assert len(rules(draft)) == len(rules(framework))
    assert rules(draft) - rules(framework) == {("RAD", "ALL", "S", 12, 6)}
    assert AuditEvent.objects.filter(object_repr__startswith="2027.1").exists()


def test_a_draft_changes_no_figure_and_no_page_until_published(client, world, framework):
    refresh_all(on=TODAY)
    before_snapshot = status_rows(ComplianceScope(SystemUser(), on=TODAY))
    before_later, before_cells = engine_rows(LATER), cells(LATER)
    client.force_login(world.coordinator)
    page_before = client.get(reverse("framework:matrix"), {"on": LATER.isoformat()})

    version = create_draft_version(
        actor=world.coordinator, source=framework, code="2027.1", title="Next", effective_from=LATER
    )
    Requirement.objects.filter(version=version, area__code="RAD").update(
        level=Level.objects.get(code="S"), refresher_months=6
    )

    assert version_in_force(LATER) == framework
    assert status_rows(ComplianceScope(SystemUser(), on=TODAY)) == before_snapshot
    assert engine_rows(LATER) == before_later
    assert cells(LATER) == before_cells
    page = client.get(reverse("framework:matrix"), {"on": LATER.isoformat()})
    assert page.context["matrix"].version == framework
    assert page.content.decode().count("<strong") == page_before.content.decode().count("<strong")

    publish_version(actor=world.coordinator, version=version, effective_from=LATER)

    assert version_in_force(LATER) == version
    assert version_in_force(LATER - datetime.timedelta(days=1)) == framework
    assert cells(LATER)[("RAD", "ALL")] == ("S", 6)
    assert cells(LATER - datetime.timedelta(days=1)) == before_cells
    assert engine_rows(LATER) != before_later
    page = client.get(reverse("framework:matrix"), {"on": LATER.isoformat()})
    assert page.context["matrix"].version == version


def test_publishing_audits_and_refuses_a_date_before_the_version_in_force(draft, world):
    with pytest.raises(ValidationError, match="after 2021-01-01"):
        publish_version(
            actor=world.coordinator, version=draft, effective_from=datetime.date(2021, 1, 1)
        )
    draft.refresh_from_db()
    assert not draft.published
    publish_version(actor=world.coordinator, version=draft, effective_from=LATER)
    draft.refresh_from_db()
    assert (draft.published, draft.effective_from) == (True, LATER)
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.UPDATE, message__contains="Published"
    ).exists()
    with pytest.raises(ValidationError, match="already published"):
        publish_version(actor=world.coordinator, version=draft, effective_from=LATER)


def test_a_draft_may_propose_the_date_of_a_published_version(world, framework):
    """Drafts are not held to one version per day; published versions are."""
    copy = create_draft_version(
        actor=world.coordinator, source=framework, code="copy", title="Copy",
        effective_from=framework.effective_from,
    )  # fmt: skip
    assert copy.effective_from == framework.effective_from


@pytest.mark.parametrize("who", ["national_admin", "training_manager", "staff"])
def test_only_the_coordinator_drafts_and_publishes(world, framework, draft, who):
    user = world["RS"].users[who]
    with pytest.raises(PermissionDenied):
        create_draft_version(actor=user, source=framework, code="x", title="x")
    with pytest.raises(PermissionDenied):
        publish_version(actor=user, version=draft, effective_from=LATER)
    draft.refresh_from_db()
    assert not draft.published


def test_the_publish_page_puts_a_draft_in_force(client, world, draft):
    client.force_login(world.coordinator)
    response = client.post(
        reverse("framework:publish", args=[draft.code]), {"effective_from": LATER.isoformat()}
    )
    assert response.status_code == 302
    assert version_in_force(LATER) == draft


def test_the_publish_page_is_forbidden_to_a_national_administrator(client, world, draft):
    client.force_login(world["RS"].users["national_admin"])
    response = client.post(
        reverse("framework:publish", args=[draft.code]), {"effective_from": LATER.isoformat()}
    )
    assert response.status_code == 403
    draft.refresh_from_db()
    assert not draft.published
