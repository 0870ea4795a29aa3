"""Certificates as people get them: a PDF in their own language and script, with a code and a QR
code leading to the verification page; their own list, a session's list, the training record's
section, and revoking one. Who reaches each page."""

from __future__ import annotations

import io
import re

import pytest
import segno
from django.conf import settings
from django.core.cache import cache
from django.shortcuts import resolve_url
from django.test import override_settings
from django.urls import reverse
from pypdf import PdfReader

from matrica.audit.models import AuditEvent
from matrica.credentials.certificate import certificate_html, verification_url
from matrica.credentials.models import Certificate
from matrica.staff.models import StaffMember
from matrica.testing.factories import StaffMemberFactory
from matrica.testing.sessions import closed_session
from matrica.testing.world import login_as

pytestmark = pytest.mark.django_db

ROLES = ["national_admin", "training_manager", "institution_manager", "trainer", "staff"]
WHO = [f"{code}:{role}" for code in ("RS", "ME") for role in ROLES] + ["coordinator", "anonymous"]


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def pdf_text(pdf: bytes) -> str:
    """The text of a PDF as a reader's copy and paste or search gets it (through each font's
    ToUnicode map), read by pypdf, page after page; line breaks as spaces, since a long title
    wraps."""
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join("".join(page.extract_text() for page in reader.pages).split())


@pytest.fixture
def issued(world):
    """A closed Serbian session of basic awareness: Ђорђе Ђорђевић (the staff user, in Serbian
    Cyrillic), Milica Đorđević (in Turkish) and Ëndrit Çela (in Albanian) passed it."""
    serbia = world["RS"]
    albanian = StaffMemberFactory.create(
        institution=serbia.prison, given_name="Ëndrit", family_name="Çela",
        employee_number="RS-900",
    )  # fmt: skip
    people = [serbia.people[0], serbia.people[1], albanian]
    for person, language in zip(people, ("sr", "tr", "sq"), strict=True):
        StaffMember.objects.filter(pk=person.pk).update(preferred_language=language)
    session = closed_session(serbia, people=people)
    by_person = {c.staff_member_id: c for c in Certificate.objects.filter(session=session)}
    return {
        "session": session,
        "cyrillic": by_person[people[0].pk],
        "turkish": by_person[people[1].pk],
        "albanian": by_person[people[2].pk],
    }


def download(client, certificate):
    return client.get(reverse("credentials:certificate_pdf", args=[certificate.pk]))


# The PDF ---------------------------------------------------------------------------------------


def test_the_pdf_holds_the_cyrillic_name_the_module_in_serbian_and_the_code(client, world, issued):
    certificate = issued["cyrillic"]
    client.force_login(world["RS"].users["staff"])  # Ђорђе Ђорђевић, downloading his own

    response = download(client, certificate)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Ђорђе Ђорђевић" in text
    assert "Основно упознавање" in text  # the module's title in Serbian Cyrillic
    assert certificate.readable_code in text
    assert "Serbia" in text  # the administration that issued it
    assert certificate.completed_on.isoformat() in text
    assert certificate.valid_until.isoformat() in text


@pytest.mark.parametrize(
    ("who", "name", "title"),
    [
        ("turkish", "Milica Đorđević", "Temel farkındalık: radikalleşme"),
        ("albanian", "Ëndrit Çela", "Ndërgjegjësimi bazë"),
    ],
)
def test_the_pdf_holds_latin_names_with_diacritics_and_the_title_in_their_language(
    client, world, issued, who, name, title
):
    certificate = issued[who]
    client.force_login(world["RS"].users["training_manager"])

    text = pdf_text(download(client, certificate).content)

    assert name in text
    assert title in text
    assert certificate.readable_code in text


def test_the_pdf_is_one_a4_landscape_page(client, world, issued):
    client.force_login(world["RS"].users["national_admin"])

    reader = PdfReader(io.BytesIO(download(client, issued["cyrillic"]).content))

    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    # A4 is 297 × 210 mm, that is 841.9 × 595.3 points.
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)


def test_the_pdf_is_an_attachment_named_safely_and_its_download_audited(client, world, issued):
    certificate = issued["cyrillic"]
    user = world["RS"].users["institution_manager"]
    client.force_login(user)

    response = download(client, certificate)

    expected = f"matrica-certificate-ba-{certificate.completed_on:%Y-%m-%d}-{certificate.pk}.pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{expected}"'
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT, object_id=str(certificate.pk))
    assert event.user == user
    assert certificate.code not in str(event.before) + str(event.after) + event.message


