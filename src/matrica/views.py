"""The home page: composed from every app, so it lives above them."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from matrica.accounts.selectors import home_figures
from matrica.compliance import selectors as compliance
from matrica.compliance.charts import trend_chart
from matrica.compliance.scope import scope_for
from matrica.http import AuthenticatedHttpRequest
from matrica.tenancy.roles import DASHBOARD_ROLES


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    context: dict[str, object] = {"figures": home_figures(user)}
    if user.is_superuser or user.role in DASHBOARD_ROLES:
        scope = scope_for(user, timezone.localdate())
        context |= {
            "scope": scope,
            "headline": compliance.headline(scope),
            "chart": trend_chart(compliance.trend(scope)),
        }
    return render(request, "accounts/home.html", context)
