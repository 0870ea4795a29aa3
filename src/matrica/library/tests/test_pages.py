"""Every library URL for every role of two administrations, the coordinator and an anonymous
visitor; the download's headers."""

from __future__ import annotations

import pytest
from django.urls import reverse

from matrica.library.models import Resource

from .conftest import add, pdf_bytes, upload

pytestmark = pytest.mark.django_db

ROLES = ["national_admin", "training_manager", "institution_manager", "trainer", "staff"]
CURATORS = {"national_admin", "training_manager"}


@pytest.fixture
def shelf(world) -> dict[str, Resource]:
    rs_admin = world["RS"].users["national_admin"]
    me_admin = world["ME"].users["national_admin"]
    return {
        "common": add(world.coordinator, title="Common handbook",
                      upload=upload("common.pdf", pdf_bytes())),
        "RS": add(rs_admin, world["RS"].beneficiary, title="Serbian toolkit",
                  upload=upload("Priručnik RS.pdf", pdf_bytes())),
        "ME": add(me_admin, world["ME"].beneficiary, title="Montenegrin toolkit",
                  upload=upload("me.pdf", pdf_bytes())),
    }  # fmt: skip


def users(world):
    for code in ("RS", "ME"):
        for role in ROLES:
            yield f"{role}-{code}", code, role, world[code].users[role]
    yield "coordinator", None, "coordinator", world.coordinator


def expected_read(code: str | None, owner: str) -> bool:
    return owner == "common" or code is None or code == owner


def expected_curate(code: str | None, role: str, owner: str) -> bool:
    if role == "coordinator":
        return owner == "common"
    return role in CURATORS and owner == code


def test_every_url_for_every_role(client, world, shelf):
    for label, code, role, user in users(world):
        client.force_login(user)
        listing = client.get(reverse("library:list"))
        assert listing.status_code == 200, label
        shown = {r.title for r in listing.context["page"].object_list}
        for owner, resource in shelf.items():
            sees = expected_read(code, owner)
            assert (resource.title in shown) == sees, (label, owner)
            for name in ("library:detail", "library:download"):
                status = client.get(reverse(name, args=[resource.pk])).status_code
                assert status == (200 if sees else 404), (label, owner, name)
            curates = expected_curate(code, role, owner)
            for name in ("library:change", "library:withdraw"):
                status = client.get(reverse(name, args=[resource.pk])).status_code
                if curates:
                    assert status == 200, (label, owner, name)
                elif not sees or role in CURATORS or role == "coordinator":
                    assert status == 404, (label, owner, name)  # out of reach
                else:
                    assert status == 403, (label, owner, name)  # no such right at all
        adding = client.get(reverse("library:add")).status_code
        assert adding == (200 if role in CURATORS | {"coordinator"} else 403), label
        client.logout()


def test_anonymous_is_sent_to_log_in(client, shelf):
    urls = [reverse("library:list"), reverse("library:add")]
    for resource in shelf.values():
        for name in ("library:detail", "library:download", "library:change", "library:withdraw"):
            urls.append(reverse(name, args=[resource.pk]))
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert reverse("login") in response["Location"]


def test_download_headers(client, world, shelf):
    client.force_login(world["RS"].users["staff"])
    response = client.get(reverse("library:download", args=[shelf["RS"].pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf_bytes()
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''Priru%C4%8Dnik%20RS.pdf" in disposition
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_curators_add_change_and_withdraw_through_the_forms(client, world, framework):
    admin = world["RS"].users["training_manager"]
    client.force_login(admin)
    response = client.post(reverse("library:add"), {
        "kind": "toolkit", "title": "Priručnik za osoblje", "title_sr": "Приручник за особље",
        "languages": ["sr", "sr-latn"], "file": upload("toolkit.pdf", pdf_bytes()),
    })  # fmt: skip
    assert response.status_code == 302
    resource = Resource.objects.get(title="Priručnik za osoblje")
    assert resource.beneficiary == world["RS"].beneficiary
    assert resource.translations == {"sr": {"title": "Приручник за особље"}}

    refused = client.post(reverse("library:change", args=[resource.pk]), {
        "kind": "toolkit", "title": "Priručnik", "file": upload("x.pdf", b"not a pdf"),
    })  # fmt: skip
    assert refused.status_code == 200
    assert "file" in refused.context["form"].errors

    client.post(reverse("library:change", args=[resource.pk]),
                {"kind": "handbook", "title": "Priručnik", "year": "2024"})  # fmt: skip
    resource.refresh_from_db()
    assert (resource.kind, resource.year, resource.has_file) == ("handbook", 2024, True)

    empty = client.post(reverse("library:withdraw", args=[resource.pk]), {"reason": " "})
    assert empty.status_code == 200
    client.post(reverse("library:withdraw", args=[resource.pk]), {"reason": "Replaced"})
    resource.refresh_from_db()
    assert resource.is_withdrawn
    assert resource.withdrawal_reason == "Replaced"
    client.force_login(world["RS"].users["staff"])
    assert client.get(reverse("library:detail", args=[resource.pk])).status_code == 404
    assert client.get(reverse("library:download", args=[resource.pk])).status_code == 404


def test_search_page_with_facets(client, world, shelf):
    client.force_login(world["RS"].users["staff"])
    response = client.get(reverse("library:list"), {"q": "toolkit", "kind": "video"})
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == []
    response = client.get(reverse("library:list"), {"q": "SERBIAN"}, headers={"HX-Request": "true"})
    assert [r.title for r in response.context["page"].object_list] == ["Serbian toolkit"]
    assert b'<input type="checkbox" name="kind" value="handbook"' in response.content