@override_settings(MATRICA_BASE_URL="https://matrica.example.org/")
def test_the_qr_code_encodes_the_absolute_address_of_the_verification_page(issued):
    """No QR decoder is installed (the project ships none): the QR code in the certificate is
    checked against segno's encoding of the expected address, module for module, and against
    that of a neighbouring address, which it must not match."""
    certificate = issued["cyrillic"]
    expected = f"https://matrica.example.org/credentials/verify/{certificate.code}/"
    assert verification_url(certificate) == expected

    html = certificate_html(certificate)
    drawn = re.search(r"<svg.*?</svg>", html, re.S)
    assert drawn is not None

    def modules(url: str) -> str:
        qr = segno.make(url, error="m", micro=False, boost_error=False)
        svg = qr.svg_inline(scale=3, border=4, dark="#000", light="#fff")
        return re.findall(r' d="([^"]+)"', svg)[-1]  # the dark modules' path

    assert re.findall(r' d="([^"]+)"', drawn.group(0))[-1] == modules(expected)
    assert modules(expected) != modules(expected.replace(certificate.code, "0" * 20))


def test_a_revoked_certificate_is_no_longer_handed_out(client, world, issued):
    certificate = issued["cyrillic"]
    client.force_login(world["RS"].users["staff"])
    assert download(client, certificate).status_code == 200

    from matrica.credentials.actions import revoke_certificate

    revoke_certificate(
        actor=world["RS"].users["national_admin"], certificate=certificate, reason="Issued in error"
    )

    assert download(client, certificate).status_code == 404


# Who reaches each page ------------------------------------------------------------------------

# For the certificate of Serbia's staff user (Ђорђе, at the prison): the national roles, the
# prison's manager and the person. The trainer sees only their own records.
SEES_CERTIFICATE = {"RS:national_admin", "RS:training_manager", "RS:institution_manager",
                    "RS:staff"}  # fmt: skip
SEES_SESSION = SEES_CERTIFICATE | {"RS:trainer"}


@pytest.mark.parametrize("who", WHO)
def test_who_downloads_a_certificate(client, world, issued, who):
    login_as(client, world, who)
    response = download(client, issued["cyrillic"])
    if who == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))
    else:
        assert response.status_code == (200 if who in SEES_CERTIFICATE else 404), who


@pytest.mark.parametrize("who", WHO)
def test_who_reaches_my_certificates(client, world, issued, who):
    login_as(client, world, who)
    response = client.get(reverse("credentials:my_certificates"))
    assert response.status_code == (302 if who == "anonymous" else 200)


@pytest.mark.parametrize("who", WHO)
def test_who_reaches_a_sessions_certificates(client, world, issued, who):
    login_as(client, world, who)
    response = client.get(reverse("credentials:session_certificates", args=[issued["session"].pk]))
    if who == "anonymous":
        expected = 302
    elif who == "coordinator":
        expected = 403  # sees the session, never the people in it
    else:
        expected = 200 if who in SEES_SESSION else 404
    assert response.status_code == expected, who


@pytest.mark.parametrize("who", WHO)
def test_who_revokes_a_certificate(client, world, issued, who):
    certificate = issued["cyrillic"]
    login_as(client, world, who)
    response = client.post(
        reverse("credentials:revoke_certificate", args=[certificate.pk]),
        {"reason": "Issued in error"},
    )
    if who in ("anonymous", "RS:national_admin"):
        expected = 302
    elif who in SEES_CERTIFICATE:
        expected = 403  # in sight, without the verb
    else:
        expected = 404
    assert response.status_code == expected, who
    certificate.refresh_from_db()
    assert certificate.is_valid == (who != "RS:national_admin")


def test_an_unknown_certificate_is_absent(client, world):
    client.force_login(world["RS"].users["national_admin"])
    assert client.get(reverse("credentials:certificate_pdf", args=[999_999])).status_code == 404
    url = reverse("credentials:revoke_certificate", args=[999_999])
    assert client.post(url, {"reason": "x"}).status_code == 404


# The lists -------------------------------------------------------------------------------------


