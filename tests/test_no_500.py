"""No input answers 500 (issue #14, item 5): every GET parameter of every URL, as every role.

The inputs the issue found first, one test each; then a fuzz test (hypothesis) that sends random
and hostile values for every parameter any view reads, to every page, export and admin
changelist of the project, as every user of the test world."""

from __future__ import annotations

import datetime
import re
import traceback
from pathlib import Path

import pytest
from django.contrib import admin
from django.core.signals import got_request_exception
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matrica.pages import EARLIEST, LATEST, SEARCH_MAX_WORDS
from matrica.staff.filters import StaffFilter
from matrica.testing.factories import CompletionFactory
from matrica.testing.world import World

pytestmark = pytest.mark.django_db

SOURCE = Path(__file__).resolve().parents[1] / "src" / "matrica"
USERS = ["admin-rs", "training-rs", "manager-rs", "trainer-rs", "staff-rs", "coordinator", "root"]
THOUSAND_WORDS = " ".join(f"w{index}" for index in range(1000))
LONG_TEXT = "a" * 50_001
HOSTILE = [
    "9999-12-31", "9999-10-03", "0001-01-01", "2026-02-30", "-1", "0", "²", "١٢", "1e309",
    "99999999999999999999999", str(2**63), str(-(2**63) - 1), "nan", "' OR 1=1 --",
    "\"; DROP TABLE staff_staffmember; --", "%", "_", "\\", "İ", "Ђорђевић", "\x00", "\u202e",
    "<script>alert(1)</script>", "../../etc/passwd", THOUSAND_WORDS, LONG_TEXT,
]  # fmt: skip


def get_parameters() -> list[str]:
    """Every GET parameter a view of the project reads: by name in the source, and every field
    of the staff filter set; the pages' paging and date too."""
    names = {"on", "page"}
    for module in SOURCE.rglob("*.py"):
        if "tests" not in module.parts and "migrations" not in module.parts:
            names.update(re.findall(r"GET\.get(?:list)?\(\s*[\"'](\w+)[\"']", module.read_text()))
    names.update(StaffFilter.base_filters)
    return sorted(names)


ADMIN_PARAMETERS = ["q", "o", "p", "all", "e", "_popup", "_to_field"]


def admin_filter_parameters(root) -> dict[str, list[str]]:
    """The look-up parameters of each admin changelist's filters, as the admin names them."""
    from django.test import RequestFactory

    names: dict[str, list[str]] = {}
    for model, model_admin in admin.site._registry.items():
        request = RequestFactory().get("/")
        request.user = root
        changelist = model_admin.get_changelist_instance(request)
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        names[url] = [
            name for spec in changelist.filter_specs for name in spec.expected_parameters()
        ]
    return names


