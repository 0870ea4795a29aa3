"""Typed requests: the user of a logged-in request is Matrica's User, and htmx details are
always present (django-htmx's middleware sets them)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

if TYPE_CHECKING:
    from matrica.accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    user: User
    htmx: HtmxDetails


def request_user(request: HttpRequest) -> User:
    """The request's user as Matrica's User (views behind login_required only)."""
    return cast("User", request.user)