def test_my_certificates_lists_my_valid_and_revoked_ones_and_nobody_elses(client, world, issued):
    from matrica.credentials.actions import revoke_certificate

    mine = issued["cyrillic"]
    revoke_certificate(
        actor=world["RS"].users["national_admin"], certificate=mine, reason="Issued in error"
    )
    session = closed_session(world["RS"], people=[world["RS"].people[0]], module_code="BA")
    valid = Certificate.objects.get(session=session)
    client.force_login(world["RS"].users["staff"])

    response = client.get(reverse("credentials:my_certificates"))

    page = response.content.decode()
    assert {c.pk for c in response.context["certificates"]} == {valid.pk, mine.pk}
    assert reverse("credentials:certificate_pdf", args=[valid.pk]) in page
    assert reverse("credentials:certificate_pdf", args=[mine.pk]) not in page
    assert "Revoked" in page
    assert "Issued in error" in page
    assert "Milica" not in page
    assert mine.code not in page


def test_an_account_without_a_staff_record_holds_no_certificate(client, world, issued):
    client.force_login(world["RS"].users["national_admin"])
    page = client.get(reverse("credentials:my_certificates")).content.decode()
    assert "You hold no certificate yet." in page


def test_a_session_lists_the_certificates_each_user_may_see(client, world, issued):
    url = reverse("credentials:session_certificates", args=[issued["session"].pk])
    client.force_login(world["RS"].users["institution_manager"])
    page = client.get(url).content.decode()
    assert all(name in page for name in ("Ђорђе Ђорђевић", "Milica Đorđević", "Ëndrit Çela"))
    assert "Revoke" not in page

    client.force_login(world["RS"].users["staff"])
    page = client.get(url).content.decode()
    assert "Ђорђе Ђорђевић" in page
    assert "Milica" not in page


def test_a_national_administrator_revokes_a_certificate_with_a_reason(client, world, issued):
    certificate = issued["turkish"]
    client.force_login(world["RS"].users["national_admin"])
    url = reverse("credentials:session_certificates", args=[issued["session"].pk])
    assert "Revoke the certificate" in client.get(url).content.decode()

    response = client.post(
        reverse("credentials:revoke_certificate", args=[certificate.pk]),
        {"reason": "Attendance recorded in error"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == url
    assert "The certificate is revoked." in response.content.decode()
    certificate.refresh_from_db()
    assert not certificate.is_valid
    assert certificate.revoked_reason == "Attendance recorded in error"


def test_revoking_without_a_reason_is_refused_on_the_form(client, world, issued):
    certificate = issued["turkish"]
    client.force_login(world["RS"].users["national_admin"])
    url = reverse("credentials:revoke_certificate", args=[certificate.pk])

    response = client.post(url, {"reason": "  "})

    assert response.status_code == 400
    assert "Say why the certificate is revoked." in response.content.decode()
    certificate.refresh_from_db()
    assert certificate.is_valid
    assert client.get(url).status_code == 405  # a form that only posts


def test_revoking_needs_the_csrf_token(world, issued):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world["RS"].users["national_admin"])
    url = reverse("credentials:revoke_certificate", args=[issued["turkish"].pk])
    assert client.post(url, {"reason": "x"}).status_code == 403
    issued["turkish"].refresh_from_db()
    assert issued["turkish"].is_valid


def test_the_training_record_lists_the_persons_certificates(client, world, issued):
    client.force_login(world["RS"].users["staff"])
    page = client.get(reverse("staff:record", args=[world["RS"].people[0].pk])).content.decode()
    section = page[page.index('id="certificates-heading"') :]
    assert reverse("credentials:certificate_pdf", args=[issued["cyrillic"].pk]) in section
    assert "BA" in section


# Query budgets ---------------------------------------------------------------------------------


def many_certificates(world, count: int) -> None:
    serbia = world["RS"]
    people = [StaffMemberFactory.create(institution=serbia.prison) for _ in range(count)]
    for person in people:
        closed_session(serbia, people=[person, serbia.people[0]])


@pytest.mark.parametrize("count", [1, 6])
def test_the_lists_queries_do_not_grow_with_certificates(
    client, world, django_assert_max_num_queries, count
):
    many_certificates(world, count)
    session = Certificate.objects.latest("pk").session
    serbia = world["RS"]
    client.force_login(serbia.users["staff"])
    client.get(reverse("home"))  # the session's first request stamps its start
    with django_assert_max_num_queries(8):
        response = client.get(reverse("credentials:my_certificates"))
    assert len(response.context["certificates"]) == count
    client.force_login(serbia.users["training_manager"])
    client.get(reverse("home"))
    with django_assert_max_num_queries(10):
        client.get(reverse("credentials:session_certificates", args=[session.pk]))
    with django_assert_max_num_queries(28):
        response = client.get(reverse("staff:record", args=[serbia.people[0].pk]))
    assert len(response.context["certificates"]) == count
