from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from matrica.http import AuthenticatedHttpRequest
from matrica.tenancy.models import Beneficiary, Institution


@login_required
def administration_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    administrations = Beneficiary.objects.visible_to(request.user).annotate(
        institution_count=Count("institutions", distinct=True)
    )
    return render(request, "tenancy/administration_list.html", {"administrations": administrations})


@login_required
def administration_detail(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    administration = get_object_or_404(Beneficiary.objects.visible_to(request.user), code=code)
    institutions = (
        Institution.objects.visible_to(request.user)
        .filter(beneficiary=administration)
        .select_related("service")
        .annotate(active_staff=Count("staff", filter=Q(staff__active=True)))
        .order_by("service__kind", "name")
    )
    return render(
        request,
        "tenancy/administration_detail.html",
        {"administration": administration, "institutions": institutions},
    )
