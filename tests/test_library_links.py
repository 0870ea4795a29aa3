"""Where people work, the library is one step away: each matrix cell links to the resources for
its area and category, and a module's page lists the materials linked to it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from matrica.framework.models import CompetencyArea, Module, StaffCategory
from matrica.library import actions as library
from matrica.tenancy.scoping import SYSTEM

pytestmark = pytest.mark.django_db


def test_a_matrix_cell_links_to_the_library_filtered_by_its_area_and_category(client, world):
    client.force_login(world["RS"].users["staff"])
    page = client.get(reverse("framework:matrix")).content.decode()
    area = CompetencyArea.objects.get(code="RAD")
    everyone = StaffCategory.objects.get(code="ALL")
    assert f"/library/?area={area.pk}&amp;audience={everyone.pk}" in page


def test_a_module_page_lists_its_materials(client, world):
    module = Module.objects.get(code="BA")
    handbook = library.add_resource(
        actor=SYSTEM, beneficiary=None, kind="handbook", title="Awareness trainer's handbook",
        modules=[module],
    )  # fmt: skip
    other = library.add_resource(
        actor=SYSTEM, beneficiary=None, kind="toolkit", title="Risk assessment toolkit"
    )
    client.force_login(world["RS"].users["staff"])
    page = client.get(reverse("delivery:module", args=[module.pk])).content.decode()
    assert f"/library/{handbook.pk}/" in page
    assert f"/library/{other.pk}/" not in page
