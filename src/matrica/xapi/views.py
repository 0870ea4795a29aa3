"""The learning record store's two resources, as xAPI 1.0.3 clients (Moodle's logstore plugin,
the ADL conformance suite) expect them: Basic auth with a source's key and secret, the version
header required on /statements and returned on every answer, JSON in and out. Plain Django
views: the platforms sign in with their own credentials, never with a session."""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import re
import uuid
from typing import Any

from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from matrica.xapi import actions
from matrica.xapi.models import Source, Statement

VERSION = "1.0.3"
ACCEPTED_VERSION = re.compile(r"^1\.0(\.\d+)?$")
MAX_BODY = 5 * 1024 * 1024


def _answer(data: Any, status: int = 200) -> HttpResponse:
    response = (
        HttpResponse(status=status)
        if data is None
        else JsonResponse(
            data, status=status, safe=False, json_dumps_params={"ensure_ascii": False}
        )
    )
    response["X-Experience-API-Version"] = VERSION
    response["Cache-Control"] = "no-store"
    return response


def _error(status: int, message: str, **details: Any) -> HttpResponse:
    return _answer({"error": message, **details}, status)


def _source(request: HttpRequest) -> Source | None:
    header = request.headers.get("Authorization", "")
    scheme, _space, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        key, colon, secret = (
            base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
        )
    except (binascii.Error, UnicodeDecodeError):
        return None
    return actions.authenticate(key, secret) if colon else None


@csrf_exempt
def about(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        return _error(405, "Only GET")
    return _answer({"version": [VERSION]})


def _stored(statement: Statement) -> dict[str, Any]:
    """The statement as the LRS returns it: as sent, with its id, timestamp and stored time."""
    data = dict(statement.raw)
    stored = statement.stored.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
    data.setdefault("timestamp", stored)
    data["stored"] = stored
    data.setdefault("version", "1.0.0")
    return data


def _get(request: HttpRequest, source: Source) -> HttpResponse:
    statement_id = request.GET.get("statementId") or request.GET.get("voidedStatementId")
    if statement_id is None:
        latest = Statement.objects.filter(source=source).order_by("-stored", "-pk")[:100]
        return _answer({"statements": [_stored(s) for s in latest], "more": ""})
    try:
        key = uuid.UUID(statement_id)
    except ValueError:
        return _error(400, "statementId must be a UUID")
    statement = Statement.objects.filter(source=source, statement_id=key).first()
    if statement is None:
        return _error(404, "No statement with this id")
    return _answer(_stored(statement))


def _receive(source: Source, statements: list[Any]) -> HttpResponse | list[str]:
    try:
        try:
            return actions.receive_statements(source=source, statements=statements)
        except IntegrityError:
            # The same batch arrived twice at once and the other copy was stored first: read
            # again, it is now a resend (accepted, or a conflict).
            return actions.receive_statements(source=source, statements=statements)
    except actions.BatchRefused as refused:
        return _error(
            400, f"Statement {refused.index}: {refused.invalid}", statement=refused.index,
            property=refused.invalid.path, reason=refused.invalid.reason,
        )  # fmt: skip
    except actions.Conflict as conflict:
        return _error(
            409, "This statement id is already held with a different statement",
            statementId=conflict.statement_id,
        )  # fmt: skip


@csrf_exempt
def statements(request: HttpRequest) -> HttpResponse:
    if not ACCEPTED_VERSION.match(request.headers.get("X-Experience-API-Version", "")):
        return _error(400, f"X-Experience-API-Version header required ({VERSION})")
    source = _source(request)
    if source is None:
        response = _error(401, "Basic authentication with a source's key and secret required")
        response["WWW-Authenticate"] = 'Basic realm="xAPI"'
        return response
    if request.method in ("GET", "HEAD"):
        return _get(request, source)
    if request.method not in ("POST", "PUT"):
        return _error(405, "GET, POST or PUT")
    if len(request.body) > MAX_BODY:
        return _error(413, "Batch too large")
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return _error(400, "The body is not JSON")
    if request.method == "PUT":
        return _put(request, source, body)
    batch = body if isinstance(body, list) else [body]
    if not batch:
        return _error(400, "No statement")
    ids = _receive(source, batch)
    return ids if isinstance(ids, HttpResponse) else _answer(ids)


def _put(request: HttpRequest, source: Source, body: Any) -> HttpResponse:
    statement_id = request.GET.get("statementId", "")
    try:
        key = uuid.UUID(statement_id)
    except ValueError:
        return _error(400, "statementId must be a UUID")
    if not isinstance(body, dict):
        return _error(400, "PUT takes one statement")
    if "id" in body and str(body["id"]).lower() != str(key):
        return _error(400, "The statement's id differs from statementId")
    ids = _receive(source, [{**body, "id": str(key)}])
    return ids if isinstance(ids, HttpResponse) else _answer(None, 204)
