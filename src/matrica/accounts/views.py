from typing import Any

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from matrica.accounts import actions
from matrica.accounts.models import User
from matrica.http import AuthenticatedHttpRequest


@login_required
def change_password(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Everyone changes their own password here (the admin site's link leads here too)."""
    # The account itself, not the request's lazy stand-in: the action audits it.
    account = User.objects.get(pk=request.user.pk)
    form = PasswordChangeForm(account, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = actions.set_password(
            actor=account, user=account, password=form.cleaned_data["new_password1"]
        )
        update_session_auth_hash(request, user)  # stay logged in with the new password
        messages.success(request, _("Your password has been changed."))
        return redirect("home")
    return render(request, "accounts/password_change.html", {"form": form})


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """django-axes' answer to a sign-in while locked out (AXES_LOCKOUT_CALLABLE): 429 and a
    page saying how long the lock lasts and who lifts it."""
    from django.conf import settings

    cooloff = settings.AXES_COOLOFF_TIME
    minutes = int(cooloff.total_seconds() // 60) if cooloff else None
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_minutes": minutes}
    return render(request, "registration/locked_out.html", context, status=429)
