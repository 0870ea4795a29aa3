"""The training record (/staff/<pk>/): its requirements and dates come from the compliance engine,
rendered by the server, so a browser without JavaScript sees exactly what the engine says."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from matrica.framework.models import CompetencyArea
from matrica.testing.factories import (
    CompletionFactory,
    StaffMemberFactory,
    StaffRoleFactory,
    category,
)

pytestmark = pytest.mark.django_db


def requirement_rows(page: str) -> list[str]:
    """The text of each row of the requirements table, tags stripped."""
    start = page.index("Requirements and where this person stands")
    table = page[start : page.index("</table>", start)]
    rows = re.findall(r"<tr>(.*?)</tr>", table[table.index("<tbody>") :], re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]


def test_record_shows_the_engines_first_deadline_without_javascript(client, world):
    member = world["RS"].people[0]  # in post since 2015-03-01, before the matrix took effect
    client.force_login(world["RS"].users["training_manager"])

    page = client.get(reverse("staff:record", args=[member.pk])).content.decode()

    rad_all = next(
        row for row in requirement_rows(page) if row.startswith("RAD ") and "All staff" in row
    )
    # docs/compliance.md §3: the clock starts at the first version's effective date (2021-01-01),
    # and awareness is due 6 months later; not 6 months after the 2015 entry into post.
    assert "2021-07-01" in rad_all
    assert "2015-09-01" not in page
    assert 'hx-trigger="load"' not in page  # no placeholder waiting for a second request


def test_record_lists_no_requirement_before_entry_into_post(client, world):
    newcomer = StaffMemberFactory.create(
        institution=world["RS"].prison, entry_date=datetime.date(2024, 5, 1)
    )
    client.force_login(world["RS"].users["training_manager"])

    page = client.get(
        reverse("staff:record", args=[newcomer.pk]), {"on": "2024-04-30"}
    ).content.decode()

    assert requirement_rows(page) == ["No requirement applies on this date."]


def test_record_shows_a_roles_requirements_from_the_day_it_was_taken_up(client, world):
    member = world["RS"].people[0]
    StaffRoleFactory.create(
        staff_member=member, category=category("MDT"), start_date=datetime.date(2024, 5, 1)
    )
    client.force_login(world["RS"].users["training_manager"])

    page = client.get(
        reverse("staff:record", args=[member.pk]), {"on": "2025-01-01"}
    ).content.decode()

    mac_mdt = next(
        row
        for row in requirement_rows(page)
        if row.startswith("MAC ") and "Multi-disciplinary" in row
    )
    assert "2026-05-01" in mac_mdt  # specialist: 24 months after the role began


def test_record_page_queries_stay_flat_with_roles_and_evidence(
    client, world, django_assert_max_num_queries
):
    member = world["RS"].people[0]
    StaffRoleFactory.create(
        staff_member=member, category=category("MDT"), start_date=datetime.date(2022, 1, 1),
        end_date=datetime.date(2022, 12, 31),
    )  # fmt: skip
    StaffRoleFactory.create(
        staff_member=member, category=category("MDT"), start_date=datetime.date(2023, 6, 1)
    )
    StaffRoleFactory.create(
        staff_member=member, category=category("TRN"), start_date=datetime.date(2024, 2, 1)
    )
    for year in range(2016, 2026):
        CompletionFactory.create(staff_member=member, completed_on=datetime.date(year, 3, 1))
    client.force_login(world["RS"].users["training_manager"])

    # The first request of a session stamps its start and last activity (time-outs).
    client.get(reverse("home"))
    # Flat: one query each for the sessions and the library resources, whatever their number.
    with django_assert_max_num_queries(24):
        response = client.get(reverse("staff:record", args=[member.pk]))

    assert len(response.context["evidence"]) == 10
    assert len(response.context["roles"]) == 3


def test_the_record_lists_the_sessions_the_person_was_put_forward_for(client, world):
    """Staff see their own sessions on their record; an institution manager sees their people's."""
    import datetime

    from matrica.delivery import actions as delivery
    from matrica.delivery.tests.conftest import make_pool_trainer
    from matrica.framework.models import Module
    from matrica.tenancy.scoping import SYSTEM

    rs = world["RS"]
    module = Module.objects.get(code="BA")
    make_pool_trainer(rs.people[2], module)
    day = timezone.localdate() + datetime.timedelta(days=21)
    session = delivery.plan_session(
        actor=SYSTEM, module=module, beneficiary_id=rs.beneficiary.pk, starts_on=day,
        ends_on=day, starts_at=datetime.time(9), ends_at=datetime.time(12), capacity=5,
        venue="Niš", trainers=[rs.people[2]], invites_everyone=True,
    )  # fmt: skip
    delivery.open_session(actor=SYSTEM, session=session)
    delivery.nominate(actor=SYSTEM, session=session, staff_members=[rs.people[0]])
    for user in (rs.users["staff"], rs.users["institution_manager"]):
        client.force_login(user)
        page = client.get(reverse("staff:record", args=[rs.people[0].pk])).content.decode()
        assert f"/delivery/{session.pk}/" in page
        assert "Nominated" in page


def test_the_record_suggests_library_resources_for_the_persons_gaps(client, world):
    from matrica.compliance.services import refresh_all
    from matrica.library import actions as library
    from matrica.tenancy.scoping import SYSTEM

    rs = world["RS"]
    refresh_all(on=timezone.localdate())  # nobody holds anything: awareness is a gap
    radicalisation = CompetencyArea.objects.get(code="RAD")
    handbook = library.add_resource(
        actor=SYSTEM, beneficiary=None, code="HB-1", kind="handbook",
        title="Handbook on radicalisation",
        areas=[radicalisation],
    )  # fmt: skip
    client.force_login(rs.users["staff"])
    page = client.get(reverse("staff:record", args=[rs.people[0].pk])).content.decode()
    assert "Resources for the gaps" in page
    assert f"/library/{handbook.pk}/" in page
