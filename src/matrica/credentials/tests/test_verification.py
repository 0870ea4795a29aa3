"""The public verification page, where a certificate's QR code leads: open to anyone, it confirms
name, module, dates and validity and nothing more; a wrong code and a revoked certificate get the
very same "not valid" answer; lookups are rate-limited per client address."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from matrica.credentials.actions import revoke_certificate
from matrica.credentials.models import Certificate, readable_code
from matrica.ratelimit import Rate
from matrica.staff.models import StaffMember
from matrica.testing.sessions import closed_session

pytestmark = pytest.mark.django_db

ROLES = ["national_admin", "training_manager", "institution_manager", "trainer", "staff"]
WHO = [f"{code}:{role}" for code in ("RS", "ME") for role in ROLES] + ["coordinator", "anonymous"]
WRONG_CODE = "ZZZZZZZZZZZZZZZZZZZZ"  # the right shape, issued to nobody


@pytest.fixture(autouse=True)
def fresh_cache():
    """The rate limit counts in the cache: each test starts with none spent."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def certificates(world):
    serbia = world["RS"]
    StaffMember.objects.filter(pk=serbia.people[0].pk).update(preferred_language="sr")
    session = closed_session(serbia)
    first, second = Certificate.objects.filter(session=session).order_by("staff_member__pk")
    return {"valid": first, "revoked": second, "serbia": serbia}


@pytest.fixture
def revoked(world, certificates):
    certificate = certificates["revoked"]
    revoke_certificate(
        actor=world["RS"].users["national_admin"], certificate=certificate, reason="In error"
    )
    return certificate


def verify(client: Client, code: str):
    return client.get(reverse("credentials:verify", args=[code]))


def lookup(client: Client, code: str):
    """A code typed into the form."""
    return client.post(reverse("credentials:verify_form"), {"code": code})


def without_csrf(page: str) -> str:
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)
    return re.sub(r'"X-CSRFToken": "[^"]*"', "", page)


def facts(page: str) -> dict[str, str]:
    """The answer's terms and what they say, tags stripped."""
    pairs = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", page, re.S)
    return {term: re.sub(r"<[^>]+>", "", value).strip() for term, value in pairs}


# What a valid certificate's page says, and does not ---------------------------------------------


def test_a_valid_certificate_shows_exactly_name_module_dates_and_validity(client, certificates):
    certificate = certificates["valid"]

    response = verify(client, certificate.code)

    assert response.status_code == 200
    page = response.content.decode()
    assert facts(page) == {
        "Name": "Ђорђе Ђорђевић",
        "Module": "Basic awareness: radicalisation, violent extremism and identification",
        "Completed on": certificate.completed_on.isoformat(),
        "Valid until": certificate.valid_until.isoformat(),
    }
    assert "Valid" in re.sub(r"<[^>]+>", " ", page)


def test_the_page_reveals_nothing_more_of_the_person_or_the_session(client, certificates):
    certificate = certificates["valid"]
    member = certificate.staff_member
    session = certificate.session

    page = verify(client, certificate.code).content.decode()

    for secret in (
        member.employee_number, member.institution.name, "RS probation office", "Serbia",
        session.venue, "Марко Јовановић", "Milica", str(certificate.score), "score",
        certificate.readable_code, str(certificate.status_index),
    ):  # fmt: skip
        assert secret not in page, secret


def test_the_module_title_follows_the_readers_language(client, certificates):
    client.cookies["django_language"] = "sr-latn"
    page = verify(client, certificates["valid"].code).content.decode()
    # The labels are in Serbian too, so the module is found among the facts by its title.
    assert any(value.startswith("Osnovno upoznavanje") for value in facts(page).values())


def test_a_code_is_read_as_people_type_it(client, certificates):
    code = certificates["valid"].code
    typed = readable_code(code).lower().replace("0", "o").replace("1", "l")
    page = lookup(client, f"  {typed} ").content.decode()
    assert facts(page)["Name"] == "Ђорђе Ђорђевић"


def test_an_expired_certificate_is_genuine_and_says_it_has_expired(client, certificates):
    certificate = certificates["valid"]
    expired_on = timezone.localdate() - datetime.timedelta(days=1)
    Certificate.objects.filter(pk=certificate.pk).update(valid_until=expired_on)

    page = verify(client, certificate.code).content.decode()

    assert "Expired" in page
    assert facts(page)["Valid until"] == expired_on.isoformat()
    assert facts(page)["Name"] == "Ђорђе Ђорђевић"


# A wrong code and a revoked certificate: one answer -------------------------------------------