def project_urls(world: World) -> list[str]:
    """Every URL of the URLconf outside the admin, its path arguments filled with records of
    the world (and an id no record has); every admin changelist and add page."""
    person = world["RS"].people[0]
    samples = {
        "pk": [person.pk, 999_999],
        "role_pk": [1],
        "area": ["RAD"],
        "category": ["FLO"],
        "code": ["RS", "XX"],
        "file_format": ["csv", "xlsx"],
    }
    overrides = {"compliance:institution": {"pk": [world["RS"].prison.pk, 999_999]}}
    urls: list[str] = []

    def walk(patterns, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    continue
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                name = namespace + pattern.name
                arguments = list(pattern.pattern.converters)
                choices = {**samples, **overrides.get(name, {})}
                if any(argument not in choices for argument in arguments):
                    continue
                for index in range(2):
                    kwargs = {a: choices[a][min(index, len(choices[a]) - 1)] for a in arguments}
                    urls.append(reverse(name, kwargs=kwargs))

    walk(get_resolver().url_patterns, "")
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
        urls.append(reverse("admin:{}_{}_add".format(*info)))
    urls.append(reverse("admin:autocomplete"))
    return sorted(set(urls))


@pytest.fixture
def region(world):
    for person in world["RS"].people + world["ME"].people:
        CompletionFactory(staff_member=person, completed_on=datetime.date(2026, 1, 10))
    return world


@pytest.fixture
def clients(region):
    """One signed-in client per user of the world; a crash comes back as a response."""
    users = {user.username: user for user in region_users(region)}
    signed_in = {}
    for username in USERS:
        client = Client(raise_request_exception=False)
        client.force_login(users[username])
        signed_in[username] = client
    anonymous = Client(raise_request_exception=False)
    signed_in["anonymous"] = anonymous
    return signed_in


def region_users(world: World):
    yield world.coordinator
    yield world.superuser
    for administration in world.administrations.values():
        yield from administration.users.values()


def answer(client: Client, url: str, params: dict[str, str]):
    """The response to a GET; a 5xx fails with the request and the exception behind it."""
    crashes: list[str] = []

    def record(sender, request, **kwargs):
        crashes.append(traceback.format_exc(limit=-6))

    got_request_exception.connect(record)
    try:
        response = client.get(url, params)
    finally:
        got_request_exception.disconnect(record)
    shown = {name: value[:80] for name, value in params.items()}
    assert response.status_code < 500, f"{url} {shown}\n" + "".join(crashes)
    return response


def warnings_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []


# The inputs the issue reported, one by one.

COMPLIANCE_PAGES = [
    ("compliance:dashboard", []),
    ("compliance:expiring", []),
    ("compliance:overdue", []),
    ("compliance:cell", ["RAD", "FLO"]),
    ("compliance:export", ["csv"]),
    ("compliance:export", ["xlsx"]),
    ("framework:matrix", []),
]


@pytest.mark.parametrize("on", ["9999-10-03", "9999-12-31"])
@pytest.mark.parametrize(("name", "args"), COMPLIANCE_PAGES)
def test_a_date_past_what_the_engine_computes_is_clamped(clients, name, args, on):
    response = answer(clients["admin-rs"], reverse(name, args=args), {"on": on})
    assert response.status_code == 200
    if name == "compliance:export":
        assert LATEST.isoformat() in response["Content-Disposition"]


@pytest.mark.parametrize("on", ["9999-12-31", "0001-01-01"])
def test_the_page_says_which_date_it_shows_instead(clients, on):
    response = answer(clients["admin-rs"], reverse("compliance:dashboard"), {"on": on})
    nearest = LATEST if on.startswith("9999") else EARLIEST
    assert response.context["on"] == nearest
    assert any(nearest.isoformat() in message for message in warnings_of(response))


@pytest.mark.parametrize("on", ["9999-12-31", "0001-01-01"])
def test_the_record_answers_for_any_date(clients, region, on):
    url = reverse("staff:record", args=[region["RS"].people[0].pk])
    for username in ("admin-rs", "staff-rs"):
        assert answer(clients[username], url, {"on": on}).status_code == 200


@pytest.mark.parametrize("category", ["\u00b2", "99999999999999999999999", "-1", "x"])
def test_an_unknown_category_on_the_grid_is_left_out_with_a_message(clients, region, category):
    url = reverse("compliance:institution", args=[region["RS"].prison.pk])
    response = answer(clients["admin-rs"], url, {"category": category})
    assert response.status_code == 200
    assert response.context["category"] == ""
    assert warnings_of(response)


@pytest.mark.parametrize("institution", ["\u00b2", "99999999999999999999999", "-1"])
def test_an_institution_that_cannot_exist_answers_404(clients, institution):
    response = answer(
        clients["admin-rs"], reverse("compliance:dashboard"), {"institution": institution}
    )
    assert response.status_code == 404


@pytest.mark.parametrize("search", [THOUSAND_WORDS, LONG_TEXT])
def test_a_huge_staff_search_uses_its_first_words(clients, region, search):
    response = answer(clients["admin-rs"], reverse("staff:list"), {"q": search})
    assert response.status_code == 200
    # The search still runs, on its first words: nobody is called w0 … w9 or a…a.
    assert not list(response.context["page"])


def test_the_staff_search_still_finds_within_its_limit(clients, region):
    words = " ".join(["djordjevic"] * SEARCH_MAX_WORDS + ["nobody"])
    response = answer(clients["admin-rs"], reverse("staff:list"), {"q": words})
    assert {member.family_name for member in response.context["page"]} == {"Ђорђевић", "Đorđević"}


@pytest.mark.parametrize("search", [THOUSAND_WORDS, LONG_TEXT])
def test_a_huge_audit_search_is_cut_with_a_message(clients, search):
    response = answer(clients["admin-rs"], reverse("audit:list"), {"q": search})
    assert response.status_code == 200
    assert warnings_of(response)


@pytest.mark.parametrize("search", [THOUSAND_WORDS, LONG_TEXT])
@pytest.mark.parametrize("model", ["staff_staffmember", "accounts_user", "audit_auditevent"])
def test_a_huge_admin_search_is_cut_with_a_message(clients, search, model):
    response = answer(clients["admin-rs"], reverse(f"admin:{model}_changelist"), {"q": search})
    assert response.status_code == 200
    assert warnings_of(response)


# Everything else: random and hostile values for every parameter of every URL, as everyone.

VALUES = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=40),
    st.integers().map(str),
    st.dates().map(datetime.date.isoformat),
    st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=60).map(" ".join),
)


