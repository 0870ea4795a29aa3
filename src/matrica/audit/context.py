"""The request an audited change comes from: set once per request by the middleware."""

from __future__ import annotations

import uuid
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: uuid.UUID
    remote_addr: str | None


current_request: ContextVar[RequestContext | None] = ContextVar("current_request", default=None)
