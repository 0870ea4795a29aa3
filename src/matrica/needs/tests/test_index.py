"""The needs and strengths hub: each role finds the pages it may use, from the main menu and
the home page; a role with none of them gets 403."""

import pytest
from django.urls import reverse

from matrica.testing.world import login_as

pytestmark = pytest.mark.django_db


def links(client) -> set[str]:
    page = client.get(reverse("needs:index")).content.decode()
    names = ("curricula:list", "needs:gaps", "surveys:campaigns", "needs:plan_index",
             "needs:comparison")  # fmt: skip
    return {name for name in names if f'href="{reverse(name)}"' in page}


def test_a_national_administrator_finds_every_national_page(client, world):
    login_as(client, world, "RS:national_admin")
    assert links(client) == {
        "curricula:list", "needs:gaps", "surveys:campaigns", "needs:plan_index",
    }  # fmt: skip
    assert reverse("needs:index") in client.get(reverse("home")).content.decode()


def test_the_coordinator_finds_the_regional_comparison_too(client, world):
    login_as(client, world, "coordinator")
    assert "needs:comparison" in links(client)


@pytest.mark.parametrize("who", ["RS:trainer", "RS:staff", "RS:institution_manager"])
def test_roles_without_any_of_these_pages_get_403_and_no_menu_entry(client, world, who):
    login_as(client, world, who)
    assert client.get(reverse("needs:index")).status_code == 403
    assert reverse("needs:index") not in client.get(reverse("home")).content.decode()


def test_staff_find_their_surveys_on_the_home_page(client, world):
    login_as(client, world, "RS:staff")
    assert reverse("surveys:mine") in client.get(reverse("home")).content.decode()
