"""Reading xAPI 1.0.3 statements: the structure checks an LRS owes its clients, and what
Matrica reads from a valid statement (who, which verb, which activity, when, evidence or not).
Pure functions, no database."""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
PASSED = "http://adlnet.gov/expapi/verbs/passed"
# Moodle's logstore plugin says a completion was withdrawn with this verb (EDLM LMS profile).
UNCOMPLETED = "https://xapi.edlm/profiles/edlm-lms/concepts/verbs/uncompleted"

# Assigned ids are name-based (uuid5) from the source and the statement: Moodle resends a batch
# whose answer it did not receive, and a statement without an id must then get the same id
# again, not a second copy. Two sends of one identical statement are the same event.
ID_NAMESPACE = uuid.UUID("6f1c7a52-4d7e-4c55-9a0a-2f8f3b1f9c10")

TOP_LEVEL = frozenset(
    {"id", "actor", "verb", "object", "result", "context", "timestamp", "stored", "authority",
     "version", "attachments"}
)  # fmt: skip
IFIS = ("mbox", "mbox_sha1sum", "openid", "account")
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s]+$")
_SHA1 = re.compile(r"^[0-9a-fA-F]{40}$")
_DURATION = re.compile(
    r"^P(?!$)(\d+(?:\.\d+)?Y)?(\d+(?:\.\d+)?M)?(\d+(?:\.\d+)?W)?(\d+(?:\.\d+)?D)?"
    r"(T(?=\d)(\d+(?:\.\d+)?H)?(\d+(?:\.\d+)?M)?(\d+(?:\.\d+)?S)?)?$"
)


