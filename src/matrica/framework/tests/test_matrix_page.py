import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_matrix_shows_level_refresher_and_satisfying_modules(client, world):
    client.force_login(world.coordinator)
    response = client.get(reverse("framework:matrix"), {"on": "2024-01-01"})
    matrix = response.context["matrix"]
    rows = {area.code: cells for area, cells in matrix.rows}
    columns = [category.code for category in matrix.categories]
    rad_flo = rows["RAD"][columns.index("FLO")]
    assert (rad_flo.level.code, rad_flo.rule.refresher_months) == ("P", 24)
    # Practitioner RAD comes from FL, PR, MG, and the specialist modules SI and IN satisfy it too.
    assert {m.code for m in rad_flo.modules} == {"FL", "PR", "MG", "SI", "IN"}
    assert rows["MGT"][columns.index("FLO")].rule is None


def test_before_the_first_version_the_page_says_so(client, world):
    client.force_login(world.coordinator)
    response = client.get(reverse("framework:matrix"), {"on": "2019-01-01"})
    assert response.context["matrix"] is None
    assert "No framework version was in force" in response.content.decode()


def test_matrix_page_uses_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    client.force_login(world["RS"].users["staff"])
    with django_assert_max_num_queries(20):
        assert client.get(reverse("framework:matrix")).status_code == 200