def sweep(url: str, page_parameters: list[str], filters: dict[str, list[str]]):
    """The hostile values the issue found, in every parameter the URL may read: those that
    can only be ignored all at once, and alone those that may end the request early (an id
    that no record has answers 404, a bad admin filter redirects)."""
    if url.startswith("/admin/"):
        yield {"q": THOUSAND_WORDS, "o": "\u00b2", "p": str(10**30)}
        yield {"q": LONG_TEXT, "o": "-99999", "p": "\u00b2"}
        for parameter in [*filters.get(url, []), "_to_field", "e", "_popup"]:
            yield {parameter: str(10**30)}
        return
    ignorable = [name for name in page_parameters if name not in ("institution", "administration")]
    for value in ("\u00b2", str(10**30), "' OR 1=1 --"):
        yield dict.fromkeys(ignorable, value)
    yield {**dict.fromkeys(ignorable, "\u00b2"), "on": "9999-12-31", "q": THOUSAND_WORDS}
    yield {**dict.fromkeys(ignorable, "-1"), "on": "0001-01-01", "q": LONG_TEXT}
    for value in ("\u00b2", str(10**30), "XX"):
        yield {"institution": value}
        yield {"administration": value}


def test_no_get_parameter_of_any_url_answers_500(region, clients):
    urls = project_urls(region)
    page_parameters = get_parameters()
    filters = admin_filter_parameters(region.superuser)
    parameters = (
        page_parameters + ADMIN_PARAMETERS + sorted({p for f in filters.values() for p in f})
    )
    assert {"on", "q", "institution", "category", "status", "administration"} <= set(parameters)

    # The values in every parameter of every URL, as the one who sees most.
    for url in urls:
        for params in sweep(url, page_parameters, filters):
            answer(clients["root"], url, params)

    @settings(
        max_examples=150,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        url=st.sampled_from(urls),
        username=st.sampled_from([*USERS, "anonymous"]),
        params=st.dictionaries(st.sampled_from(parameters), VALUES, max_size=4),
    )
    def no_500(url: str, username: str, params: dict[str, str]) -> None:
        answer(clients[username], url, params)

    no_500()


@pytest.mark.parametrize("page", ["dates", "end", "withdraw"])
def test_an_oversized_id_in_a_role_path_is_not_found(client, world, page):
    client.force_login(world["RS"].users["training_manager"])
    client.raise_request_exception = False
    member = world["RS"].people[0]
    for path in (f"/staff/{10**30}/roles/1/{page}/", f"/staff/{member.pk}/roles/{10**30}/{page}/"):
        assert client.get(path).status_code == 404, path