class Invalid(ValueError):
    """A statement that breaks the xAPI structure; `path` names the property."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class Parsed:
    """What Matrica reads from one valid statement."""

    statement_id: uuid.UUID
    raw: dict[str, Any]  # as sent, with its id
    actor_key: str
    actor_name: str
    verb: str
    activity_id: str
    activity_name: str
    timestamp: datetime.datetime
    evidence: bool  # a completion Matrica counts (completed not failed, or passed)
    uncompleted: bool


def _is_iri(value: Any) -> bool:
    return isinstance(value, str) and bool(_IRI.match(value))


def _uuid(value: Any, path: str) -> uuid.UUID:
    if not isinstance(value, str):
        raise Invalid(path, "must be a UUID")
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Invalid(path, "must be a UUID") from None


def _object(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Invalid(path, "must be an object")
    return value


def _agent(value: Any, path: str, *, group_allowed: bool = True) -> str:
    """Check an Agent or Group; return its key (the identifier Matrica maps), '' for an
    anonymous group."""
    agent = _object(value, path)
    kind = agent.get("objectType", "Agent")
    if kind not in ("Agent", "Group") or (kind == "Group" and not group_allowed):
        raise Invalid(f"{path}.objectType", "must be Agent or Group")
    present = [ifi for ifi in IFIS if ifi in agent]
    if len(present) > 1:
        raise Invalid(
            path, "must have exactly one identifier (mbox, mbox_sha1sum, openid, account)"
        )
    if kind == "Group":
        members = agent.get("member", [])
        if not isinstance(members, list):
            raise Invalid(f"{path}.member", "must be an array")
        for index, member in enumerate(members):
            _agent(member, f"{path}.member[{index}]", group_allowed=False)
        if not present:
            if not members:
                raise Invalid(path, "an anonymous group must list its members")
            return ""
    elif not present:
        raise Invalid(path, "must have an identifier (mbox, mbox_sha1sum, openid, account)")
    if "name" in agent and not isinstance(agent["name"], str):
        raise Invalid(f"{path}.name", "must be a string")
    ifi = present[0]
    if ifi == "mbox":
        mbox = agent["mbox"]
        if not isinstance(mbox, str) or not mbox.lower().startswith("mailto:") or "@" not in mbox:
            raise Invalid(f"{path}.mbox", "must be a mailto: IRI")
        return "mbox:" + mbox.lower()
    if ifi == "mbox_sha1sum":
        if not isinstance(agent["mbox_sha1sum"], str) or not _SHA1.match(agent["mbox_sha1sum"]):
            raise Invalid(f"{path}.mbox_sha1sum", "must be a SHA-1 hex digest")
        return "sha1:" + agent["mbox_sha1sum"].lower()
    if ifi == "openid":
        if not _is_iri(agent["openid"]):
            raise Invalid(f"{path}.openid", "must be a URI")
        return "openid:" + agent["openid"]
    account = _object(agent["account"], f"{path}.account")
    if not _is_iri(account.get("homePage")):
        raise Invalid(f"{path}.account.homePage", "must be an IRL")
    if not isinstance(account.get("name"), str) or not account["name"]:
        raise Invalid(f"{path}.account.name", "must be a non-empty string")
    if set(account) - {"homePage", "name"}:
        raise Invalid(f"{path}.account", "may have only homePage and name")
    return account_key(account["homePage"], account["name"])


def account_key(home_page: str, name: str) -> str:
    return f"account:{home_page}|{name}"


def _language_map(value: Any, path: str) -> None:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise Invalid(path, "must be a language map")


def _first_name(value: Any) -> str:
    if isinstance(value, dict) and value:
        return str(
            value.get("en")
            or value.get("en-US")
            or value.get("en-GB")
            or next(iter(value.values()))
        )
    return ""


def _verb(value: Any) -> str:
    verb = _object(value, "verb")
    if not _is_iri(verb.get("id")):
        raise Invalid("verb.id", "must be an IRI")
    if "display" in verb:
        _language_map(verb["display"], "verb.display")
    return str(verb["id"])


def _target(value: Any, path: str = "object") -> tuple[str, str]:
    """Check the object; return the activity id and name ('' when it is not an Activity)."""
    target = _object(value, path)
    kind = target.get("objectType", "Activity")
    if kind == "Activity":
        if not _is_iri(target.get("id")):
            raise Invalid(f"{path}.id", "must be an IRI")
        definition = target.get("definition", {})
        _object(definition, f"{path}.definition")
        for field in ("name", "description"):
            if field in definition:
                _language_map(definition[field], f"{path}.definition.{field}")
        if "type" in definition and not _is_iri(definition["type"]):
            raise Invalid(f"{path}.definition.type", "must be an IRI")
        return str(target["id"]), _first_name(definition.get("name"))[:200]
    if kind in ("Agent", "Group"):
        _agent(target, path)
    elif kind == "StatementRef":
        _uuid(target.get("id"), f"{path}.id")
    elif kind == "SubStatement" and path == "object":
        for field in ("actor", "verb", "object"):
            if field not in target:
                raise Invalid(f"{path}.{field}", "is required")
        _agent(target["actor"], f"{path}.actor")
        _verb(target["verb"])
        _target(target["object"], f"{path}.object")
    else:
        raise Invalid(f"{path}.objectType", "is not a known object type")
    return "", ""


def _result(value: Any) -> None:
    result = _object(value, "result")
    for flag in ("success", "completion"):
        if flag in result and not isinstance(result[flag], bool):
            raise Invalid(f"result.{flag}", "must be true or false")
    if "response" in result and not isinstance(result["response"], str):
        raise Invalid("result.response", "must be a string")
    if "duration" in result and (
        not isinstance(result["duration"], str) or not _DURATION.match(result["duration"])
    ):
        raise Invalid("result.duration", "must be an ISO 8601 duration")
    if "extensions" in result:
        _object(result["extensions"], "result.extensions")
    if "score" not in result:
        return
    score = _object(result["score"], "result.score")
    numbers: dict[str, float] = {}
    for name in ("scaled", "raw", "min", "max"):
        if name in score:
            number = score[name]
            if isinstance(number, bool) or not isinstance(number, int | float):
                raise Invalid(f"result.score.{name}", "must be a number")
            numbers[name] = float(number)
    if "scaled" in numbers and not -1 <= numbers["scaled"] <= 1:
        raise Invalid("result.score.scaled", "must be between -1 and 1")
    if "min" in numbers and "max" in numbers and numbers["min"] >= numbers["max"]:
        raise Invalid("result.score.min", "must be less than max")
    if "raw" in numbers:
        if "min" in numbers and numbers["raw"] < numbers["min"]:
            raise Invalid("result.score.raw", "must not be less than min")
        if "max" in numbers and numbers["raw"] > numbers["max"]:
            raise Invalid("result.score.raw", "must not be more than max")


def parse_timestamp(value: Any, path: str = "timestamp") -> datetime.datetime:
    if not isinstance(value, str) or "T" not in value:
        raise Invalid(path, "must be an ISO 8601 date and time")
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise Invalid(path, "must be an ISO 8601 date and time") from None
    if moment.tzinfo is None:  # the spec asks for an offset; a naive time is read as UTC
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment


def canonical(statement: dict[str, Any]) -> str:
    return json.dumps(statement, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def assigned_id(source_key: str, statement: dict[str, Any]) -> uuid.UUID:
    digest = hashlib.sha256(canonical(statement).encode()).hexdigest()
    return uuid.uuid5(ID_NAMESPACE, f"{source_key}:{digest}")


def parse(value: Any, *, source_key: str, now: datetime.datetime) -> Parsed:
    """Check one statement (raise `Invalid`) and read it."""
    statement = _object(value, "statement")
    unknown = sorted(set(statement) - TOP_LEVEL)
    if unknown:
        raise Invalid(unknown[0], "is not a statement property")
    for field in ("actor", "verb", "object"):
        if field not in statement:
            raise Invalid(field, "is required")
    if "id" in statement:
        statement_id = _uuid(statement["id"], "id")
        raw = statement
    else:
        statement_id = assigned_id(source_key, statement)
        raw = {"id": str(statement_id), **statement}
    actor_key = _agent(statement["actor"], "actor")
    verb = _verb(statement["verb"])
    activity_id, activity_name = _target(statement["object"])
    result = statement.get("result")
    if result is not None:
        _result(result)
    context = statement.get("context")
    if context is not None:
        context = _object(context, "context")
        if "registration" in context:
            _uuid(context["registration"], "context.registration")
        if "instructor" in context:
            _agent(context["instructor"], "context.instructor")
    timestamp = parse_timestamp(statement["timestamp"]) if "timestamp" in statement else now
    success = (result or {}).get("success")
    return Parsed(
        statement_id=statement_id, raw=raw, actor_key=actor_key,
        actor_name=str(statement["actor"].get("name", ""))[:200], verb=verb,
        activity_id=activity_id, activity_name=activity_name, timestamp=timestamp,
        # Only an identified learner's completion of an activity can be evidence (not a
        # group's without an identifier, nor a statement about a statement).
        evidence=bool(activity_id and actor_key)
        and ((verb == COMPLETED and success is not False) or verb == PASSED),
        uncompleted=bool(activity_id and actor_key) and verb == UNCOMPLETED,
    )  # fmt: skip
