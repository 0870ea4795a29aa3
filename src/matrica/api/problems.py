"""Errors as RFC 9457 problem details (`application/problem+json`): a `title` for the kind of
problem, the `status`, a `detail` a person can act on, the `instance` asked for, and for a
refused write the field-by-field `errors`."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

CONTENT_TYPE = "application/problem+json"


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__("rate limited")
        self.retry_after = retry_after


def problem(request: HttpRequest, status: int, detail: str = "", **extra: Any) -> HttpResponse:
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail or HTTPStatus(status).description,
        "instance": request.path,
        **extra,
    }
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = CONTENT_TYPE
    return response
