from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from matrica.accounts.selectors import home_figures
from matrica.http import AuthenticatedHttpRequest


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "accounts/home.html", {"figures": home_figures(request.user)})
