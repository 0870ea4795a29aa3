"""Shared by the xAPI tests: a source with credentials, a client that talks like Moodle's
logstore plugin, and the third-party statements read in place from ../shared."""

from __future__ import annotations

import base64
import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from matrica.framework.models import Module
from matrica.xapi import actions
from matrica.xapi.models import Source

THIRD_PARTY = (
    Path(__file__).resolve().parents[4] / ".." / "shared" / "data" / "third-party" / "xapi"
)
MOODLE = THIRD_PARTY / "moodle-logstore_xapi" / "tests"
ADL = THIRD_PARTY / "lrs-conformance-test-suite" / "test" / "v1_0_3" / "templates"


def third_party(path: Path) -> Any:
    if not path.exists():
        pytest.skip(
            f"third-party xAPI data absent ({path}); it lives in ../shared, beside the project"
        )
    return json.loads(path.read_text(encoding="utf-8"))


def deep_merge(base: Any, over: Any) -> Any:
    """What the plugin's test harness does: `over` wins, objects merged key by key."""
    if isinstance(base, dict) and isinstance(over, dict):
        merged = copy.deepcopy(base)
        for key, value in over.items():
            merged[key] = deep_merge(merged[key], value) if key in merged else copy.deepcopy(value)
        return merged
    return copy.deepcopy(over)


def moodle(case: str) -> list[dict[str, Any]]:
    """The statements Moodle sends for one event, as they go out (merged with common)."""
    common = third_party(MOODLE / "common" / "statement.json")
    return [deep_merge(common, s) for s in third_party(MOODLE / case / "statements.json")]


MODULE_COMPLETION = "core/course_module_completion_update/completing_existing_module"
MODULE_UNCOMPLETION = "core/course_module_completion_update/uncompleting_existing_module"
MOODLE_CASES = [
    "core/course_completed/completing_existing_course",
    MODULE_COMPLETION,
    MODULE_UNCOMPLETION,
    "core/course_completion_updated/course_completion_updated",
    "mod_quiz/attempt_submitted/multichoice",
    "mod_quiz/attempt_submitted/no_questions",
    "mod_scorm/scoreraw_submitted/existing_scoreraw_submitted",
    "mod_lesson/lesson_ended",
    "mod_assign/assignment_graded/existing_assignment_graded_comment",
]
BOOK = "http://www.example.org/mod/book/view.php?id=1"
MOODLE_LEARNER = "account:http://www.example.org|1"


@dataclass
class Platform:
    """A platform holding a source's credentials, talking as Moodle does."""

    client: Any
    source: Source
    secret: str

    def headers(self, version: str | None = "1.0.3") -> dict[str, str]:
        token = base64.b64encode(f"{self.source.key}:{self.secret}".encode()).decode()
        headers = {"HTTP_AUTHORIZATION": f"Basic {token}"}
        if version is not None:
            headers["HTTP_X_EXPERIENCE_API_VERSION"] = version
        return headers

    def post(self, body: Any, version: str | None = "1.0.3") -> Any:
        return self.client.post(
            "/xapi/statements", data=json.dumps(body), content_type="application/json",
            **self.headers(version),
        )  # fmt: skip

    def get(self, statement_id: str, version: str | None = "1.0.3") -> Any:
        return self.client.get(
            "/xapi/statements", {"statementId": statement_id}, **self.headers(version)
        )


def make_platform(client: Any, world: Any, code: str = "RS", name: str = "HELP Moodle") -> Platform:
    admin = world[code].users["national_admin"]
    source, secret = actions.create_source(
        actor=admin, beneficiary=world[code].beneficiary, name=name
    )
    return Platform(client, source, secret)


@pytest.fixture
def platform(client: Any, world: Any) -> Platform:
    return make_platform(client, world)


@pytest.fixture
def module(world: Any) -> Module:
    found = Module.objects.filter(beneficiary__isnull=True, conferrals__isnull=False).first()
    assert found is not None
    return found
