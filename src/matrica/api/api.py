"""The REST API (docs/api.md, decision 004): django-ninja, personal tokens, the pages' own
scoping and actions, ETags, problem details."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import quote_etag
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaError

from matrica.api import endpoints
from matrica.api.auth import TokenAuth
from matrica.api.problems import RateLimited, problem

# The problems every route may answer with (problems.py), documented once for all of them.
PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status", "detail", "instance"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {},
    },
}
PROBLEMS = {
    "400": "The change was refused, or a parameter is wrong (see detail and errors).",
    "401": "No token, or an unknown, expired or revoked one.",
    "403": "Your role may not do this.",
    "404": "No such record, or one outside your scope.",
    "422": "The request does not match this schema (see errors).",
    "429": "The token's rate is used up (see Retry-After).",
}


class MatricaApi(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(**kwargs)
        schema["components"].setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        problem_content = {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        }
        for path in schema["paths"].values():
            for operation in path.values():
                responses = operation.setdefault("responses", {})
                for code, description in PROBLEMS.items():
                    responses.setdefault(
                        code, {"description": description, "content": problem_content}
                    )
        return schema

    def create_response(
        self, request: HttpRequest, data: Any, *args: Any, status: int | None = None, **kwargs: Any
    ) -> HttpResponse:
        """Every successful read carries an ETag; a client that sends it back in If-None-Match
        gets 304 and no body when nothing changed."""
        response = super().create_response(request, data, *args, status=status, **kwargs)
        if request.method == "GET" and response.status_code == 200:
            etag = quote_etag(hashlib.sha256(response.content).hexdigest()[:32])
            response["ETag"] = etag
            unchanged = get_conditional_response(request, etag=etag, response=response)
            if unchanged is not None:
                return unchanged
        return response


api = MatricaApi(
    title="Matrica API",
    version="1",
    description=(
        "Read the framework, administrations, institutions, staff, evidence, compliance and "
        "sessions within your scope; add and change staff and evidence. Authenticate with a "
        "personal token: `Authorization: Bearer mtr_…` (create one on /api/tokens/)."
    ),
    auth=TokenAuth(),
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, error: Exception) -> HttpResponse:
    return problem(request, 404, "There is no such record, or it is outside your scope.")


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, error: Exception) -> HttpResponse:
    return problem(request, 403, "Your role may not do this.")


@api.exception_handler(AuthenticationError)
def unauthorised(request: HttpRequest, error: Exception) -> HttpResponse:
    response = problem(request, 401, "Send a valid, unexpired token: Authorization: Bearer mtr_…")
    response["WWW-Authenticate"] = 'Bearer realm="matrica"'
    return response


@api.exception_handler(RateLimited)
def rate_limited(request: HttpRequest, error: RateLimited) -> HttpResponse:
    response = problem(request, 429, "This token has made too many requests; try again later.")
    response["Retry-After"] = str(error.retry_after)
    return response


@api.exception_handler(ValidationError)
def refused(request: HttpRequest, error: ValidationError) -> HttpResponse:
    errors = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
    return problem(request, 400, "The change was refused: see errors.", errors=errors)


@api.exception_handler(SchemaError)
def malformed(request: HttpRequest, error: SchemaError) -> HttpResponse:
    return problem(request, 422, "The request does not match the schema: see errors.",
                   errors=error.errors)  # fmt: skip


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    return problem(request, error.status_code, str(error))


api.add_router("/", endpoints.router)
