"""Security headers (issue #14, item 4): a strict Content-Security-Policy, Permissions-Policy and
`Cache-Control: no-store` on every URL of the project, for every role of the test world, and no
CSP violation in a real browser (the admin included)."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from playwright.sync_api import ConsoleMessage, Page, expect

from matrica.framework.models import CompetencyArea, StaffCategory
from matrica.staff.models import StaffRole
from matrica.training.models import Completion

SRC = Path(__file__).resolve().parent.parent / "src" / "matrica"
USERNAMES = [
    "coordinator", "root", "admin-rs", "training-rs", "manager-rs", "trainer-rs", "staff-rs",
]  # fmt: skip
ADMIN_USERNAMES = ["root", "admin-rs", "training-rs", "coordinator"]


def routes(patterns=None, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    """Every route of the URLconf outside the admin, as (route, namespaced name)."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue  # the admin's URLs come from its registry (admin_paths)
            ns = entry.namespace or namespace
            yield from routes(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name or ""
            yield prefix + str(entry.pattern), name


def _first_pk(model, default: int = 1) -> int:
    pk = model.objects.order_by("pk").values_list("pk", flat=True).first()
    return pk if pk is not None else default


def concrete_paths(world) -> list[str]:
    """Each route with its parameters filled from the test world (both file formats of an
    export); a parameter this test does not know gets a plausible value (a 404 still has to
    carry the headers)."""
    rs = world["RS"]
    values = {
        "code": ["RS"],
        "role_pk": [_first_pk(StaffRole)],
        "area": [CompetencyArea.objects.order_by("pk").values_list("code", flat=True).first()],
        "category": [StaffCategory.objects.order_by("pk").values_list("code", flat=True).first()],
        "file_format": ["csv", "xlsx"],
    }
    paths = []
    for route, name in routes():
        candidates = [route]
        for match in re.finditer(r"<(?:(\w+):)?(\w+)>", route):
            converter, param = match.group(1) or "str", match.group(2)
            if param == "pk":
                if name == "training:void_evidence":
                    options: list[object] = [_first_pk(Completion)]
                elif name.startswith("compliance:institution"):
                    options = [rs.prison.pk]
                else:
                    options = [rs.people[0].pk]
            else:
                options = values.get(param) or ([1] if converter == "int" else ["x"])
            candidates = [c.replace(match.group(0), str(o)) for c in candidates for o in options]
        paths.extend("/" + c for c in candidates)
    return list(dict.fromkeys(paths))


def admin_paths() -> list[str]:
    paths = [reverse("admin:index")]
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        paths.append(reverse("admin:{}_{}_changelist".format(*info)))
        paths.append(reverse("admin:{}_{}_add".format(*info)))
    return paths


def directives(csp: str) -> dict[str, list[str]]:
    parsed = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def assert_strict_csp(response, where: str) -> None:
    assert "Content-Security-Policy" in response, f"{where}: no Content-Security-Policy"
    policy = directives(response["Content-Security-Policy"])
    for directive in ("default-src", "script-src", "style-src"):
        sources = policy.get(directive, [])
        assert sources == ["'self'"], f"{where}: {directive} {sources}"
    assert "'unsafe-inline'" not in response["Content-Security-Policy"], where
    assert "'unsafe-eval'" not in response["Content-Security-Policy"], where
    assert policy["object-src"] == ["'none'"], where
    assert policy["frame-ancestors"] == ["'none'"], where
    assert policy["base-uri"] == ["'self'"], where
    assert policy["form-action"] == ["'self'"], where
    assert policy["img-src"] == ["'self'", "data:"], where


def assert_permissions_policy(response, where: str) -> None:
    assert "Permissions-Policy" in response, f"{where}: no Permissions-Policy"
    features = dict(
        item.strip().split("=", 1) for item in response["Permissions-Policy"].split(",")
    )
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert features.get(feature) == "()", f"{where}: {feature}={features.get(feature)}"


def assert_not_stored(response, where: str) -> None:
    cache_control = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    assert "no-store" in cache_control, f"{where}: Cache-Control {response.get('Cache-Control')}"
    assert "private" in cache_control, where
    vary = {part.strip().lower() for part in response.get("Vary", "").split(",")}
    assert "cookie" in vary, f"{where}: Vary {response.get('Vary')}"


@pytest.mark.django_db
def test_every_url_carries_the_headers_for_every_role(world):
    paths = concrete_paths(world)
    assert {"/", "/staff/", "/compliance/export.csv", "/compliance/export.xlsx"} <= set(paths)
    assert any(p.startswith("/staff/") and p.endswith("/edit/") for p in paths)
    for username in USERNAMES:
        client = Client(raise_request_exception=False)
        client.force_login(_user(username))
        extra = admin_paths() if username in ADMIN_USERNAMES else []
        for path in [*paths, *extra]:
            response = client.get(path)
            where = f"{username} GET {path} ({response.status_code})"
            assert_strict_csp(response, where)
            assert_permissions_policy(response, where)
            assert_not_stored(response, where)
            assert response["X-Content-Type-Options"] == "nosniff", where
            # The certificate verification pages hold a code in their address: no referrer.
            referrer = "no-referrer" if path.startswith("/credentials/verify/") else "same-origin"
            assert response["Referrer-Policy"] == referrer, where


@pytest.mark.django_db
def test_pages_before_sign_in_carry_the_policies(world):
    client = Client(raise_request_exception=False)
    for path in ["/login/", "/admin/login/", "/", "/staff/"]:
        response = client.get(path)
        assert_strict_csp(response, f"anonymous GET {path}")
        assert_permissions_policy(response, f"anonymous GET {path}")
    # A failed sign-in answers with the form again, still under the policy.
    response = client.post("/login/", {"username": "admin-rs", "password": "wrong"})
    assert_strict_csp(response, "failed sign-in")


@pytest.mark.django_db
def test_signing_in_and_htmx_fragments_are_not_stored(world):
    client = Client()
    response = client.post("/login/", {"username": "admin-rs", "password": "pw"})
    assert response.status_code == 302
    assert_not_stored(response, "the sign-in redirect")  # it sets the new session cookie
    fragment = client.get("/staff/", {"q": "djordjevic"}, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert_not_stored(fragment, "an htmx fragment")
    assert_strict_csp(fragment, "an htmx fragment")


@pytest.mark.django_db
def test_static_files_stay_cacheable_and_matrica_js_is_served(world, client):
    client.force_login(_user("admin-rs"))
    response = client.get("/static/matrica/matrica.js")
    assert response.status_code == 200
    assert "javascript" in response["Content-Type"]
    assert "no-store" not in response.get("Cache-Control", "")
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert b"data-submit-on-change" in body


INLINE_SCRIPT = r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")"
EVAL = r"\bhx-on\b|\bhx-on:|\bhx-vals=['\"]\s*js:|href=\"javascript:"
INLINE = [
    (re.compile(r"<[a-zA-Z][^>]*\son[a-z]+\s*=", re.S), "an inline event handler (on…=)"),
    (re.compile(r"<[a-zA-Z][^>]*\sstyle\s*=", re.S), "an inline style attribute"),
    (re.compile(r"<style\b", re.I), "a <style> element"),
    (re.compile(INLINE_SCRIPT, re.I), "an inline script"),
    (re.compile(EVAL, re.I), "eval in htmx (hx-on, js:, javascript:)"),
]


# Rendered to PDF by WeasyPrint (matrica.subject), never served as a page: its print styles are
# inline on purpose and no browser applies a CSP to them.
PRINT_ONLY = {"templates/subject/export.html"}


def test_no_template_has_inline_script_style_or_handler():
    offences = []
    for template in sorted(SRC.rglob("*.html")):
        if str(template.relative_to(SRC)) in PRINT_ONLY:
            continue
        text = template.read_text()
        for pattern, what in INLINE:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                offences.append(f"{template.relative_to(SRC)}:{line}: {what}")
    assert not offences, "\n".join(offences)


def test_htmx_is_configured_for_the_csp():
    base = (SRC / "templates" / "base.html").read_text()
    assert '"includeIndicatorStyles": false' in base
    assert '"allowEval": false' in base
    css = (SRC / "static" / "matrica" / "matrica.css").read_text()
    assert ".htmx-indicator" in css  # what htmx's own (now disabled) style element did


def _user(username: str):
    from matrica.accounts.models import User

    return User.objects.get(username=username)


# --- In the browser: no CSP violation on the way through pages, htmx swaps and the admin -----


def _collect_violations(page: Page) -> list[str]:
    violations: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        text = message.text
        if "Content Security Policy" in text or "Permissions-Policy" in text:
            violations.append(f"{page.url}: {text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: violations.append(f"{page.url}: {error}"))
    return violations


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_no_csp_violation_in_a_journey_through_pages_and_the_admin(page, live_server, world):
    violations = _collect_violations(page)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "admin-rs")
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    expect(page.locator("nav a").first).to_be_visible()

    # htmx: the live search swaps the table in place, the loading indicator comes and goes.
    page.goto(f"{live_server.url}/staff/")
    page.fill("input[name=q]", "djordjevic")
    expect(page.locator("#staff-table tbody tr")).to_have_count(2)
    assert page.locator("head style").count() == 0  # htmx added no style element

    # A record and its "as of" date (a form htmx submits on change), then a form loaded in place.
    person = world["RS"].people[0]
    page.goto(f"{live_server.url}/staff/{person.pk}/")
    date_field = page.locator("form.filters input[type=date]").first
    if date_field.count():
        date_field.fill("2024-01-31")
        date_field.dispatch_event("change")
        page.wait_for_function("() => !document.querySelector('.htmx-request')")
    for path in ["/compliance/", "/framework/", "/audit/", f"/staff/{person.pk}/edit/"]:
        page.goto(f"{live_server.url}{path}")

    # The language menu submits on change through matrica.js (it had an inline onchange).
    page.select_option("#language-select", "sr")
    expect(page.locator("html")).to_have_attribute("lang", "sr")
    assert page.url.endswith(f"/staff/{person.pk}/edit/")  # back where the user was
    page.select_option("#language-select", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    # The Django admin under the same policy: index, a list, an add form with its widgets.
    page.goto(f"{live_server.url}/admin/")
    expect(page.locator("#site-name")).to_be_visible()
    page.goto(f"{live_server.url}/admin/staff/staffmember/")
    page.goto(f"{live_server.url}/admin/staff/staffmember/add/")
    expect(page.locator("form")).not_to_have_count(0)
    page.goto(f"{live_server.url}/admin/staff/staffmember/{person.pk}/change/")
    page.wait_for_load_state("load")

    assert not violations, "\n".join(violations)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_no_csp_violation_on_any_admin_list_or_form(page, live_server, world):
    """Every list and add form of the admin (its own scripts: filters, calendars, related-object
    popups, select boxes), as the superuser, who sees them all."""
    violations = _collect_violations(page)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "root")
    page.fill("#id_password", "pw")
    page.click("input[type=submit], button[type=submit]")
    expect(page.locator("#site-name")).to_be_visible()
    for path in admin_paths():
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None, path
        assert response.status < 500, path
        page.wait_for_load_state("load")
    assert not violations, "\n".join(violations)


def test_deploy_check_is_clean(tmp_path):
    """`matrica check --deploy` with production settings: no warning at all (V14)."""
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "HTTPS": "1",
        "ALLOWED_HOSTS": "matrica.example.org",
        "MATRICA_DATA_DIR": str(tmp_path),
    }
    for name in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)  # the last two are the test run's (conftest.py, pytest-django)
    result = subprocess.run(
        [sys.executable, "-m", "matrica", "check", "--deploy", "--fail-level", "WARNING"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout + result.stderr
