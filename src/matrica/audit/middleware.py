import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from matrica.audit.context import RequestContext, current_request


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_request.set(
            RequestContext(request_id=uuid.uuid4(), remote_addr=request.META.get("REMOTE_ADDR"))
        )
        try:
            return self.get_response(request)
        finally:
            current_request.reset(token)
