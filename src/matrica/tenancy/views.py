from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from matrica import disclosure
from matrica.http import AuthenticatedHttpRequest
from matrica.tenancy.models import Beneficiary, Institution
from matrica.tenancy.roles import ROLE_REACH, Reach


@login_required
def administration_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    administrations = Beneficiary.objects.visible_to(request.user).annotate(
        institution_count=Count("institutions", distinct=True)
    )
    return render(request, "tenancy/administration_list.html", {"administrations": administrations})


def _under_disclosure_control(user: Any) -> bool:
    """Whether the user sees head-counts without the people behind them (the coordinator)."""
    return not user.is_superuser and ROLE_REACH.get(user.role) is Reach.REGION


def hidden_head_counts(institutions: list[Institution]) -> frozenset[int]:
    """Institutions of one administration whose active head-count the coordinator may not see:
    under the threshold, and enough others that the administration's and each service's total
    (published with the compliance figures) never give one back."""
    sizes = {institution.pk: institution.active_staff for institution in institutions}  # type: ignore[attr-defined]
    services: dict[int, list[int]] = {}
    for institution in institutions:
        services.setdefault(institution.service_id, []).append(institution.pk)
    links = [
        disclosure.Linked(tuple(sizes), "administration"),
        *(
            disclosure.Linked(tuple(members), ("service", service))
            for service, members in services.items()
        ),
    ]
    return disclosure.suppress(sizes, links)


@login_required
def administration_detail(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    administration = get_object_or_404(Beneficiary.objects.visible_to(request.user), code=code)
    institutions = list(
        Institution.objects.visible_to(request.user)
        .filter(beneficiary=administration)
        .select_related("service")
        .annotate(active_staff=Count("staff", filter=Q(staff__active=True)))
        .order_by("service__kind", "name")
    )
    hidden = (
        hidden_head_counts(institutions) if _under_disclosure_control(request.user) else frozenset()
    )
    for institution in institutions:
        institution.head_count_hidden = institution.pk in hidden
    return render(
        request,
        "tenancy/administration_detail.html",
        {
            "administration": administration,
            "institutions": institutions,
            "disclosure_controlled": bool(hidden),
            "hidden_label": disclosure.hidden_label(),
            "threshold": disclosure.threshold(),
        },
    )