def test_a_wrong_code_and_a_revoked_certificate_get_the_same_answer(client, revoked):
    wrong = lookup(client, WRONG_CODE)
    withdrawn = lookup(client, revoked.code)

    assert wrong.status_code == withdrawn.status_code == 200
    assert without_csrf(wrong.content.decode()) == without_csrf(withdrawn.content.decode())
    page = wrong.content.decode()
    assert "Not valid" in page
    assert facts(page) == {}
    assert revoked.staff_member.full_name not in withdrawn.content.decode()


def test_the_qr_codes_address_answers_the_same_for_a_wrong_code_and_a_revoked_one(client, revoked):
    wrong = verify(client, WRONG_CODE)
    withdrawn = verify(client, revoked.code)

    assert wrong.status_code == withdrawn.status_code == 200
    # The page's own address (which the language switch returns to) is the only difference.
    assert without_csrf(wrong.content.decode()).replace(WRONG_CODE, "CODE") == without_csrf(
        withdrawn.content.decode()
    ).replace(revoked.code, "CODE")
    assert "Basic awareness" not in withdrawn.content.decode()


@pytest.mark.parametrize("code", ["", "x", "RS", "0" * 200, "<script>", "ZZZZ-ZZZZ"])
def test_malformed_codes_get_the_same_answer_as_a_wrong_one(client, certificates, code):
    expected = without_csrf(lookup(client, WRONG_CODE).content.decode())
    assert without_csrf(lookup(client, code).content.decode()) == expected


# Rate limit -----------------------------------------------------------------------------------


def test_the_lookup_after_the_default_limit_is_refused_with_429(client, certificates):
    code = certificates["valid"].code
    for _ in range(20):
        assert verify(client, code).status_code == 200

    refused = verify(client, code)

    assert refused.status_code == 429
    page = refused.content.decode()
    assert "Too many codes were checked from your address." in page
    assert "Ђорђе" not in page
    assert 0 < int(refused["Retry-After"]) <= 600
    assert lookup(client, code).status_code == 429  # the form counts alike


@override_settings(MATRICA_VERIFY_RATE="3/1h")
def test_the_limit_is_a_setting_and_counts_per_client_address(certificates):
    code = certificates["valid"].code
    here, there = Client(REMOTE_ADDR="192.0.2.1"), Client(REMOTE_ADDR="198.51.100.7")
    assert [verify(here, WRONG_CODE).status_code for _ in range(3)] == [200, 200, 200]
    assert verify(here, code).status_code == 429
    assert verify(there, code).status_code == 200
    # Opening the empty form looks nothing up.
    assert here.get(reverse("credentials:verify_form")).status_code == 200


def test_rates_read_as_count_per_period():
    assert Rate.parse("20/10m") == Rate(20, 600)
    assert Rate.parse("5/h") == Rate(5, 3600)
    assert Rate.parse("100/30s") == Rate(100, 30)
    with pytest.raises(ValueError, match="is not like"):
        Rate.parse("many")


# Headers, access, queries ---------------------------------------------------------------------


@pytest.mark.parametrize("which", ["verify", "form", "lookup"])
def test_the_page_is_kept_by_no_cache_indexed_by_no_robot_and_sends_no_referrer(
    client, certificates, which
):
    code = certificates["valid"].code
    response = {
        "verify": lambda: verify(client, code),
        "form": lambda: client.get(reverse("credentials:verify_form")),
        "lookup": lambda: lookup(client, code),
    }[which]()
    assert "no-store" in response["Cache-Control"]
    assert response["X-Robots-Tag"].startswith("noindex")
    assert response["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize("who", WHO)
def test_everyone_reaches_the_verification_page_and_reads_the_same(
    client, world, certificates, who
):
    if who == "coordinator":
        client.force_login(world.coordinator)
    elif who != "anonymous":
        code, role = who.split(":")
        client.force_login(world[code].users[role])
    certificate = certificates["valid"]

    assert client.get(reverse("credentials:verify_form")).status_code == 200
    response = verify(client, certificate.code)

    assert response.status_code == 200
    assert facts(response.content.decode())["Name"] == "Ђорђе Ђорђевић"


@pytest.mark.parametrize("count", [1, 2])
def test_a_lookup_costs_one_query(client, world, django_assert_max_num_queries, count):
    for _ in range(count):
        closed_session(world["RS"])
    code = Certificate.objects.earliest("pk").code
    with django_assert_max_num_queries(1):
        assert facts(verify(client, code).content.decode())
    with django_assert_max_num_queries(1):
        lookup(client, WRONG_CODE)
