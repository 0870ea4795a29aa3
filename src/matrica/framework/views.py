from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from matrica.framework.selectors import framework_matrix, matrix_modules
from matrica.http import AuthenticatedHttpRequest
from matrica.pages import as_of
from matrica.tenancy.models import Beneficiary


@login_required
def matrix(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The common matrix, or an administration's adaptation of it when one is chosen (national
    users see their own by default)."""
    on = as_of(request)
    administrations = Beneficiary.objects.visible_to(request.user)
    code = request.GET.get("administration", "")
    beneficiary = administrations.filter(code=code).first() if code else None
    if not code and request.user.beneficiary_id:
        beneficiary = administrations.filter(pk=request.user.beneficiary_id).first()
    modules = matrix_modules(request.user, beneficiary)
    context = {
        "matrix": framework_matrix(beneficiary=beneficiary, on=on, modules=modules),
        "on": on,
        "administrations": administrations,
        "beneficiary": beneficiary,
        "modules": modules.prefetch_related(
            "conferrals__area", "conferrals__level", "prerequisites_any_of"
        ),
    }
    return render(request, "framework/matrix.html", context)
