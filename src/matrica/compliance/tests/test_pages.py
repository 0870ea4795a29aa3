import datetime
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from matrica.compliance.services import refresh_all
from matrica.testing.factories import CompletionFactory

pytestmark = pytest.mark.django_db


def test_changing_the_scope_with_htmx_returns_the_page_the_form_selects_from(client, world):
    client.force_login(world["RS"].users["national_admin"])
    response = client.get(
        "/compliance/", {"on": "2025-01-01", "institution": world["RS"].prison.pk},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    assert "<main>" in response.content.decode()


def test_a_past_date_is_computed_once_per_page(client, world, django_assert_max_num_queries):
    """The engine runs once for the scope, whatever the number of figures on the page."""
    CompletionFactory(staff_member=world["RS"].people[0], completed_on=datetime.date(2023, 1, 5))
    refresh_all(on=datetime.date(2026, 1, 1))
    client.force_login(world["RS"].users["national_admin"])
    with django_assert_max_num_queries(40) as captured:
        response = client.get(reverse("compliance:dashboard"), {"on": "2024-01-01"})
    engine_runs = [q for q in captured.captured_queries if "WITH rules" in q["sql"]]
    assert len(engine_runs) == 1
    assert response.context["headline"].people.value == 3


def test_the_staff_record_panel_shows_status_per_requirement(client, world):
    member = world["RS"].people[0]
    CompletionFactory(staff_member=member, completed_on=datetime.date(2024, 1, 5))
    client.force_login(world["RS"].users["staff"])
    response = client.get(reverse("staff:record", args=[member.pk]), {"on": "2024-06-30"})
    statuses = {
        (e["area"].code, e["category"].code): e["status"] for e in response.context["entries"]
    }
    assert statuses[("RAD", "ALL")] == "current"
    assert statuses[("RAD", "FLO")] == "overdue"  # practitioner level was due in 2022


def test_the_trend_chart_keeps_plain_numbers_in_every_language(client, world):
    CompletionFactory(staff_member=world["RS"].people[0], completed_on=datetime.date(2024, 1, 5))
    call_command("compliance", "refresh", "--as-of", "2025-01-01", verbosity=0)
    client.force_login(world["RS"].users["national_admin"])
    client.post(reverse("set_language"), {"language": "sr-latn", "next": "/"})
    page = client.get(reverse("compliance:dashboard"), {"on": "2025-01-01"}).content.decode()
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert re.search(r'cy="\d+(\.\d+)?"', svg)
    assert not re.search(r'(cx|cy|y1|y2|y)="\d+,\d', svg)
