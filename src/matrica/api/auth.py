from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from matrica.api import actions
from matrica.api.models import ApiToken
from matrica.api.problems import RateLimited
from matrica.ratelimit import Rate, seconds_to_wait


class TokenAuth(HttpBearer):
    """`Authorization: Bearer mtr_…`: the request acts as the token's owner, with their role
    and scope, within the token's rate."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = (
            ApiToken.objects.select_related("user").filter(token_hash=actions.digest(token)).first()
        )
        if found is None or not found.usable(timezone.now()) or not found.user.is_active:
            return None
        rate = Rate.parse(settings.MATRICA_API_RATE, "MATRICA_API_RATE")
        wait = seconds_to_wait("api", found.prefix + str(found.pk), rate)
        if wait:
            raise RateLimited(wait)
        request.user = found.user
        actions.record_use(found, request)
        return found.user
