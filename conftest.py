import os

import pytest

# Playwright's sync API runs an event loop in the test thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

BROWSER_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists("/usr/bin/chromium"):
        pytest.skip("Debian's Chromium (/usr/bin/chromium) is not installed")
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": BROWSER_ARGS,
    }


@pytest.fixture
def framework(db):
    """The default common matrix, loaded by the real loader."""
    from matrica.framework.actions import load_framework

    return load_framework().version


@pytest.fixture
def world(framework):
    from matrica.testing.world import build_world

    return build_world()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Argon2 is deliberately slow; tests log in dozens of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def english_by_default():
    # A page request activates its language for the rest of the thread; each test starts in
    # the source language, whatever the test before it asked for.
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def no_pause_between_batches(monkeypatch):
    # A long compliance job pauses between its transactions for users' waiting writes; tests
    # write between batches themselves (compliance/tests/test_history.py).
    monkeypatch.setattr("matrica.compliance.history.PAUSE_S", 0)
