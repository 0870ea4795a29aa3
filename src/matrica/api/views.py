"""The page where a user creates and revokes their personal API tokens."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from matrica.api import actions
from matrica.api.models import ApiToken
from matrica.http import AuthenticatedHttpRequest
from matrica.staff.forms import add_action_errors


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"), max_length=100,
        help_text=gettext_lazy("What uses the token, for example “HR system”."),
    )  # fmt: skip
    days = forms.TypedChoiceField(
        label=gettext_lazy("Lasts"),
        coerce=int,
        choices=[
            (30, gettext_lazy("30 days")),
            (90, gettext_lazy("90 days")),
            (365, gettext_lazy("one year")),
        ],
        initial=90,
    )


@login_required
def tokens(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, secret = actions.create_token(
                actor=request.user, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            form = TokenForm()
    context = {
        "form": form,
        "secret": secret,
        "tokens": ApiToken.objects.filter(user=request.user),
    }
    return render(request, "api/tokens.html", context)


@login_required
@require_POST
def revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken.objects.filter(user=request.user), pk=pk)
    actions.revoke_token(actor=request.user, token=token)
    messages.success(request, _("The token is revoked: it no longer works."))
    return redirect("api_tokens")
