from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpResponse
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
