"""A session's certificates as CSV and XLSX: the certificates the session's page lists to the
same user, with their state as a stable code beside the translated label, never their
verification codes; on the audit trail when the file names someone."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from matrica.audit.models import AuditEvent
from matrica.credentials import actions
from matrica.credentials.models import Certificate
from matrica.testing.factories import StaffMemberFactory
from matrica.testing.sessions import closed_session
from matrica.testing.world import login_as

pytestmark = pytest.mark.django_db


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def read_xlsx(response) -> list[tuple]:
    assert response.status_code == 200
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


def get(client, session, file_format: str, language: str = "en"):
    return client.get(
        reverse("credentials:session_certificates_export", args=[session.pk, file_format]),
        HTTP_ACCEPT_LANGUAGE=language,
    )


def exports_taken() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).order_by("pk"))


@pytest.fixture
def issued(world):
    """A closed Serbian session: RS-001 (Ђорђе Ђорђевић), RS-002 and a probation officer passed;
    RS-002's certificate is then revoked."""
    serbia = world["RS"]
    officer = StaffMemberFactory.create(
        institution=serbia.probation, employee_number="RS-100", family_name="=Kovač",
        given_name="Ivan",
    )  # fmt: skip
    session = closed_session(serbia, people=[*serbia.people[:2], officer])
    revoked = Certificate.objects.get(session=session, staff_member=serbia.people[1])
    actions.revoke_certificate(
        actor=serbia.users["national_admin"], certificate=revoked, reason="Issued in error"
    )
    return session


def by_number(rows) -> dict[str, dict[str, str]]:
    header = rows[0]
    return {line[2]: dict(zip(header, line, strict=True)) for line in rows[1:]}


def test_the_certificates_download_with_their_state_and_dates(client, world, issued):
    login_as(client, world, "RS:national_admin")
    response = get(client, issued, "csv")
    lines = by_number(read_csv(response))
    assert set(lines) == {"RS-001", "RS-002", "RS-100"}
    valid, revoked = lines["RS-001"], lines["RS-002"]
    assert (valid["Family name"], valid["Given name"]) == ("Ђорђевић", "Ђорђе")
    assert (valid["Session id"], valid["Module code"], valid["Administration code"]) == (
        str(issued.pk), "BA", "RS",
    )  # fmt: skip
    assert (valid["State"], valid["State code"], valid["Revoked at"]) == ("Valid", "valid", "")
    today = timezone.localdate().isoformat()
    assert valid["Issued at"] == today
    assert (revoked["State"], revoked["State code"]) == ("Revoked", "revoked")
    assert (revoked["Revoked at"], revoked["Reason"]) == (today, "Issued in error")
    assert lines["RS-100"]["Family name"] == "'=Kovač"
    assert "no-store" in response["Cache-Control"]
    (event,) = exports_taken()
    assert (event.object_id, event.message) == (str(issued.pk), "Certificates downloaded (CSV)")
    assert event.beneficiary_id == world["RS"].beneficiary.pk


def test_the_file_never_holds_a_verification_code(client, world, issued):
    login_as(client, world, "RS:national_admin")
    text = get(client, issued, "csv").content.decode("utf-8")
    xlsx = read_xlsx(get(client, issued, "xlsx"))
    for certificate in Certificate.objects.filter(session=issued):
        for code in (certificate.code, certificate.readable_code):
            assert code not in text
            assert not any(code in str(cell) for line in xlsx for cell in line)


def test_an_expired_certificate_says_so(client, world, issued):
    past = timezone.localdate() - datetime.timedelta(days=1)
    Certificate.objects.filter(session=issued, revoked_at__isnull=True).update(valid_until=past)
    login_as(client, world, "RS:training_manager")
    lines = by_number(read_csv(get(client, issued, "csv")))
    assert {number: line["State code"] for number, line in lines.items()} == {
        "RS-001": "expired", "RS-002": "revoked", "RS-100": "expired",
    }  # fmt: skip
    assert lines["RS-001"]["Valid until"] == past.isoformat()


def test_the_certificates_speak_serbian_and_their_codes_do_not(client, world, issued):
    login_as(client, world, "RS:national_admin")
    english = read_xlsx(get(client, issued, "xlsx"))
    serbian = read_xlsx(get(client, issued, "xlsx", language="sr"))
    assert serbian[0][2:5] == ("Број запосленог", "Презиме", "Име")
    assert serbian[0][9] == "Статус"
    states = {line[2]: (line[9], line[10]) for line in serbian[1:]}
    assert states["RS-001"] == ("Важеће", "valid")
    assert states["RS-002"] == ("Опозвано", "revoked")
    assert [line[10] for line in serbian[1:]] == [line[10] for line in english[1:]]
    assert isinstance(english[1][7], datetime.datetime)  # completed on: a date cell


def test_the_certificates_are_scoped_like_the_page(client, world, issued):
    login_as(client, world, "RS:institution_manager")  # the prison's: not the probation officer
    page = client.get(reverse("credentials:session_certificates", args=[issued.pk]))
    lines = read_csv(get(client, issued, "csv"))[1:]
    assert [line[2] for line in lines] == [
        c.staff_member.employee_number for c in page.context["certificates"]
    ]
    assert sorted(line[2] for line in lines) == ["RS-001", "RS-002"]
    login_as(client, world, "RS:staff")  # RS-001, their own only
    assert [line[2] for line in read_csv(get(client, issued, "csv"))[1:]] == ["RS-001"]
    login_as(client, world, "RS:trainer")  # took no part, sees nobody: no copy of anyone
    assert read_csv(get(client, issued, "csv"))[1:] == []
    assert len(exports_taken()) == 2
    login_as(client, world, "coordinator")  # sees the session, never its people
    assert get(client, issued, "csv").status_code == 403
    login_as(client, world, "ME:national_admin")
    assert get(client, issued, "csv").status_code == 404
    login_as(client, world, "RS:national_admin")
    assert get(client, issued, "pdf").status_code == 404
    assert len(exports_taken()) == 2


def test_the_page_offers_the_download(client, world, issued):
    login_as(client, world, "RS:training_manager")
    page = client.get(reverse("credentials:session_certificates", args=[issued.pk]))
    for file_format in ("csv", "xlsx"):
        url = reverse("credentials:session_certificates_export", args=[issued.pk, file_format])
        assert url in page.content.decode()


def test_the_certificates_cost_the_same_queries_for_many_people(
    client, world, django_assert_max_num_queries
):
    serbia = world["RS"]
    people = StaffMemberFactory.create_batch(10, institution=serbia.prison)  # a full session
    session = closed_session(serbia, people=people)
    login_as(client, world, "RS:training_manager")
    with django_assert_max_num_queries(10):
        rows = read_csv(get(client, session, "csv"))
    assert len(rows) == 1 + 10
