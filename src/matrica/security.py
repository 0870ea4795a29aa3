"""Security headers on every response Matrica builds (issue #14, item 4).

One middleware, placed after Django's authentication middleware, adds:

- the Content-Security-Policy of ``settings.CONTENT_SECURITY_POLICY`` (django-csp 4, whose
  middleware this one extends: its decorators keep working on single views);
- ``Permissions-Policy`` from ``settings.MATRICA_PERMISSIONS_POLICY``: every powerful browser
  feature switched off, since no page needs one;
- ``Cache-Control: no-store`` (with Django's other never-cache headers) on every response to a
  signed-in user: pages, htmx fragments, CSV and XLSX exports all carry names and training of
  people, and nothing of that may stay in a browser's or a proxy's cache. ``Vary: Cookie`` says
  the same for any cache that ignores ``no-store``.

Static files never reach this middleware: WhiteNoise, above it, answers them first, and they hold
no personal data (they are the same for everyone, so they may be cached).

Referrer-Policy, X-Content-Type-Options, Cross-Origin-Opener-Policy and X-Frame-Options come from
Django's own SecurityMiddleware and XFrameOptionsMiddleware (see settings.py and
docs/security.md).
"""

from __future__ import annotations

from collections.abc import Mapping

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.cache import add_never_cache_headers, patch_vary_headers

PERMISSIONS_POLICY_HEADER = "Permissions-Policy"


def permissions_policy(features: Mapping[str, str | list[str] | tuple[str, ...]]) -> str:
    """The header value for a mapping of feature to allow-list; an empty list (or "()") turns the
    feature off everywhere: ``{"camera": []}`` → ``camera=()``."""
    parts = []
    for feature, allowed in features.items():
        origins = [allowed] if isinstance(allowed, str) else list(allowed)
        value = " ".join(origin for origin in origins if origin and origin != "()")
        parts.append(f"{feature}=({value})")
    return ", ".join(parts)


class SecurityHeadersMiddleware(CSPMiddleware):
    """django-csp's CSP middleware plus Permissions-Policy and no-store for signed-in users."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        response = super().process_response(request, response)
        features = getattr(settings, "MATRICA_PERMISSIONS_POLICY", None)
        if features and PERMISSIONS_POLICY_HEADER not in response:
            response[PERMISSIONS_POLICY_HEADER] = permissions_policy(features)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # A page, a fragment or a file with personal data: never kept by any cache.
            add_never_cache_headers(response)
            patch_vary_headers(response, ("Cookie",))
        return response
